"""A mapping proposed for one SCIM server: the mapping in force, its attributes checked against what the
server declares (/Schemas) and what the users it lists first carry; an attribute it lacks is replaced by
one the server has under a name other stores keep that fact under, else the fact is left unmapped, so
unknown for everyone. Pure: the server's answers in, the file's text out (doctor --draft-mapping)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from postisupport.idp import mapping as mappings
from postisupport.idp.mapping import Fact, Mapping, Source

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_ORGANIZATION = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization"

# Attribute names (any schema, any case) that stores are known to keep a fact under, best first:
# postisupport's own extension, RFC 7643's enterprise extension, WSO2's urn:scim:wso2:schema.
CANDIDATES: dict[str, tuple[str, ...]] = {
    "login_email": ("userName",),
    "emails": ("emails",),
    "legacy_user_id": ("legacyUserId", "employeeNumber"),
    "active": ("active",),
    "language": ("preferredLanguage",),
    "phone": ("phoneNumbers",),
    "services": ("entitlements",),
    "reset_requested": ("forcePasswordReset",),
    "reset_sent_at": ("passwordResetSentAt",),
    "reset_sent_to": ("passwordResetSentTo",),
    "password_changed_at": ("lastPasswordUpdateTime",),
    "last_login": ("lastLoginTime",),
    "last_failed_login": ("lastFailedLoginTime",),
    "locked": ("accountLocked",),
}
# The SCIM types (RFC 7643 section 2.3) a fact's attribute may have.
TYPES: dict[str, frozenset[str]] = {
    **{fact: frozenset({"boolean", "string"}) for fact in mappings.BOOLEANS},
    **{fact: frozenset({"datetime", "string", "integer"}) for fact in mappings.MOMENTS},
    **{fact: frozenset({"string", "reference", "binary"}) for fact in mappings.TEXTS},
    **{fact: frozenset({"complex", "string"}) for fact in mappings.LISTS},
}


@dataclass(frozen=True)
class Attribute:
    path: str
    type: str | None  # as /Schemas declares it, lower case; None: seen only on users
    declared: bool
    carriers: int  # of the users listed first, how many carry it


@dataclass(frozen=True)
class Draft:
    text: str
    replaced: tuple[tuple[str, str, str], ...]  # (fact, attribute it had, attribute it has now)
    added: tuple[tuple[str, str], ...]  # (fact the base leaves out, attribute the server has for it)
    unmapped: tuple[str, ...]  # facts the server has no attribute for: unknown for everyone


class _Server:
    """What a server declares and what its users carry, by attribute path in lower case."""

    def __init__(self, schemas: list[dict[str, Any]] | None, users: list[dict[str, Any]]) -> None:
        self.checked = bool(schemas)  # /Schemas answered with something to check against
        self.users = users
        self.attributes: dict[str, Attribute] = {}
        # What a mapping can't name (a URN with "/" or a space, a control character): never proposed.
        self.unnamable: dict[str, None] = {}
        for schema in schemas or []:
            urn = mappings.resolve(schema, "id")
            if isinstance(urn, str):
                for path, kind in _declared(urn, mappings.resolve(schema, "attributes")):
                    self._add(Attribute(path, kind, True, self._carriers(path)))
                if mappings.PATH.fullmatch(f"{urn}:x"):
                    self.attributes.setdefault(urn.lower(), Attribute(urn, "complex", True, 0))
        for user in users:
            for path in _carried(user):
                if path.lower() not in self.attributes:
                    self._add(Attribute(path, None, False, self._carriers(path)))

    def _add(self, attribute: Attribute) -> None:
        if mappings.PATH.fullmatch(attribute.path):
            self.attributes[attribute.path.lower()] = attribute
        else:
            self.unnamable[attribute.path] = None

    def _carriers(self, path: str) -> int:
        return sum(1 for user in self.users if mappings.resolve(user, path) is not None)

    def has(self, path: str) -> Attribute | None:
        """The attribute at `path` when the server declares it or its users carry it."""
        found = self.attributes.get(path.lower())
        if found is None and "." in path.rpartition(":")[2]:
            found = self.attributes.get(path.rpartition(".")[0].lower())  # roles.value: roles, complex
        return found

    def named(self, name: str, fact: str) -> Attribute | None:
        """The attribute called `name` (its last part, any schema, any case) of a type the fact may have;
        one that users carry first."""
        fitting = [a for a in self.attributes.values() if _leaf(a.path) == name.lower()
                   and (a.type is None or a.type in TYPES[fact]) and (a.declared or a.carriers)]
        return max(fitting, key=lambda a: (a.carriers > 0, a.declared), default=None)


def _on_users(server: _Server, path: str) -> bool:
    """Whether any of the users listed first carries the attribute at `path`."""
    held = server.has(path)
    return held is not None and held.carriers > 0


def _printable(text: str) -> str:
    """`text` as a comment can hold it: each control character as its escape."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _declared(urn: str, attributes: Any) -> Iterable[tuple[str, str | None]]:
    """Each attribute /Schemas declares for `urn`, and each of its sub-attributes, as a mapping's path
    names it (a core one by its name alone), with its type."""
    core = urn.lower() in (CORE_USER.lower(), CORE_GROUP.lower())
    for attribute in attributes if isinstance(attributes, list) else []:
        name = mappings.resolve(attribute, "name") if isinstance(attribute, dict) else None
        if not isinstance(name, str) or not name:
            continue
        path = name if core else f"{urn}:{name}"
        yield path, _type(attribute)
        subs = mappings.resolve(attribute, "subAttributes")
        for sub in subs if isinstance(subs, list) else []:
            sub_name = mappings.resolve(sub, "name") if isinstance(sub, dict) else None
            if isinstance(sub_name, str) and sub_name:
                yield f"{path}.{sub_name}", _type(sub)


