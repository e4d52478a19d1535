"""An LDAP directory's entries read into the core's facts through an LDAP mapping: the one place its
attributes meet the core. Pure but for ldap3's DN parser: values come in as the text the server sent
(RFC 4517 syntaxes), and what can't be read is kept in `problems` and `unknown`, never guessed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from postisupport.core.facts import OrganisationFacts, Service, UserFacts
from postisupport.core.identifiers import fold, looks_like_business_id
from postisupport.core.text import shortened

if TYPE_CHECKING:
    from postisupport.sources.ldap.mapping import Fact, LdapMapping, Source

# Active Directory's times: 100-nanosecond intervals since 1601. 0 and the largest value are "never".
EPOCH_1601 = datetime(1601, 1, 1, tzinfo=UTC)
NEVER = frozenset({"0", str(2**63 - 1)})
# RFC 4517 section 3.3.3, the Boolean syntax's only values (read in any case, as `equals` is).
BOOLEAN = frozenset({"true", "false"})


@dataclass(frozen=True)
class Entry:
    """One entry as the server sent it: its DN and its attributes' values, by the attribute's name in
    lower case (LDAP's names are case-insensitive)."""

    dn: str
    attributes: dict[str, tuple[str, ...]]

    def values(self, attribute: str) -> tuple[str, ...]:
        return self.attributes.get(attribute.lower(), ())

    def first(self, attribute: str) -> str | None:
        return next((v for v in self.values(attribute) if v.strip()), None)


def dn_key(dn: str) -> str:
    """A DN as compared: its RDNs' types and values folded, blanks around them dropped, escapes read
    (OU=Esimerkki\\20Oy is ou=Esimerkki Oy; "ou=x, dc=y", which ldap3 won't parse, is "ou=x,dc=y"). An
    administrator's DN written so was no administrator's (F31-4)."""
    try:
        parts = parse_dn(dn)
    except ValueError:
        try:
            parts = parse_dn(_SEPARATED.sub(r"\1", dn.strip()))
        except ValueError:
            return fold(dn)
    return ",".join(f"{kind.strip().casefold()}={_key_value(value)}" for kind, value, _ in parts)


# Blanks around an unescaped separator of RDNs or of an attribute and its value (RFC 4514 allows none,
# RFC 2253's readers took them).
_SEPARATED = re.compile(r"(?<!\\)\s*([,=+;])\s*")


def _key_value(value: str) -> str:
    """An RDN value as compared: unescaped, folded, and written so no value reads as two."""
    text = fold(_unescaped(value.strip()).strip())
    return text.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=").replace("+", "\\+")


def parse_dn(dn: str) -> list[tuple[str, str, str]]:
    from ldap3.core.exceptions import LDAPInvalidDnError
    from ldap3.utils.dn import parse_dn as parsed

    try:
        return list(parsed(dn))
    except LDAPInvalidDnError as error:
        raise ValueError(str(error)) from None


def ancestors(dn: str) -> list[str]:
    """The DNs above `dn`, nearest first."""
    parts = parse_dn(dn)
    return [",".join(f"{kind}={value}" for kind, value, _ in parts[i:]) for i in range(1, len(parts))]


def rdn_value(dn: str) -> str | None:
    try:
        parts = parse_dn(dn)
    except ValueError:
        return None
    return _unescaped(parts[0][1]) if parts else None


def _unescaped(value: str) -> str:
    """An RDN value as written in a DN (RFC 4514 escapes) as text."""
    out, i = [], 0
    raw = bytearray()
    while i < len(value):
        if value[i] == "\\" and i + 2 < len(value) + 1:
            pair = value[i + 1:i + 3]
            if len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair):
                raw.append(int(pair, 16))
                i += 3
                continue
            if raw:
                out.append(raw.decode("utf-8", "replace"))
                raw.clear()
            out.append(value[i + 1:i + 2])
            i += 2
            continue
        if raw:
            out.append(raw.decode("utf-8", "replace"))
            raw.clear()
        out.append(value[i])
        i += 1
    if raw:
        out.append(raw.decode("utf-8", "replace"))
    return "".join(out)


