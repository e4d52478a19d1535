"""`postisupport audit ...`: searching the trail of look-ups."""


from typing import Annotated

import typer

from postisupport.cli.options import command_group, state_of

app = command_group("The audit trail of look-ups (docs/auth.md).\n\n"
                  "Example: postisupport audit find aino.korhonen@esimerkki.example.fi")


@app.command("find")
def find(
    ctx: typer.Context,
    identifier: Annotated[str, typer.Argument(
        metavar="IDENTIFIER", help="The e-mail address or legacy user ID to look for.")],
) -> None:
    """Print every recorded look-up of this identifier, oldest first, one JSON line each.

    The trail holds only a keyed hash of each identifier; this hashes the one given with the same
    key and compares.

    Example: postisupport audit find aino.korhonen@esimerkki.example.fi
    """
    import json

    from postisupport.ops.audit import AuditTrail

    state = state_of(ctx)
    trail = AuditTrail(state.env.state_dir, state.env.clock)
    found = 0
    for entry in trail.find(identifier):
        print(json.dumps(entry, ensure_ascii=False), file=state.env.stdout)
        found += 1
    state.env.say(f"{found} look-up(s) of this identifier in {trail.path}")