def _type(attribute: dict[str, Any]) -> str | None:
    kind = mappings.resolve(attribute, "type")
    return kind.lower() if isinstance(kind, str) else None


def _carried(user: dict[str, Any]) -> Iterable[str]:
    """The attribute paths a user resource carries: its attributes, an extension's, their items'."""
    for key, value in user.items():
        if not isinstance(key, str):
            continue
        if key.lower().startswith("urn:") and isinstance(value, dict):
            yield from (f"{key}:{name}" for name in value if isinstance(name, str))
            continue
        yield key
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                yield from (f"{key}.{name}" for name in item if isinstance(name, str))


def _leaf(path: str) -> str:
    return path.rpartition(":")[2].split(".")[0].lower()


def draft(base: Mapping, schemas: list[dict[str, Any]] | None, users: list[dict[str, Any]]) -> Draft:
    """The mapping `base`, made to fit the server whose /Schemas resources are `schemas` (None: not
    answered) and whose first users are `users`."""
    import tomlkit

    server = _Server(schemas, users)
    facts: dict[str, tuple[Fact, list[str]]] = {}
    replaced: list[tuple[str, str, str]] = []
    added: list[tuple[str, str]] = []
    unmapped: list[str] = []
    # The base mapping's facts in its order, then those it leaves out that the server may have.
    for name in dict.fromkeys([*base.facts, *mappings.USER_FACTS]):
        fact = base.facts.get(name)
        kept = [s for s in fact.sources if server.has(s.path)] if fact is not None else []
        notes = [f"{s.path} is not on this server" for s in fact.sources if s not in kept] if fact else []
        carried = [s for s in kept if (held := server.has(s.path)) is not None and held.carriers]
        other = None
        read: tuple[Source, str, mappings.Absent] | None = None
        if kept and not carried and users:
            # Declared but on none of its users, while another attribute of the fact's names is on some
            # (the store keeps it there): that one, or every look-up by it finds no one.
            other = next((a for c in CANDIDATES[name] if (a := server.named(c, name)) is not None
                          and a.carriers), None)
            if other is not None:
                notes.append(f"{kept[0].path} is on none of the {len(users)} users listed first")
                kept = []
        if not kept:
            # The one its users carry, when that is why the base's went: never the base's again.
            found = other or next((a for c in CANDIDATES[name] if (a := server.named(c, name)) is not None),
                                  None)
            if found is None:
                if fact is not None:
                    unmapped.append(name)
                continue
            read = _as_presets_read(name, found.path)
            kept = [read[0] if read else Source(found.path, format=_format(server, found.path, name))]
            if fact is not None:
                replaced.append((name, fact.sources[0].path, found.path))
            else:
                added.append((name, found.path))
            notes.append(f"found {found.path}" + (f" ({found.type})" if found.type else "")
                         + (f", read as the preset {read[1]} reads it" if read else ""))
        if name in mappings.BOOLEANS:
            # Several attributes tell a boolean (WSO2's accountState beside accountLocked): each a preset
            # reads it from that the users carry is proposed too, as that preset reads it.
            for source, preset_name in _presets_sources(name):
                if _on_users(server, source.path) and all(k.path.lower() != source.path.lower()
                                                          for k in kept):
                    kept.append(source)
                    notes.append(f"found {source.path} on the users, read as the preset {preset_name} "
                                 "reads it")
        absent: mappings.Absent = read[2] if read else fact.absent if fact is not None \
            else "unknown" if name in mappings.MOMENTS else "none"
        if users and absent == "none" and name != "login_email" and not any(
                (held := server.has(s.path)) is not None and held.carriers for s in kept):
            # Declared, but on none of the users listed first: this server may not keep it at all, and
            # "none" would be said of everyone (no rights, no language) where nothing is known.
            absent = "unknown"
            notes.append(f"on none of the {len(users)} users listed first, so an absent one is unknown")
        facts[name] = (Fact(name, tuple(kept), absent), notes)

    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"Drafted by postisupport doctor --draft-mapping from the mapping {base.name}: "
                            "its attributes checked against"))
    doc.add(tomlkit.comment(f"this server's /Schemas and the {len(users)} users it lists first. Check each "
                            "choice, then use it with --mapping FILE."))
    doc["name"] = f"{base.name}-draft"
    doc["description"] = f"{base.description}, as this server has it (drafted)"
    lookup = tomlkit.table()
    listed = [f for f in base.lookup if f in facts]
    # Every look-up fact the draft maps is looked up by (a mapping must), in the base's order first.
    lookup["by"] = listed + [f for f in mappings.LOOKUP if f in facts and f not in listed]
    doc["lookup"] = lookup
    table = tomlkit.table()
    for name, (fact, notes) in facts.items():
        for note in notes:
            table.add(tomlkit.comment(note))
        table[name] = _value(fact, tomlkit)
    if unmapped:
        table.add(tomlkit.comment(f"Not on this server, so unknown for everyone: {', '.join(unmapped)}."))
    if server.unnamable:
        shown = ", ".join(_printable(path) for path in list(server.unnamable)[:5])
        more = len(server.unnamable) - 5
        table.add(tomlkit.comment(f"Left out, as no mapping can name them: {shown}"
                                  + (f" and {more} more" if more > 0 else "") + "."))
    doc["facts"] = table
    organisations = _organisations(base, server, tomlkit)
    if organisations is not None:
        doc["organisations"] = organisations
    administrators = base.administrators
    if administrators is not None and server.has(administrators.attribute):
        admins = tomlkit.table()
        admins["attribute"] = administrators.attribute
        admins["value"] = administrators.value
        doc["administrators"] = admins
    text = tomlkit.dumps(doc)
    mappings.parse(text, "the draft")  # what doctor writes, --mapping reads
    return Draft(text, tuple(replaced), tuple(added), tuple(unmapped))


