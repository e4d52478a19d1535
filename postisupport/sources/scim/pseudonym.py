"""Pseudonyms for a capture that goes into a ticket: the same value always gets the same stand-in
within one file, so the directory still decides the same way, but no one can tell who it was.

Keyed (HMAC-SHA256) with a random key made for each capture and never stored: the stand-ins
can't be traced back, not even by guessing. Values are folded first (case, surrounding space),
as the look-up compares them, so matching works exactly as before.

What is kept is an allow-list, not a deny-list: a resource is first read by the models the
diagnosis reads it with (postisupport.idp.models: attribute names in any case, wrong types left
out as the diagnosis leaves them out), and only the attributes named in USER and GROUP below
are written, each kept, replaced or dropped as it says; USER's are those the contract's attribute
mapping reads each fact from (idp/mapping.py), with what becomes of each fact. Whatever else a server sends
(externalId, nickName, addresses, photos, an enterprise extension, ...) never reaches the file.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any

from pydantic import BaseModel

from postisupport.core.facts import FACT_NAMES
from postisupport.core.identifiers import equal_folded, fold
from postisupport.idp import models, urns
from postisupport.idp.contract import ADMIN_ROLE, MEMBERS
from postisupport.idp.reading import is_language_tag, member_ids, named
from postisupport.sources.stand_ins import StandIns

Path = tuple[str, ...]  # an attribute by its names from the resource down ("emails", "value")


class Treatment(Enum):
    KEEP = "keep"  # not personal, and the decision depends on it
    DROP = "drop"  # the diagnosis does not read it
    ID = "id"  # a resource id, or a reference to one
    IDENTIFIER = "identifier"  # what a caller may be looked up by: an address or a legacy ID
    PERSON = "person"  # a person's display name
    NAME = "name"  # a part of a person's name
    ORGANISATION = "organisation"  # an organisation's name
    BUSINESS_ID = "business id"
    PHONE = "phone"
    LANGUAGE = "language"  # kept when it is a language tag, dropped when it could be anything else
    ROLE = "role"  # the admin role kept (the decision reads it), any other replaced: it may name anyone
    FACT_NAME = "fact name"  # a name of the vocabulary kept; anything else (it could be anyone's) dropped


KEEP, DROP = Treatment.KEEP, Treatment.DROP
VOCABULARY = frozenset(FACT_NAMES.values())
LOGIN, ORGANISATION = urns.LOGIN_EXTENSION, urns.ORGANISATION_EXTENSION

# What becomes of each fact of the vocabulary (idp/mapping.py), wherever the contract's own mapping keeps
# it: the pseudonymiser walks the same attribute map as the reader and the filters. A capture is kept in
# the contract's form whatever mapping it was made through (ops/capture.py), so the contract's is the map.
BY_FACT: dict[str, Treatment] = {
    "login_email": Treatment.IDENTIFIER, "emails": Treatment.IDENTIFIER,
    "legacy_user_id": Treatment.IDENTIFIER, "reset_sent_to": Treatment.IDENTIFIER,
    "phone": Treatment.PHONE, "language": Treatment.LANGUAGE,
    "services": KEEP,  # service ids and names: what the caller asks about
    "active": KEEP, "locked": KEEP, "reset_requested": KEEP, "reset_sent_at": KEEP,
    "password_changed_at": KEEP, "last_login": KEEP, "last_failed_login": KEEP,
}
# A list fact's items: their value is the fact; of the rest, what each keeps.
ITEMS: dict[str, dict[str, Treatment]] = {
    "emails": {"display": DROP, "primary": KEEP},
    "phone": {"display": DROP, "primary": KEEP},
    "services": {"display": KEEP, "primary": DROP},
}
# What no fact of the vocabulary names, but the diagnosis reads: who the user is, and where.
STRUCTURE: dict[Path, Treatment] = {
    ("id",): Treatment.ID,
    ("displayName",): Treatment.PERSON,
    ("name", "formatted"): Treatment.NAME,
    ("name", "givenName"): Treatment.NAME,
    ("name", "familyName"): Treatment.NAME,
    ("roles", "value"): Treatment.ROLE,
    ("roles", "display"): DROP,
    ("roles", "primary"): DROP,
    ("groups", "value"): Treatment.ID,
    ("groups", "display"): DROP,  # the sandbox names a user's groups from the groups themselves
    ("groups", "primary"): DROP,
    (LOGIN, "unknownFacts"): Treatment.FACT_NAME,  # names of the vocabulary: no one's data
    (LOGIN, "unreadableFacts"): Treatment.FACT_NAME,
}


def _user_allow_list() -> dict[Path, Treatment]:
    """Every attribute the models read, and what becomes of it. One the models read that is missing
    here is dropped (and a test says so), so a new attribute can't go into a ticket in clear."""
    from postisupport.idp.mapping import DEFAULT, preset

    found: dict[Path, Treatment] = {}
    for name, fact in preset(DEFAULT).facts.items():
        for source in fact.sources:
            urn, _, attribute = source.path.rpartition(":")
            path: Path = (urn, attribute) if urn else (attribute,)
            if name in ITEMS:
                found[(*path, "value")] = BY_FACT[name]
                found.update({(*path, item): kept for item, kept in ITEMS[name].items()})
            else:
                found[path] = BY_FACT[name]
    return {**STRUCTURE, **found}