def moment(text: str, form: str) -> datetime | None:
    """A time as the directory keeps it; None for AD's "never". ValueError when it is no such time."""
    text = text.strip()
    if form == "filetime":
        if text in NEVER:
            return None
        ticks = int(text)
        if ticks < 0:
            raise ValueError(text)
        return EPOCH_1601 + timedelta(microseconds=ticks // 10)
    return generalized(text)


def generalized(text: str) -> datetime:
    """RFC 4517 GeneralizedTime: YYYYMMDDHH[MM[SS]][(.|,)fraction](Z|+HHMM|-HHMM)."""
    body, zone = text, ""
    for sign in ("Z", "+", "-"):
        at = text.find(sign, 10)
        if at != -1:
            body, zone = text[:at], text[at:]
            break
    if not zone:
        raise ValueError(text)
    fraction = ""
    for mark in (".", ","):
        if mark in body:
            body, fraction = body.split(mark, 1)
    if not body.isdigit() or len(body) not in (10, 12, 14) or (fraction and not fraction.isdigit()):
        raise ValueError(text)
    when = datetime.strptime(body.ljust(14, "0"), "%Y%m%d%H%M%S")
    if fraction:
        when += timedelta(microseconds=round(float(f"0.{fraction}") * 1_000_000))
    if zone == "Z":
        return when.replace(tzinfo=UTC)
    if len(zone) not in (3, 5) or not zone[1:].isdigit():
        raise ValueError(text)
    offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5] or 0))
    return (when - offset if zone[0] == "+" else when + offset).replace(tzinfo=UTC)


class _Reader:
    """One entry's facts through the mapping, noting what can't be read."""

    def __init__(self, entry: Entry, mapping: LdapMapping) -> None:
        self.entry = entry
        self.mapping = mapping
        self.problems: list[str] = []
        self.unknown: set[str] = set()
        self.untold: set[str] = set()

    def _values(self, source: Source) -> list[str]:
        values = [v for v in self.entry.values(source.attribute) if v.strip()]
        if source.prefix is not None:
            size = len(source.prefix)
            values = [v[size:] for v in values if v[:size].casefold() == source.prefix.casefold()]
        return values

    def _absent(self, fact: Fact, field: str | None) -> None:
        if fact.absent == "unknown" and field is not None:
            self.unknown.add(field)
            self.untold.add(field)

    def texts(self, name: str) -> list[str]:
        fact = self.mapping.facts.get(name)
        if fact is None:
            return []
        found = [v.strip() for source in fact.sources for v in self._values(source)]
        if not found:
            self._absent(fact, _field(name))
        return list(dict.fromkeys(found))

    def text(self, name: str) -> str | None:
        found = self.texts(name)
        return found[0] if found else None

    def boolean(self, name: str, default: bool) -> bool:
        """The fact, or `default` (its absent value) when no attribute tells it; unknown noted."""
        from postisupport.sources.ldap.mapping import PROBLEM

        fact = self.mapping.facts.get(name)
        if fact is None:
            return default
        said: list[bool] = []
        unreadable = False
        for source in fact.sources:
            values = self._values(source)
            if not values:
                continue
            try:
                said.append(_told(source, values))
            except ValueError as error:
                unreadable = True
                shown = shortened(repr(error.args[0]), 60)
                self.problems.append(f"{source.attribute}: {shown} can't be read "
                                     f"(not {'an integer' if source.bit else 'TRUE or FALSE'})")
        field = _field(name)
        if PROBLEM[name] in said:
            return PROBLEM[name]
        if unreadable and field is not None:
            self.unknown.add(field)
            return default
        if not said:
            self._absent(fact, field)
            return default
        return not PROBLEM[name]

    def when(self, name: str) -> datetime | None:
        """The latest time the fact's attributes hold; None when none (or "never")."""
        fact = self.mapping.facts.get(name)
        if fact is None:
            return None
        times: list[datetime] = []
        sent = False
        for source in fact.sources:
            for value in self._values(source):
                sent = True
                try:
                    read = moment(value, source.format)
                except (ValueError, OverflowError):
                    self.problems.append(f"{source.attribute}: {shortened(repr(value), 60)} is no time")
                    if (field := _field(name)) is not None:
                        self.unknown.add(field)
                    continue
                if read is not None:
                    times.append(read)
        if not sent:
            self._absent(fact, _field(name))
        return max(times) if times else None


def _told(source: Source, values: list[str]) -> bool:
    """What the values tell; ValueError holding the first that can't be read by the source."""
    if source.bit is not None:
        told = any(_integer(v) & source.bit for v in values)
    elif source.present:
        excepted = {fold(v) for v in source.except_}
        told = any(fold(v) not in excepted for v in values)
    else:
        wanted = {fold(v) for v in source.equals}
        odd = next((v for v in values if fold(v) not in BOOLEAN), None)
        if wanted and wanted <= BOOLEAN and odd is not None:
            # Read by TRUE or FALSE, the attribute is of the Boolean syntax (ppolicy's pwdReset): a value
            # that is neither tells nothing, and is no "FALSE" either.
            raise ValueError(odd)
        told = any(fold(v) in wanted for v in values)
    return told != source.invert