def _presets_sources(fact: str) -> Iterable[tuple[Source, str]]:
    """Each attribute a shipped preset reads `fact` from, as it reads it, with the preset's name."""
    for name in mappings.PRESETS:
        held = mappings.preset(name).facts.get(fact)
        for source in held.sources if held is not None else ():
            yield source, name


def _as_presets_read(fact: str, path: str) -> tuple[Source, str, mappings.Absent] | None:
    """How a shipped preset reads `fact` from the attribute at `path` (its format, what an absent one
    means: WSO2 writes its times only when its listeners run, so an absent one is unknown), with the
    preset's name; None when none reads it there."""
    for name in mappings.PRESETS:
        held = mappings.preset(name).facts.get(fact)
        if held is None:
            continue
        for source in held.sources:
            if source.path.lower() == path.lower():
                return source, name, held.absent
    return None


def _format(server: _Server, path: str, fact: str) -> mappings.Format:
    """Epoch milliseconds for a time its users carry as digits (WSO2's), else an xsd:dateTime."""
    if fact not in mappings.MOMENTS:
        return "datetime"
    values = [mappings.resolve(user, path) for user in server.users]
    digits = [v for v in values if isinstance(v, str | int) and not isinstance(v, bool)
              and str(v).strip().isdigit()]
    return "epoch-ms" if digits else "datetime"


