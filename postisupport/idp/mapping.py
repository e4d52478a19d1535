"""Attribute mappings: which attribute of a SCIM server holds each fact the runbook needs.

A mapping is a TOML file (docs/identity-api.md): the shipped presets are in
`presets/`, and a desk may write its own. It names, per fact of the one
vocabulary (core.facts.FACT_NAMES), the attribute path that holds it and what
an absent attribute means ("none": the directory says there is none;
"unknown": it can't tell); a fact it does not map is unknown for everyone.
It also says how a caller is looked up, how organisations are found, and what
makes an administrator. Filters, reading and doctor all walk the one mapping.

Pure: the standard library only, so the loader is cheap and any layer above may use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from postisupport.core.facts import FACT_NAMES
from postisupport.core.text import shortened
from postisupport.errors import MappingError

PRESETS = ("postisupport", "scim-core", "wso2")
DEFAULT = "postisupport"
MAX_BYTES = 1_000_000

Absent = Literal["none", "unknown"]
Format = Literal["datetime", "epoch-ms"]

# An attribute path as RFC 7643 writes one: an optional schema URN, an attribute, a sub-attribute.
# Nothing else may go into a filter unquoted; nor one so long that no server's URL could hold it.
MAX_PATH = 512
PATH = re.compile(r"(urn:[A-Za-z0-9._:-]+:)?[A-Za-z][A-Za-z0-9_$-]*(\.[A-Za-z][A-Za-z0-9_$-]*)?")

# The facts a mapping's [facts] table may name (vocabulary names), by kind.
BOOLEANS = ("reset_requested", "locked", "active")
MOMENTS = ("reset_sent_at", "password_changed_at", "last_login", "last_failed_login")
TEXTS = ("login_email", "legacy_user_id", "reset_sent_to", "language")
LISTS = ("emails", "phone", "services")
USER_FACTS = (*TEXTS, *LISTS, *BOOLEANS, *MOMENTS)
# A boolean fact's value that tells of a problem: any attribute saying so decides it.
PROBLEM = {"reset_requested": True, "locked": True, "active": False}
LOOKUP = ("login_email", "emails", "legacy_user_id")
FIELDS = {name: fact_field for fact_field, name in FACT_NAMES.items()}
TOP_KEYS = frozenset({"name", "description", "lookup", "facts", "organisations", "administrators"})


@dataclass(frozen=True)
class Source:
    """One attribute a fact is read from. `equals`: a text attribute tells the (boolean) fact when its
    value is one of these, case aside; `invert`: it tells the opposite; `format`: how a time is kept."""

    path: str
    equals: tuple[str, ...] = ()
    invert: bool = False
    format: Format = "datetime"


@dataclass(frozen=True)
class Fact:
    name: str  # the vocabulary's
    sources: tuple[Source, ...]
    absent: Absent = "none"


@dataclass(frozen=True)
class Organisations:
    """`kind` "groups": an organisation is a Group carrying `extension`, with its business ID and
    services at those paths in it; "attribute": a user's organisation is the value of `attribute`
    on the user (its name), and nothing more is known of it."""

    kind: Literal["groups", "attribute"]
    extension: str | None = None
    attribute: str | None = None
    business_id: str | None = None
    services: str | None = None
    absent: Absent = "none"


@dataclass(frozen=True)
class Administrators:
    """An administrator is a user whose `attribute` holds `value` (any case), in the organisation."""

    attribute: str = "roles.value"
    value: str = "admin"


@dataclass(frozen=True)
class Mapping:
    name: str
    description: str
    facts: dict[str, Fact]
    lookup: tuple[str, ...]
    organisations: Organisations | None
    administrators: Administrators | None
    text: str = field(default="", repr=False, compare=False)  # the file as written
    origin: str = ""  # "preset" or the file's path

    @property
    def unrecorded(self) -> frozenset[str]:
        """The facts (by core field) this mapping does not map: unknown for everyone."""
        mapped = set(self.facts)
        if self.organisations is not None:
            mapped.add("organisation")
            if self.organisations.business_id:
                mapped.add("business_id")
            if self.organisations.services:
                mapped.add("organisation_services")
        if self.administrators is not None:
            mapped.add("administrators")
        return frozenset(FIELDS[name] for name in FACT_NAMES.values() if name not in mapped)

    def path(self, fact: str) -> str | None:
        """The first attribute path of a fact (vocabulary name), None when it is not mapped."""
        mapped = self.facts.get(fact)
        return mapped.sources[0].path if mapped else None

    def filter_path(self, fact: str) -> str | None:
        """The attribute a filter compares for a fact: a multi-valued one by its items' value."""
        path = self.path(fact)
        if path is not None and fact in LISTS and "." not in path.rpartition(":")[2]:
            return f"{path}.value"
        return path

    @property
    def lookup_paths(self) -> tuple[str, ...]:
        """The attributes a look-up's filter compares, in the mapping's order."""
        return tuple(path for fact in self.lookup if (path := self.filter_path(fact)) is not None)


