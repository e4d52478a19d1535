"""`postisupport bulk`: check many users at once, from a CSV, plain-text or NDJSON file."""

import contextlib
import math
import shlex
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from postisupport.cli.options import ConnectionOptions, command_group, state_of, with_options
from postisupport.core.text import counted
from postisupport.errors import ApiError, AuthError, UnreachableError

app = command_group("Check many users at once, politely; safe to interrupt and resume.")


def _finite_rate(rate: float | None) -> float | None:
    # FloatRange lets inf through (inf >= 0.1): a limiter of inf requests a second waits for ever.
    if rate is not None and not math.isfinite(rate):
        raise typer.BadParameter(f"{rate} is not a finite number of requests per second")
    if rate is not None and rate > MAX_RATE:
        raise typer.BadParameter(f"{rate:g} requests per second is more than any identity API takes (at most "
                                 f"{MAX_RATE})")
    return rate


# Requests per second: far beyond any server; the pacing's arithmetic overflows near infinity.
MAX_RATE = 1_000_000_000


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
        help="Where results go: .csv, .xlsx (a workbook), .ndjson or .jsonl; - or none: stdout, as "
             "NDJSON.")] = None,
    format: Annotated[str | None, typer.Option(
        "--format", metavar="csv|ndjson|xlsx", show_default=False,
        help="Output format; default: from the output's extension.")] = None,
    column: Annotated[str | None, typer.Option(
        "--column", metavar="NAME", show_default=False,
        help="The CSV column holding the identifiers (found by name otherwise).")] = None,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", min=1, max=64, help="Requests in flight at once.")] = 8,
    rate: Annotated[float | None, typer.Option(
        "--rate", min=0.1, metavar="N", show_default=False, callback=_finite_rate,
        help="At most N requests per second, shared by all workers.")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Finish an interrupted run: do only the rows the output lacks.")] = False,
    retry_failed: Annotated[bool, typer.Option(
        "--retry-failed", help="Run again the rows whose result is an error (and those the output "
                               "lacks).")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace an existing output (when the run ends).")] = False,
    excel: Annotated[bool | None, typer.Option(
        "--excel/--no-excel", show_default=False,
        help="CSV that Excel opens directly (a BOM, ; between fields); default: when the input is as "
             "Excel writes it (;, a BOM or cp1252).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress and no summary.")] = False,
) -> None:
    """Check many users at once, politely; safe to interrupt and resume.

    Reads CSV (as Excel writes it), one identifier per line, or NDJSON; writes one NDJSON, CSV or
    workbook row per input row. Exit 0 when every row of the output has a diagnosis, 6 when some
    rows of the output are errors (those read back by a resume included).

    Example: postisupport bulk users.csv -o checked.csv --concurrency 16 --rate 50
    """
    from postisupport.cli import render
    from postisupport.cli.main import ExitStatus, error_object
    from postisupport.ops.audit import own_files
    from postisupport.ops.bulk import BulkOptions
    from postisupport.ops.bulk import run as run_bulk

    state = state_of(ctx)
    chosen_modes = (("resume", resume), ("retry-failed", retry_failed), ("force", force))
    modes = [name for name, on in chosen_modes if on]
    if len(modes) > 1:
        raise typer.BadParameter("give at most one of --resume, --retry-failed and --force",
                                 param_hint=f"'--{modes[1]}'")
    if output is not None and str(output) == "-":
        output = None
    chosen = format or _format_of(output)
    if chosen not in FORMATS:
        raise typer.BadParameter(f"{chosen!r} is not csv, ndjson or xlsx", param_hint="'--format'")
    if excel is not None and chosen != "csv":
        raise typer.BadParameter("--excel writes CSV", param_hint="'--excel'")
    settings = state.settings(connection)
    view = render.view_for(state.env, settings, verified=True, masked=False, explain=False)
    mode = modes[0] if modes else "new"
    source_path = None if source == "-" else Path(source)
    options = BulkOptions(source_path, output, chosen, column, concurrency, rate,  # type: ignore[arg-type]
                          mode, excel, count_rows=not quiet and source_path is not None,  # type: ignore[arg-type]
                          own_files=own_files(state.env.state_dir))
    watcher = None if quiet else _Watcher(state.env)
    try:
        with _stopped_as_by_ctrl_c():
            summary = run_bulk(settings, options, view, error_object, state.audit_trail(settings), watcher,
                               stdin=getattr(state.env.stdin, "buffer", None) if source == "-" else None,
                               stdout=state.env.stdout,
                               observe=state.observer(settings, input=source_path, output=output))
    except (KeyboardInterrupt, AuthError, UnreachableError, ApiError):
        # Stopped by the user or by the API (refused credentials, down, answering errors) once the run
        # was under way: what became of the rows done, and the command that goes on from there.
        if watcher is not None:
            watcher.close()
        if output is not None:
            with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
                state.env.say(*_how_to_go_on(state, connection, source, output, chosen, mode,
                                             _option_words(format, column, concurrency, rate, excel, quiet)))
        raise
    finally:
        if watcher is not None:
            watcher.close()
    _warn(state.env, summary)
    if not quiet:
        _summarise(state.env, summary)
    if summary.failed:
        raise typer.Exit(int(ExitStatus.ROWS_FAILED))


STOPPING = (signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def _stopped_as_by_ctrl_c() -> Iterator[None]:
    """SIGTERM and SIGHUP (`kill`, `timeout`, systemd, a closed terminal) stop the run as Ctrl-C does:
    the temporary files, which hold the rows so far, are removed and the command that finishes the run
    is printed. Python's default for them is to die on the spot, leaving those files behind."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    def stop(signum: int, frame: Any) -> None:
        # What Ctrl-C would do now: asyncio's handler cancels the run's task (and the run raises
        # KeyboardInterrupt once it has wound down), Python's raises KeyboardInterrupt. SIGINT may be
        # ignored (a background job of a script): stop all the same.
        handler = signal.getsignal(signal.SIGINT)
        if callable(handler):
            handler(signal.SIGINT, frame)
        else:
            raise KeyboardInterrupt

    before = {number: signal.signal(number, stop) for number in STOPPING}
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


FORMATS = ("csv", "ndjson", "xlsx")
SUFFIXES = {".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson", ".xlsx": "xlsx"}


def _connection_words(state: Any, after: Any) -> list[str]:
    """The connection options given, before the command or after it, as they were given."""
    from postisupport.cli.options import OPTION_NAMES, merged

    given = merged(state.connection, after)
    words: list[str] = []
    for name, flag in OPTION_NAMES.items():
        value = getattr(given, name)
        if value is True:
            words.append(flag)
        elif value not in (None, False):
            words += [flag, str(value)]
    return words


def _how_to_go_on(state: Any, connection: Any, source: str, output: Path, chosen: str, mode: str,
                  options: list[str]) -> tuple[str, str]:
    """What became of the output, and the command that goes on, to be printed as it is (never wrapped).
    A workbook and a forced run replace the output only at the end: they start again, and an output
    that was there is as it was. Otherwise the output holds every row done, and the same mode (a resume
    for a new run) finishes it."""
    from postisupport.ops.bulk import is_stream

    # A device or a pipe can't be read back: its run starts again, as a workbook's does.
    streamed = is_stream(output)
    again = chosen == "xlsx" or mode == "force" or streamed
    finish = "new" if streamed else mode if again else \
        ("retry-failed" if mode == "retry-failed" else "resume")
    after = ["-o", str(output), *options, *([] if finish == "new" else [f"--{finish}"])]
    head = ["postisupport", *_connection_words(state, connection), "bulk"]
    # An input named like an option ("-users.csv") would be read as one: after "--" it is not.
    dashed = source.startswith("-") and source != "-"
    words = [*head, *after, "--", source] if dashed else [*head, source, *after]
    # Read from stdin, the rows are not where the command can find them again: the same input must be.
    piped = ", with the same input on stdin" if source == "-" else ""
    command = " ".join(shell_quoted(word) for word in words)
    if not again:
        return f"postisupport: stopped; to finish{piped}:", command
    kept = "; the output was left as it was" if mode == "force" and output.exists() and not streamed else ""
    return f"postisupport: stopped{kept}; to start again{piped}:", command


def shell_quoted(word: str) -> str:
    """`word` as a POSIX shell reads it back: shlex's quoting, or bash's $'...' for a word holding a
    control character or a byte that is no UTF-8 (kept by surrogateescape), which no other quoting can
    print and a terminal would show as something else."""
    if word.isprintable():
        return shlex.quote(word)
    def escaped(ch: str) -> str:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            return f"\\x{code - 0xDC00:02x}"
        if ch in "\\'":
            return "\\" + ch
        if ch.isprintable():
            return ch
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    return "$'" + "".join(escaped(ch) for ch in word) + "'"


def _option_words(format: str | None, column: str | None, concurrency: int, rate: float | None,
                  excel: bool | None, quiet: bool) -> list[str]:
    words = [*(["--format", format] if format else []), *(["--column", column] if column else []),
             "--concurrency", str(concurrency), *(["--rate", _number(rate)] if rate else [])]
    if excel is not None:
        words.append("--excel" if excel else "--no-excel")
    return [*words, *(["--quiet"] if quiet else [])]


def _number(value: float) -> str:
    """As short as it can be written and still be the value given: 2 for 2.0, not 1.23457e+06 for 1234567."""
    return next(text for digits in range(6, 18) if float(text := f"{value:.{digits}g}") == value)


def _format_of(output: Path | None) -> str:
    if output is None:
        return "ndjson"
    if output.suffix.lower() in SUFFIXES:
        return SUFFIXES[output.suffix.lower()]
    if output.is_dir() or (output.exists() and not output.is_file()):
        return "ndjson"  # a folder is refused with its own reason; a device (/dev/null) takes a stream
    raise typer.BadParameter(f"no format is known by the name {output.name!r}: name the file .csv, .xlsx, "
                             ".ndjson or .jsonl, or give --format", param_hint="'--output'")


class _Watcher:
    """Progress on stderr: a live bar on a terminal (rows, a percentage and the time left when the
    input's rows were counted), a line every few seconds otherwise."""

    EVERY = 5.0

    def __init__(self, env: Any) -> None:
        import time

        self.env, self.time = env, time
        self.last = self.started_at = time.monotonic()
        self.bar: Any = None
        self.total: int | None = None
        self.before = 0

    def started(self, summary: Any) -> None:
        self.total, self.before = summary.total, summary.done_before
        self.started_at = self.last = self.time.monotonic()
        if self.env.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(TextColumn("{task.completed}/{task.total} rows" if self.total is not None
                                           else "{task.completed} rows"),
                                BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                                TextColumn("{task.fields[note]}"), TimeElapsedColumn(),
                                console=Console(file=self.env.stderr), transient=True)
            self.task = self.bar.add_task("bulk", total=self.total, completed=self.before, note="")
            self.bar.start()

    def row_done(self, summary: Any) -> None:
        now = self.time.monotonic()
        elapsed = now - self.started_at
        rate = summary.rows / elapsed if elapsed > 0 else 0.0
        note = f"{counted(summary.failed, 'error')}, {rate:.1f} rows/s"
        done = self.before + summary.rows
        if self.bar is not None:
            self.bar.update(self.task, completed=done, note=note)
        elif now - self.last >= self.EVERY:
            self.last = now
            if self.total:
                # No estimate from a rate measured over too few rows: the first ones wait the longest.
                told = rate and summary.rows >= 10
                left = f", about {(self.total - done) / rate:.0f} s left" if told else ""
                share = f" of {self.total} ({100 * done // self.total} %{left})"
            else:
                share = ""
            self.env.say(f"postisupport: {counted(done, 'row')} done{share}, {note}")

    def waiting(self, summary: Any) -> None:
        """A line every few seconds off a terminal even while no row is done (the bar ticks by itself)."""
        self.row_done(summary)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _warn(env: Any, summary: Any) -> None:
    """What the output could not hold as it was given, said even with --quiet: the cells differ from
    the input and the API."""
    from postisupport.output.table import WORKBOOK_CELL

    if summary.wide_rows:
        n = summary.wide_rows
        env.say(f"postisupport: warning: {n} row{'' if n == 1 else 's'} (the first: row "
                f"{summary.first_wide_row}) had more fields than the header, and the fields past the last "
                "column are not in the output: a comma or semicolon in a note? Quote such cells")
    if summary.unheaded_rows:
        n, keys = summary.unheaded_rows, summary.unheaded_keys
        shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
        env.say(f"postisupport: warning: {n} row{'' if n == 1 else 's'} (the first: row "
                f"{summary.first_unheaded_row}) had keys the output has no column for ({shown}), and these "
                "are not in it: read from a pipe, which is read once, an input's columns are the keys of its "
                "first lines; give it as a file, or write NDJSON, to keep them")
    if summary.replaced_cells:
        n = summary.replaced_cells
        env.say(f"postisupport: warning: {_cells(n)} held characters a workbook can't (control characters, "
                "U+FFFE, U+FFFF), shown as U+FFFD (\ufffd) instead; CSV and NDJSON keep them")
    if summary.cut_cells:
        n = summary.cut_cells
        env.say(f"postisupport: warning: {_cells(n)} {'was' if n == 1 else 'were'} longer than the "
                f"{WORKBOOK_CELL:,} characters a workbook cell holds, and {'was' if n == 1 else 'were'} cut "
                "(marked \"[cut: ...]\" at the end); CSV and NDJSON keep them whole")


def _cells(count: int) -> str:
    return counted(count, "workbook cell")


def _summarise(env: Any, summary: Any) -> None:
    """Counts of what the output holds when the run ends, per outcome and per kind of error."""
    rate = summary.rows / summary.seconds if summary.seconds else 0.0
    outcomes = ", ".join(f"{n} {name}" for name, n in sorted(summary.outcomes.items())) or "none"
    errors = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.errors.items())) or "none"
    before = f" ({summary.done_before} done before)" if summary.done_before else ""
    env.say(f"postisupport: {counted(summary.rows, 'row')}{before} in {summary.seconds:.1f} s ({rate:.1f} "
            f"rows/s), {counted(summary.requests, 'request')}; outcomes: {outcomes}; errors: {errors}"
            + (f"; {counted(summary.blank_lines, 'blank line')} skipped" if summary.blank_lines else ""))
