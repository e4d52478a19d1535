"""The identity API's resources read into the core's facts: the one place wire meets core."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from postisupport.core.facts import OrganisationFacts, Service, UserFacts
from postisupport.core.identifiers import equal_folded
from postisupport.core.text import shortened
from postisupport.idp import urns
from postisupport.idp.contract import ADMIN_ROLE, MEMBERS
from postisupport.idp.models import Group, MultiValue, User, boolean

if TYPE_CHECKING:
    from postisupport.idp import mapping as mappings
    from postisupport.idp.mapping import Mapping

# A language tag (RFC 5646) as a directory gives one: a language, perhaps a script, a region and
# variants ("fi", "sv-FI", "sr-Latn-RS", "de_DE"). Anything else in preferredLanguage (an address,
# a name such as "Aino-Korhonen": its first part is no 2-3 letter language) is not shown in clear
# by --mask, nor kept by a pseudonymised capture.
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z]{4})?(?:[-_](?:[A-Za-z]{2}|[0-9]{3}))?"
                          r"(?:[-_](?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*")


def is_language_tag(value: str | None) -> bool:
    return value is not None and LANGUAGE_TAG.fullmatch(value) is not None


def user_facts(resource: dict[str, Any], mapping: Mapping | None = None) -> UserFacts:
    """A User resource as the API sent it, read tolerantly through the mapping (None: postisupport's
    contract); what was wrong is kept in `problems`, what it can't tell in `unknown`."""
    told: frozenset[str] = frozenset()
    resource, twice, conflicted = one_casing(resource)
    noted: tuple[str, ...] = ()
    unread: frozenset[str] = frozenset()
    if mapping is not None and not is_contract(mapping):
        resource, told, unread, noted = contract_user(resource, mapping, conflicted)
    if mapping is None or is_contract(mapping):
        # An attribute sent twice, or one of its items' sub-attributes (roles[].value): unreadable.
        known_unreadable = frozenset(name for name in _FACTS if _touches(_CONTRACT_PATHS[name], conflicted))
    else:  # read through the mapping already: only that a login address left out is not missing
        known_unreadable = frozenset({"userName"} if "user_name" in unread else ())
    user = User.parse(resource, known_unreadable)
    login = user.login
    problems = [*twice, *noted, *user.problems]
    unreadable = set(user.unreadable)
    if login is not None and login.unknown_facts:
        told |= _unknown_facts(login.unknown_facts, problems)
    if login is not None and login.unreadable_facts:
        unread |= _unknown_facts(login.unreadable_facts, problems)
    # Read before the facts are made: each one that can't be shown adds to `problems`.
    reset_sent_at, last_password_update, last_login, last_failed_login = (
        _moment(name, getattr(login, field, None), problems, unreadable) for name, field in (
            ("passwordResetSentAt", "password_reset_sent_at"),
            ("lastPasswordUpdateTime", "last_password_update_time"),
            ("lastLoginTime", "last_login_time"), ("lastFailedLoginTime", "last_failed_login_time")))
    return UserFacts(
        id=user.id,
        user_name=user.user_name,
        display_name=user.display_name or _formatted_name(user),
        active=user.active,
        is_admin=any(equal_folded(role.value, ADMIN_ROLE) for role in user.roles),
        emails=tuple(e.value for e in user.emails if e.value),
        preferred_language=user.preferred_language,
        legacy_user_id=login.legacy_user_id if login else None,
        force_password_reset=bool(login and login.force_password_reset),
        reset_sent_at=reset_sent_at,
        reset_sent_to=login.password_reset_sent_to if login else None,
        last_password_update=last_password_update,
        last_login=last_login,
        last_failed_login=last_failed_login,
        locked=bool(login and login.account_locked),
        entitlements=_services(user.entitlements),
        primary_email=next((e.value for e in user.emails if e.primary and e.value), None),
        phone=next((p.value for p in sorted(user.phone_numbers, key=lambda p: not p.primary) if p.value),
                   None),
        group_ids=tuple(g.value for g in user.groups if g.value),
        problems=tuple(problems),
        names=_names(user),
        unknown=frozenset(fact for name in unreadable for fact in _FACTS.get(name, ())) | told | unread,
        untold=told - unread,
    )


