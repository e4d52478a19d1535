"""An LDAP directory's capture: what a look-up read, kept as a file that replays offline.

The file holds every entry the look-up's searches answered with (its DN and the attributes as sent)
and each search (base, filter, scope) with the DNs it answered, under "Entries" and "Searches"; its
record says which LDAP mapping read them, the mapping's text included. A replay answers the same
searches from the file, through the same source code and the same mapping: it decides as the live
run did, with today's rules. A search the file holds no answer to (a newer version asks otherwise) is
the file's error, never "no one".
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from postisupport.core.identifiers import fold
from postisupport.errors import DataFileError, InvalidInput
from postisupport.sources.ldap.reading import Entry, dn_key, parse_dn, service_groups
from postisupport.sources.stand_ins import StandIns

if TYPE_CHECKING:
    from postisupport.config.settings import Settings
    from postisupport.core.report import Report
    from postisupport.sources.ldap.directory import LdapDirectory
    from postisupport.sources.ldap.mapping import LdapMapping

ENDPOINTS = ("Entries", "Searches")


@dataclass
class Recorded:
    directory: dict[str, list[dict[str, Any]]]
    offered: Any
    record: dict[str, Any]
    report: Report
    secrets: list[str]


def record(settings: Settings, observe: Any,
           look_up: Callable[[LdapDirectory], Awaitable[Report]]) -> Recorded:
    """`look_up` run on a directory whose every search is kept, with the entries it answered."""
    from postisupport.sources.ldap import mapping_of
    from postisupport.sources.ldap.directory import LdapDirectory, LdapStore

    entries: dict[str, dict[str, Any]] = {}
    searches: list[dict[str, Any]] = []

    def keep(base: str, filter_: str, scope: str, found: list[Entry], result: int) -> None:
        for entry in found:
            kept = entries.setdefault(dn_key(entry.dn), {"dn": entry.dn, "attributes": {}})
            for name, values in entry.attributes.items():
                kept["attributes"].setdefault(name, list(values))  # as first sent
        # An answer the directory cut at its size limit (its result, 4) is replayed as cut.
        cut = {"result": result} if result else {}
        searches.append({"base": base, "filter": filter_, "scope": scope, "dns": [e.dn for e in found],
                         **cut})

    mapping = mapping_of(settings)
    store = LdapStore(settings, mapping, observe, recorder=keep)

    async def once() -> tuple[Report, list[str]]:
        async with LdapDirectory(store) as directory:
            return await look_up(directory), directory.secrets()

    result, secrets = asyncio.run(once())
    from postisupport.core.facts import fact_names

    record = {"source": "ldap", "mapping": mapping.name, "mapping_text": mapping.text,
              "unrecorded": list(fact_names(mapping.unrecorded))}
    return Recorded({"Entries": list(entries.values()), "Searches": searches}, None, record, result, secrets)


def check(data: dict[str, Any]) -> None:
    """DataFileError unless `data` holds entries and searches of the right shape."""
    entries, searches = data.get("Entries"), data.get("Searches")
    if not isinstance(entries, list) or not isinstance(searches, list):
        raise DataFileError("an LDAP capture holds Entries and Searches, as lists")
    for i, entry in enumerate(entries):
        if not _texts(entry, "dn") or not isinstance(entry.get("attributes"), dict) \
                or not all(_listed(v) for v in entry["attributes"].values()):
            raise DataFileError(f"Entries[{i}]: a dn and attributes, each a list of texts")
    for i, search in enumerate(searches):
        if not _texts(search, "base", "filter", "scope") or not _listed(search.get("dns")):
            raise DataFileError(f"Searches[{i}]: a base, a filter, a scope and the dns it answered")
        if search.get("result", 0) not in (0, 4) or isinstance(search.get("result"), bool):
            raise DataFileError(f"Searches[{i}].result: 4 (the directory's size limit cut it), or none")
    record = data.get("capture") or {}
    if not isinstance(record.get("mapping_text"), str):
        raise DataFileError("capture.mapping_text: the LDAP mapping the capture was read through")


def _texts(item: Any, *keys: str) -> bool:
    return isinstance(item, dict) and all(isinstance(item.get(k), str) for k in keys)


def _listed(values: Any) -> bool:
    return isinstance(values, list) and all(isinstance(v, str) for v in values)


class _Replayed:
    """A connection that answers the searches a capture holds, as the directory answered them."""

    closed = False
    bound = True

    def __init__(self, data: dict[str, Any]) -> None:
        self.entries = {dn_key(e["dn"]): e for e in data["Entries"]}
        self.searches = {(dn_key(s["base"]), s["filter"], s["scope"]): s for s in data["Searches"]}
        self.result: dict[str, Any] = {}
        self.response: list[dict[str, Any]] = []

    def search(self, base: str, filter_: str, search_scope: Any = None, **_: Any) -> bool:
        from ldap3 import BASE, LEVEL

        scope = "BASE" if search_scope == BASE else "LEVEL" if search_scope == LEVEL else "SUBTREE"
        search = self.searches.get((dn_key(base), filter_, scope))
        if search is None:
            raise DataFileError(f"the capture holds no answer to the search {filter_} under {base!r}: it was "
                                "made by another version, or its look-up was another")
        dns = search["dns"]
        self.response = [{"type": "searchResEntry", "dn": dn, "raw_attributes": {
            name: [v.encode() for v in values]
            for name, values in self.entries.get(dn_key(dn), {"attributes": {}})["attributes"].items()}}
            for dn in dns]
        self.result = {"result": search.get("result", 0), "controls": {}}
        return True

    def unbind(self) -> None:
        self.closed = True


@asynccontextmanager
async def replayed(data: dict[str, Any], timeout: float) -> AsyncIterator[LdapDirectory]:
    """A directory answering from `data`, read through the LDAP mapping it was captured through."""
    from postisupport.config.settings import Settings
    from postisupport.sources.ldap.directory import LdapDirectory, LdapStore
    from postisupport.sources.ldap.mapping import MappingError, parse

    check(data)
    record = data["capture"]
    try:
        mapping = parse(record["mapping_text"], "capture.mapping_text")
    except MappingError as error:
        raise DataFileError(str(error)) from None
    settings = Settings(timeout=timeout)
    store = LdapStore(settings, mapping, connector=lambda: _Replayed(data))
    async with LdapDirectory(store) as directory:
        yield directory


def as_read(document: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """The entries as sent are what the diagnosis read: nothing to leave out; its data problems are
    recorded as a SCIM directory's are, for a replay to report."""
    return {**document, "capture": {**document["capture"], "data_problems": problems}}


