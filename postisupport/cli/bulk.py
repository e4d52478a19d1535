"""`postisupport bulk`: check many users at once, from a CSV, plain-text or NDJSON file."""

from pathlib import Path
from typing import Annotated, Any

import typer

from postisupport.cli.options import ConnectionOptions, command_group, state_of, with_options

app = command_group("Check many users at once, politely; safe to interrupt and resume.")


@app.command("bulk")
@with_options(ConnectionOptions, "connection")
def bulk(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(
        metavar="INPUT",
        help="CSV (as Excel writes it), one identifier per line, or NDJSON; - for stdin.")],
    connection: ConnectionOptions,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", show_default=False,
        help="Where results go (default: stdout, as NDJSON).")] = None,
    format: Annotated[str | None, typer.Option(
        "--format", metavar="csv|ndjson", show_default=False,
        help="Output format; default: from the output's extension (.csv, .ndjson, .jsonl).")] = None,
    column: Annotated[str | None, typer.Option(
        "--column", metavar="NAME", show_default=False,
        help="The CSV column holding the identifiers (found by name otherwise).")] = None,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", min=1, max=64, help="Requests in flight at once.")] = 8,
    rate: Annotated[float | None, typer.Option(
        "--rate", min=0.1, metavar="N", show_default=False,
        help="At most N requests per second, shared by all workers.")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Finish an interrupted run: do only the rows the output lacks.")] = False,
    retry_failed: Annotated[bool, typer.Option(
        "--retry-failed", help="Run again only the rows whose result is an error.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing output.")] = False,
    excel: Annotated[bool, typer.Option(
        "--excel", help="CSV that Excel opens directly (a BOM, ; between fields).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress and no summary.")] = False,
) -> None:
    """Check many users at once, politely; safe to interrupt and resume.

    Reads CSV (as Excel writes it), one identifier per line, or NDJSON; writes one NDJSON or CSV
    row per input row. Exit 0 when every row got a diagnosis, 6 when some rows ended with an error.

    Example: postisupport bulk users.csv -o results.csv --concurrency 16 --rate 50
    """
    from postisupport.cli import render
    from postisupport.cli.main import ExitStatus, error_object
    from postisupport.ops.bulk import BulkOptions
    from postisupport.ops.bulk import run as run_bulk

    state = state_of(ctx)
    chosen_modes = (("resume", resume), ("retry-failed", retry_failed), ("force", force))
    modes = [name for name, on in chosen_modes if on]
    if len(modes) > 1:
        raise typer.BadParameter("give at most one of --resume, --retry-failed and --force",
                                 param_hint=f"'--{modes[1]}'")
    chosen = format or _format_of(output)
    if chosen not in ("csv", "ndjson"):
        raise typer.BadParameter(f"{chosen!r} is not csv or ndjson", param_hint="'--format'")
    if excel and chosen != "csv":
        raise typer.BadParameter("--excel writes CSV", param_hint="'--excel'")
    settings = state.settings(connection)
    view = render.view_for(state.env, settings, verified=True, masked=False, explain=False)
    options = BulkOptions(None if source == "-" else Path(source), output, chosen, column,  # type: ignore[arg-type]
                          concurrency, rate, modes[0] if modes else "new", excel)  # type: ignore[arg-type]
    watcher = None if quiet else _Watcher(state.env)
    try:
        summary = run_bulk(settings, options, view, error_object, state.audit_trail(settings), watcher,
                           stdin=getattr(state.env.stdin, "buffer", None) if source == "-" else None,
                           stdout=state.env.stdout, observe=state.observer(settings))
    except KeyboardInterrupt:
        if output is not None:
            state.env.say(f"postisupport: stopped; to finish: postisupport bulk {source} -o {output} "
                          "--resume")
        raise
    finally:
        if watcher is not None:
            watcher.close()
    if not quiet:
        _summarise(state.env, summary)
    if summary.failed:
        raise typer.Exit(int(ExitStatus.ROWS_FAILED))


def _format_of(output: Path | None) -> str:
    if output is None:
        return "ndjson"
    return "csv" if output.suffix.lower() == ".csv" else "ndjson"


class _Watcher:
    """Progress on stderr: a live bar on a terminal, a line every few seconds otherwise."""

    EVERY = 5.0

    def __init__(self, env: Any) -> None:
        import time

        self.env, self.last, self.time = env, time.monotonic(), time
        self.started = self.last
        self.bar: Any = None
        if env.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("{task.completed} rows"), BarColumn(),
                                TextColumn("{task.fields[note]}"), TimeElapsedColumn(),
                                console=Console(file=env.stderr), transient=True)
            self.task = self.bar.add_task("bulk", total=None, note="")
            self.bar.start()

    def row_done(self, summary: Any) -> None:
        elapsed = self.time.monotonic() - self.started
        rate = summary.rows / elapsed if elapsed > 0 else 0.0
        note = f"{summary.failed} errors, {rate:.1f} rows/s"
        if self.bar is not None:
            self.bar.update(self.task, completed=summary.rows, note=note)
        elif self.time.monotonic() - self.last >= self.EVERY:
            self.last = self.time.monotonic()
            self.env.say(f"postisupport: {summary.rows} rows done, {note}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _summarise(env: Any, summary: Any) -> None:
    rate = summary.rows / summary.seconds if summary.seconds else 0.0
    outcomes = ", ".join(f"{n} {name}" for name, n in sorted(summary.outcomes.items())) or "none"
    errors = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.errors.items())) or "none"
    before = f" ({summary.done_before} done before)" if summary.done_before else ""
    env.say(f"postisupport: {summary.rows} rows{before} in {summary.seconds:.1f} s ({rate:.1f} rows/s), "
            f"{summary.requests} requests; outcomes: {outcomes}; errors: {errors}"
            + (f"; {summary.blank_lines} blank lines skipped" if summary.blank_lines else ""))