def one_casing(resource: dict[str, Any]) -> tuple[dict[str, Any], list[str], frozenset[str]]:
    """The resource with each attribute under one name: names are case-insensitive (RFC 7643 section
    2.1), so an attribute sent twice in different case with different values can't be read (its folded
    path is returned, and a data problem says why); with the same value it is read once."""
    problems: list[str] = []
    conflicted: set[str] = set()

    def merged(node: dict[str, Any], prefix: str = "", within: str = "") -> dict[str, Any]:
        keys: dict[str, list[Any]] = {}
        for key in node:
            keys.setdefault(str(key).lower(), []).append(key)
        out: dict[str, Any] = {}
        for folded, sent in keys.items():
            values = [node[key] for key in sent]
            if any(value != values[0] for value in values[1:]):
                conflicted.add(f"{prefix}{folded}")
                # Named as first sent: a key a server repeated in one case is kept in another (core.text).
                problems.append(f"{within}{sent[0]}: sent {len(sent)} times with different values (names are "
                                "case-insensitive), so none is read")
                continue
            value = values[0]
            if isinstance(value, dict) and not prefix:  # an extension or a complex attribute, as its own
                joint = ":" if folded.startswith("urn:") else "."
                value = merged(value, f"{prefix}{folded}{joint}", f"{sent[0]}{joint}")
            elif isinstance(value, list) and not prefix:  # a multi-valued one's items (roles, emails)
                value = [merged(item, f"{folded}.", f"{sent[0]}.") if isinstance(item, dict) else item
                         for item in value]
            out[sent[0]] = value
        return out

    nodes = [resource, *(v for v in resource.values() if isinstance(v, dict)),
             *(item for v in resource.values() if isinstance(v, list)
               for item in v if isinstance(item, dict))]
    if all(len({str(k).lower() for k in node}) == len(node) for node in nodes):
        return resource, [], frozenset()  # the common case, read as sent
    return merged(resource), problems, frozenset(conflicted)


# Where the contract holds each attribute it reads, by the name its reader notes it under.
_CONTRACT_PATHS = {"userName": "userName", "emails": "emails", "active": "active",
                   "entitlements": "entitlements", "roles": "roles", "login": urns.LOGIN_EXTENSION,
                   **{name: f"{urns.LOGIN_EXTENSION}:{name}" for name in (
                       "legacyUserId", "forcePasswordReset", "passwordResetSentAt", "passwordResetSentTo",
                       "lastPasswordUpdateTime", "lastLoginTime", "lastFailedLoginTime", "accountLocked")}}


def _unknown_facts(names: list[str], problems: list[str]) -> frozenset[str]:
    """The facts (by field) named unknown by the contract's unknownFacts; a name outside the
    vocabulary is noted and ignored."""
    from postisupport.idp import mapping as mappings  # only with a mapping: its import costs 5 ms
    strange = [name for name in names if name not in mappings.FIELDS]
    if strange:
        problems.append(f"unknownFacts: {', '.join(map(repr, strange))} ignored (not in the vocabulary)")
    return frozenset(mappings.FIELDS[name] for name in names if name in mappings.FIELDS)


# The facts, by the attributes that hold them, that can be unknown: sent, but not readable. A login
# extension that can't be read at all hides the legacy user ID as much as a broken legacyUserId does.
_LOGIN = {"legacyUserId": ("legacy_user_id",), "forcePasswordReset": ("force_password_reset",),
          "passwordResetSentAt": ("reset_sent_at",), "passwordResetSentTo": ("reset_sent_to",),
          "lastPasswordUpdateTime": ("last_password_update",), "lastLoginTime": ("last_login",),
          "lastFailedLoginTime": ("last_failed_login",), "accountLocked": ("locked",)}