def pseudonymised(document: dict[str, Any]) -> dict[str, Any]:
    """The document with stand-ins for everyone's data: of each entry only the attributes its mapping
    reads, personal values replaced; every DN's RDN values (but a service group's and the
    administrators' group's, which the mapping reads by name), the filters' values and the identifier
    asked, each as the entries' are, so the same searches find the same entries. The rootDSE keeps only
    its naming contexts, so a replay reads no realm: a look-up by a down-level name (DOMAIN\\name,
    name@REALM) is refused, as its stand-in would find no one."""
    from postisupport.core.identifiers import normalise
    from postisupport.sources.ldap.mapping import MappingError, parse

    record = document["capture"]
    try:
        mapping = parse(record["mapping_text"], "capture.mapping_text")
    except MappingError as error:
        raise DataFileError(str(error)) from None
    identifier = normalise(record["arguments"]["identifier"])
    read = [Entry(e["dn"], {name.casefold(): tuple(values) for name, values in e["attributes"].items()})
            for e in document["Entries"]]
    groups = frozenset(dn_key(dn) for entry in read for dn in service_groups(entry, mapping))
    rewrite = _Rewriting(mapping, StandIns(), groups)
    if rewrite.down_level(identifier, document["Searches"]):
        if (record.get("diagnosis") or {}).get("matched_by") not in ("userName", "email"):
            raise InvalidInput("pseudonymise", "can't keep a look-up by a down-level name (DOMAIN\\name or "
                               "name@REALM): its stand-in would find no one; capture it by the caller's "
                               "address or legacy ID")
        # An address in the realm is also asked as name@REALM's legacy ID; it was the address that found
        # the caller, so the search is kept as the replay, reading no realm, asks it (F27-11).
        asked = [{**search, "filter": rewrite.as_asked(search["filter"], identifier)}
                 for search in document["Searches"]]
        document = {**document, "Searches": asked}
    searches = [{**s, "base": rewrite.dn(s["base"]), "filter": rewrite.filter(s["filter"]),
                 "dns": [rewrite.dn(dn) for dn in s["dns"]]}
                for s in document["Searches"] if not _partitions(s)]
    return {"Entries": [rewrite.entry(e) for e in document["Entries"] if not _partitions_entry(e)],
            "Searches": searches,
            "capture": {**record, "arguments": {**record["arguments"],
                                                "identifier": rewrite.stand_in.identifier(identifier)}}}