USER: dict[Path, Treatment] = _user_allow_list()
GROUP: dict[Path, Treatment] = {
    ("id",): Treatment.ID,
    ("displayName",): Treatment.ORGANISATION,
    (ORGANISATION, "businessId"): Treatment.BUSINESS_ID,
    (ORGANISATION, "services", "value"): KEEP,
    (ORGANISATION, "services", "display"): KEEP,
    (ORGANISATION, "services", "primary"): DROP,
    (ORGANISATION, "unknownFacts"): Treatment.FACT_NAME,  # names of the vocabulary: no one's data
}
# Members are read only to tell who is in a group when the API does not fill User.groups; a
# capture keeps those among the users read, and the sandbox needs them.

# What a pseudonymised capture keeps of the ServiceProviderConfig: the flags and limits (RFC 7643
# section 5), by their names in any case, of the right type. Never its free text: a
# documentationUri, an authentication scheme's name and description, meta.location (the server's
# own address) and any extension may name the people who run it.
SUPPORTED: dict[str, tuple[str, ...]] = {
    "patch": ("supported",),
    "bulk": ("supported", "maxOperations", "maxPayloadSize"),
    "filter": ("supported", "maxResults"),
    "changePassword": ("supported",),
    "sort": ("supported",),
    "etag": ("supported",),
}
# The authentication scheme types RFC 7643 section 5 names; another type is left out.
AUTHENTICATION_TYPES = frozenset({"oauth", "oauth2", "oauthbearertoken", "httpbasic", "httpdigest"})


class Pseudonyms(StandIns):
    """A SCIM capture's resources rewritten: only what the diagnosis reads, personal values replaced."""

    def user(self, user: dict[str, Any]) -> dict[str, Any]:
        """A User resource as the API sent it: only what the diagnosis reads, personal values replaced."""
        return self._rewritten(_read(models.User, user), USER)

    def group(self, group: dict[str, Any]) -> dict[str, Any]:
        """A Group resource as the API sent it (with the members a capture gave it back)."""
        out = self._rewritten(_read(models.Group, group), GROUP)
        members = member_ids(group)
        if members is not None:
            out[MEMBERS] = [{"value": self.resource_id(member)} for member in members]
        return out

    def left_out(self, endpoint: str, resource: dict[str, Any]) -> dict[str, Any] | None:
        """Which attributes of a resource could not be read (so are not in the file), by name only, its
        id a stand-in: the evidence a ticket about a broken account needs, without the values."""
        return left_out(endpoint, resource, self.resource_id)

    def _rewritten(self, read: dict[str, Any], treatments: dict[Path, Treatment]) -> dict[str, Any]:
        def walk(node: Any, path: Path) -> Any:
            if isinstance(node, dict):
                kept = {key: walk(value, (*path, key)) for key, value in node.items()}
                return {key: value for key, value in kept.items() if value is not _GONE}
            if isinstance(node, list):
                return [item for item in (walk(item, path) for item in node) if item is not _GONE]
            return self._treated(treatments.get(path, DROP), node)

        return walk(read, ())  # type: ignore[no-any-return]

    def _treated(self, treatment: Treatment, value: Any) -> Any:
        if treatment is KEEP:
            return value
        if treatment is Treatment.LANGUAGE:
            return _language_kept(value)
        if treatment is Treatment.FACT_NAME:
            return value if isinstance(value, str) and value in VOCABULARY else _GONE
        if treatment is Treatment.ROLE:
            if not isinstance(value, str):
                return _GONE
            return ADMIN_ROLE if equal_folded(value, ADMIN_ROLE) else self.text(value, "role")
        change = self._changes().get(treatment)
        return change(value) if change is not None and isinstance(value, str) else _GONE

    def _changes(self) -> dict[Treatment, Callable[[str], str]]:
        return {
            Treatment.ID: self.resource_id,
            Treatment.IDENTIFIER: self.identifier,
            Treatment.PERSON: lambda v: self.text(v, "Person"),
            Treatment.NAME: lambda v: self.text(v, "Name"),
            Treatment.ORGANISATION: lambda v: self.text(v, "Organisation"),
            Treatment.BUSINESS_ID: self.business_id,
            Treatment.PHONE: self.phone,
        }