@cache
def preset(name: str) -> Mapping:
    """A shipped preset, by its name (one of PRESETS)."""
    from importlib import resources

    text = resources.files("postisupport.idp.presets").joinpath(f"{name}.toml").read_text("utf-8")
    return parse(text, f"preset {name}", origin="preset")


def load(name_or_file: str) -> Mapping:
    """A preset by its name, or a mapping file by its path. Raises MappingError."""
    if name_or_file in PRESETS:
        return preset(name_or_file)
    known = ", ".join(PRESETS)
    if not name_or_file.strip():
        raise MappingError(repr(name_or_file), None, f"is empty: name a preset ({known}) or a mapping file")
    path = Path(name_or_file).expanduser()
    if path.is_dir():
        raise MappingError(str(path), None, "is a folder, not a mapping file")
    if path.exists() and not path.is_file():
        raise MappingError(str(path), None, "is not a regular file (a device, a pipe): no mapping file")
    if not path.is_file():
        raise MappingError(str(path), None, f"no such mapping file, nor a preset ({known})")
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise MappingError(str(path), None, f"can't be read ({error.strerror})") from None
    if len(raw) > MAX_BYTES:
        raise MappingError(str(path), None, f"over {MAX_BYTES:,} bytes: no mapping is that long")
    try:
        text = raw.decode("utf-8-sig")  # an editor on Windows may write a BOM
    except UnicodeDecodeError:
        raise MappingError(str(path), None, "not UTF-8 text") from None
    return parse(text, str(path), origin=str(path))


def parse(text: str, where: str, origin: str = "") -> Mapping:
    import tomllib  # only when a mapping is named: the default contract needs none

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib says "... (at line 3, column 7)": the file's name first, as every other error here.
        match = re.search(r"\(at line (\d+), column \d+\)", str(error))
        line = f":{match.group(1)}" if match else ""
        reason = str(error).split(" (at ")[0]
        raise MappingError(f"{where}{line}", None, f"not valid TOML ({reason})") from None
    except RecursionError:  # arrays or tables nested hundreds deep: no mapping, and no bug of ours
        raise MappingError(where, None, "not valid TOML (nested too deeply)") from None
    reader = _Reader(text, where)
    reader.only(data, TOP_KEYS, None)
    facts = {name: reader.fact(name, value) for name, value in reader.table(data, "facts").items()}
    organisations = reader.organisations(data)
    administrators = reader.administrators(data)
    lookup = reader.lookup(data, facts)
    return Mapping(name=reader.text_of(data, "name", None) or Path(where).stem,
                   description=reader.text_of(data, "description", None) or "",
                   facts=facts, lookup=lookup, organisations=organisations, administrators=administrators,
                   text=text, origin=origin)


