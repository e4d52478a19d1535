"""Doctor: which quirks of a SCIM server matter for diagnoses, found by reading only.

Each check asks the server something whose right answer is known, and says
pass, warn or fail, and what that means for a diagnosis. A failed check means
diagnoses can't be trusted against this server; a warning, that they can with
a caveat the detail gives.

A server that cannot be reached, or that refuses the credentials, is no finding
about the server's quirks: doctor stops with that error (so does a server that
answers not even its first request in time). The latency is that of the requests
answered, errors included; one that timed out is not an answer, and neither is a 429 or 503: the
server said only "not now".

A check the server never answered because it rate limits (429, or 503 for now) is not tested: a
warning, never a failure, since it says nothing about the server's quirks. Once a check is rate
limited through the client's retries, the later checks' requests are tried once each and wait for no
Retry-After: a check the server still rate limits is not tested at once, one it answers is tested.
The caller tells "run doctor again later" from a run whose checks all answered by `untested`.
"""

from __future__ import annotations

import asyncio
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from postisupport.config.settings import Settings
from postisupport.core.facts import FACT_NAMES
from postisupport.core.identifiers import normalise
from postisupport.core.text import counted
from postisupport.errors import (
    ApiError,
    AuthError,
    InvalidInput,
    PostisupportError,
    UnreachableError,
)
from postisupport.idp import contract
from postisupport.idp import mapping as mappings
from postisupport.idp.mapping import Mapping
from postisupport.idp.reading import group_facts, named, user_facts
from postisupport.sources.checks import Check, Findings, Status, nobody
from postisupport.sources.scim import connect
from postisupport.sources.scim.filters import (
    admins_filter,
    lookup_filter,
    member_filter,
    members_filter,
    organisation_name_filter,
    quote,
)
from postisupport.sources.scim.queries import ScimStore

if TYPE_CHECKING:
    from postisupport.scim.client import Page

POPULATION = 50  # users read for the coverage and the positive controls
LOOKUP_PAGE = 10  # users a check's filtered request asks for

T = TypeVar("T")
# Too many requests, or unavailable for now: the server rate limits (or is overloaded). Such an
# answer says nothing about what it supports, so it is never taken for a refusal.
RATE_LIMITED = frozenset({429, 503})
NO_REFUSAL = RATE_LIMITED | {404}  # 4xx answers that refuse nothing in particular


class _Server:
    """The client, timing every request, and a sample user for the checks that need one."""

    def __init__(self, store: ScimStore) -> None:
        self.client = store.client
        self.store = store
        self.named_mapping = store.mapping  # None: the default's, unparsed
        self.times: list[float] = []  # of the usable answers: not of the 429s and 503s
        self.answers = 0  # every answer, those included: the server is there
        self.sample: dict[str, Any] | None = None
        self.population: list[dict[str, Any]] | None = None
        self.declared: set[str] | None = None  # the schema URNs /Schemas lists (None: not asked yet)
        self.schemas: list[dict[str, Any]] | None = None  # the resources /Schemas answered with

    @property
    def mapping(self) -> Mapping:
        """The mapping diagnoses read through: the default's preset when none is named."""
        return self.named_mapping or mappings.preset(mappings.DEFAULT)

    async def _timed(self, request: Awaitable[T]) -> T:
        started = time.perf_counter()
        try:
            answer = await request
        except ApiError as error:
            self.answers += 1
            if error.status not in RATE_LIMITED:  # an error answered is an answer; "not now" is none
                self.times.append(time.perf_counter() - started)
            raise
        self.answers += 1
        self.times.append(time.perf_counter() - started)
        return answer

    async def get(self, path: str, **params: str) -> Any:
        return await self._timed(self.client.get_json(path, params))

    async def users(self, scim_filter: str, **params: str) -> list[dict[str, Any]]:
        """The users a filter finds; a malformed list response raises, as it would in a diagnosis."""
        return await self.found("Users", scim_filter, **params)

    async def found(self, endpoint: str, scim_filter: str, **params: str) -> list[dict[str, Any]]:
        return (await self.page(endpoint, scim_filter, **params)).resources

    async def page(self, endpoint: str, scim_filter: str, **params: str) -> Page:
        params = {"filter": scim_filter, "count": str(LOOKUP_PAGE), **params}
        return await self._timed(self.client.get_page(endpoint, params))


def _listed(body: Any) -> list[Any]:
    """The Resources of a list response read leniently: doctor reports a wrong shape, not fails on it."""
    # Attribute names in any case (RFC 7643 section 2.1), as diagnoses read them.
    resources = named(body, "Resources") if isinstance(body, dict) else []
    return resources if isinstance(resources, list) else []


