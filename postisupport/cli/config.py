"""`postisupport config ...`: the settings in force and where each comes from."""


import typer

from postisupport.cli.options import ConnectionOptions, command_group, state_of, with_options

app = command_group("The settings in force and the config file.\n\n"
                  "Example: postisupport config show --profile work")


@app.command("show")
@with_options(ConnectionOptions, "connection")
def show(ctx: typer.Context, connection: ConnectionOptions) -> None:
    """Print every setting in force and where it came from (flag, environment, profile, keyring,
    default). Secrets are never shown, only whether they are set.

    Example: postisupport config show --profile work
    """
    from postisupport.cli.main import FLAGS
    from postisupport.config.names import ENVIRONMENT_VARIABLES, Origin
    from postisupport.config.settings import DEFAULTS, SECRETS

    state = state_of(ctx)
    settings = state.settings(connection)
    print(f"{'config file':20} {settings.config_path}", file=state.env.stdout)
    for name in DEFAULTS:
        value = getattr(settings, name)
        shown = ("set" if value else "not set") if name in SECRETS else ("-" if value is None else value)
        origin = settings.origin(name)
        where = {Origin.FLAG: FLAGS.get(name, ""), Origin.ENVIRONMENT: ENVIRONMENT_VARIABLES.get(name, "")}
        source = f"{origin} {where[origin]}".strip() if origin in where else str(origin)
        print(f"{name:20} {shown}  ({source})", file=state.env.stdout)


@app.command("path")
def path(ctx: typer.Context) -> None:
    """Print where the config file is (POSTISUPPORT_CONFIG, else the platform's config folder).

    Example: postisupport config path
    """
    state = state_of(ctx)
    print(state.config_path(), file=state.env.stdout)