class _Reader:
    """Reads a parsed mapping, each error naming the file, the line and the key."""

    def __init__(self, text: str, where: str) -> None:
        self.lines = text.splitlines()
        self.where = where

    def error(self, section: str | None, key: str, reason: str) -> MappingError:
        line = self._line(section, key)
        shown = f"{section}.{key}" if section else key
        return MappingError(f"{self.where}:{line}" if line else self.where, shown, reason)

    def _line(self, section: str | None, key: str) -> int | None:
        """The line a key is set on, in its table (or the table's header, for a table's own key); else
        the header of a table of its own (`[facts.active]`), the first line that sets it inline or
        dotted (`facts = {active = 5}`, `active.path = 5`), or its table's header (a key missing)."""
        current: str | None = None
        pattern = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
        anywhere = re.compile(rf"(?<![\w-])[\"']?{re.escape(key)}[\"']?\s*[.=]")
        own = f"{section}.{key}" if section else key
        headers: dict[str, int] = {}
        inline: int | None = None
        for number, line in enumerate(self.lines, 1):
            header = re.match(r"\s*\[\s*([^\]]+?)\s*\]", line)
            if header:
                current = header.group(1)
                headers.setdefault(current, number)
                if section is None and current == key:
                    return number
                continue
            if current == section and pattern.match(line):
                return number
            if inline is None and anywhere.search(line.split("#", 1)[0]):
                inline = number
        return headers.get(own) or inline or (headers.get(section) if section else None)

    def only(self, table: dict[str, Any], allowed: frozenset[str] | tuple[str, ...],
             section: str | None) -> None:
        for key in table:
            if key not in allowed:
                reason = "not a fact of the vocabulary" if section == "facts" else "not a key of a mapping"
                raise self.error(section, key, f"{reason} (one of {', '.join(sorted(allowed))})")

    def table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.error(None, key, "must be a table")
        return value

    # `owner`: the key whose (inline) table holds `key`, named by an error as the line that sets it.
    def text_of(self, table: dict[str, Any], key: str, section: str | None,
                owner: str | None = None) -> str | None:
        value = table.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self.error(section, owner or key, f"{f'{key} ' if owner else ''}must be a non-empty string")
        if value is not None and not value.isprintable():
            # A control character (an escape sequence) would reach terminals, bulk rows and drafts.
            raise self.error(section, owner or key, f"{f'{key} ' if owner else ''}holds a control character")
        return value

    def path_of(self, table: dict[str, Any], key: str, section: str | None,
                owner: str | None = None) -> str | None:
        value = self.text_of(table, key, section, owner)
        if value is not None and (len(value) > MAX_PATH or not PATH.fullmatch(value)):
            raise self.error(section, owner or key, f"{shortened(value, 60)!r} is not an attribute path "
                             "(e.g. userName, emails.value, urn:...:User:employeeNumber)")
        return value

    def absent_of(self, table: dict[str, Any], section: str, owner: str | None = None) -> Absent:
        value = table.get("absent", "none")
        if value not in ("none", "unknown"):
            raise self.error(section, owner or "absent",
                             f"absent is \"none\" or \"unknown\", not {value!r}")
        return value  # type: ignore[no-any-return]

    def fact(self, name: str, value: Any) -> Fact:
        if name not in USER_FACTS:
            raise self.error("facts", name, f"not a fact of the vocabulary (one of {', '.join(USER_FACTS)})")
        if isinstance(value, str):
            value = {"path": value}
        if isinstance(value, dict):
            sources = [value]
            absent = self.absent_of(value, "facts", name)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            sources = value
            absents = {self.absent_of(v, "facts", name) for v in value}
            absent = "unknown" if "unknown" in absents else "none"
        else:
            raise self.error("facts", name, "must be an attribute path, a table, or a list of tables")
        if len(sources) > 1 and name not in BOOLEANS:
            raise self.error("facts", name, f"only {', '.join(BOOLEANS)} may be told by several attributes")
        return Fact(name, tuple(self.source(name, s) for s in sources), absent)

    def source(self, name: str, table: dict[str, Any]) -> Source:
        for key in table:
            if key not in ("path", "absent", "equals", "invert", "format"):
                raise self.error("facts", name, f"{key!r} is not a key of a fact (path, absent, equals, "
                                 "invert, format)")
        path = self.path_of(table, "path", "facts", name)
        if path is None:
            raise self.error("facts", name, "needs a path")
        equals = table.get("equals", [])
        if not isinstance(equals, list) or not all(isinstance(e, str) for e in equals):
            raise self.error("facts", name, "equals must be a list of strings")
        if equals and name not in BOOLEANS:
            raise self.error("facts", name, f"equals is for {', '.join(BOOLEANS)} only")
        invert = table.get("invert", False)
        if not isinstance(invert, bool) or (invert and name not in BOOLEANS):
            raise self.error("facts", name, f"invert is true or false, for {', '.join(BOOLEANS)} only")
        form = table.get("format", "datetime")
        if form not in ("datetime", "epoch-ms") or (form != "datetime" and name not in MOMENTS):
            raise self.error("facts", name, "format is \"datetime\" or \"epoch-ms\", for "
                             f"{', '.join(MOMENTS)} only")
        return Source(path, tuple(equals), invert, form)

    def lookup(self, data: dict[str, Any], facts: dict[str, Fact]) -> tuple[str, ...]:
        table = self.table(data, "lookup")
        self.only(table, ("by",), "lookup")
        by = table.get("by", [f for f in LOOKUP if f in facts])
        if not by and "by" not in table:
            raise self.error("facts", "login_email", f"no fact to look a caller up by: map one of "
                             f"{', '.join(LOOKUP)} at least")
        if not isinstance(by, list) or not by or not all(isinstance(b, str) for b in by):
            raise self.error("lookup", "by", f"must be a list of facts, some of {', '.join(LOOKUP)}")
        for fact in by:
            if fact not in LOOKUP:
                raise self.error("lookup", "by",
                                 f"{fact!r}: a caller is looked up by {', '.join(LOOKUP)} only")
            if fact not in facts:
                raise self.error("lookup", "by", f"{fact!r} is not mapped in [facts]")
        if len(set(by)) < len(by):
            raise self.error("lookup", "by", "names a fact twice")
        left = [f for f in LOOKUP if f in facts and f not in by]
        if left:
            # A caller who gives it would be told "not found", though the store was never asked by it.
            raise self.error("lookup", "by", f"leaves out {', '.join(left)}, which [facts] maps: a caller "
                             "who gives one would be told no user has it, unasked; list it, or leave the "
                             "fact out (then it is unknown for everyone)")
        return tuple(by)

    def organisations(self, data: dict[str, Any]) -> Organisations | None:
        if "organisations" not in data:
            return None
        table = self.table(data, "organisations")
        self.only(table, ("from", "extension", "attribute", "business_id", "services", "absent"),
                  "organisations")
        kind = table.get("from")
        if kind == "groups":
            extension = self.path_of(table, "extension", "organisations")
            if extension is None or not extension.startswith("urn:"):
                raise self.error("organisations", "extension", "groups need the schema URN that marks an "
                                 "organisation")
            if "attribute" in table:
                raise self.error("organisations", "attribute", "is for from = \"attribute\" only")
            return Organisations("groups", extension=extension,
                                 business_id=self.path_of(table, "business_id", "organisations"),
                                 services=self.path_of(table, "services", "organisations"))
        if kind == "attribute":
            attribute = self.path_of(table, "attribute", "organisations")
            if attribute is None:
                raise self.error("organisations", "attribute", "needs the user's attribute that names it")
            for key in ("extension", "business_id", "services"):
                if key in table:
                    raise self.error("organisations", key, "is for from = \"groups\" only: an organisation "
                                     "named by a user's attribute has nothing more")
            return Organisations("attribute", attribute=attribute,
                                 absent=self.absent_of(table, "organisations"))
        raise self.error("organisations", "from", f"{kind!r} is neither \"groups\" nor \"attribute\"")

    def administrators(self, data: dict[str, Any]) -> Administrators | None:
        if "administrators" not in data:
            return None
        table = self.table(data, "administrators")
        self.only(table, ("attribute", "value"), "administrators")
        attribute = self.path_of(table, "attribute", "administrators") or "roles.value"
        value = self.text_of(table, "value", "administrators") or "admin"
        return Administrators(attribute, value)


def resolve(node: dict[str, Any], path: str) -> Any:
    """The value at an attribute path (RFC 7643 section 3.10): an extension's by its schema URN, then
    the attribute and its sub-attribute, names in any case (section 2.1). A multi-valued attribute's
    sub-attribute is the list of its items' values. None when absent."""
    urn, _, rest = path.rpartition(":") if path.lower().startswith("urn:") else ("", "", path)
    if urn:
        node = _named(node, urn)
        if not isinstance(node, dict):
            return None
    attribute, _, sub = rest.partition(".")
    value = _named(node, attribute)
    if not sub or value is None:
        return value
    if isinstance(value, list):
        found = [_named(item, sub) for item in value if isinstance(item, dict)]
        return [v for v in found if v is not None]
    return _named(value, sub) if isinstance(value, dict) else None


def _named(node: Any, name: str) -> Any:
    if not isinstance(node, dict):
        return None
    if name in node:
        return node[name]
    folded = name.lower()
    return next((value for key, value in node.items() if str(key).lower() == folded), None)