async def _service_provider_config(server: _Server) -> Check:
    body = await server.get("ServiceProviderConfig")
    if not isinstance(body, dict):
        return Check("service-provider-config", "warn", "no ServiceProviderConfig: nothing claimed")
    features = ("filter", "patch", "bulk", "etag", "sort")
    # Only true is yes: "false" (a string) is no claim of support.
    claims = {name: isinstance(given := named(body, name), dict) and named(given, "supported") is True
              for name in features}
    said = ", ".join(f"{name} {'yes' if on else 'no'}" for name, on in claims.items())
    if not claims["filter"]:
        return Check("service-provider-config", "warn", f"says it does not support filters ({said})")
    return Check("service-provider-config", "pass", said)


async def _schemas(server: _Server) -> Check:
    body = await server.get("Schemas")
    server.schemas = [r for r in _listed(body) if isinstance(r, dict)]
    found = {named(r, "id") for r in server.schemas if isinstance(named(r, "id"), str)}
    server.declared = {str(urn).lower() for urn in found}
    named_urns = _urns(server.mapping)
    missing = [urn for urn in named_urns if urn not in found]
    if missing and server.named_mapping is None:
        return Check("extensions", "warn", f"not in /Schemas: {', '.join(missing)}; facts from them "
                     "(reset requests, organisations) may be missing",
                     consequence="facts kept in them are missing from every diagnosis")
    if missing:
        return Check("extensions", "warn", f"not in /Schemas: {', '.join(missing)}, which the mapping "
                     f"{server.mapping.name} reads", consequence="facts the mapping reads from them may be "
                     "missing from every diagnosis")
    if server.named_mapping is None:
        return Check("extensions", "pass", "both extensions are in /Schemas")
    return Check("extensions", "pass", f"in /Schemas: {', '.join(named_urns) or 'no extension is read'}")


def _urns(mapping: Mapping) -> list[str]:
    """The extensions' schema URNs the mapping's attribute paths name, in order."""
    paths = [source.path for fact in mapping.facts.values() for source in fact.sources]
    organisations = mapping.organisations
    if organisations is not None:
        paths += [p for p in (organisations.extension, organisations.attribute, organisations.business_id,
                              organisations.services) if p]
    if mapping.administrators is not None:
        paths.append(mapping.administrators.attribute)
    found = [_urn_of(path) for path in paths]
    return list(dict.fromkeys(urn for urn in found if urn))


def _urn_of(path: str) -> str | None:
    if not path.lower().startswith("urn:"):
        return None
    urn, _, attribute = path.rpartition(":")
    # An extension URN on its own (a Group's marker) ends in its resource type, not an attribute.
    return path if attribute[:1].isupper() and "." not in attribute else urn


def _no_one(name: str) -> Check:
    """A check that looks for no one, when no one is visible: an empty answer proves nothing."""
    return Check(name, "warn", "not tested: no user is visible to these credentials, so an empty answer "
                 "proves nothing; run doctor again once one is", untested=True)


WRONG_PEOPLE = "every diagnosis would be about the wrong people"
MIXED_CASE = "a caller whose address is stored in mixed case is told no user has these details"
STOPS = "every diagnosis stops with an API error"
# Without them no diagnosis can be trusted: unanswered, each is a failure, and this is what it means (an
# error, a timeout or an answer of the wrong shape: a diagnosis asking the same meets it too).
FAILED_IF_UNANSWERED = {
    "filters": "every diagnosis stops with an error",
    "positive-controls": "every diagnosis stops with an error",
    "membership-filters": "a diagnosis that reads an organisation's members or administrators stops with an "
                          "error",
    "escaping": "a diagnosis for details holding \" or \\ stops with an error",
    "name-lookups": "a look-up by an organisation's name stops with an error",
}
NAME_LOOKUPS = "a look-up by an organisation's name finds no organisation"
NOT_FOUND = "a caller who gives their {what} is told no user has these details"
WHAT = {"login_email": "login e-mail address", "emails": "e-mail address", "legacy_user_id": "legacy user ID"}


