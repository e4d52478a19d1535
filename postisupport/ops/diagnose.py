"""One diagnosis, end to end: identifier -> the store's answers (a Directory's Snapshot) -> facts ->
decision -> report."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from postisupport.config.settings import Settings
from postisupport.core.facts import Service, Snapshot, build
from postisupport.core.identifiers import (
    Asked,
    business_id,
    kind_of,
    looks_like_business_id,
    name_text,
    names_a_person,
    normalise,
)
from postisupport.core.report import Report, report
from postisupport.core.rules import decide
from postisupport.errors import ApiError, InvalidInput, PostisupportError
from postisupport.output.script import catalog_names, catalog_service
from postisupport.sources import Directory, open_directory

if TYPE_CHECKING:
    # The trail is made by the caller, only when one is kept: importing it costs 8 ms of every start.
    from postisupport.ops.audit import AuditTrail

@dataclass(frozen=True)
class DiagnoseOptions:
    """What one diagnosis is asked: who, which services (none: a login problem), which script language."""

    identifier: str
    services: tuple[str, ...] = ()
    lang: str | None = None
    default_lang: str | None = None  # when the user has no preferredLanguage
    # Given: `identifier` is the caller's name, looked up among this organisation's members (its name
    # or business ID).
    organisation: str | None = None


@dataclass(frozen=True)
class Desk:
    """What every way of diagnosing shares: the store a command opened (its answers about organisations
    shared by a run, when opened so), the settings, and the audit trail each look-up goes into. A
    diagnosis, a session, a bulk run and a capture each look up through one, so none can forget the
    audit record."""

    settings: Settings
    directory: Directory
    trail: AuditTrail | None = None

    async def look_up(self, options: DiagnoseOptions) -> Report:
        result = await diagnose(self.directory, options)
        record(self.trail, self.settings, options, result)
        return result


def run(settings: Settings, options: DiagnoseOptions, trail: AuditTrail | None = None,
        observe: Any = None) -> Report:
    """Open the store `settings` name, diagnose once, close it; the look-up goes into `trail`, and
    every exchange with the store to `observe` (the engineer's trace)."""

    async def once() -> Report:
        async with open_directory(settings, observe=observe) as directory:
            return await Desk(settings, directory, trail).look_up(options)

    return asyncio.run(once())


def each(settings: Settings, asked: Iterable[DiagnoseOptions], trail: AuditTrail | None = None,
         observe: Any = None) -> Iterator[tuple[DiagnoseOptions, Report | PostisupportError]]:
    """Diagnose one after the other on one open store (identifiers read from a pipe): each report,
    recorded in `trail` as `run` records it, or the error that identifier alone met (a bad identifier
    or service, an API error about it). An API that can't be reached or refuses the credentials
    raises: the next identifier would fare no better."""

    async def opened() -> Directory:
        return open_directory(settings, observe=observe)

    with asyncio.Runner() as runner:
        directory = runner.run(opened())
        desk = Desk(settings, directory, trail)
        try:
            for options in asked:
                try:
                    result = runner.run(desk.look_up(options))
                except (InvalidInput, ApiError) as error:
                    yield options, error
                    continue
                yield options, result
        finally:
            runner.run(directory.aclose())


def record(trail: AuditTrail | None, settings: Settings, options: DiagnoseOptions, result: Report) -> None:
    """One look-up into the audit trail (when there is one), as a Desk records it."""
    if trail is not None:
        facts = result.facts
        user = facts.user
        # Whose data the screen showed besides the user's: the candidates, and the administrators.
        shown = [c.id for c in facts.candidates] + [a.id for a in (*facts.admins, *facts.unable_admins)]
        trail.record(options.identifier, profile=settings.profile, api_host=api_host(settings),
                     outcome=result.decision.outcome, rule=result.decision.rule,
                     user_id=user.id if user is not None else None, directory=directory_of(settings),
                     shown=[i for i in dict.fromkeys(shown) if i])


def user_of(settings: Settings, identifier: str, observe: Any = None) -> str | None:
    """The id of the one user `identifier` finds (None: no one, or several), as a diagnosis finds
    them; for the auditor, so nothing is recorded."""

    async def once() -> str | None:
        async with open_directory(settings, observe=observe) as directory:
            found = build(await directory.snapshot(normalise(identifier)))
        return found.user.id if found.user is not None else None

    return asyncio.run(once())


def _look_up(directory: Directory, options: DiagnoseOptions) -> Awaitable[Snapshot]:
    """What the identifier is taken for, checked before anything is asked of the API: a name within
    its organisation, a business ID (the organisation and its administrators), else an e-mail
    address or a legacy user ID."""
    if options.organisation is not None and names_a_person(options.identifier):
        name = name_text(options.identifier)
        organisation = name_text(options.organisation, "organisation")
        if looks_like_business_id(organisation):
            organisation = business_id(organisation)
        return directory.snapshot_by_name(name, organisation)
    if looks_like_business_id(options.identifier):
        return directory.organisation(business_id(options.identifier))
    identifier = normalise(options.identifier)
    asked = Asked(options.identifier.strip(), kind_of(identifier))
    return directory.snapshot(identifier, asked)


def api_host(settings: Settings) -> str:
    return "sandbox" if settings.uses_sandbox else urlsplit(settings.api_url or "").hostname or "?"


def directory_of(settings: Settings) -> str:
    """Which directory a look-up asked, finer than its host: a user id names a person only within one
    (test and production on one host at two ports, tenants by path, two sandbox data files)."""
    if settings.uses_sandbox:
        return f"sandbox:{Path(settings.sandbox_data).resolve()}" if settings.sandbox_data else "sandbox"
    parts = urlsplit(settings.api_url or "")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}".lower()


