"""From SCIM resources to the plain facts the runbook decides on. Pure: no I/O, no clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from postisupport.identifiers import fold, same
from postisupport.models import Group, MultiValue, Snapshot, User

MatchedBy = Literal["userName", "email", "legacyUserId"]
ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class Service:
    id: str | None
    name: str | None

    def answers_to(self, asked: str) -> bool:
        return same(self.id, fold(asked)) or same(self.name, fold(asked))


@dataclass(frozen=True)
class Contact:
    id: str | None
    display_name: str | None
    email: str | None


@dataclass(frozen=True)
class UserFacts:
    id: str | None
    user_name: str | None
    display_name: str | None
    active: bool | None
    is_admin: bool
    emails: tuple[str, ...]
    preferred_language: str | None
    legacy_user_id: str | None
    force_password_reset: bool
    reset_sent_at: datetime | None
    reset_sent_to: str | None
    last_password_update: datetime | None
    last_login: datetime | None
    last_failed_login: datetime | None
    locked: bool
    entitlements: tuple[Service, ...]

    @property
    def reset_pending(self) -> bool:
        """Asked to change the password, and not done since (the API contract's definition)."""
        if self.force_password_reset:
            return True
        if self.reset_sent_at is None:
            return False
        return self.last_password_update is None or self.last_password_update < self.reset_sent_at

    def has_right_to(self, asked: str) -> bool:
        return any(service.answers_to(asked) for service in self.entitlements)


@dataclass(frozen=True)
class OrganisationFacts:
    id: str | None
    name: str | None
    business_id: str | None
    services: tuple[Service, ...]

    def subscribes_to(self, asked: str) -> bool:
        return any(service.answers_to(asked) for service in self.services)


@dataclass(frozen=True)
class Facts:
    identifier: str
    matched_by: MatchedBy | None
    user: UserFacts | None
    candidates: tuple[UserFacts, ...]
    organisation: OrganisationFacts | None
    admins: tuple[Contact, ...]
    inactive_admins: int
    problems: tuple[str, ...]


def matched_by(user: User, identifier: str) -> MatchedBy | None:
    """How a user answers to an identifier, the login address first."""
    if same(user.user_name, identifier):
        return "userName"
    if any(same(email.value, identifier) for email in user.emails):
        return "email"
    if user.login is not None and same(user.login.legacy_user_id, identifier):
        return "legacyUserId"
    return None


def matches(users: list[User], identifier: str) -> list[tuple[User, MatchedBy]]:
    """The users that really answer to the identifier, whatever else the server sent."""
    return [(user, how) for user in users if (how := matched_by(user, identifier))]


def build(snapshot: Snapshot) -> Facts:
    problems = list(snapshot.problems)
    found = matches(snapshot.users, snapshot.identifier)
    stray = len(snapshot.users) - len(found)
    if stray:
        problems.append(f"the API returned {stray} user(s) that do not answer to the identifier")
    if len(found) != 1:
        return Facts(
            identifier=snapshot.identifier,
            matched_by=None,
            user=None,
            candidates=tuple(user_facts(user) for user, _ in found),
            organisation=None,
            admins=(),
            inactive_admins=0,
            problems=tuple(problems),
        )

    user, how = found[0]
    problems.extend(f"user {user.id or '?'}: {p}" for p in user.problems)
    organisations = [g for g in snapshot.groups if g.organisation is not None]
    for group in snapshot.groups:
        problems.extend(f"group {group.id or '?'}: {p}" for p in group.problems)
    organisation = organisations[0] if organisations else None
    if len(organisations) > 1:
        names = [g.display_name or g.id or "?" for g in organisations]
        problems.append(
            f"the user belongs to {len(names)} organisations ({', '.join(names)}); "
            f"the first, {names[0]}, is used"
        )
    admins = [
        a for a in snapshot.admins
        if organisation is not None and a.id != user.id and _is_admin(a)
        and _member_of(a, organisation)
    ]
    active_admins = [a for a in admins if a.active is not False]
    return Facts(
        identifier=snapshot.identifier,
        matched_by=how,
        user=user_facts(user),
        candidates=(),
        organisation=organisation_facts(organisation) if organisation else None,
        admins=tuple(contact(a) for a in active_admins),
        inactive_admins=len(admins) - len(active_admins),
        problems=tuple(problems),
    )


def user_facts(user: User) -> UserFacts:
    login = user.login
    return UserFacts(
        id=user.id,
        user_name=user.user_name,
        display_name=user.display_name or _formatted_name(user),
        active=user.active,
        is_admin=_is_admin(user),
        emails=tuple(e.value for e in user.emails if e.value),
        preferred_language=user.preferred_language,
        legacy_user_id=login.legacy_user_id if login else None,
        force_password_reset=bool(login and login.force_password_reset),
        reset_sent_at=login.password_reset_sent_at if login else None,
        reset_sent_to=login.password_reset_sent_to if login else None,
        last_password_update=login.last_password_update_time if login else None,
        last_login=login.last_login_time if login else None,
        last_failed_login=login.last_failed_login_time if login else None,
        locked=bool(login and login.account_locked),
        entitlements=_services(user.entitlements),
    )


def organisation_facts(group: Group) -> OrganisationFacts:
    extension = group.organisation
    return OrganisationFacts(
        id=group.id,
        name=group.display_name,
        business_id=extension.business_id if extension else None,
        services=_services(extension.services if extension else []),
    )


def contact(user: User) -> Contact:
    primary = next((e.value for e in user.emails if e.primary and e.value), None)
    return Contact(
        id=user.id,
        display_name=user.display_name or _formatted_name(user),
        email=primary or user.user_name,
    )


def _services(values: list[MultiValue]) -> tuple[Service, ...]:
    return tuple(Service(v.value, v.display) for v in values if v.value or v.display)


def _is_admin(user: User) -> bool:
    return any(same(role.value, ADMIN_ROLE) for role in user.roles)


def _member_of(user: User, group: Group) -> bool:
    # A server that does not fill User.groups was asked by membership already.
    return not user.groups or any(g.value == group.id for g in user.groups)


def _formatted_name(user: User) -> str | None:
    if user.name is None:
        return None
    if user.name.formatted:
        return user.name.formatted
    parts = [user.name.given_name, user.name.family_name]
    return " ".join(p for p in parts if p) or None
