"""`postisupport audit ...`: searching the trail of look-ups."""


from pathlib import Path
from typing import Annotated

import typer

from postisupport.cli.options import ConnectionOptions, command_group, state_of, with_options

app = command_group("The audit trail of look-ups (docs/auth.md).\n\n"
                  "Example: postisupport audit find aino.korhonen@esimerkki.example.fi")


@app.command("find")
@with_options(ConnectionOptions, "connection")
def find(
    ctx: typer.Context,
    identifier: Annotated[str, typer.Argument(
        metavar="IDENTIFIER", help="An e-mail address or legacy user ID of the person to look for.")],
    connection: ConnectionOptions,
) -> None:
    """Print every recorded look-up of this person, oldest first, one JSON line each.

    The trail holds only keyed hashes of each identifier and of the user it was found to be. With
    an identity API configured (or --sandbox), the identifier is first resolved to the user, so the
    look-ups under their other addresses or legacy ID are found too (nothing is recorded for it);
    without one, only the look-ups under this very identifier are.

    Example: postisupport audit find ESIM0042
    """
    import json

    from postisupport.cli.main import one_line, wording
    from postisupport.core.identifiers import name_text, normalise
    from postisupport.errors import InvalidInput, PostisupportError
    from postisupport.ops.audit import AuditTrail
    from postisupport.ops.diagnose import api_host, directory_of, user_of

    state = state_of(ctx)
    try:
        normalise(identifier)  # a malformed identifier is refused before anything is asked
        is_name = False
    except InvalidInput:
        if "@" in identifier or len(identifier.split()) < 2:
            raise
        name_text(identifier)  # a caller's name, as a look-up by name within an organisation has it
        is_name = True
    settings = state.settings(connection)
    user_id = None
    why = "no identity API configured (--api, --profile or --sandbox) to resolve it to the user"
    if is_name:
        why = "a name is resolved to a user only within an organisation"
    elif settings.api_url or settings.uses_sandbox:
        try:
            user_id = user_of(settings, identifier, state.observer(settings))
            why = "the identity API finds no one user by it"
        except InvalidInput:
            raise
        except PostisupportError as error:
            why = f"it could not be resolved to the user ({one_line(wording(error))})"
    if user_id is None:
        state.env.say(f"postisupport: warning: matching the identifier only, not the person's other "
                      f"addresses or legacy ID: {why}")
    trail = AuditTrail(state.env.state_dir, state.env.clock)
    found = 0
    for entry in trail.find(identifier, user_id, api_host(settings), directory_of(settings)):
        print(json.dumps(entry, ensure_ascii=False), file=state.env.stdout)
        found += 1
    whom = "this person" if user_id is not None else "this identifier"
    state.env.say(f"{found} look-up(s) of {whom} {_where(trail.path, trail.files())}")
    if not settings.audit:
        from postisupport.config.names import Origin

        off = "--no-audit" if settings.origin("audit") == Origin.FLAG else "audit = false in the config file"
        state.env.say(f"postisupport: warning: these settings record no look-ups ({off}), so look-ups "
                      "made with them are not in the trail")
    if trail.damaged:
        shown = ", ".join(f"{path.name} line {number}" for path, number in trail.damaged[:5])
        more = f" and {len(trail.damaged) - 5} more" if len(trail.damaged) > 5 else ""
        state.env.say(f"postisupport: warning: {len(trail.damaged)} damaged line(s) of the trail could "
                      f"not be read, so look-ups recorded there are not counted: {shown}{more}")


def _where(current: Path, files: list[Path]) -> str:
    """The files read, by name: the trail rotates, and a count must not pass for one file's."""
    if not files:
        return f"(no audit trail at {current} yet)"
    if files == [current]:
        return f"in {current}"
    rotated = [path.name for path in files if path != current]
    return (f"in {current} and {len(rotated)} rotated file(s) beside it ({', '.join(rotated)})"
            if current in files else f"in {len(rotated)} rotated file(s) in {current.parent} "
            f"({', '.join(rotated)})")
