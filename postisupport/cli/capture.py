"""`postisupport capture`: what the identity API said about a caller, kept as a replayable file."""

from pathlib import Path
from typing import Annotated

import typer

from postisupport.cli.options import (
    LANGUAGE_CHOICE,
    ConnectionOptions,
    command_group,
    language_option,
    state_of,
    with_options,
)

app = command_group("Keep what the API said about a caller, as a replayable file.")


@app.command("capture")
@with_options(ConnectionOptions, "connection")
def capture(
    ctx: typer.Context,
    identifier: Annotated[str, typer.Argument(
        metavar="IDENTIFIER", help="What the caller gave: their e-mail address, old legacy user ID, or "
                                   "organisation's business ID; with --org, their name.")],
    connection: ConnectionOptions,
    output: Annotated[Path, typer.Option(
        "--output", "-o", metavar="FILE", help="The capture file to write (mode 0600); an existing "
                                               "file only with --force; - for stdout.")],
    service: Annotated[list[str] | None, typer.Option(
        "--service", "-s", metavar="SERVICE", help="A service the caller can't reach; repeatable.")] = None,
    org: Annotated[str | None, typer.Option(
        "--org", metavar="ORGANISATION", show_default=False,
        help="Find the caller by name (IDENTIFIER) among this organisation's members: its name or "
             "business ID.")] = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar=LANGUAGE_CHOICE, show_default=False, callback=language_option,
        help="Language of the caller script.")] = None,
    pseudonymise: Annotated[bool, typer.Option(
        "--pseudonymise", help="Replace names, addresses, legacy IDs, business IDs and phone numbers "
                               "consistently, and leave out what the diagnosis does not read, "
                               "so the file can go into a ticket.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the capture file if it exists.")] = False,
) -> None:
    """Keep what the API said about a caller, as a replayable file.

    The file is a sandbox directory of every resource the diagnosis read, plus a record of the
    diagnosis: replay it with `replay`, or serve it with --sandbox-data.

    Nothing is written unless the whole file is: a capture that fails leaves no file, and an
    existing file is left as it was.

    Example: postisupport capture aino.korhonen@esimerkki.example.fi -o ticket.json
    """
    from postisupport.cli import render
    from postisupport.ops.audit import own_files
    from postisupport.ops.capture import capture as run
    from postisupport.ops.diagnose import DiagnoseOptions

    state = state_of(ctx)
    settings = state.settings(connection)
    view = render.view_for(state.env, settings, verified=True, masked=False, explain=False)
    options = DiagnoseOptions(identifier, tuple(service or ()), lang, settings.default_lang, org)
    target = state.env.stdout if str(output) == "-" else output
    done = run(settings, options, target, view, state.audit_trail(settings),
               state.observer(settings, output=output), pseudonymise, overwrite=force,
               own_files=own_files(state.env.state_dir))
    where = "on stdout" if done.path is None else f"in {done.path}"
    state.env.say(f"captured {done.report.decision.outcome} ({done.report.decision.rule}) {where}")