async def diagnose(directory: Directory, options: DiagnoseOptions) -> Report:
    """One diagnosis on an open store, so a session or a bulk run can share it (and, for a bulk run,
    the answers about organisations it has already asked)."""
    if any(not name.strip() for name in options.services):
        raise InvalidInput("service", "needs a service id or name, not an empty value",
                           "shell.refused.empty-service")
    if options.services and options.organisation is None and looks_like_business_id(options.identifier):
        # An organisation holds no rights of its own: dropping --service would answer another question.
        raise InvalidInput("service", "can't be checked for a business ID: it finds the organisation, "
                           "not the caller; look the caller up by name within it (\"NAME\" --org "
                           f"{business_id(options.identifier)}) or by their address",
                           "error.service.business-id", business_id=business_id(options.identifier))
    found = build(await _look_up(directory, options))
    known = found.known_services()
    # The screen names services in the agent's language, so the agent may type that name
    # (E-laskutus, E-fakturering): it means the service whose id the catalogs give it.
    other_names = [name for service in known for name in catalog_names(service.id)]
    meant_ids = {asked: _catalog_id(asked, known) for asked in options.services}
    for asked in options.services:
        parts = [part for part in re.split(r"[,;/]|\s+", asked) if part]
        listed = [part.strip() for part in re.split(r"[,;/]", asked) if part.strip()]
        several = all(_names_known(p, known) for p in parts) or (
            len(listed) > 1 and any(_names_known(p, known) for p in listed))
        if len(parts) > 1 and not _names_known(asked, known) and several:
            # "reports; invoicing" is no one service: read as one, its verdict would be "not among the
            # organisation's services", silently (F26-10); so is "tracking/parcels", of which one part is
            # a service the administrator can grant (F31-2).
            raise InvalidInput("service", f"{asked!r} names several services; give each one on its own "
                               "(--service for each, or | between them in a bulk file)",
                               "error.service.several", given=repr(asked))
        meant = None if meant_ids[asked] else found.suggestion_for(asked, other_names)
        if meant is not None:
            # Told to the agent, never to the caller: a slip must not become "you have no <slip>".
            slip = InvalidInput("service", f"{asked!r} is no service of this user or organisation; "
                                f"did you mean {meant!r}?", "error.service.slip", given=repr(asked),
                                meant=repr(meant))
            slip.plain = (meant,)
            raise slip
    decision = decide(found, tuple(meant_ids[asked] or asked for asked in options.services))
    # The verdicts say what was typed, as the agent typed it.
    typed = {meant_ids[asked] or asked: asked for asked in options.services}
    decision = replace(decision, services=tuple(replace(v, asked=typed.get(v.asked, v.asked))
                                                for v in decision.services))
    return report(found, decision, options.lang, options.default_lang, options.identifier)


def _names_known(asked: str, known: Sequence[Service]) -> bool:
    """Whether `asked` names a known service: by its id or the directory's name, or a catalog's."""
    return any(service.answers_to(asked) for service in known) or _catalog_id(asked, known) is not None


def _catalog_id(asked: str, known: Sequence[Service]) -> str | None:
    """The id of the known service that `asked` names by its catalog name in some language, when no
    known service answers to `asked` itself; else None."""
    if any(service.answers_to(asked) for service in known):
        return None
    meant = catalog_service(asked)
    return meant if meant is not None and any(service.answers_to(meant) for service in known) else None