def _integer(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ValueError(value) from None


def _field(name: str) -> str | None:
    from postisupport.sources.ldap.mapping import FIELDS

    return FIELDS.get(name)


def user_facts(entry: Entry, mapping: LdapMapping, organisation: str | None = None,
               is_admin: bool = False, services: dict[str, Service] | None = None) -> UserFacts:
    """A user's entry as facts: `organisation` the DN of its organisation (None: in none), `is_admin`
    whether it administers it, `services` the service groups read (by DN key), for its memberOf."""
    reader = _Reader(entry, mapping)
    login = reader.text("login_email")
    emails = reader.texts("emails")
    names = reader.texts("display_name")
    phones = reader.texts("phone")
    unrecorded = {f for f in mapping.unrecorded if f not in ("organisation", "business_id",
                                                             "organisation_services", "administrators")}
    return UserFacts(
        id=entry.dn,
        user_name=login,
        display_name=names[0] if names else None,
        active=reader.boolean("active", True),
        is_admin=is_admin,
        emails=tuple(emails),
        preferred_language=reader.text("language"),
        legacy_user_id=reader.text("legacy_user_id"),
        force_password_reset=reader.boolean("reset_requested", False),
        reset_sent_at=reader.when("reset_sent_at"),
        reset_sent_to=reader.text("reset_sent_to"),
        last_password_update=reader.when("password_changed_at"),
        last_login=reader.when("last_login"),
        last_failed_login=reader.when("last_failed_login"),
        locked=reader.boolean("locked", False),
        entitlements=_entitlements(entry, mapping, services or {}),
        primary_email=login,
        phone=phones[0] if phones else None,
        group_ids=(organisation,) if organisation else (),
        problems=tuple(reader.problems),
        names=tuple(names),
        unknown=frozenset(reader.unknown | unrecorded),
        untold=frozenset(reader.untold | unrecorded),
    )


def service_groups(entry: Entry, mapping: LdapMapping) -> list[str]:
    """The DNs of the user's groups that are services (their RDN's value starts with the prefix)."""
    if not mapping.services_attribute:
        return []
    prefix = mapping.services_prefix.casefold()
    return [dn for dn in entry.values(mapping.services_attribute)
            if (value := rdn_value(dn)) is not None and value.casefold().startswith(prefix)]


def service(group: Entry | None, dn: str, mapping: LdapMapping) -> Service:
    """A service group as a service: its id the rest of its RDN's value, its name the group's."""
    value = rdn_value(dn) or dn
    ident = value[len(mapping.services_prefix):]
    name = group.first(mapping.services_name) if group is not None and mapping.services_name else None
    return Service(ident, name or ident)


def _entitlements(entry: Entry, mapping: LdapMapping, services: dict[str, Service]) -> tuple[Service, ...]:
    found = []
    for dn in service_groups(entry, mapping):
        found.append(services.get(dn_key(dn)) or service(None, dn, mapping))
    return tuple(found)


def is_organisation(entry: Entry, mapping: LdapMapping) -> bool:
    classes = {fold(c) for c in entry.values("objectClass")}
    return any(fold(c) in classes for c in mapping.organisation_classes)


def business_ids(entry: Entry, mapping: LdapMapping) -> list[str]:
    """The values of the organisation's business-ID attributes that have a business ID's shape."""
    if mapping.business_id is None:
        return []
    reader = _Reader(entry, mapping)
    return list(dict.fromkeys(v.strip() for s in mapping.business_id.sources for v in reader._values(s)
                              if looks_like_business_id(v)))


def organisation_facts(entry: Entry, mapping: LdapMapping) -> tuple[OrganisationFacts, list[str]]:
    """An organisation's entry as facts: its name, its business ID (unknown as the mapping says)."""
    reader = _Reader(entry, mapping)
    names = [v.strip() for a in mapping.organisation_name for v in entry.values(a) if v.strip()]
    # The name the entry is known by, its RDN's, when it is one of several sent (ou and o are multi-valued).
    named = rdn_value(entry.dn)
    name = next((v for v in names if named is not None and fold(v) == fold(named.strip())), None) \
        or next(iter(names), None) or named
    unknown: set[str] = set()
    business_id = None
    if mapping.business_id is not None:
        found = list(dict.fromkeys(v.strip() for s in mapping.business_id.sources for v in reader._values(s)))
        # businessCategory is multi-valued: a kind of business beside the ID is no ID, and of two IDs
        # neither is the one the caller is verified against (attack 30, F30-4).
        shaped = business_ids(entry, mapping)
        if len(shaped) > 1:
            attribute = mapping.business_id.sources[0].attribute
            reader.problems.append(f"{attribute}: sent {len(shaped)} business IDs ({', '.join(shaped)}), so "
                                   "none is read")
            unknown.add("business_id")
        else:
            business_id = next(iter(shaped or found), None)
        if not found and mapping.business_id.absent == "unknown":
            unknown.add("business_id")
    return OrganisationFacts(entry.dn, name, business_id, (), services_unknown=True,
                             unknown=frozenset(unknown)), reader.problems