async def _filters_applied(server: _Server) -> Check:
    mapping = server.mapping
    login = mapping.filter_path("login_email") or contract.USER_NAME
    legacy = mapping.filter_path("legacy_user_id")
    if await server.users(f"{login} eq {quote(nobody())}"):
        return Check("filters", "fail", "a filter for a userName no one has returned users: the server "
                     "ignores filters, so every diagnosis would be about the wrong people",
                     consequence=WRONG_PEOPLE)
    if legacy is not None and await server.users(f"{legacy} eq {quote(nobody())}"):
        return Check("filters", "fail", "a filter on the legacy user ID returned users: the server drops "
                     "filter attributes it doesn't know", consequence=WRONG_PEOPLE)
    unknown = _undeclared(server, mapping)
    if unknown:
        fact, path = unknown[0]
        return Check("filters", "fail", f"the look-up compares {path}, whose schema is not in /Schemas: the "
                     "server can neither keep it nor apply a filter on it",
                     consequence=NOT_FOUND.format(what=WHAT[fact]))
    sample = await _sample(server)
    if sample is None:
        return _no_one("filters")
    # And one that looks for someone: the look-up as a diagnosis sends it, for a user the server lists,
    # by each attribute it holds. A server that answers every filter (or one on the extension) with no
    # one passes the checks above, and every diagnosis would then be "no user has these details".
    for attribute, value in _identifiers_of(sample, server.named_mapping):
        page = await server.page("Users", lookup_filter(value, attributes=_lookup_paths(server)))
        found = page.resources
        if not any(isinstance(user, dict) and named(user, "id") == named(sample, "id") for user in found):
            return Check("filters", "fail", f"the look-up diagnoses send, for a user the server lists, by "
                         f"its {attribute}, finds no one: every diagnosis would say no user has the caller's "
                         "details", consequence="every diagnosis would say no user has the caller's details")
        if page.total > len(found) and len(found) < LOOKUP_PAGE:
            # Fewer sent than asked for, yet more found: a diagnosis can't tell a held-back namesake from
            # a totalResults that counts the whole collection, and stops (attack 30, F30-3).
            return Check("filters", "fail", f"the look-up diagnoses send, for a user the server lists, by "
                         f"its {attribute}, says totalResults {page.total} but sends {len(found)}: "
                         "totalResults does not count what the filter found", consequence=STOPS)
    if server.named_mapping is None:
        return Check("filters", "pass", "filters are applied, the extension's attributes too")
    return Check("filters", "pass", f"filters are applied: on {', '.join(_lookup_paths(server))}")


def _lookup_paths(server: _Server) -> tuple[str, ...]:
    mapping = server.named_mapping
    return mapping.lookup_paths if mapping is not None else contract.LOOKUP_ATTRIBUTES


def _undeclared(server: _Server, mapping: Mapping) -> list[tuple[str, str]]:
    """The look-up's attributes (fact, path) in an extension /Schemas does not list, when it lists any:
    a server that does not know an attribute drops it, or matches nothing by it."""
    if not server.declared:
        return []
    found = []
    for fact in mapping.lookup:
        path = mapping.filter_path(fact)
        urn = _urn_of(path) if path else None
        if path and urn is not None and urn.lower() not in server.declared:
            found.append((fact, path))
    return found


def _nowhere(server: _Server, users: list[dict[str, Any]], sources: Any) -> bool:
    """Whether every source is an extension's attribute that /Schemas does not list (or there is no
    /Schemas) and no user's `schemas` names."""
    carried = {str(urn).lower() for user in users if isinstance(named(user, "schemas"), list)
               for urn in named(user, "schemas") if isinstance(urn, str)}
    urns = [_urn_of(source.path) for source in sources]
    return bool(urns) and all(urn is not None and urn.lower() not in (server.declared or set()) | carried
                              for urn in urns)


def _identifiers_of(user: dict[str, Any], mapping: Mapping | None = None) -> list[tuple[str, str]]:
    """What a caller may be looked up by, as a diagnosis reads the user: the login address, the legacy ID."""
    facts = user_facts(user, mapping)
    found = [(contract.USER_NAME, facts.user_name), ("legacy user ID", facts.legacy_user_id)]
    return [(attribute, value.lower()) for attribute, value in found if value]


async def _membership_filters(server: _Server) -> Check:
    unknown_id = f"postisupport-doctor-{secrets.token_hex(6)}"
    mapping = server.named_mapping
    organisations = mapping.organisations if mapping is not None else None
    # Each as a diagnosis sends it: a server may apply a clause alone and drop it inside "and (...)".
    asked: tuple[tuple[str, str, str], ...]
    if organisations is not None and organisations.kind == "attribute":
        role = mapping.administrators.attribute if mapping is not None and mapping.administrators else "roles"
        asked = (
            (f"{organisations.attribute} (an organisation's members)", "Users",
             members_filter(unknown_id, mapping)),
            (f"the administrators' {role} and {organisations.attribute}", "Users",
             admins_filter([unknown_id], mapping)))
    else:
        asked = (
            ("members.value (a member's groups)", "Groups", member_filter(unknown_id)),
            ("groups.value (an organisation's members)", "Users", members_filter(unknown_id, mapping)),
            ("the administrators' roles and groups.value", "Users", admins_filter([unknown_id], mapping)))
    ignored = [what for what, endpoint, scim_filter in asked
               if await server.found(endpoint, scim_filter, excludedAttributes=contract.MEMBERS)]
    if ignored:
        named = ", ".join(ignored[:-1]) + " and " + ignored[-1] if len(ignored) > 1 else ignored[0]
        return Check("membership-filters", "fail", f"a filter on {named} for an id no one "
                     "has returned resources: the server ignores it, so a caller may be given other "
                     "organisations and their administrators wherever the answers don't show membership",
                     consequence="a caller may be sent to another organisation's administrators")
    if await _sample(server) is None:
        return _no_one("membership-filters")
    missed = await _members_missed(server)
    if missed:
        return Check("membership-filters", "fail", f"{missed} finds no one for a user the server lists in "
                     "it: the server does not apply it", consequence="a user in an organisation may be "
                     "told they have no administrator, or be looked up by name in vain")
    if organisations is not None and organisations.kind == "attribute":
        return Check("membership-filters", "pass", f"filters on {organisations.attribute} are applied")
    return Check("membership-filters", "pass", "filters on members.value and groups.value are applied")