_FACTS = {"userName": ("user_name",), "emails": ("emails",), "active": ("active",),
          "entitlements": ("entitlements",), "roles": ("administrators",), **_LOGIN,
          "login": tuple(fact for facts in _LOGIN.values() for fact in facts)}


# Every time zone is within a day of UTC: a moment between these can be shown in any of them, and
# compared or subtracted, without overflowing. A server (or a data file) that sends the calendar's
# first or last day sends no real moment, and a crash there would lose the whole diagnosis.
EARLIEST = datetime(1, 1, 3, tzinfo=UTC)
LATEST = datetime(9999, 12, 29, tzinfo=UTC)


def _moment(name: str, value: datetime | None, problems: list[str], unreadable: set[str]) -> datetime | None:
    """`value` when it can be shown as a local time; else None, a data problem noted, and unknown."""
    if value is None or EARLIEST <= value <= LATEST:
        return value
    problems.append(f"{name}: {value.isoformat()!r} ignored (at the edge of the calendar: no real moment)")
    unreadable.add(name)
    return None


def group_facts(resource: dict[str, Any], members_asked: bool = False,
                mapping: Mapping | None = None) -> tuple[OrganisationFacts | None, list[str]]:
    """A Group resource as the API sent it, read through the mapping (None: postisupport's contract):
    its organisation facts (None for a group that is no organisation), and what was wrong with it, each
    problem naming the group. `members_asked`: the group was asked for with its members, so one sent
    without them has none (RFC 7643 section 2.5: an attribute with no value is left out), and nobody is
    in it."""
    resource, twice, conflicted = one_casing(resource)
    known_unreadable: frozenset[str] = frozenset()
    if conflicted:
        organisations = mapping.organisations if mapping is not None and not is_contract(mapping) else None
        extension = urns.ORGANISATION_EXTENSION
        paths = {"displayName": "displayName",
                 "businessId": organisations.business_id if organisations else f"{extension}:businessId",
                 "services": organisations.services if organisations else f"{extension}:services"}
        known_unreadable = frozenset(name for name, path in paths.items()
                                     if path is not None and _touches(path, conflicted))
    group = Group.parse(contract_group(resource, mapping), known_unreadable)
    problems = [f"group {group.id or '?'}: {p}" for p in [*twice, *group.problems]]
    extension_read = group.organisation
    if extension_read is None:
        return None, problems
    members = member_ids(resource)
    told = set(extension_read.unknown_facts)
    unknown = {"name"} if "displayName" in group.unreadable else set()
    if "businessId" in group.unreadable or "business_id" in told:
        unknown.add("business_id")
    organisation = OrganisationFacts(
        id=group.id,
        name=group.display_name,
        business_id=extension_read.business_id,
        services=_services(extension_read.services),
        member_ids=frozenset(members) if members is not None else frozenset() if members_asked else None,
        services_unknown="services" in group.unreadable or "organisation_services" in told,
        unknown=frozenset(unknown),
    )
    return organisation, problems


def member_ids(group: dict[str, Any]) -> list[str] | None:
    """The ids of a group's members (those that are strings), or None when it has no list of them."""
    members = named(group, MEMBERS)
    if not isinstance(members, list):
        return None
    values = (named(m, "value") for m in members if isinstance(m, dict))
    return [value for value in values if isinstance(value, str)]


def named(node: dict[str, Any], name: str) -> Any:
    """An attribute by its name in any case (RFC 7643 section 2.1)."""
    return next((value for key, value in node.items() if str(key).lower() == name.lower()), None)


def _services(values: list[MultiValue]) -> tuple[Service, ...]:
    return tuple(Service(v.value, v.display) for v in values if v.value or v.display)


def _names(user: User) -> tuple[str, ...]:
    """Every form of the user's name, for a look-up by name: the display name, the formatted name,
    and given and family name together."""
    forms = [user.display_name]
    if user.name is not None:
        forms.append(user.name.formatted)
        forms.append(" ".join(p for p in (user.name.given_name, user.name.family_name) if p))
    return tuple(dict.fromkeys(f for f in forms if f))


