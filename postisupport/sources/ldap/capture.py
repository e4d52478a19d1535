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
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from postisupport.errors import DataFileError, InvalidInput
from postisupport.sources.ldap.reading import Entry, dn_key

if TYPE_CHECKING:
    from postisupport.config.settings import Settings
    from postisupport.core.report import Report
    from postisupport.sources.ldap.directory import LdapDirectory

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

    def keep(base: str, filter_: str, scope: str, found: list[Entry]) -> None:
        for entry in found:
            kept = entries.setdefault(dn_key(entry.dn), {"dn": entry.dn, "attributes": {}})
            for name, values in entry.attributes.items():
                kept["attributes"].setdefault(name, list(values))  # as first sent
        searches.append({"base": base, "filter": filter_, "scope": scope, "dns": [e.dn for e in found]})

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
        self.searches = {(dn_key(s["base"]), s["filter"], s["scope"]): s["dns"] for s in data["Searches"]}
        self.result: dict[str, Any] = {}
        self.response: list[dict[str, Any]] = []

    def search(self, base: str, filter_: str, search_scope: Any = None, **_: Any) -> bool:
        from ldap3 import BASE, LEVEL

        scope = "BASE" if search_scope == BASE else "LEVEL" if search_scope == LEVEL else "SUBTREE"
        dns = self.searches.get((dn_key(base), filter_, scope))
        if dns is None:
            raise DataFileError(f"the capture holds no answer to the search {filter_} under {base!r}: it was "
                                "made by another version, or its look-up was another")
        self.response = [{"type": "searchResEntry", "dn": dn, "raw_attributes": {
            name: [v.encode() for v in values]
            for name, values in self.entries.get(dn_key(dn), {"attributes": {}})["attributes"].items()}}
            for dn in dns]
        self.result = {"result": 0, "controls": {}}
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
    """The entries as sent are what the diagnosis read: nothing to leave out."""
    return {**document, "capture": {**document["capture"], "left_out": problems}}


def pseudonymised(document: dict[str, Any]) -> dict[str, Any]:
    raise InvalidInput("pseudonymise", "is not offered yet for an LDAP directory's capture: capture it "
                       "without --pseudonymise, and keep the file as personal data")

