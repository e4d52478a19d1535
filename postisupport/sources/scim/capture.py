"""A SCIM service provider's part of a capture (ops/capture.py): the resources a diagnosis read, as a
sandbox data file ({"Users": [...], "Groups": [...]}, ids kept, in the contract's form), and their
replay on the in-process sandbox, which serves them as the service provider did."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from postisupport.core.facts import fact_names
from postisupport.core.identifiers import normalise
from postisupport.core.report import Report
from postisupport.idp import mapping as mappings
from postisupport.idp import urns
from postisupport.idp.contract import MEMBERS, told_unknown
from postisupport.idp.reading import (
    contract_group,
    contract_user,
    group_facts,
    is_contract,
    member_ids,
    named,
    one_casing,
    user_facts,
)
from postisupport.scim.client import Page, ScimClient
from postisupport.sources.scim import pseudonym
from postisupport.sources.scim.connect import mapping_of, replay_mapping
from postisupport.sources.scim.directory import ScimDirectory
from postisupport.sources.scim.pseudonym import Pseudonyms, service_provider_config
from postisupport.sources.scim.queries import ScimStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from postisupport.config.settings import Settings
    from postisupport.idp.mapping import Mapping

# The keys of a capture file that hold the directory (the rest is the record, under "capture").
ENDPOINTS = ("Users", "Groups")


@dataclass
class Recorded:
    """What a look-up read, ready to be written: the directory part of the file, what goes into its
    record besides the diagnosis, the diagnosis itself, and the credentials to cut out of it all."""

    directory: dict[str, list[dict[str, Any]]]
    offered: Any  # the service provider's ServiceProviderConfig, None when it sent none
    record: dict[str, Any]
    report: Report
    secrets: list[str]


def record(settings: Settings, observe: Any,
           look_up: Callable[[ScimDirectory], Awaitable[Report]]) -> Recorded:
    """`look_up` run on a directory whose every page is kept (ids kept, `meta` dropped)."""
    from postisupport.sources import scim

    users: dict[str, dict[str, Any]] = {}
    groups: dict[str, dict[str, Any]] = {}

    def keep(endpoint: str, page: Page) -> None:
        kept = users if endpoint == "Users" else groups
        for resource in page.resources:
            # Attribute names in any case (RFC 7643 section 2.1), as the diagnosis read them.
            resource_id = named(resource, "id")
            if isinstance(resource_id, str):
                sent = {k: v for k, v in resource.items() if str(k).lower() != "meta"}
                kept[resource_id] = _first_kept(kept.get(resource_id), sent)

    secrets: list[str] = []
    mapping = mapping_of(settings)

    async def once() -> tuple[Any, Report]:
        async with scim.open(settings, on_page=keep, observe=observe) as directory:
            try:
                offered = await directory.store.client.service_provider_config()
            except Exception:
                offered = None
            result = await look_up(directory)
            secrets.extend(directory.secrets())
            return offered, result

    offered, result = asyncio.run(once())
    extra: dict[str, Any] = {}
    if mapping is not None and not is_contract(mapping):
        users, groups = _in_contract_form(users, groups, mapping)
        extra = {"mapping": mapping.name, "unrecorded": list(fact_names(mapping.unrecorded))}
    _members_read(users, groups)
    return Recorded({"Users": list(users.values()), "Groups": list(groups.values())}, offered, extra, result,
                    secrets)


def _first_kept(first: dict[str, Any] | None, again: dict[str, Any]) -> dict[str, Any]:
    """A resource as first sent, with what only a later answer sent of it: the caller's own record
    is read first, and an administrators' answer that sends her again otherwise (an attribute it
    can't read) is not what the diagnosis decided her own facts from. Names in any case."""
    if first is None:
        return again
    held = {str(k).lower() for k in first}
    return {**first, **{k: v for k, v in again.items() if str(k).lower() not in held}}


def _members_read(users: dict[str, dict[str, Any]], groups: dict[str, dict[str, Any]]) -> None:
    """Groups are mostly read without their members (they may have thousands): the users read, by
    their User.groups or by the members a group was sent with, say which of them belong, and the
    sandbox needs that to give them their groups back. The other members are left out."""
    groups_of = {uid: user_facts(user).group_ids for uid, user in users.items()}
    for group_id, group in groups.items():
        sent = set(member_ids(group) or ())
        for key in [k for k in group if str(k).lower() == MEMBERS]:
            del group[key]
        group[MEMBERS] = [{"value": uid} for uid in users if group_id in groups_of[uid] or uid in sent]


