"""`postisupport diagnose`: which runbook step applies to one caller."""

from typing import Annotated

import typer

from postisupport.cli.options import (
    LANGUAGE_CHOICE,
    ConnectionOptions,
    language_option,
    state_of,
    with_options,
)


@with_options(ConnectionOptions, "connection")
def command(
    ctx: typer.Context,
    identifier: Annotated[str, typer.Argument(
        metavar="IDENTIFIER", help="What the caller gave: their e-mail address or old legacy user ID.")],
    connection: ConnectionOptions,
    service: Annotated[list[str] | None, typer.Option(
        "--service", "-s", metavar="SERVICE",
        help="The caller can't reach this service (id or name); repeatable.")] = None,
    verified: Annotated[bool, typer.Option(
        "--verified", help="The caller is verified: the script may name their login address and "
                           "administrators.")] = False,
    mask: Annotated[bool, typer.Option(
        "--mask", help="No full e-mail address, name, business ID or phone number in the output "
                       "(for screen sharing and tickets).")] = False,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Also show every rule considered, the facts it read, the evidence and the "
                          "data problems.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the diagnosis as JSON.")] = False,
    script: Annotated[bool, typer.Option(
        "--script", help="Print only the caller script, as plain text.")] = False,
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar=LANGUAGE_CHOICE, show_default=False, callback=language_option,
        help="Language of the caller script; default: the user's preferredLanguage.")] = None,
    ui_lang: Annotated[str | None, typer.Option(
        "--ui-lang", metavar=LANGUAGE_CHOICE, show_default=False, callback=language_option,
        help="Language of the agent's screen (also POSTISUPPORT_UI_LANG or the profile; "
             "default en).")] = None,
) -> None:
    """Say which runbook step applies to one caller.

    Example: postisupport --sandbox diagnose aino.korhonen@esimerkki.example.fi --verified --lang en
    """
    from postisupport.cli import render
    from postisupport.errors import ApiError, AuthError, UnreachableError
    from postisupport.ops.diagnose import DiagnoseOptions, run

    if as_json and script:
        raise typer.BadParameter("give one of --json and --script", param_hint="'--script'")
    state = state_of(ctx)
    settings = state.settings(connection, ui_lang=ui_lang)
    view = render.view_for(state.env, settings, verified=verified, masked=mask, explain=explain)
    options = DiagnoseOptions(identifier, tuple(service or ()), lang, settings.default_lang)
    try:
        report = run(settings, options, state.audit_trail(settings), state.observer(settings))
    except (AuthError, UnreachableError, ApiError) as error:
        if not as_json:
            render.print_fallback(state.env, settings, lang, view, error, script=script)
        raise
    if as_json:
        render.print_json(state.env, report, view)
    elif script:
        render.print_script(state.env, report, view)
    else:
        render.print_screen(state.env, report, view)
