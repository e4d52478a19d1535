"""`postisupport doctor`: which quirks of the identity API matter for diagnoses."""

from pathlib import Path
from typing import Annotated

import typer

from postisupport.cli.options import ConnectionOptions, command_group, state_of, with_options

app = command_group("Check what the identity API does that diagnoses depend on.")


@app.command("doctor")
@with_options(ConnectionOptions, "connection")
def doctor(
    ctx: typer.Context,
    connection: ConnectionOptions,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
    draft_mapping: Annotated[Path | None, typer.Option(
        "--draft-mapping", metavar="FILE", help="Also write a mapping for this server to FILE (a new file): "
        "the mapping in force, each attribute the server lacks replaced by one it has, else left out "
        "(unknown for everyone).")] = None,
) -> None:
    """Check what the identity API does that diagnoses depend on.

    Read-only: filters applied, values escaped, userName compared case-insensitively,
    attributes= and paging honoured, extensions declared; users the server lists looked up
    by what they carry (positive controls), how many of them carry each fact the mapping
    reads (coverage), and the latency. Each check passes, warns (diagnoses hold, with the
    caveat shown) or fails, and says what it means for diagnoses; exits 8 if any fails. A check
    the API rate limited (429, or 503), or one that looks for no one while no user is visible, is
    "not tested", a warning: with no check failed, doctor then exits 5 (run it again later),
    never 8. An API that can't be reached (or answers nothing in time) stops it with exit 4,
    refused credentials with exit 3: neither is a finding about the server.

    With --draft-mapping FILE it also writes the mapping in force made to fit this server,
    from its /Schemas and the users it lists first; check it, then run doctor with
    --mapping FILE to see what is still unknown.

    Example: postisupport --sandbox doctor

    Example: postisupport --sandbox doctor --draft-mapping mine.toml
    """
    import json
    import shlex

    from postisupport.cli.main import ExitStatus
    from postisupport.core.text import terminal_safe, wrapped
    from postisupport.ops.doctor import check_draft_file, run, write_draft

    state = state_of(ctx)
    settings = state.settings(connection)
    if draft_mapping is not None:
        check_draft_file(draft_mapping)
    findings = run(settings, state.observer(settings, **{"draft mapping": draft_mapping}),
                   draft=draft_mapping is not None)
    checks = findings.checks
    if as_json:
        # `untested` is told by the detail ("not tested: ...") and the exit code, as on the screen.
        shown = [{"id": check.id, "status": check.status, "detail": check.detail,
                  "consequence": check.consequence} for check in checks]
        state.env.stdout.write(json.dumps(shown, ensure_ascii=False, indent=2) + "\n")
    else:
        # Details quote what the server said: no control character reaches the terminal.
        width = max(len(check.id) for check in checks)
        columns = state.env.terminal_width(state.env.stdout)
        for check in checks:
            # The consequence where the detail does not already end in it, as the newer checks' don't.
            said = check.detail if check.consequence is None or check.consequence in check.detail \
                else f"{check.detail}; so {check.consequence}"
            line = terminal_safe(f"{check.status:<4}  {check.id:<{width}}  {said}")
            if columns is not None:
                line = wrapped(line, columns, indent=4 + 2 + width + 2)  # details under details
            state.env.stdout.write(line + "\n")
    if draft_mapping is not None and findings.draft is not None:
        write_draft(draft_mapping, findings.draft.text)
        drafted = findings.draft
        replaced = "; ".join(f"{fact}: {old} -> {new}" for fact, old, new in drafted.replaced)
        added = "; ".join(f"{fact}: {path}" for fact, path in drafted.added)
        state.env.say(f"postisupport: wrote a draft mapping to {draft_mapping}"
                      + (f"; replaced {replaced}" if replaced else "") + (f"; added {added}" if added else "")
                      + (f"; unknown for everyone: {', '.join(drafted.unmapped)}"
                         if drafted.unmapped else "")
                      + f". Check it, then run doctor again with --mapping {shlex.quote(str(draft_mapping))}")
    if any(check.status == "fail" for check in checks):
        raise typer.Exit(int(ExitStatus.DOCTOR_FAILED))
    if any(check.untested for check in checks):
        # Not "can't be trusted": the server said only "not now", so nothing is known either way.
        raise typer.Exit(int(ExitStatus.API_ERROR))
