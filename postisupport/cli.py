"""The command line: parse, call the library, render. Nothing else lives here.

Heavy modules (httpx, pydantic, rich, scim2) are imported inside the commands,
so `--help` and `--version` stay fast.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from postisupport import __version__
from postisupport.connect import API_URL_VARIABLE, DEFAULT_TIMEOUT, Settings
from postisupport.errors import PostisupportError, exit_status_of

DEBUG_VARIABLE = "POSTISUPPORT_DEBUG"

app = typer.Typer(
    help="Which step of Posti's login-renewal runbook applies to a caller, with the evidence "
    "and a script to read to them.\n\nExample: postisupport --sandbox diagnose ESIM0042",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
sandbox_app = typer.Typer(help="The embedded SCIM sandbox with fictional demo data.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")


class Lang(StrEnum):
    fi = "fi"
    sv = "sv"
    en = "en"


def _version(value: bool) -> None:
    if value:
        print(f"postisupport {__version__}")
        raise typer.Exit()


@app.callback()
def configure(
    ctx: typer.Context,
    api: Annotated[str | None, typer.Option(
        "--api", envvar=API_URL_VARIABLE, metavar="URL",
        help="SCIM base URL of the identity API; the token comes from POSTISUPPORT_TOKEN.")] = None,
    sandbox: Annotated[bool, typer.Option(
        "--sandbox", help="Use the embedded sandbox with its fictional demo directory.")] = False,
    sandbox_data: Annotated[Path | None, typer.Option(
        "--sandbox-data", metavar="FILE",
        help='Use the sandbox with this directory file ({"Users": [...], "Groups": [...]}).')] = None,
    timeout: Annotated[float, typer.Option(
        min=0.1, help="Seconds to wait for each API request.")] = DEFAULT_TIMEOUT,
    debug: Annotated[bool, typer.Option(
        "--debug", help="Show a traceback for internal errors.")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    if debug:
        os.environ[DEBUG_VARIABLE] = "1"
    ctx.obj = Settings(api_url=api, sandbox=sandbox, sandbox_data=sandbox_data, timeout=timeout)


@app.command()
def diagnose(
    ctx: typer.Context,
    identifier: Annotated[str, typer.Argument(
        help="What the caller gave: their e-mail address or old legacy user ID.")],
    service: Annotated[list[str] | None, typer.Option(
        "--service", "-s", metavar="SERVICE",
        help="The caller can't reach this service (id or name); repeatable.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the diagnosis as JSON.")] = False,
    lang: Annotated[Lang | None, typer.Option(
        help="Language of the caller script; default: the user's preferredLanguage.")] = None,
) -> None:
    """Say which runbook step applies to one caller.

    Example: postisupport --sandbox diagnose aino.korhonen@esimerkki.example.fi --lang en
    """
    import asyncio

    from postisupport import connect
    from postisupport.diagnose import diagnose as run

    async def one() -> Any:
        async with connect.client(ctx.obj) as client:
            return await run(client, identifier, service or (), lang.value if lang else None)

    rep = asyncio.run(one())
    if as_json:
        _print_json(rep)
    else:
        _print_screen(rep)


@sandbox_app.command("serve")
def sandbox_serve(
    data: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Directory file to serve instead of the demo data.")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port; 0 picks a free one.")] = 8080,
) -> None:
    """Serve the sandbox over HTTP until Ctrl-C or SIGTERM.

    Set POSTISUPPORT_SANDBOX_TOKEN to make it demand that bearer token.

    Example: postisupport sandbox serve --port 8080
    """
    from postisupport import sandbox

    application = sandbox.application(data, os.environ.get("POSTISUPPORT_SANDBOX_TOKEN") or None)
    sock, url = sandbox.bind(host, port)

    def announce() -> None:
        print(url, flush=True)
        print(f"serving the SCIM sandbox at {url}; Ctrl-C stops it", file=sys.stderr, flush=True)

    sandbox.serve(application, sock, announce)
    print("sandbox stopped", file=sys.stderr)


def _print_json(rep: Any) -> None:
    import json

    from postisupport.render import as_json

    sys.stdout.write(json.dumps(as_json(rep), ensure_ascii=False, indent=2) + "\n")


def _print_screen(rep: Any) -> None:
    from rich.console import Console

    from postisupport.render import screen

    Console().print(screen(rep))


def main() -> None:
    """The console script: runs the app and maps every failure to its exit code, here only."""
    try:
        app()
    except PostisupportError as error:
        _fail(f"error: {error}", error)
    except KeyboardInterrupt as error:
        _fail("interrupted", error)
    except Exception as error:
        if os.environ.get(DEBUG_VARIABLE):
            raise
        _fail(f"internal error: {type(error).__name__}: {error} (rerun with --debug for details)",
              error)


def _fail(message: str, error: BaseException) -> None:
    print(f"postisupport: {message}", file=sys.stderr)
    sys.exit(int(exit_status_of(error)))

