"""`postisupport doctor`: which quirks of the identity API matter for diagnoses."""

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

    Example: postisupport --sandbox doctor
    """
    import json

    from postisupport.cli.main import ExitStatus
    from postisupport.core.text import terminal_safe, wrapped
    from postisupport.ops.doctor import run

    state = state_of(ctx)
    settings = state.settings(connection)
    checks = run(settings, state.observer(settings))
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
    if any(check.status == "fail" for check in checks):
        raise typer.Exit(int(ExitStatus.DOCTOR_FAILED))
    if any(check.untested for check in checks):
        # Not "can't be trusted": the server said only "not now", so nothing is known either way.
        raise typer.Exit(int(ExitStatus.API_ERROR))
