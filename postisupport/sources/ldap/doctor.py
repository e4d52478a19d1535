"""Doctor for an LDAP directory: what diagnoses depend on, found by binding and searching only.

The rootDSE and the base DN; the transport (TLS); whether the schema has each attribute the mapping
reads; whether the service account sees users and their password-policy state; positive controls
(users looked up by what they carry); coverage (how many users carry each fact, how many sit in an
organisation that has administrators); the latency of the searches. A directory that can't be reached,
or that refuses the bind, is no finding: doctor stops with that error.
"""

from __future__ import annotations

import asyncio
import re
import statistics
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from postisupport.core.facts import FACT_NAMES, matches
from postisupport.core.text import counted
from postisupport.core.urls import is_loopback
from postisupport.errors import AuthError, PostisupportError, UnreachableError
from postisupport.sources.checks import Check, Findings, Status, nobody
from postisupport.sources.ldap import directory as ldap
from postisupport.sources.ldap import reading
from postisupport.sources.ldap.directory import LdapStore, fetch
from postisupport.sources.ldap.mapping import BOOLEANS, FIELDS, MOMENTS

if TYPE_CHECKING:
    from postisupport.config.settings import Settings

POPULATION = 50  # users read for the coverage and the positive controls
CONTROLS = 5  # of them, looked up by their own identifiers
# An attribute type's names in a schema's attributeTypes value: NAME 'x' or NAME ( 'x' 'y' ).
NAMES = re.compile(r"NAME\s+(?:'([^']+)'|\(([^)]*)\))")


def run(settings: Settings, observe: Any = None, draft: bool = False) -> Findings:
    """Every check, in order. Raises UnreachableError when the directory can't be reached, AuthError when
    it refuses the bind. There is no draft mapping for LDAP: the presets are edited instead."""
    from postisupport.sources.ldap import mapping_of

    times: list[float] = []

    def timed(record: dict[str, Any]) -> None:
        if record["method"] == "search" and record["status"] is not None:
            times.append(record["elapsed_ms"])
        if observe is not None:
            observe(record)

    store = LdapStore(settings, mapping_of(settings), timed)

    async def all_checks() -> Findings:
        await store.run(store.bound)  # stops here when unreachable or refused
        results = [_transport(store)]
        population: list[reading.Entry] = []
        for check in (_root, _schema, _users, _filters, _password_policy, _positive_controls, _coverage):
            try:
                results.append(await check(store, population))
            except (AuthError, UnreachableError):
                raise
            except PostisupportError as error:
                results.append(Check(check.__name__.strip("_").replace("_", "-"), "fail",
                                     f"not answered: {error}"))
        if times:
            over = f"{len(times)} searches" if len(times) > 1 else "one search"
            results.append(Check("latency", "pass", f"median {statistics.median(times):.0f} ms over {over}"))
        return Findings(results)

    try:
        return asyncio.run(all_checks())
    finally:
        store.close()


def _transport(store: LdapStore) -> Check:
    scheme = urlsplit(store.url).scheme.lower()
    if scheme == "ldaps":
        return Check("tls", "pass", "ldaps: TLS verified against the system's trust store and --ca-bundle")
    if store.starttls:
        return Check("tls", "pass", "ldap:// with StartTLS before the bind, verified against the system's "
                     "trust store and --ca-bundle")
    if is_loopback(store.url):
        return Check("tls", "warn", "plain ldap:// to this machine: the password and answers are not "
                     "encrypted (use ldaps:// for a directory elsewhere)")
    return Check("tls", "fail", "plain ldap:// beyond this machine: the bind password goes unencrypted",
                 consequence="use ldaps://")


async def _root(store: LdapStore, population: list[reading.Entry]) -> Check:
    root = store.root
    realms = ", ".join(sorted(root.domains | root.netbios)) or "none"
    return Check("rootdse", "pass", f"base DN {root.base_dn}; realms and domains read as the legacy ID's "
                 f"(DOMAIN\\name, name@REALM): {realms if store.mapping.realm else 'not read (the mapping)'}")


async def _schema(store: LdapStore, population: list[reading.Entry]) -> Check:
    """Each attribute the mapping reads is one the directory's schema declares."""
    mapping = store.mapping

    def read() -> set[str]:
        root = store.search("(objectClass=*)", ["subschemaSubentry"], base="", scope="BASE", limit=1)
        where = root[0].first("subschemaSubentry") if root else None
        if not where:
            return set()
        found = store.search("(objectClass=subschema)", ["attributeTypes"], base=where, scope="BASE", limit=1)
        names: set[str] = set()
        for value in found[0].values("attributeTypes") if found else ():
            for one, several in NAMES.findall(value):
                names |= {n.strip("'").lower() for n in (several.split() if several else [one])}
        return names

    declared = await store.run(read)
    if not declared:
        return Check("schema", "warn", "the directory's schema could not be read (subschemaSubentry): the "
                     "mapped attributes are not checked against it")
    wanted = [*mapping.attributes(), *mapping.organisation_attributes()]
    missing = [a for a in dict.fromkeys(wanted) if a.lower() not in declared and a.lower() != "objectclass"]
    if missing:
        return Check("schema", "fail", f"the schema declares none of: {', '.join(missing)}",
                     consequence="the facts read from them are none or unknown for everyone: mend the "
                     "mapping, or load the overlay that adds them (ppolicy, memberof, lastbind)")
    return Check("schema", "pass",
                 f"all {len(dict.fromkeys(wanted))} attributes the mapping reads are declared")