_GONE = object()  # what a dropped value becomes while a resource is rewritten


def service_provider_config(offered: Any) -> dict[str, Any] | None:
    """What the server said it supports, as a pseudonymised capture keeps it: SUPPORTED and the
    authentication scheme types only, or None when it sent nothing of them."""
    if not isinstance(offered, dict):
        return None
    kept: dict[str, Any] = {}
    for feature, flags in SUPPORTED.items():
        given = named(offered, feature)
        if not isinstance(given, dict):
            continue
        values = {flag: named(given, flag) for flag in flags}
        shown = {flag: value for flag, value in values.items()
                 if (isinstance(value, bool) if flag == "supported"
                     else isinstance(value, int) and not isinstance(value, bool) and value >= 0)}
        if shown:
            kept[feature] = shown
    schemes = named(offered, "authenticationSchemes")
    if isinstance(schemes, list):
        types_ = [fold(kind) for scheme in schemes if isinstance(scheme, dict)
                  and isinstance(kind := named(scheme, "type"), str)]
        kept["authenticationSchemes"] = [{"type": kind} for kind in types_ if kind in AUTHENTICATION_TYPES]
    return kept or None


def _language_kept(value: Any) -> Any:
    """Of a language tag, what the diagnosis reads: its language, and a region of two letters. A name
    may pass for a tag ("Eva-Lindgren": a language and a variant), and only its language is kept of it;
    a language of three letters (rarely a directory's, often a first name) is not kept at all."""
    if not isinstance(value, str) or not is_language_tag(value):
        return _GONE
    language, *rest = value.replace("_", "-").split("-")
    if len(language) != 2:
        return _GONE
    region = [part.upper() for part in rest[:1] if len(part) == 2 and part.isalpha()]
    return "-".join([language.lower(), *region])


def left_out(endpoint: str, resource: dict[str, Any],
             resource_id: Callable[[str], str] = str) -> dict[str, Any] | None:
    """Which attributes of a resource ("Users" or "Groups") could not be read, so are not in a file of
    it as read: {"resource", "id", "attributes"}, its id as `resource_id` gives it; None for none."""
    model = models.User if endpoint == "Users" else models.Group
    parsed = model.parse(resource)
    if not parsed.unreadable:
        return None
    return {"resource": endpoint, "id": resource_id(parsed.id) if parsed.id else None,
            "attributes": sorted(parsed.unreadable)}


def as_read(endpoint: str, resource: dict[str, Any]) -> dict[str, Any]:
    """A resource ("Users" or "Groups") as the diagnosis read it, its values as they are: canonical
    names, attributes of the wrong type and unknown ones left out; a group keeps its members."""
    if endpoint == "Users":
        return _read(models.User, resource)
    out = _read(models.Group, resource)
    members = member_ids(resource)
    if members is not None:
        out[MEMBERS] = [{"value": member} for member in members]
    return out


def _read(model: type[models.Resource], resource: dict[str, Any]) -> dict[str, Any]:
    """The resource as the diagnosis reads it: canonical names, wrong types and unknown attributes gone."""
    return model.parse(resource).model_dump(by_alias=True, exclude_none=True, mode="json")


def read_paths(model: type[BaseModel]) -> set[Path]:
    """Every attribute `model` reads, as a path of names from the resource down."""
    paths: set[Path] = set()
    for name, field in model.model_fields.items():
        key = field.alias or name
        nested = _model_in(field.annotation)
        if nested is None:
            paths.add((key,))
        else:
            paths |= {(key, *rest) for rest in read_paths(nested)}
    return paths


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for argument in typing.get_args(annotation):
            found = _model_in(argument)
            if found is not None:
                return found
    return None
