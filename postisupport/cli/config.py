"""`postisupport config ...`: the settings in force and where each comes from."""


from pathlib import Path
from typing import Annotated, Any

import typer

from postisupport.cli.options import ConnectionOptions, command_group, state_of, with_options

app = command_group("The settings in force and the config file.\n\n"
                  "Example: postisupport config show --profile work")


@app.command("show")
@with_options(ConnectionOptions, "connection")
def show(
    ctx: typer.Context,
    connection: ConnectionOptions,
    json: Annotated[bool, typer.Option(
        "--json", help="As one JSON object on stdout (secrets only as set or not set).")] = False,
) -> None:
    """Print every setting in force and where it came from (flag, environment, profile, keyring,
    default). Secrets are never shown, only whether they are set.

    Example: postisupport config show --profile work
    """
    from postisupport.cli.main import FLAGS
    from postisupport.config.names import ENVIRONMENT_VARIABLES, Origin
    from postisupport.config.settings import DEFAULTS, SECRETS
    from postisupport.errors import UnreadableSecret, UnusableSecret

    state = state_of(ctx)
    settings = state.settings(connection)
    rows: dict[str, dict[str, Any]] = {}
    for name in DEFAULTS:
        value = getattr(settings, name)
        origin = settings.origin(name)
        names = {Origin.FLAG: FLAGS.get(name), Origin.ENVIRONMENT: ENVIRONMENT_VARIABLES.get(name)}
        named = names.get(origin)
        row: dict[str, Any] = {"value": ("set" if value else "not set") if name in SECRETS else value,
                               "origin": str(origin), "from": named}
        if settings.unbound is not None and settings.unbound.kind == name:
            withheld = settings.unbound
            why = f"can't be used ({withheld.reason})" if isinstance(withheld, UnusableSecret) \
                else f"the keyring could not be read ({withheld.reason})" \
                if isinstance(withheld, UnreadableSecret) else "stored for other URLs"
            row.update(origin=str(Origin.KEYRING), refused=str(settings.unbound), why=why)
        rows[name] = row
    if json:
        from postisupport.output.document import dumps

        document = {"config_file": str(settings.config_path) if settings.config_path else None,
                    "settings": {name: {k: str(v) if isinstance(v, Path) else v for k, v in row.items()
                                        if k != "why"}  # `refused` says it whole
                                 for name, row in rows.items()}}
        print(dumps(document), file=state.env.stdout)
        return
    missing = settings.config_path is not None and not Path(settings.config_path).exists()
    print(f"{'config file':20} {settings.config_path}{' (no such file)' if missing else ''}",
          file=state.env.stdout)
    for name, row in rows.items():
        shown = "-" if row["value"] is None else row["value"]
        source = f"{row['origin']} {row['from']}" if row["from"] else row["origin"]
        if "refused" in row:
            source += f": {row['why']}; auth login again"
        print(f"{name:20} {shown}  ({source})", file=state.env.stdout)


@app.command("path")
def path(ctx: typer.Context) -> None:
    """Print where the config file is (POSTISUPPORT_CONFIG, else the platform's config folder).

    Example: postisupport config path
    """
    state = state_of(ctx)
    print(state.config_path(), file=state.env.stdout)