def _in_contract_form(users: dict[str, dict[str, Any]], groups: dict[str, dict[str, Any]],
                      mapping: Mapping) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The resources read through a mapping, as postisupport's contract holds them: what a sandbox
    serves, so a replay reads them as the diagnosis did. What the directory can't tell of a user goes
    into its unknownFacts (what it records for no one, into the record's `unrecorded`); organisations
    named by a user's attribute become Groups of that name."""
    converted: dict[str, dict[str, Any]] = {}
    for uid, user in users.items():
        resource, untold, unreadable, _ = contract_user(user, mapping)
        # What could not be read is unknown to a replay too, as sent unreadable (its data problem stays
        # in the diagnosis): an administrator's state that can't be read is no state told absent.
        converted[uid] = _said_unknown(resource, (untold - unreadable) - mapping.unrecorded,
                                       unreadable - mapping.unrecorded)
    # What the store records of no organisation, said in each: an extension left empty is sent by no
    # server, and a group without it is no organisation.
    unrecorded = [name for name in ("business_id", "organisation_services")
                  if mappings.FIELDS[name] in mapping.unrecorded]
    organisations = mapping.organisations
    if organisations is not None and organisations.kind == "attribute":
        names = dict.fromkeys(g for u in converted.values() for g in user_facts(u).group_ids)
        return converted, {name: told_unknown({"id": name, "displayName": name}, urns.ORGANISATION_EXTENSION,
                                              unrecorded) for name in names}
    contracted = {gid: contract_group(group, mapping) for gid, group in groups.items()}
    return converted, {gid: told_unknown(group, urns.ORGANISATION_EXTENSION, unrecorded)
                       if group.get(urns.ORGANISATION_EXTENSION) == {} and unrecorded else group
                       for gid, group in contracted.items()}


def pseudonymised(document: dict[str, Any]) -> dict[str, Any]:
    """The document with stand-ins for everyone's data in its directory, the identifier asked and the
    service provider's free text; what could not be read is said under the record's "left_out"."""
    stand_in = Pseudonyms()
    record = document["capture"]
    arguments = record["arguments"]
    out: dict[str, Any] = {
        "Users": [_unknown_kept(u, stand_in.user(u)) for u in document["Users"]],
        "Groups": [stand_in.group(g) for g in document["Groups"]],
        "capture": {**record,
                    # As the look-up compared it: "ESIM 0042" read out is the ID ESIM0042.
                    "arguments": {**arguments, "identifier": stand_in.identifier(
                        normalise(arguments["identifier"]))},
                    # Allow-listed as the resources are: its free text may name anyone.
                    "service_provider_config": service_provider_config(record["service_provider_config"])},
    }
    unread = [left for endpoint in ENDPOINTS for resource in document[endpoint]
              if (left := stand_in.left_out(endpoint, resource)) is not None]
    if unread:
        out["capture"]["left_out"] = unread
    return out


def _unknown_kept(sent: dict[str, Any], kept: dict[str, Any]) -> dict[str, Any]:
    """`kept` (a user as the file holds it) with what can't be told of it as `sent` in its unknownFacts,
    and what could not be read in its unreadableFacts: an attribute left out would read as none
    ("never", "not locked") in a replay."""
    read = user_facts(sent)
    return _said_unknown(kept, read.untold, read.unknown - read.untold) if isinstance(kept, dict) else kept


def _said_unknown(user: dict[str, Any], told: frozenset[str], unreadable: frozenset[str]) -> dict[str, Any]:
    """`user` with the facts (by field) its store tells it can't tell in its unknownFacts, and those it
    sent unreadable in its unreadableFacts; neither list added when empty."""
    for fields, key in ((told, "unknownFacts"), (unreadable, "unreadableFacts")):
        if fields:
            user = told_unknown(user, urns.LOGIN_EXTENSION, list(fact_names(fields)), key)
    return user


def _unknown_kept_of_group(sent: dict[str, Any], kept: dict[str, Any]) -> dict[str, Any]:
    """`kept` (a group as the file holds it) with its services and business ID in its unknownFacts when
    they could not be read as sent: left out, they would read as none."""
    organisation, _ = group_facts(sent)
    if organisation is None or not isinstance(kept, dict):
        return kept
    told = [name for name, unknown in (("business_id", "business_id" in organisation.unknown),
                                       ("organisation_services", organisation.services_unknown)) if unknown]
    # Its extension is made again when its one attribute went with the services.
    return told_unknown(kept, urns.ORGANISATION_EXTENSION, told) if told else kept


def as_read(document: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """Each resource as the diagnosis read it: an attribute of the wrong type left out, as the
    diagnosis left it out, and said under the record's "left_out" (which attributes, of which resource),
    and the diagnosis's data problems under its "data_problems", which a replay reports (reading the
    file, it would find what was left out of it missing instead)."""
    # An attribute sent twice in different case is left out, as the diagnosis left it out.
    def read(endpoint: str, resource: dict[str, Any]) -> dict[str, Any]:
        return pseudonym.as_read(endpoint, one_casing(resource)[0])

    out = {**document, **{endpoint: [read(endpoint, r) for r in document[endpoint]]
                          for endpoint in ENDPOINTS}}
    out["Users"] = [_unknown_kept(sent, read)
                    for sent, read in zip(document["Users"], out["Users"], strict=True)]
    out["Groups"] = [_unknown_kept_of_group(sent, read)
                     for sent, read in zip(document["Groups"], out["Groups"], strict=True)]
    out["capture"] = {**document["capture"], "data_problems": problems}
    if left := [entry for endpoint in ENDPOINTS for resource in document[endpoint]
                if (entry := pseudonym.left_out(endpoint, one_casing(resource)[0])) is not None]:
        out["capture"]["left_out"] = left
    return out


def check(data: dict[str, Any]) -> Any:
    """`data` loaded as a sandbox directory, in memory; DataFileError when the sandbox can't load it."""
    from postisupport.sandbox import app as sandbox
    from postisupport.sandbox.datafile import build_storage
    from postisupport.sandbox.schemas import provider

    scim = provider()
    return sandbox.SandboxApplication(build_storage(data, scim), scim=scim)


@asynccontextmanager
async def replayed(data: dict[str, Any], timeout: float) -> AsyncIterator[ScimDirectory]:
    """A directory on the in-process sandbox serving `data`, read as the diagnosis read its store:
    what that store recorded for no one (the record's `unrecorded`) unknown for everyone again."""
    from postisupport.sandbox import app as sandbox

    application = check(data)
    client = ScimClient(sandbox.IN_PROCESS_URL, transport=sandbox.transport(application), timeout=timeout)
    async with ScimDirectory(ScimStore(client, replay_mapping(data["capture"]))) \
            as directory:
        yield directory