async def _name_lookups(server: _Server) -> Check:
    """A positive control of the filter a look-up by an organisation's name sends (`sw`, "starts
    with"): the first letters of an organisation the server lists must find it."""
    mapping = server.named_mapping
    organisations = server.mapping.organisations
    if organisations is None:
        return Check("name-lookups", "pass", "not needed: this directory records no organisations")
    if organisations.kind == "attribute":
        attribute = str(organisations.attribute)
        names = [name for user in await _population(server) for name in user_facts(user, mapping).group_ids]
        if not names:
            return Check("name-lookups", "warn", "no user in an organisation to test with")
        prefix = _prefix(names[0])
        found = await server.users(f"{attribute} sw {quote(prefix)}")
        held = any(isinstance(user, dict) and mappings.resolve(user, attribute) == names[0] for user in found)
        what = attribute
    else:
        groups = [group for group in _listed(await server.get("Groups", count="20",
                                                                 excludedAttributes=contract.MEMBERS))
                  if isinstance(group, dict) and isinstance(named(group, "displayName"), str)
                  and named(group, "displayName").strip() and _is_organisation(group, mapping)]
        if not groups:
            return Check("name-lookups", "warn", "no organisation to test with")
        prefix = _prefix(named(groups[0], "displayName"))
        found = await server.found("Groups", organisation_name_filter(prefix),
                                   excludedAttributes=contract.MEMBERS)
        held = any(isinstance(g, dict) and named(g, "id") == named(groups[0], "id") for g in found)
        what = f"Groups' {contract.GROUP_NAME}"
    if not held:
        return Check("name-lookups", "fail", f"a filter for {what} starting with {prefix!r} misses the "
                     "organisation the server lists by that name: the server does not apply `sw`",
                     consequence=NAME_LOOKUPS)
    return Check("name-lookups", "pass", f"`sw` (starts with) on {what} is applied: an organisation's first "
                 "letters find it")


