"""The Typer app: the global options, the diagnose command, and the command groups, loaded lazily.

Heavy modules (httpx, pydantic, rich, scim2) are imported inside the commands,
and each command group (auth, config, audit, sandbox) is imported and built
only when it is called, so `--help` and `--version` stay fast however many
commands there are.
"""

import importlib
import os
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from postisupport import __version__
from postisupport.cli import diagnose
from postisupport.cli.options import ConnectionOptions, state_of, with_options

# Command groups -> (the module whose `app` is a Typer with the group's commands, and its one-line
# help for the app's listing). A test holds each line to the group's own help.
GROUPS = {
    "auth": ("postisupport.cli.auth", "Credentials for the identity API, kept in the OS keyring."),
    "config": ("postisupport.cli.config", "The settings in force and the config file."),
    "audit": ("postisupport.cli.audit", "The audit trail of look-ups (docs/auth.md)."),
    "sandbox": ("postisupport.cli.sandbox", "The embedded SCIM sandbox with fictional demo data."),
    "mapping": ("postisupport.cli.mapping", "Which attributes of the identity store hold each fact."),
}
# Commands that stand alone, loaded the same way: their module's `app` holds just the one command.
COMMANDS = {
    "capture": ("postisupport.cli.capture",
                "Keep what the API said about a caller, as a replayable file."),
    "replay": ("postisupport.cli.replay", "Decide again from a capture, offline, and say what differs."),
    "bulk": ("postisupport.cli.bulk", "Check many users at once, politely; safe to interrupt and resume."),
    "doctor": ("postisupport.cli.doctor", "Check what the identity API does that diagnoses depend on."),
    "shell": ("postisupport.cli.shell", "A warm session for a whole shift: look up caller after caller."),
    "completion": ("postisupport.cli.completion", "Print the shell completion script for bash, zsh or fish."),
}
LAZY = {**GROUPS, **COMMANDS}


class LazyGroup(TyperGroup):
    """The app's group: a command group's module is imported and built on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in LAZY if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in LAZY and cmd_name not in self.commands:
            sub_app = importlib.import_module(LAZY[cmd_name][0]).app
            build = typer.main.get_command if cmd_name in COMMANDS else typer.main.get_group
            command = build(sub_app)
            command.name = cmd_name
            self.commands[cmd_name] = command
        return super().get_command(ctx, cmd_name)

    def _main_shell_completion(self, ctx_args: Any, prog_name: str, complete_var: str | None = None) -> None:
        # The completion script calls back with the variable set: only then load Typer's completion
        # classes (bash, zsh, fish), which plain start-up never needs.
        if os.environ.get(complete_var or f"_{prog_name}_COMPLETE".replace("-", "_").upper()):
            from typer._completion_classes import completion_init

            completion_init()
        super()._main_shell_completion(ctx_args, prog_name, complete_var)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        # The listing takes a group's line from GROUPS rather than loading the group for it.
        rows = [(name, self.commands[name].get_short_help_str(formatter.width)
                 if name in self.commands else LAZY[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    cls=LazyGroup,
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


def commands(**context: Any) -> list[tuple[str, Any, Any]]:
    """Every command of the app, the app itself first, as (path, Click command, its context):
    what the docs and their test walk, so a new command cannot go undocumented."""
    root = typer.main.get_command(app)
    found: list[tuple[str, Any, Any]] = []

    def walk(command: Any, ctx: Any, path: str) -> None:
        found.append((path, command, ctx))
        for name in command.list_commands(ctx) if hasattr(command, "list_commands") else []:
            sub = command.get_command(ctx, name)
            walk(sub, sub.context_class(sub, info_name=name, parent=ctx), f"{path} {name}".strip())

    settings = {**root.context_settings, **context}
    walk(root, root.context_class(root, info_name="postisupport", **settings), "")
    return found
