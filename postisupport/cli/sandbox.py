"""`postisupport sandbox ...`: the embedded SCIM sandbox."""


from pathlib import Path
from typing import Annotated

import typer

from postisupport.cli.options import ConnectionOptions, command_group, state_of

app = command_group("The embedded SCIM sandbox with fictional demo data.\n\n"
                  "Example: postisupport sandbox serve --port 8080")


@app.command("serve")
def serve(
    ctx: typer.Context,
    data: Annotated[Path | None, typer.Option(
        metavar="FILE", show_default=False,
        help="Directory file to serve instead of the demo data (or give --sandbox-data).")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port; 0 picks a free one.")] = 8080,
    writable: Annotated[bool, typer.Option(
        "--writable", help="Accept changes (POST, PUT, PATCH, DELETE); read-only otherwise.")] = False,
) -> None:
    """Serve the sandbox over HTTP until Ctrl-C or SIGTERM.

    Set POSTISUPPORT_SANDBOX_TOKEN to make it demand that bearer token.

    Example: postisupport sandbox serve --port 8080
    """
    from postisupport.ops.sandbox import ServeOptions, exposed
    from postisupport.ops.sandbox import serve as run

    state = state_of(ctx)
    # The global --sandbox-data names the file to serve too; options for reaching an API mean nothing here.
    state.refuse_connection("sandbox serve serves the sandbox; it reads no identity API", "--sandbox",
                            "--sandbox-data")

    settings = state.settings(ConnectionOptions(sandbox=True, sandbox_data=data))
    options = ServeOptions(host, port, writable)

    def announce(url: str, captured_through: str | None) -> None:
        # Warned once the address is taken: an address that can't be listened on is an error alone.
        if exposed(settings, options):
            state.env.say(f"postisupport: warning: serving on {host} without POSTISUPPORT_SANDBOX_TOKEN: "
                          "anyone who can reach this address can read the directory")
        if captured_through is not None:
            state.env.say(f"postisupport: warning: {settings.sandbox_data} was captured through the mapping "
                          f"{captured_through!r} but is served in postisupport's own form: read it with the "
                          "default mapping (no --mapping, and no profile's mapping), or it is misread")
        print(url, file=state.env.stdout, flush=True)
        state.env.say(f"serving the SCIM sandbox at {url}; Ctrl-C stops it")

    run(settings, options, announce)
    state.env.say("sandbox stopped")


@app.command("demo-csv")
def demo_csv(ctx: typer.Context) -> None:
    """Write a bulk input of the demo directory's identifiers (CSV) to stdout.

    Example: postisupport sandbox demo-csv > users.csv && postisupport --sandbox bulk users.csv -o results.csv
    """
    from importlib.resources import files

    data = files("postisupport.sandbox").joinpath("data/users.csv").read_bytes()
    state_of(ctx).env.stdout.write(data.decode("utf-8"))