def _value(fact: Fact, tomlkit: Any) -> Any:
    """A fact as the mapping file writes it: a path alone when nothing else is said of it."""
    tables = []
    for source in fact.sources:
        table = tomlkit.inline_table()
        table["path"] = source.path
        if source.equals:
            table["equals"] = list(source.equals)
        if source.invert:
            table["invert"] = True
        if source.format != "datetime":
            table["format"] = source.format
        if fact.absent != "none":
            table["absent"] = fact.absent
        tables.append(table)
    if len(tables) == 1:
        only = tables[0]
        return only["path"] if list(only) == ["path"] else only
    many = tomlkit.array()
    many.multiline(True)
    many.extend(tables)
    return many


def _organisations(base: Mapping, server: _Server, tomlkit: Any) -> Any:
    organisations = base.organisations
    table = tomlkit.table()
    # Users in no group that carry the enterprise organization: that is their organisation, whatever
    # extension the server declares for Groups.
    by_attribute = bool(server.users) and not _on_users(server, "groups") \
        and _on_users(server, ENTERPRISE_ORGANIZATION)
    if organisations is not None and organisations.kind == "groups" and organisations.extension \
            and (not server.checked or server.has(organisations.extension)) and not by_attribute:
        table["from"] = "groups"
        table["extension"] = organisations.extension
        for key in ("business_id", "services"):
            path = getattr(organisations, key)
            if path and (not server.checked or server.has(path)):
                table[key] = path
        return table
    contract = mappings.preset(mappings.DEFAULT).organisations
    if organisations is not None and organisations.kind == "attribute" and organisations.attribute \
            and server.users and not _on_users(server, organisations.attribute) and contract is not None \
            and contract.extension and server.has(contract.extension):
        # Declared, perhaps, but on none of its users, while its Groups are the contract's organisations:
        # read as the attribute, every user would be told they have no organisation.
        table.add(tomlkit.comment(f"{organisations.attribute} is on none of the {len(server.users)} users "
                                  f"listed first; this server's Groups carry {contract.extension}"))
        table["from"] = "groups"
        table["extension"] = contract.extension
        for key in ("business_id", "services"):
            path = getattr(contract, key)
            if path and server.has(path):
                table[key] = path
        return table
    if organisations is not None and organisations.kind == "attribute" and organisations.attribute \
            and server.has(organisations.attribute):
        attribute, absent = organisations.attribute, organisations.absent
    elif server.has(ENTERPRISE_ORGANIZATION):
        attribute, absent = ENTERPRISE_ORGANIZATION, "none"
        if organisations is not None and by_attribute:
            table.add(tomlkit.comment(f"none of the {len(server.users)} users listed first is in a group, "
                                      "and they carry the enterprise organization: it is their organisation"))
        elif organisations is not None:
            table.add(tomlkit.comment(f"{organisations.extension or organisations.attribute} is not on this "
                                      "server: a user's organisation is their enterprise organization"))
    else:
        return None
    table["from"] = "attribute"
    table["attribute"] = attribute
    table["absent"] = absent
    return table
