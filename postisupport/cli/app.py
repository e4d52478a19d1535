"""The Typer app: the global options, and the commands registered from their modules.

Heavy modules (httpx, pydantic, rich, scim2) are imported inside the commands,
so `--help` and `--version` stay fast.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from postisupport import __version__
from postisupport.cli import audit, auth, config, diagnose, sandbox
from postisupport.cli.options import ConnectionOptions, state_of, with_options

app = typer.Typer(
    help="Which step of Posti's login-renewal runbook applies to a caller, with the evidence "
    "and a script to read to them.\n\nExample: postisupport --sandbox diagnose ESIM0042",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        print(f"postisupport {__version__}")
        raise typer.Exit()


@app.callback()
@with_options(ConnectionOptions, "connection")
def configure(
    ctx: typer.Context,
    connection: ConnectionOptions,
    debug: Annotated[bool, typer.Option(
        "--debug", help="Show a traceback for internal errors.")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    state = state_of(ctx)
    state.connection = connection
    state.debug = debug


app.command("diagnose")(diagnose.command)
app.add_typer(auth.app, name="auth")
app.add_typer(config.app, name="config")
app.add_typer(audit.app, name="audit")
app.add_typer(sandbox.app, name="sandbox")


def commands(**context: Any) -> list[tuple[str, Any, Any]]:
    """Every command of the app, the app itself first, as (path, Click command, its context):
    what the docs and their test walk, so a new command cannot go undocumented."""
    root = typer.main.get_command(app)
    found: list[tuple[str, Any, Any]] = []

    def walk(command: Any, ctx: Any, path: str) -> None:
        found.append((path, command, ctx))
        for name in sorted(getattr(command, "commands", {})):
            sub = command.commands[name]
            walk(sub, sub.context_class(sub, info_name=name, parent=ctx), f"{path} {name}".strip())

    settings = {**root.context_settings, **context}
    walk(root, root.context_class(root, info_name="postisupport", **settings), "")
    return found
