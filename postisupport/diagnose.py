"""One diagnosis, end to end: identifier -> SCIM resources -> facts -> decision -> report."""

from __future__ import annotations

from collections.abc import Sequence

from postisupport import facts as facts_
from postisupport.decide import decide
from postisupport.errors import UsageError
from postisupport.identifiers import normalise
from postisupport.lookup import fetch
from postisupport.render import Report, report
from postisupport.scim import ScimClient


async def diagnose(
    client: ScimClient,
    identifier: str,
    services: Sequence[str] = (),
    lang: str | None = None,
) -> Report:
    if any(not name.strip() for name in services):
        raise UsageError("--service needs a service id or name, not an empty value")
    snapshot = await fetch(client, normalise(identifier))
    found = facts_.build(snapshot)
    return report(found, decide(found, services), lang)
