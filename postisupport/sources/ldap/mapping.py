"""LDAP mappings: which attribute of an LDAP directory's entries holds each fact the runbook needs, and
how its organisations, administrators and services are found (docs/identity-api.md, "Active Directory
and OpenLDAP"). A TOML file, as a SCIM mapping is: the presets `ad` and `openldap` are in `presets/`,
and a desk may write its own. A fact it does not map is unknown for everyone.

Pure: the standard library only.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from postisupport.core.facts import FACT_NAMES
from postisupport.core.text import shortened
from postisupport.errors import MappingError

PRESETS = ("ad", "openldap")
MAX_BYTES = 1_000_000
MAX_ATTRIBUTE = 128  # an attribute's name (with its options) longer than this is no directory's

Absent = Literal["none", "unknown"]
Format = Literal["text", "generalized", "filetime"]

BOOLEANS = ("reset_requested", "locked", "active")
MOMENTS = ("password_changed_at", "last_login", "last_failed_login", "reset_sent_at")
TEXTS = ("login_email", "legacy_user_id", "language", "display_name", "reset_sent_to")
LISTS = ("emails", "phone")
FACTS = (*TEXTS, *LISTS, *BOOLEANS, *MOMENTS)
# A boolean fact's value that tells of a problem: any attribute saying so decides it.
PROBLEM = {"reset_requested": True, "locked": True, "active": False}
LOOKUP = ("login_email", "emails", "legacy_user_id")
# The vocabulary's name of a fact -> its field (core.facts); display_name is no fact a rule weighs.
FIELDS = {name: fact_field for fact_field, name in FACT_NAMES.items()}
SOURCE_KEYS = ("attribute", "absent", "equals", "invert", "bit", "present", "except", "prefix", "format")
TOP_KEYS = frozenset({"name", "description", "users", "lookup", "facts", "organisations", "administrators",
                      "services"})


@dataclass(frozen=True)
class Source:
    """One attribute a fact is read from. A boolean is true when a value is one of `equals` (case
    aside), has the `bit` set (an integer's), or is `present` at all (but for the `except` values);
    `invert` tells the opposite. `prefix`: only values that start with it count, without it."""

    attribute: str
    equals: tuple[str, ...] = ()
    invert: bool = False
    bit: int | None = None
    present: bool = False
    except_: tuple[str, ...] = ()
    prefix: str | None = None
    format: Format = "text"


@dataclass(frozen=True)
class Fact:
    name: str
    sources: tuple[Source, ...]
    absent: Absent = "none"


@dataclass(frozen=True)
class LdapMapping:
    name: str
    description: str
    users: str  # the filter that makes an entry a user
    dn_attribute: str  # the attribute a filter finds an entry by its DN with (entryDN, distinguishedName)
    realm: bool  # DOMAIN\name and name@REALM are the legacy ID (Active Directory's down-level forms)
    facts: dict[str, Fact]
    lookup: tuple[str, ...]
    organisation_classes: tuple[str, ...]  # the nearest ancestor of one of these is the organisation
    organisation_name: tuple[str, ...]
    business_id: Fact | None
    admins_attribute: str | None  # of the organisation: a user's DN, or a group's whose members are them
    admins_group: str | None  # an RDN: the group of this name right under the organisation
    services_attribute: str | None  # of the user: the DNs of its groups
    services_prefix: str  # a group is a service when its RDN's value starts so; the rest is its id
    services_name: str | None  # the group's attribute that names the service
    text: str = field(default="", repr=False, compare=False)
    origin: str = ""

    @property
    def unrecorded(self) -> frozenset[str]:
        """The facts (by core field) this mapping does not map: unknown for everyone."""
        mapped = {FIELDS[name] for name in self.facts if name in FIELDS}
        if self.organisation_classes:
            mapped.add("organisation")
        if self.business_id is not None:
            mapped.add("business_id")
        if self.admins_attribute or self.admins_group:
            mapped.add("administrators")
        if self.services_attribute:
            mapped.add("entitlements")
        return frozenset(f for f in FACT_NAMES if f not in mapped)

    def attributes(self) -> list[str]:
        """Every attribute of a user entry it reads, for a search to ask for by name (operational
        and constructed ones are sent only when asked for)."""
        names = [s.attribute for fact in self.facts.values() for s in fact.sources]
        if self.services_attribute:
            names.append(self.services_attribute)
        return list(dict.fromkeys(names))

    def organisation_attributes(self) -> list[str]:
        names = [*self.organisation_name, "objectClass"]
        if self.business_id is not None:
            names += [s.attribute for s in self.business_id.sources]
        if self.admins_attribute:
            names.append(self.admins_attribute)
        return list(dict.fromkeys(names))


@cache
def preset(name: str) -> LdapMapping:
    text = (Path(__file__).parent / "presets" / f"{name}.toml").read_text(encoding="utf-8")
    return parse(text, f"preset {name}", origin="preset")


def load(name_or_file: str) -> LdapMapping:
    """A preset by name, else a mapping file; MappingError says what is wrong and where."""
    if name_or_file in PRESETS:
        return preset(name_or_file)
    if not any(c in name_or_file for c in "/."):
        raise MappingError(name_or_file, None, f"no such LDAP preset (the presets are {', '.join(PRESETS)}); "
                           "a mapping file's name holds a '/' or a '.'")
    path = Path(name_or_file).expanduser()
    try:
        if path.stat().st_size > MAX_BYTES:
            raise MappingError(str(path), None, f"larger than {MAX_BYTES // 1000} kB: no mapping is")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MappingError(str(path), None, "no such file") from None
    except UnicodeDecodeError:
        raise MappingError(str(path), None, "not UTF-8 text") from None
    except OSError as error:
        raise MappingError(str(path), None, error.strerror or type(error).__name__) from None
    return parse(text, str(path), origin=str(path))


def parse(text: str, where: str, origin: str = "") -> LdapMapping:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(where, None, f"not TOML ({error})") from None
    return _Parser(where).mapping(data, text, origin)


class _Parser:
    def __init__(self, where: str) -> None:
        self.where = where

    def error(self, key: str | None, reason: str) -> MappingError:
        return MappingError(self.where, key, reason)

    def only(self, table: dict[str, Any], allowed: tuple[str, ...] | frozenset[str], section: str) -> None:
        for key in table:
            if key not in allowed:
                raise self.error(f"{section}.{key}" if section else key,
                                 f"not a key here (the keys are {', '.join(sorted(allowed))})")

    def table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.error(key, "a table, [" + key + "]")
        return value

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "a text, not empty")
        return value.strip()

    def texts(self, value: Any, key: str) -> tuple[str, ...]:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values:
            raise self.error(key, "an attribute's name or a list of them")
        return tuple(self.text(v, key) for v in values)

    def attribute(self, value: Any, key: str) -> str:
        """An attribute's name (RFC 4512: a descriptor or an OID, with options): nothing else goes into a
        filter as one, where ")(" would change what it asks."""
        name = self.text(value, key)
        if len(name) > MAX_ATTRIBUTE or not all(c.isalnum() or c in "-;." for c in name):
            raise self.error(key, f"{shortened(name, 60)!r} is no attribute's name")
        return name

    def attributes(self, value: Any, key: str) -> tuple[str, ...]:
        return tuple(self.attribute(v, key) for v in self.texts(value, key))

    def mapping(self, data: dict[str, Any], text: str, origin: str) -> LdapMapping:
        self.only(data, TOP_KEYS, "")
        users = self.table(data, "users")
        self.only(users, ("filter", "dn"), "users")
        users_filter = self.text(users.get("filter", "(objectClass=person)"), "users.filter")
        if not (users_filter.startswith("(") and users_filter.endswith(")")):
            raise self.error("users.filter", "an LDAP filter in parentheses, e.g. (objectClass=person)")
        facts_table = self.table(data, "facts")
        facts = {name: self.fact(name, value) for name, value in facts_table.items()}
        lookup = self.table(data, "lookup")
        self.only(lookup, ("by", "realm"), "lookup")
        if not isinstance(lookup.get("realm", False), bool):
            raise self.error("lookup.realm", "true or false")
        by = self.texts(lookup.get("by", list(LOOKUP)), "lookup.by")
        for name in by:
            if name not in LOOKUP:
                raise self.error("lookup.by", f"{name!r} is not one of {', '.join(LOOKUP)}")
            if name not in facts:
                raise self.error("lookup.by", f"{name!r} is not mapped in [facts]")
        organisations = self.table(data, "organisations")
        self.only(organisations, ("classes", "name", "business_id"), "organisations")
        classes = (self.texts(organisations["classes"], "organisations.classes")
                   if "classes" in organisations else ())
        names = self.attributes(organisations.get("name", ["ou", "o"]), "organisations.name")
        business_id = self.fact("business_id", organisations["business_id"], "organisations.business_id") \
            if "business_id" in organisations else None
        admins = self.table(data, "administrators")
        self.only(admins, ("attribute", "group"), "administrators")
        if "attribute" in admins and "group" in admins:
            raise self.error("administrators", "either attribute (of the organisation) or group, not both")
        group = self.text(admins["group"], "administrators.group") if "group" in admins else None
        if group is not None and "=" not in group:
            raise self.error("administrators.group", "an RDN, e.g. cn=admins")
        services = self.table(data, "services")
        self.only(services, ("attribute", "prefix", "name"), "services")
        return LdapMapping(
            name=str(data.get("name") or Path(origin).stem or "mapping"),
            description=str(data.get("description", "")),
            users=users_filter,
            dn_attribute=self.attribute(users.get("dn", "entryDN"), "users.dn"),
            realm=bool(lookup.get("realm", False)),
            facts=facts,
            lookup=by,
            organisation_classes=classes,
            organisation_name=names,
            business_id=business_id,
            admins_attribute=self.attribute(admins["attribute"], "administrators.attribute")
            if "attribute" in admins else None,
            admins_group=group,
            services_attribute=self.attribute(services["attribute"], "services.attribute")
            if "attribute" in services else None,
            services_prefix=str(services.get("prefix", "")),
            services_name=self.attribute(services["name"], "services.name") if "name" in services else None,
            text=text,
            origin=origin,
        )

    def fact(self, name: str, value: Any, key: str | None = None) -> Fact:
        key = key or f"facts.{name}"
        if name not in FACTS and name != "business_id":
            raise self.error(key, f"not a fact an LDAP mapping reads (the facts are {', '.join(FACTS)})")
        items = value if isinstance(value, list) else [value]
        if not items:
            raise self.error(key, "an attribute, a table or a list of them")
        sources = tuple(self.source(name, item, key) for item in items)
        absents = {item.get("absent", "none") for item in items if isinstance(item, dict)}
        for absent in absents:
            if absent not in ("none", "unknown"):
                raise self.error(key, f"absent is \"none\" or \"unknown\", not {absent!r}")
        return Fact(name, sources, "unknown" if "unknown" in absents else "none")

    def source(self, name: str, item: Any, key: str) -> Source:
        if isinstance(item, str):
            item = {"attribute": item}
        if not isinstance(item, dict):
            raise self.error(key, "an attribute's name or a table with one")
        self.only(item, SOURCE_KEYS, key)
        attribute = self.attribute(item.get("attribute"), key)
        form = item.get("format", "text")
        if form not in ("text", "generalized", "filetime"):
            raise self.error(key, f"format is \"text\", \"generalized\" or \"filetime\", not {form!r}")
        if name in MOMENTS and form == "text":
            raise self.error(key, "a time: format \"generalized\" (LDAP) or \"filetime\" (Active Directory)")
        bit = item.get("bit")
        if bit is not None and (not isinstance(bit, int) or isinstance(bit, bool) or bit <= 0):
            raise self.error(key, "bit is a positive integer, e.g. 0x10")
        equals = item.get("equals", [])
        excepted = item.get("except", [])
        for values, what in ((equals, "equals"), (excepted, "except")):
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise self.error(key, f"{what} is a list of texts")
        told = [bool(equals), bit is not None, bool(item.get("present"))]
        if name in BOOLEANS and sum(told) != 1:
            raise self.error(key, "a yes-or-no fact is read by one of equals, bit or present")
        if name not in BOOLEANS and any(told):
            raise self.error(key, "equals, bit and present are for yes-or-no facts")
        for flag in ("invert", "present"):
            if not isinstance(item.get(flag, False), bool):
                raise self.error(key, f"{flag} is true or false")
        prefix = item.get("prefix")
        if prefix is not None and not isinstance(prefix, str):
            raise self.error(key, "prefix is a text")
        return Source(attribute, tuple(equals), bool(item.get("invert", False)), bit,
                      bool(item.get("present", False)), tuple(excepted), prefix or None, form)
