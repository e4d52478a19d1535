"""`postisupport diagnose`: which runbook step applies to one caller."""


from typing import Annotated

import typer

from postisupport.cli.options import ConnectionOptions, state_of, with_options
from postisupport.core.language import LANGUAGES


def _language(value: str | None) -> str | None:
    # The choices are the languages the catalogs have, by construction.
    if value is not None and value not in LANGUAGES:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(LANGUAGES)}")
    return value


@with_options(ConnectionOptions, "connection")
def command(
    ctx: typer.Context,
    identifier: Annotated[str, typer.Argument(
        metavar="IDENTIFIER", help="What the caller gave: their e-mail address or old legacy user ID.")],
    connection: ConnectionOptions,
    service: Annotated[list[str] | None, typer.Option(
        "--service", "-s", metavar="SERVICE",
        help="The caller can't reach this service (id or name); repeatable.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the diagnosis as JSON.")] = False,
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar="|".join(LANGUAGES), show_default=False, callback=_language,
        help="Language of the caller script; default: the user's preferredLanguage.")] = None,
) -> None:
    """Say which runbook step applies to one caller.

    Example: postisupport --sandbox diagnose aino.korhonen@esimerkki.example.fi --lang en
    """
    from postisupport.ops.diagnose import DiagnoseOptions, run

    state = state_of(ctx)
    settings = state.settings(connection)
    options = DiagnoseOptions(identifier, tuple(service or ()), lang, settings.default_lang)
    report = run(settings, options, state.audit_trail(settings))
    if as_json:
        from postisupport.cli.render import print_json

        print_json(state.env, report)
    else:
        from postisupport.cli.render import print_screen

        print_screen(state.env, report)