# AD's partitions, searched for its down-level domain name (nETBIOSName): not kept (see pseudonymised).
def _partitions(search: dict[str, Any]) -> bool:
    return search["filter"].casefold().startswith("(&(objectclass=crossref)")


def _partitions_entry(entry: dict[str, Any]) -> bool:
    return any(name.casefold() == "netbiosname" for name in entry["attributes"])


# An RDN or filter value (RFC 4515 and 4514 escapes aside): what a stand-in replaces.
_TERM = re.compile(r"\(([A-Za-z][\w;.-]*)=([^()]*)\)")
# The rootDSE's attributes a replay reads: where the users are.
ROOT_DSE = ("defaultNamingContext", "namingContexts")
# DN-valued attributes the searches' filters compare (the mapping's own DN attribute besides).
DN_FILTERED = ("memberOf", "member", "distinguishedName", "entryDN")


class _Rewriting:
    """What becomes of each attribute an LDAP mapping reads, and the stand-ins of one capture."""

    def __init__(self, mapping: LdapMapping, stand_in: StandIns,
                 services: frozenset[str] = frozenset()) -> None:
        """`services`: the service groups' DNs (by dn_key), as the mapping finds them in the entries."""
        self.mapping, self.stand_in, self.services = mapping, stand_in, services
        facts = mapping.facts
        fold_ = str.casefold
        self.identifiers = {fold_(src.attribute): src.prefix for name in ("login_email", "emails",
                                                                          "legacy_user_id")
                            if name in facts for src in facts[name].sources}
        self.legacy = {fold_(src.attribute) for src in facts["legacy_user_id"].sources} \
            if "legacy_user_id" in facts else set()
        people = {fold_(src.attribute) for name in ("display_name",) if name in facts
                  for src in facts[name].sources}
        phones = {fold_(src.attribute) for src in facts["phone"].sources} if "phone" in facts else set()
        languages = {fold_(src.attribute) for src in facts["language"].sources} \
            if "language" in facts else set()
        business = {fold_(src.attribute) for src in mapping.business_id.sources} \
            if mapping.business_id else set()
        self.dns = {fold_(a) for a in (*DN_FILTERED, mapping.dn_attribute, mapping.admins_attribute,
                                       mapping.services_attribute, *ROOT_DSE) if a}
        kept = {fold_(a) for a in ("objectClass", mapping.services_name) if a}
        # The facts of state (flags, times): kept, the decision reads them.
        read = {fold_(src.attribute) for fact in facts.values() for src in fact.sources}
        kept |= read
        kept -= set(self.identifiers) | people | phones | languages
        # A service's name is read of service groups only: on any other entry (an organisation's
        # description) it is anyone's text, a contact person's name and phone as likely as not.
        self.services_only = fold_(mapping.services_name) if mapping.services_name \
            and fold_(mapping.services_name) not in read | {"objectclass"} else None
        self.treatments: dict[str, Callable[[str], str | None]] = {
            **{a: lambda v: v for a in kept},
            **{a: lambda v: self.stand_in.text(v, "Person") for a in people},
            **{a: lambda v: self.stand_in.text(v, "Organisation")
               for a in map(fold_, mapping.organisation_name)},
            **{a: self.stand_in.business_id for a in business},
            **{a: self.stand_in.phone for a in phones},
            **{a: _language for a in languages},
            **{a: self.dn for a in self.dns},
        }

    def down_level(self, identifier: str, searches: list[dict[str, Any]]) -> bool:
        """Whether the look-up read `identifier` as a down-level name: its legacy ID term another value."""
        return any(fold(value) != fold(identifier) for search in searches
                   for attribute, value in self._terms(search["filter"]) if attribute in self.legacy)

    def as_asked(self, filter_: str, identifier: str) -> str:
        """A search's filter with its legacy ID terms asking for `identifier` itself, not the name its
        realm made of it."""
        def term(match: re.Match[str]) -> str:
            if match.group(1).casefold() not in self.legacy or "*" in match.group(2) \
                    or fold(_unescaped(match.group(2))) == fold(identifier):
                return match.group(0)
            return f"({match.group(1)}={_escaped(identifier)})"
        return _TERM.sub(term, filter_)

    def _terms(self, filter_: str) -> list[tuple[str, str]]:
        return [(m.group(1).casefold(), _unescaped(m.group(2))) for m in _TERM.finditer(filter_)]

    def identifier(self, attribute: str, value: str) -> str | None:
        prefix = self.identifiers[attribute]
        if prefix is None:
            return self.stand_in.identifier(value)
        if not value.casefold().startswith(prefix.casefold()):
            return None  # not an address of theirs (an X.400 proxy address): the mapping reads none
        return value[:len(prefix)] + self.stand_in.identifier(value[len(prefix):])

    def value(self, attribute: str, value: str) -> str | None:
        """An attribute's value as the file keeps it: None drops it."""
        if attribute in self.identifiers:
            return self.identifier(attribute, value)
        treat = self.treatments.get(attribute)
        return treat(value) if treat is not None else None

    def entry(self, entry: dict[str, Any]) -> dict[str, Any]:
        attributes = {}
        service = self._service(entry["dn"])
        for name, values in entry["attributes"].items():
            if entry["dn"] == "" and name.casefold() not in map(str.casefold, ROOT_DSE):
                continue  # the rootDSE: where the users are, nothing of who runs the directory
            if name.casefold() == self.services_only and not service:
                continue
            kept = [v for v in (self.value(name.casefold(), value) for value in values) if v is not None]
            if kept:
                attributes[name] = kept
        return {"dn": self.dn(entry["dn"]), "attributes": attributes}

    def _service(self, dn: str) -> bool:
        return bool(dn) and dn_key(dn) in self.services

    def dn(self, dn: str) -> str:
        """A DN with each RDN value a stand-in, but those the mapping reads by name: a service group's
        own (the service's id), the administrators' group's. Which groups are services is told by the
        entries' groups, not by the prefix alone: with none (or a short one) every name would pass."""
        if not dn:
            return dn
        try:
            parts = parse_dn(dn)
        except ValueError:
            return self.stand_in.text(dn, "dn")
        service = self._service(dn)
        return ",".join(f"{kind}={value if at == 0 and service else self._rdn(kind, value)}"
                        for at, (kind, value, _) in enumerate(parts))

    def _rdn(self, kind: str, value: str) -> str:
        group = self.mapping.admins_group
        if group and f"{kind}={value}".casefold() == group.casefold():
            return value  # the administrators' group: read by name, no one's
        return self.stand_in.text(value, kind.strip().casefold())

    def filter(self, filter_: str) -> str:
        """A search's filter with each value as the entries' are, so the replay's search is the same."""
        def term(match: re.Match[str]) -> str:
            attribute, value = match.group(1).casefold(), _unescaped(match.group(2))
            if "*" in match.group(2):
                return match.group(0)  # a presence or substring test the mapping wrote: no one's value
            if attribute in self.identifiers:
                changed = self.identifier(attribute, value) or value
                # The look-up asks for the identifier folded: so is its stand-in, as the replay asks.
                changed = fold(changed) if value == fold(value) else changed
            elif attribute in self.treatments:
                changed = self.value(attribute, value) or value
            else:
                changed = value
            # What is unchanged stays as written, its escapes as they were.
            return match.group(0) if changed == value else f"({match.group(1)}={_escaped(changed)})"

        return _TERM.sub(term, filter_)


def _language(value: str) -> str | None:
    """A language tag kept (the script's language), anything else dropped: it could be any text."""
    return value if re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", value.strip()) else None


def _unescaped(value: str) -> str:
    return re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), value)


def _escaped(value: str) -> str:
    from ldap3.utils.conv import escape_filter_chars

    return str(escape_filter_chars(value))
