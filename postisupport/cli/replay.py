"""`postisupport replay`: decide again from a capture, offline, with today's rules."""

from pathlib import Path
from typing import Annotated

import typer

from postisupport.cli.options import command_group, state_of

SHOWN_DIFFERENCE = 2000  # characters of each side of a difference shown

app = command_group("Decide again from a capture, offline, and say what differs.")


@app.command("replay")
def replay(
    ctx: typer.Context,
    capture: Annotated[Path, typer.Argument(metavar="CAPTURE", help="A file made by `capture`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the diagnosis as JSON.")] = False,
) -> None:
    """Decide again from a capture, offline, and say what differs.

    No identity API is configured or contacted: options for one (--api, --sandbox, ...) are
    refused, and so is a mapping (--mapping, POSTISUPPORT_MAPPING): the capture is read as it
    was captured. Exits 7 when today's rules decide differently from the captured decision, so
    capture files can serve as regression tests.

    Example: postisupport replay ticket.json
    """
    import json

    from postisupport.cli import render
    from postisupport.cli.main import ExitStatus
    from postisupport.config.names import ENVIRONMENT_VARIABLES
    from postisupport.config.settings import resolve
    from postisupport.core.text import shortened
    from postisupport.ops.capture import replay as run

    state = state_of(ctx)
    # The capture is the directory and says how it is read: a mapping named with it is refused as the
    # capture's (once the file is known to be one); every other option for reaching an API, as meaningless.
    # --no-audit is not one: replay records nothing, as a script that gives it to every command expects.
    state.refuse_connection("replay decides again from the capture alone; it reads no identity API",
                            "--mapping", "--no-audit")
    # No profile: it is standing configuration for an API, and replay reads none; of the environment, only
    # what says how to read and show the capture (a shell's POSTISUPPORT_PROFILE or _TIMEOUT is for others).
    shown = {ENVIRONMENT_VARIABLES[name] for name in ("mapping", "default_lang", "ui_lang", "timezone")}
    environ = {name: value for name, value in state.env.environ.items()
               if name in shown or name not in ENVIRONMENT_VARIABLES.values()}
    settings = resolve({"sandbox": True, "mapping": state.connection.mapping}, environ)
    view = render.view_for(state.env, settings, verified=True, masked=False, explain=False)
    result = run(capture, view, settings)
    if as_json:
        render.print_json(state.env, result.report, view)
    else:
        render.print_screen(state.env, result.report, view)
    for field, before, now in result.differences:
        # Each side cut short: a hand-edited record may hold a list of any length, and a line is read.
        was, is_now = (shortened(json.dumps(side, ensure_ascii=False), SHOWN_DIFFERENCE)
                       for side in (before, now))
        state.env.say(f"postisupport: replay differs in {field}: captured {was}, now {is_now}")
    if result.differences:
        raise typer.Exit(int(ExitStatus.REPLAY_DIFFERS))