async def _users(store: LdapStore, population: list[reading.Entry]) -> Check:
    mapping = store.mapping
    found = await store.run(lambda: store.search(mapping.users, mapping.attributes(), limit=POPULATION))
    population.extend(found)
    if not found:
        return Check("users", "fail", f"the service account sees no user under {store.root.base_dn} "
                     f"({mapping.users})", consequence="every look-up would say \"no user has these "
                     "details\": give the account the right to read users, or the right base DN or mapping")
    return Check("users", "pass", f"the service account sees users under {store.root.base_dn}: "
                 f"{counted(len(found), 'user')} read")


async def _password_policy(store: LdapStore, population: list[reading.Entry]) -> Check:
    """Whether the account reads the state attributes: on no user at all, it may not."""
    if not population:
        return Check("password-policy", "warn", "not tested: no user is visible")
    mapping = store.mapping
    state = [(name, s.attribute) for name, fact in mapping.facts.items() if name in (*BOOLEANS, *MOMENTS)
             for s in fact.sources]
    counts = {attribute: sum(1 for e in population if e.values(attribute)) for _, attribute in state}
    unseen = [f"{attribute} ({name})" for name, attribute in state if counts[attribute] == 0]
    detail = ", ".join(f"{attribute} {count}" for attribute, count in counts.items())
    if unseen:
        return Check("password-policy", "warn", f"of the {counted(len(population), 'user')} read, carrying "
                     f"each state attribute: {detail}; none carries {', '.join(unseen)}: none has it set, or "
                     "the account may not read it", consequence="a fact none can read is told as none (a "
                     "lock, a reset) or unknown for everyone: check the account's rights")
    return Check("password-policy", "pass", f"of the {counted(len(population), 'user')} read, carrying each "
                 f"state attribute: {detail}")


async def _filters(store: LdapStore, population: list[reading.Entry]) -> Check:
    """A look-up for an address no one has finds no one: a directory (a proxy, a virtual directory) that
    ignores the filter answers every look-up with whoever comes first (F31-5)."""
    query, _ = store.user_filter(nobody())
    sent = await store.run(lambda: store.search(query, store.mapping.attributes()))
    if sent:
        entries = f"{len(sent)} {'entry' if len(sent) == 1 else 'entries'}"
        return Check("filters", "fail", f"a look-up for an address no one has returned {entries}: the "
                     "directory ignores filters", consequence="every diagnosis would be about the wrong "
                     "people, or find no one")
    return Check("filters", "pass", "a look-up for an address no one has finds no one")


async def _positive_controls(store: LdapStore, population: list[reading.Entry]) -> Check:
    """Users the directory lists, looked up by their own login address and legacy ID: each is found."""
    if not population:
        return Check("positive-controls", "warn", "not tested: no user is visible")
    mapping = store.mapping
    tried = 0
    missed: list[str] = []
    for entry in population[:CONTROLS]:
        user = reading.user_facts(entry, mapping)
        for identifier in (user.user_name, user.legacy_user_id):
            if not identifier:
                continue
            tried += 1
            snapshot = await fetch(store, identifier.lower())
            if not any(found.id == user.id for found, _ in matches(snapshot.users, identifier)):
                missed.append(identifier)
    if missed:
        return Check("positive-controls", "fail", f"{len(missed)} of {tried} look-ups by what a user "
                     f"carries found no one: {', '.join(missed[:5])}", consequence="callers the directory "
                     "holds would hear \"no user has these details\"")
    return Check("positive-controls", "pass", f"{tried} look-ups by what users carry each found the user")


async def _coverage(store: LdapStore, population: list[reading.Entry]) -> Check:
    if not population:
        return Check("coverage", "warn", "not tested: no user is visible")
    mapping = store.mapping
    read = [reading.user_facts(e, mapping) for e in population]
    counts: dict[str, int] = {}
    for name, fact in mapping.facts.items():
        if name not in FIELDS:
            continue
        counts[name] = sum(1 for e in population if any(e.values(s.attribute) for s in fact.sources))
    # A DN that can't be read is in no organisation this check can count (a diagnosis calls it unknown).
    chains = [ldap._chain(store, e.dn) or [] for e in population]
    contexts = await ldap._entries(store, [], *chains)
    nearest = [ldap._nearest(contexts, chain, mapping) for chain in chains]
    organisations = [org for org, _ in nearest]
    # An entry above a user that the account can't read: their organisation can't be told (F31-1).
    unread = sum(1 for _, missing in nearest if missing is not None) if mapping.organisation_classes else 0
    counts["organisation"] = sum(1 for org in organisations if org is not None)
    business = mapping.business_id
    if business is not None:
        seen = {reading.dn_key(o.dn): o for o in organisations if o is not None}
        counts["business_id"] = sum(1 for o in seen.values()
                                    if any(o.values(s.attribute) for s in business.sources))
    unmapped = [name for field, name in FACT_NAMES.items() if field in mapping.unrecorded]
    none = [name for name, count in counts.items() if count == 0]
    detail = (f"of the {counted(len(read), 'user')} read, carrying each mapped fact: "
              + ", ".join(f"{name} {count}" for name, count in counts.items()))
    if unmapped:
        detail += f"; not kept by this directory, so unknown for everyone: {', '.join(unmapped)}"
    status: Status = "pass"
    if "login_email" in none or "organisation" in none:
        status = "fail"
    elif none:
        status = "warn"
    if none:
        detail += f"; carried by no one: {', '.join(none)}"
    if unread:
        if unread == len(population):
            status = "fail"
        elif status == "pass":
            status = "warn"
        detail += (f"; for {counted(unread, 'user')} an entry above them can't be read, so their "
                   "organisation can't be told: the service account may lack the right to read it")
    return Check("coverage", status, detail, consequence="every diagnosis would be wrong: mend the mapping"
                 if status == "fail" else None)