def _formatted_name(user: User) -> str | None:
    if user.name is None:
        return None
    if user.name.formatted:
        return user.name.formatted
    parts = [user.name.given_name, user.name.family_name]
    return " ".join(p for p in parts if p) or None


# What a mapping reads into: postisupport's contract, whose User the reader above reads. A resource
# read through another mapping is first put in the contract's form (`contract_user`), so there is one
# reader, with one tolerance for broken values, whatever the server's names.
_LOGIN_NAMES = {"legacy_user_id": "legacyUserId", "reset_requested": "forcePasswordReset",
                "reset_sent_at": "passwordResetSentAt", "reset_sent_to": "passwordResetSentTo",
                "password_changed_at": "lastPasswordUpdateTime", "last_login": "lastLoginTime",
                "last_failed_login": "lastFailedLoginTime", "locked": "accountLocked"}
_CORE_NAMES = {"login_email": "userName", "emails": "emails", "phone": "phoneNumbers",
               "services": "entitlements", "language": "preferredLanguage", "active": "active"}
# Kept as the server sent them, whatever the mapping: the user's id and names.
_KEPT = frozenset({"id", "displayname", "name", "schemas", "meta"})
_USER_FIELDS = frozenset(f.name for f in fields(UserFacts))


def is_contract(mapping: Mapping) -> bool:
    """Whether the mapping reads postisupport's contract as it is: resources are then read as sent."""
    from postisupport.idp import mapping as mappings  # only with a mapping: its import costs 5 ms
    contract = mappings.preset(mappings.DEFAULT)
    return (mapping.facts, mapping.organisations, mapping.administrators) == (
        contract.facts, contract.organisations, contract.administrators)


def organisation_id(name: str) -> str:
    """The id an organisation named by a user's attribute goes by: its name, as the directory has no other."""
    return name


class Contracted(NamedTuple):
    """A resource read through a mapping, in the contract's form."""
    resource: dict[str, Any]
    # The facts (by field) the directory tells it does not hold for this user: those the mapping does
    # not map, and those it maps as unknown when absent that this user's entry lacks.
    unknown: frozenset[str]
    # The facts (by field) sent in a shape that can't be read: unknown too, each with a data problem.
    unreadable: frozenset[str]
    problems: tuple[str, ...]