def _prefix(name: str) -> str:
    """The first half of a name as the server holds it (at least one character): a name it starts with a
    blank starts so, and a prefix without it is rightly found by no `sw`."""
    return name[:max(1, len(name) // 2)]


async def _members_missed(server: _Server) -> str | None:
    """A positive control of the filter that finds an organisation's members: for the first user of
    the sample in an organisation, the filter for its first one must find the user. None: it does (or
    no user of the sample is in one, so nothing is known)."""
    mapping = server.named_mapping
    for user in await _population(server):
        facts = user_facts(user, mapping)
        if facts.group_ids and facts.id:
            found = await server.users(members_filter(facts.group_ids[0], mapping))
            if not any(isinstance(u, dict) and named(u, "id") == facts.id for u in found):
                return members_filter(facts.group_ids[0], mapping).split(" eq ")[0]
            return None
    return None


async def _escaping(server: _Server) -> Check:
    hostile = 'postisupport "doctor" \\ test@example.invalid'
    try:
        found = await server.users(f"{contract.USER_NAME} eq {quote(hostile)}")
    except ApiError as error:
        if error.status in RATE_LIMITED:
            raise  # "not now" says nothing about escaping: unanswered, not tested
        return Check("escaping", "fail", f"a value holding \" and \\ got no usable answer ({error})",
                     consequence=FAILED_IF_UNANSWERED["escaping"])
    if found:
        return Check("escaping", "fail", "a value holding \" and \\ matched users", consequence=WRONG_PEOPLE)
    if await _sample(server) is None:
        return _no_one("escaping")
    return Check("escaping", "pass", "a value holding \" and \\ gives a clean empty answer")


async def _case(server: _Server) -> Check:
    sample = await _sample(server)
    if sample is None:
        return Check("case-insensitive", "warn", "no user to test with")
    # Only text is asked for in another case: a null or a number is no value to look up ("nONE").
    emails = [value for e in named(sample, "emails") or [] if isinstance(e, dict)
              and isinstance(value := named(e, "value"), str) and value]
    user_name = named(sample, contract.USER_NAME)
    probes = {contract.USER_NAME: user_name if isinstance(user_name, str) else "",
              "emails.value": emails[0] if emails else ""}
    if not any(value.swapcase() != value for value in probes.values()):
        return Check("case-insensitive", "warn", "not tested: the user the server lists first has no "
                     "userName or e-mail address with a letter in it to ask for in another case")
    sensitive = [attribute for attribute, value in probes.items() if value.swapcase() != value
                 and not await server.users(f"{attribute} eq {quote(value.swapcase())}")]
    if sensitive:
        return Check("case-insensitive", "warn", f"{' and '.join(sensitive)} compared case-sensitively "
                     "(against RFC 7644): look-ups ask for lower and upper case, so a value stored in "
                     "mixed case is not found", consequence=MIXED_CASE)
    return Check("case-insensitive", "pass", "userName and emails.value are compared case-insensitively")


async def _attributes(server: _Server) -> Check:
    only = await server.users(f"{contract.USER_NAME} pr", attributes=contract.USER_NAME)
    extra = {str(k).lower() for k in only[0]} - {"id", "username", "schemas", "meta"} if only else set()
    without = await server.users(f"{contract.USER_NAME} pr", excludedAttributes="emails")
    ignored = [*(["attributes="] if extra else []),
               *(["excludedAttributes="] if any(named(user, "emails") is not None for user in without)
                 else [])]
    if ignored:
        return Check("attributes", "warn", f"{' and '.join(ignored)} ignored: answers are larger than "
                     "they need to be",
                     consequence="each diagnosis receives more personal data than it needs")
    if not only:
        return Check("attributes", "warn", "no user to test with")
    return Check("attributes", "pass", "attributes= and excludedAttributes= are honoured")


async def _refusals(server: _Server) -> Check:
    asks = {"attributes= naming an extension attribute": {"attributes": contract.LEGACY_USER_ID},
            "the filter roles pr": {"filter": "roles pr"}}
    refused = []
    for what, params in asks.items():
        try:
            await server.get("Users", count="1", **params)
        except ApiError as error:
            if error.status is None or not 400 <= error.status < 500 or error.status in NO_REFUSAL:
                # A server error, a garbled or rate-limited answer, or /Users not found at all, is no
                # refusal of what was asked: unanswered.
                raise
            refused.append(what)
    if refused:
        return Check("refusals", "warn", f"refuses {' and '.join(refused)}; postisupport never asks "
                     "either, but other SCIM tools may")
    return Check("refusals", "pass", "answers attributes= naming an extension attribute, and roles pr")


async def _paging(server: _Server) -> Check:
    first = await server.get("Users", startIndex="1", count="1")
    total = named(first, "totalResults") if isinstance(first, dict) else None
    page = _listed(first)
    if not isinstance(total, int) or isinstance(total, bool):
        # RFC 7644 section 3.4.2 requires it, and a diagnosis refuses a list response without it.
        return Check("paging", "fail", "totalResults is missing from list answers (RFC 7644 requires it): "
                     "every diagnosis stops with an API error", consequence=STOPS)
    if len(page) > 1:
        return Check("paging", "warn", "count is not honoured: answers are larger than asked for")
    beyond = await server.get("Users", startIndex=str(total + 1), count="1")
    again = _listed(beyond)
    if again and page and isinstance(again[0], dict) and isinstance(page[0], dict) \
            and named(again[0], "id") == named(page[0], "id"):
        return Check("paging", "warn", "a startIndex past totalResults returns the first page again; "
                     "postisupport stops paging on totalResults and on a page of ids it has read")
    return Check("paging", "pass", f"count and startIndex are honoured ({total} users)")


async def _groups_filled(server: _Server) -> Check:
    organisations = server.mapping.organisations
    if organisations is not None and organisations.kind == "attribute":
        return Check("user-groups", "pass",
                     f"not needed: a user's organisation is their {organisations.attribute}")
    sample = await _sample(server)
    if sample is None:
        return Check("user-groups", "warn", "no user to test with")
    if isinstance(named(sample, "groups"), list):
        return Check("user-groups", "pass", "User.groups is filled")
    return Check("user-groups", "warn", "User.groups is not filled: each diagnosis takes one more round trip",
                 consequence="each diagnosis takes one more round trip")


async def _population(server: _Server) -> list[dict[str, Any]]:
    """Up to POPULATION users, as the server lists them first: for coverage and the positive controls."""
    if server.population is None:
        resources = _listed(await server.get("Users", count=str(POPULATION)))
        server.population = [r for r in resources if isinstance(r, dict)][:POPULATION]
    return server.population


async def _positive_controls(server: _Server) -> Check:
    """Users the server lists, each looked up by what it carries, as a diagnosis asks: its login
    address, an e-mail address and its legacy ID, each by its attribute, as stored and in another
    case. Each must be found, or every caller who gives that is told no user has these details."""
    users = await _population(server)
    if not users:
        return _no_one("positive-controls")
    mapping = server.named_mapping
    lookup = server.mapping.lookup
    tried: list[str] = []
    failed: list[str] = []
    untested: list[str] = []
    for fact in lookup:
        probes = _probes(users, fact, mapping)
        if not probes:
            untested.append(WHAT[fact])
            continue
        for user_id, value in probes:
            for typed in dict.fromkeys((value, value.swapcase())):
                try:
                    identifier = normalise(typed)
                except InvalidInput:
                    continue
                # By its attribute alone, as a diagnosis asks for it (lower and upper case): an e-mail that
                # is the login address too would else be found by userName, proving nothing of emails.
                found = await server.users(lookup_filter(identifier, attributes=(_path_of(server, fact),)))
                tried.append(f"{WHAT[fact]} {typed!r}")
                if not any(isinstance(u, dict) and named(u, "id") == user_id for u in found):
                    failed.append(f"{WHAT[fact]} {typed!r}")
    if failed:
        what = failed[0].rsplit(" ", 1)[0]
        return Check("positive-controls", "fail", f"a look-up as diagnoses send it did not find the user who "
                     f"carries it: by {', '.join(failed)} (of {len(tried)} tried)",
                     consequence=NOT_FOUND.format(what=what))
    if untested:
        proven = f"look-ups that found their user: {len(tried)} of {len(tried)}; " if tried else ""
        return Check("positive-controls", "warn", f"{proven}not tested: {', '.join(untested)} (of the "
                     f"{counted(len(users), 'user')} listed first, none with an id carries one)",
                     consequence=f"look-ups by {', '.join(untested)} are not proven")
    return Check("positive-controls", "pass", f"look-ups that found their user, in either case: {len(tried)} "
                 f"of {len(tried)}")


def _path_of(server: _Server, fact: str) -> str:
    return str(server.mapping.filter_path(fact))  # a look-up's facts are mapped (idp/mapping.py)


def _probes(users: list[dict[str, Any]], fact: str, mapping: Mapping | None) -> list[tuple[str, str]]:
    """(user id, value) to look up by for a fact: its first carrier's, and a mixed-case one's too."""
    probes: list[tuple[str, str]] = []
    for user in users:
        facts = user_facts(user, mapping)
        if not facts.id:
            continue
        if fact == "login_email":
            value = facts.user_name
        elif fact == "emails":
            value = next((e for e in facts.emails if e != facts.user_name), facts.emails[0] if facts.emails
                         else None)
        else:
            value = facts.legacy_user_id
        if not value:
            continue
        mixed = value != value.lower() and value != value.upper()
        if not probes or (mixed and len(probes) == 1 and probes[0][1] == probes[0][1].lower()):
            probes.append((facts.id, value))
        if len(probes) == 2:
            break
    return probes


# What a mapped fact carried by no user means for every diagnosis, in the runbook's terms.
NOBODY_CARRIES = {
    "organisation": "every user will be told they have no organisation",
    "administrators": "no caller can be sent to an administrator",
    "legacy_user_id": "a caller who gives their legacy user ID is told no user has these details",
    "login_email": "no caller's login e-mail address can be told",
    "reset_requested": "no caller will be told to change their password",
    "services": "every caller who asks about a service is told they have no right to it",
    "business_id": "every organisation is said to have no business ID, and no look-up by one finds it",
    "organisation_services": "every service asked about is said to be none of the organisation's, so no "
                             "administrator could grant it",
    # No one of those listed ever logged in: no business directory in use; the time is not kept there.
    "last_login": "every administrator is taken as not logged in since the renewal, so every caller is told "
                  "no administrator can help just now",
}


# The facts every user of a business directory has: carried by none of the users listed, the mapping
# reads them from the wrong attribute.
WRONG_FOR_EVERYONE = frozenset({"login_email", "organisation", "business_id", "organisation_services",
                                "last_login"})


async def _coverage(server: _Server) -> Check:
    """How many of the users listed first carry each fact the mapping maps: none means unknown for
    everyone (or, for a fact whose absence means "none", none for everyone)."""
    users = await _population(server)
    if not users:
        return _no_one("coverage")
    mapping = server.mapping
    read = [user_facts(user, server.named_mapping) for user in users]
    carriers = {name: [facts for user, facts in zip(users, read, strict=True)
                       if any(mappings.resolve(user, s.path) is not None for s in fact.sources)]
                for name, fact in mapping.facts.items()}
    # Carried is not read: a value of the wrong shape (a name where a time should be) tells nothing.
    counts = {name: sum(1 for facts in held if mappings.FIELDS[name] not in facts.unknown - facts.untold)
              for name, held in carriers.items()}
    unreadable = {name: len(held) - counts[name] for name, held in carriers.items()
                  if len(held) > counts[name]}
    organisations = mapping.organisations
    # Groups that list their members, where User.groups is not filled: a diagnosis asks /Groups for a
    # user's organisations, so the users listed tell nothing of how many are in one.
    asked = organisations is not None and organisations.kind != "attribute" \
        and not any(isinstance(named(user, "groups"), list) for user in users)
    if organisations is not None and organisations.kind == "attribute":
        counts["organisation"] = sum(1 for facts in read if facts.group_ids)
    elif organisations is not None and not asked:
        # A user's groups are organisations only when they carry the mapping's extension: a newsletter
        # list is none, and a user in nothing else has no organisation.
        ours = await _organisations_among(server, sorted({g for facts in read for g in facts.group_ids}))
        counts["organisation"] = sum(1 for facts in read if ours.intersection(facts.group_ids))
    elif organisations is not None and not await _organisations_among(server, None):
        asked = False  # no group of the server's is an organisation: there is nothing to ask for
        counts["organisation"] = 0
    if organisations is not None and mapping.administrators is not None:
        counts["administrators"] = sum(1 for facts in read if facts.is_admin)
    unmapped = [name for field, name in FACT_NAMES.items() if field in mapping.unrecorded]
    carried = ", ".join(f"{name} {count}" for name, count in counts.items())
    groups, held = await _organisation_coverage(server)
    none = [name for name, count in {**counts, **held}.items() if count == 0]
    detail = f"of the {counted(len(users), 'user')} listed first, carrying each mapped fact: {carried}"
    if held:
        detail += f"; of the {counted(groups, 'organisation')} listed first: " \
            + ", ".join(f"{name} {count}" for name, count in held.items())
    if unreadable:
        detail += "; carried but unreadable as the fact: " \
            + ", ".join(f"{name} {count}" for name, count in unreadable.items())
    if asked:
        detail += "; organisation not counted: User.groups is not filled, each diagnosis asks /Groups"
    if unmapped:
        detail += f"; not mapped, so unknown for everyone: {', '.join(unmapped)}"
    if none:
        # A fact whose absence the mapping reads as unknown is unknown, not the "none" NOBODY_CARRIES tells.
        said = [NOBODY_CARRIES[n] for n in none if n in NOBODY_CARRIES
                and (n not in mapping.facts or mapping.facts[n].absent == "none")]
        # No login address, or no organisation, for any of them is a mapping that reads the wrong attribute
        # (every diagnosis would be wrong): a failure, with --draft-mapping to mend it. A legacy ID, a
        # pending change, an administrator or a right that none of a few users has may be the truth.
        wrong = [n for n in none if n in WRONG_FOR_EVERYONE and n in NOBODY_CARRIES
                 and (n not in mapping.facts or mapping.facts[n].absent == "none")]
        # Read from an extension the server neither declares nor puts on any user: not a truth about
        # these users, but a mapping that names what this server has not, read as "none" by everyone.
        absent = [n for n in none if n in mapping.facts and mapping.facts[n].absent == "none"
                  and _nowhere(server, users, mapping.facts[n].sources)]
        if absent:
            said.append(f"{', '.join(absent)} read as none for everyone (never logged in, not locked, no "
                        "change asked), from an extension this server does not have: every diagnosis, and "
                        "whether any administrator can act, would be wrong")
            wrong += [n for n in absent if n not in wrong]
        status: Status = "fail" if wrong else "warn"
        mend = " (doctor --draft-mapping FILE proposes what this server has for them)" if wrong else ""
        return Check("coverage", status, f"{detail}; carried by no one, so unknown (or none) for everyone: "
                     f"{', '.join(none)}{mend}",
                     consequence="; ".join(said) or f"{', '.join(none)} unknown in every diagnosis")
    return Check("coverage", "pass", detail)


async def _organisation_coverage(server: _Server) -> tuple[int, dict[str, int]]:
    """How many of the organisations (Groups) the server lists first there are, and how many carry the
    business ID and the services the mapping reads them from; nothing when it reads neither from Groups,
    or no group is one."""
    organisations = server.mapping.organisations
    if organisations is None or organisations.kind != "groups":
        return 0, {}
    named_paths = {"business_id": organisations.business_id, "organisation_services": organisations.services}
    paths = {name: path for name, path in named_paths.items() if path is not None}
    if not paths:
        return 0, {}
    listed = _listed(await server.get("Groups", count=str(POPULATION), excludedAttributes=contract.MEMBERS))
    # Each group read once: whether it is an organisation, and what of it reads as the fact (carried is
    # not read: a business ID sent as a number, services as an object, tell nothing).
    ours = [(g, org) for g in listed if isinstance(g, dict)
            and (org := group_facts(g, mapping=server.named_mapping)[0]) is not None]
    if not ours:
        return 0, {}
    readable = {"business_id": lambda org: org.business_id is not None,
                "organisation_services": lambda org: not org.services_unknown}
    return len(ours), {name: sum(1 for g, org in ours if mappings.resolve(g, path) is not None
                                 and readable[name](org))
                       for name, path in paths.items()}


async def _organisations_among(server: _Server, group_ids: list[str] | None) -> set[str]:
    """The ids of the groups (by id; None: those the server lists first) that are organisations as the
    mapping reads them."""
    if group_ids is None:
        groups = _listed(await server.get("Groups", count=str(POPULATION),
                                          excludedAttributes=contract.MEMBERS))
    elif not group_ids:
        return set()
    else:
        groups = list((await server.store.groups_by_id(group_ids)).resources)
    return {str(named(group, "id")) for group in groups
            if isinstance(group, dict) and _is_organisation(group, server.named_mapping)}


def _is_organisation(group: dict[str, Any], mapping: Mapping | None) -> bool:
    """Whether a Group is an organisation as the mapping reads it (it carries the mapping's extension)."""
    return group_facts(group, mapping=mapping)[0] is not None


async def _sample(server: _Server) -> dict[str, Any] | None:
    if server.sample is None:
        resources = _listed(await server.get("Users", count="1"))
        server.sample = resources[0] if resources and isinstance(resources[0], dict) else {}
    return server.sample or None


CHECKS: dict[str, Callable[[_Server], Awaitable[Check]]] = {
    "service-provider-config": _service_provider_config, "extensions": _schemas,
    "filters": _filters_applied, "escaping": _escaping, "case-insensitive": _case,
    "attributes": _attributes, "refusals": _refusals, "paging": _paging, "user-groups": _groups_filled,
    "membership-filters": _membership_filters, "name-lookups": _name_lookups,
    "positive-controls": _positive_controls,
    "coverage": _coverage,
}
def _unanswered(name: str, detail: str) -> Check:
    if name in FAILED_IF_UNANSWERED:
        return Check(name, "fail", detail, consequence=FAILED_IF_UNANSWERED[name])
    return Check(name, "warn", detail)


def _unanswered_check(name: str, error: PostisupportError) -> Check:
    if isinstance(error, ApiError) and error.status in RATE_LIMITED:
        why = "rate limiting" if error.status == 429 else "unavailable for now"
        return Check(name, "warn", f"not tested: the server is {why} ({error}); rate limited: run "
                     "doctor again later", untested=True)
    if isinstance(error, AuthError):
        return _unanswered(name, f"not readable with these credentials, though diagnoses' requests are not "
                           f"refused: {error}")
    return _unanswered(name, f"the server could not answer: {error}")


def _stops(error: PostisupportError, server: _Server) -> bool:
    """Whether `error` is about reaching the server at all rather than about one check. A refusal of
    what diagnoses ask (Users, Groups, a token) is of the credentials; of a metadata endpoint that wants
    a scope of its own (/Schemas, /ServiceProviderConfig), it is the check's finding."""
    if isinstance(error, AuthError):
        return error.token_endpoint or not any(m in error.endpoint for m in METADATA)
    return isinstance(error, UnreachableError) and (error.timeout is None or not server.answers)


METADATA = ("/ServiceProviderConfig", "/Schemas")


def run(settings: Settings, observe: Any = None, draft: bool = False) -> Findings:
    """Every check, in order; a check the server fails to answer is a warning, or a failure for the
    checks diagnoses depend on, unless it rate limited (then it is a warning, `untested`); then the
    median latency of the requests answered with something other than 429 or 503; and, with `draft`,
    the mapping in force made to fit what the server declares and its users carry. Raises
    UnreachableError when the server can't be reached (or answers nothing in time), and AuthError
    when it refuses the credentials."""

    async def all_checks() -> Findings:
        results: list[Check] = []
        async with connect.store(settings, observe=observe) as store:
            server = _Server(store)
            for name, check in CHECKS.items():
                try:
                    results.append(await check(server))
                except PostisupportError as error:
                    if _stops(error, server):
                        raise
                    results.append(_unanswered_check(name, error))
                    if isinstance(error, ApiError) and error.status in RATE_LIMITED:
                        # Still "not now" after the client's retries: each later check asks once, at
                        # once, else each waits the same waits in vain (minutes before a line is shown).
                        server.client.stop_retrying()
                except (AttributeError, TypeError, ValueError, IndexError):
                    # The checks read JSON a server shaped as it liked: a wrong shape is a finding.
                    results.append(_unanswered(name, "the server answered JSON of an unexpected shape"))
            if server.times:
                median = statistics.median(server.times) * 1000
                results.append(Check("latency", "pass", f"median {median:.0f} ms over {len(server.times)} "
                                     "requests answered"))
            elif server.answers:
                results.append(Check("latency", "warn", f"not measured: all {server.answers} answers were "
                                     "HTTP 429 or 503; rate limited: run doctor again later", untested=True))
            proposed = None
            if draft:
                from postisupport.idp.drafting import draft as drafted

                users = server.population if server.population is not None else []
                proposed = drafted(server.mapping, server.schemas, users)
        return Findings(results, proposed)

    return asyncio.run(all_checks())
