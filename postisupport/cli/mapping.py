"""`postisupport mapping ...`: the attribute mappings, as files a desk can copy and edit."""

import typer

from postisupport.cli.options import ConnectionOptions, command_group, state_of, with_options

app = command_group("Which attributes of the identity store hold each fact.\n\n"
                    "Example: postisupport --mapping scim-core mapping show > my-mapping.toml")


@app.command("show")
@with_options(ConnectionOptions, "connection")
def show(ctx: typer.Context, connection: ConnectionOptions) -> None:
    """Print the mapping in force (--mapping, POSTISUPPORT_MAPPING, the profile's mapping, else
    postisupport) as a TOML file, comments included: save it, edit it, pass it with --mapping FILE.

    Example: postisupport --mapping wso2 mapping show > wso2-mine.toml
    """
    from postisupport.sources import mapping_text

    state = state_of(ctx)
    state.env.stdout.write(mapping_text(state.settings(connection)))


@app.command("list")
def presets(ctx: typer.Context) -> None:
    """Print the shipped presets, one per line: its name and what it reads.

    Example: postisupport mapping list
    """
    from postisupport.sources import presets as shipped

    state = state_of(ctx)
    for name, description in shipped():
        print(f"{name:14} {description}", file=state.env.stdout)