def contract_user(resource: dict[str, Any], mapping: Mapping,
                  conflicted: frozenset[str] = frozenset()) -> Contracted:
    """The resource in the contract's form, with what it can't tell and why (`conflicted`: the folded
    paths of attributes sent in two cases with different values, left out of `resource`)."""
    from postisupport.idp import mapping as mappings  # only with a mapping: its import costs 5 ms
    out: dict[str, Any] = {key: value for key, value in resource.items() if str(key).lower() in _KEPT}
    login: dict[str, Any] = {}
    unknown = {field for field in mapping.unrecorded if field in _USER_FIELDS}
    problems: list[str] = []
    broken = _malformed_extensions(resource, mapping, problems) | conflicted
    unreadable: set[str] = set()
    for name, fact in mapping.facts.items():
        if any(_touches(s.path, broken) for s in fact.sources):
            unreadable.add(mappings.FIELDS[name])
            continue
        value = _value(resource, fact)
        if value is None:
            if fact.absent == "unknown":
                unknown.add(mappings.FIELDS[name])
            continue
        if name in mappings.LISTS:
            value = _items(value)
        if name in _LOGIN_NAMES:
            login[_LOGIN_NAMES[name]] = value
        else:
            out[_CORE_NAMES[name]] = value
    for key in ("unknownFacts", "unreadableFacts"):
        said = mappings.resolve(resource, f"{urns.LOGIN_EXTENSION}:{key}")
        if said is not None:
            login[key] = said  # a capture's, read again through its replay's mapping
    if login:
        out[urns.LOGIN_EXTENSION] = login
    organisations = mapping.organisations
    if organisations is not None and organisations.kind == "attribute" and organisations.attribute:
        named = mappings.resolve(resource, organisations.attribute)
        names = [named] if isinstance(named, str) else named if isinstance(named, list) else []
        # Kept as sent (the administrators are found by the same value); a blank one is no name.
        usable = [n for n in names if isinstance(n, str) and n.strip()]
        out["groups"] = [{"value": organisation_id(n), "display": n} for n in usable]
        blank = [n for n in names if isinstance(n, str) and n and not n.strip()]
        if blank:
            problems.append(f"{organisations.attribute}: {shortened(repr(blank[0]), 60)} ignored "
                            "(a blank name)")
        if _under(organisations.attribute, broken):
            unreadable.add("organisation")
        elif not usable and organisations.absent == "unknown" and all(isinstance(n, str) for n in names):
            # Absent, empty or blank (RFC 7643 section 2.5: an empty value is an unassigned one): the
            # store can't tell, as the mapping says.
            unknown.add("organisation")
        elif named is not None and (not isinstance(named, str | list)
                                    or any(not isinstance(n, str) for n in names)):
            # Sent, but not as a name: which organisation it is can't be told, never "none".
            unreadable.add("organisation")
            problems.append(f"{organisations.attribute}: {shortened(repr(named), 60)} ignored (not an "
                            "organisation's name)")
    elif organisations is not None:
        groups = mappings.resolve(resource, "groups")
        if groups is not None:
            out["groups"] = groups
    if mapping.administrators is not None:
        path = mapping.administrators.attribute
        held = mappings.resolve(resource, path)
        values = held if isinstance(held, list) else [] if held is None else [held]
        admin = any(isinstance(v, str) and equal_folded(v, mapping.administrators.value) for v in values)
        out["roles"] = [{"value": ADMIN_ROLE}] if admin else []
        shape = _malformed_values(resource, path, values, mappings)
        if _touches(path, broken):
            unreadable.add("administrators")
        elif shape is not None and not admin:
            # Sent, but not as values: whether they administer it can't be told, never "no".
            unreadable.add("administrators")
            problems.append(f"{path}: {shortened(repr(shape), 60)} ignored (not a list of values)")
    return Contracted(out, frozenset(unknown), frozenset(unreadable), tuple(problems))


def _malformed_values(resource: dict[str, Any], path: str, values: list[Any], mappings: Any) -> Any:
    """What was sent at `path` (or at the attribute holding its sub-attribute) in a shape that holds no
    text values: an attribute that is no list of objects, a value that is no text; None when sound."""
    attribute, dot, _ = path.rpartition(".") if "." in path.rpartition(":")[2] else (path, "", "")
    if dot:
        container = mappings.resolve(resource, attribute)
        if container is not None and not isinstance(container, dict) and not (
                isinstance(container, list) and all(isinstance(item, dict) for item in container)):
            return container
    wrong = [v for v in values if not isinstance(v, str)]
    return wrong[0] if wrong else None


def _malformed_extensions(resource: dict[str, Any], mapping: Mapping, problems: list[str]) -> frozenset[str]:
    """The schema extensions (folded URNs) the mapping reads from that were sent as something other
    than an object: none of their attributes can be read, which is no proof that they are absent."""
    paths = [s.path for fact in mapping.facts.values() for s in fact.sources]
    paths += [p for p in (mapping.organisations.attribute if mapping.organisations else None,
                          mapping.administrators.attribute if mapping.administrators else None) if p]
    read = {path.rpartition(":")[0].lower() for path in paths if path.lower().startswith("urn:")}
    broken = set()
    for key, value in resource.items():
        if str(key).lower() in read and value is not None and not isinstance(value, dict):
            broken.add(str(key).lower())
            problems.append(f"{key}: {shortened(repr(value), 60)} ignored (not an object)")
    return frozenset(broken)


def _touches(path: str, broken: frozenset[str]) -> bool:
    """Whether an attribute path is, lies within, or holds as a sub-attribute (roles.value) a broken one;
    an extension is not broken by one of its attributes."""
    return _under(path, broken) or any(b.startswith(f"{path.lower()}.") for b in broken)


def _under(path: str, broken: frozenset[str]) -> bool:
    """Whether an attribute path is, or lies within, one of the folded paths in `broken`."""
    folded = path.lower()
    return any(folded == b or folded.startswith((f"{b}:", f"{b}.")) for b in broken)


def contract_group(resource: dict[str, Any], mapping: Mapping | None) -> dict[str, Any]:
    """A Group in the contract's form: an organisation when it carries the mapping's extension."""
    organisations = mapping.organisations if mapping is not None else None
    if mapping is None or organisations is None or organisations.kind != "groups" or is_contract(mapping):
        return resource
    from postisupport.idp import mapping as mappings  # only with a mapping: its import costs 5 ms

    ours = urns.ORGANISATION_EXTENSION.lower()
    out = {key: value for key, value in resource.items() if str(key).lower() != ours}
    extension = str(organisations.extension)
    carried = named(resource, extension) is not None or any(
        isinstance(s, str) and s.lower() == extension.lower() for s in named(resource, "schemas") or [])
    if carried:
        out[urns.ORGANISATION_EXTENSION] = {
            key: value for key, path in (("businessId", organisations.business_id),
                                         ("services", organisations.services))
            if path is not None and (value := mappings.resolve(resource, path)) is not None}
    return out


def _value(resource: dict[str, Any], fact: mappings.Fact) -> Any:
    """A fact's value as the contract holds it, None when absent. A boolean told by several attributes
    is its problem value when any tells it ("locked"), else the other when any tells that; one that
    can't be read is passed on as it is, for the reader to note (and take as unknown)."""
    from postisupport.idp import mapping as mappings  # only with a mapping: its import costs 5 ms
    if fact.name not in mappings.BOOLEANS:
        value = mappings.resolve(resource, fact.sources[0].path)
        return _moment_of(value) if fact.sources[0].format == "epoch-ms" else value
    told: list[bool] = []
    unreadable: Any = None
    for source in fact.sources:
        value = mappings.resolve(resource, source.path)
        if value is None:
            continue
        if source.equals:
            # Text that is none of them says no; anything but text says nothing (unreadable).
            said: bool | None = value.strip().casefold() in {e.casefold() for e in source.equals} \
                if isinstance(value, str) else None
        else:
            said = boolean(value)
        if said is None:
            unreadable = value
            continue
        told.append(not said if source.invert else said)
    problem = mappings.PROBLEM[fact.name]
    if problem in told:
        return problem
    if unreadable is not None:
        return unreadable
    return told[0] if told else None


EPOCH_MS_FROM = 946_684_800_000  # 2000-01-01 in epoch milliseconds: no login, change or request is older


def _moment_of(value: Any) -> Any:
    """Epoch milliseconds (a number, or digits in a string) as a dateTime; anything else as it is."""
    digits = value.strip() if isinstance(value, str) else value
    number = isinstance(digits, int) and not isinstance(digits, bool)
    if not (number or (isinstance(digits, str) and digits.isdigit())):
        return value
    if int(digits) < EPOCH_MS_FROM:
        # Seconds read as milliseconds, or 0: 1970, which made an administrator "not logged in since the
        # renewal" (F29-9). No real moment: the reader notes it, and the fact is unknown.
        return value
    try:
        return datetime.fromtimestamp(int(digits) / 1000, UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        return value  # no real moment: the reader notes it


def _items(value: Any) -> Any:
    """A multi-valued attribute: a single value, or a list of strings, as items with a value."""
    if isinstance(value, str):
        return [{"value": value}]
    if isinstance(value, list):
        return [{"value": v} if isinstance(v, str) else v for v in value]
    return value
