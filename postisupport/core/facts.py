"""The plain facts the runbook decides on, and how they are put together. Pure: no I/O, no clock.

The identity API's resources are read into these facts in postisupport.idp.reading;
this module knows nothing of SCIM's wire format.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from postisupport.core.identifiers import Asked, equal_folded, fold, name_answers

# "name": found by their name within their organisation (the caller gave no address or ID).
MatchedBy = Literal["userName", "email", "legacyUserId", "name"]
SLIP = 0.8  # difflib's similarity at or above which a service name counts as mistyped
# Posti renewed its business customers' login on 16-17 January 2021 (the seed page): midnight in
# Helsinki (UTC+2) as the first day began. A login before it says nothing about logging in now.
RENEWAL = datetime(2021, 1, 15, 22, tzinfo=UTC)
# The seed page tells anyone the password-change requests went out on 17 January 2021 (Helsinki, UTC+2):
# a request sent on any other day is the account's own (F28-1).
RENEWAL_REQUESTS = (datetime(2021, 1, 16, 22, tzinfo=UTC), datetime(2021, 1, 17, 22, tzinfo=UTC))


def renewal_request(sent: datetime) -> bool:
    """Whether a request was sent on the renewal's day, which anyone may hear (RENEWAL_REQUESTS)."""
    return RENEWAL_REQUESTS[0] <= sent < RENEWAL_REQUESTS[1]

# The facts a look-up compares the identifier with (matched_by).
LOOKUP_FACTS = frozenset({"user_name", "emails", "legacy_user_id"})
# The facts that tell whether someone can log in now (Contact.state).
STATE_FACTS = frozenset({"active", "locked", "force_password_reset", "reset_sent_at", "last_password_update",
                         "last_login", "last_failed_login"})
# Whether an account is open at all: the store telling it can't tell for one administrator, when it
# records it for others, leaves whether she can act unknown (N18-7).
ACCOUNT_FACTS = frozenset({"active", "locked"})


# The facts a directory may not hold, by field, and the name each has wherever an unknown is told
# (JSON's `unknown`, the rules' `considered`): one vocabulary, in this order (docs/identity-api.md).
FACT_NAMES = {
    "force_password_reset": "reset_requested", "reset_sent_at": "reset_sent_at",
    "reset_sent_to": "reset_sent_to", "last_password_update": "password_changed_at",
    "last_login": "last_login", "last_failed_login": "last_failed_login", "locked": "locked",
    "active": "active", "organisation": "organisation", "business_id": "business_id",
    "organisation_services": "organisation_services", "administrators": "administrators",
    "entitlements": "services", "legacy_user_id": "legacy_user_id", "preferred_language": "language",
    "phone": "phone", "user_name": "login_email", "emails": "emails",
}


def fact_names(fields: Iterable[str]) -> tuple[str, ...]:
    """The vocabulary's names of some facts (by field), each once, in the vocabulary's order."""
    chosen = set(fields)
    return tuple(name for field, name in FACT_NAMES.items() if field in chosen)


@dataclass(frozen=True)
class Service:
    id: str | None
    name: str | None

    def answers_to(self, asked: str) -> bool:
        return equal_folded(self.id, asked) or equal_folded(self.name, asked)


# Why someone cannot log in though the account is open, by the tool's own login rules (UserFacts):
# a password change pending, no login since the renewal, or a failed login since the last one.
LoginState = Literal["reset-pending", "not-logged-in", "failed-login"]


@dataclass(frozen=True)
class Contact:
    """Someone the caller can be sent to: an administrator, with whether they can log in themselves.
    `login` is why an open account cannot log in now (None: it can, or it is not known)."""

    id: str | None
    display_name: str | None
    email: str | None
    phone: str | None = None
    active: bool | None = None
    locked: bool = False
    login: LoginState | None = None
    # What tells whether they can log in was sent but can't be read (not what the store records for no
    # one): whether they can act is unknown, and they are never offered as one who can.
    unreadable: bool = False
    # Unknown as the store told it does not record it for her (not sent unreadable): no data problem.
    untold: bool = False

    @property
    def state(self) -> str | None:
        """What stops an administrator logging in, so acting: "inactive", "locked", or the `login`
        state; "unknown" when that can't be read; None for one who can act."""
        if self.active is False:
            return "inactive"
        if self.locked:
            return "locked"
        return self.login or ("unknown" if self.unreadable else None)

    @property
    def can_act(self) -> bool:
        return self.state is None


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
    primary_email: str | None = None
    phone: str | None = None  # the primary (else first) work phone number
    group_ids: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # what was wrong with the resource as the server sent it
    names: tuple[str, ...] = ()  # every form of the name the directory gives (display, formatted, parts)
    # The facts (by field name) the directory sent but in a form that could not be read: unknown,
    # which is not the same as absent (their field holds the absent value). The rules so far weigh only
    # those a look-up is confirmed by; the screen says which the others are.
    unknown: frozenset[str] = frozenset()
    # Of `unknown`, those the directory tells it does not hold for this user (a mapping's "unknown when
    # absent", the contract's unknownFacts): no data problem goes with them.
    untold: frozenset[str] = frozenset()

    @property
    def unconfirmed(self) -> bool:
        """Whether what could tell that this user answers to an identifier is partly unreadable."""
        return bool(self.unknown & LOOKUP_FACTS)

    @property
    def reset_pending(self) -> bool:
        """Asked to change the password, and not done since (the API contract's definition). A change
        whose time is unknown is not read as none: then the directory can't tell (`reset_unknown`)."""
        if self.force_password_reset:
            return True
        if self.reset_sent_at is None:
            return False
        if self.last_password_update is None:
            return "last_password_update" not in self.unknown
        return self.last_password_update < self.reset_sent_at

    @property
    def role_unknown(self) -> bool:
        """Whether they may be an administrator: their roles could not be read, and none read made them
        one."""
        return "administrators" in self.unknown and not self.is_admin

    @property
    def reset_unknown(self) -> tuple[str, ...]:
        """The facts lacking to tell whether a password change is pending, when it is not known to be
        (empty: the directory tells)."""
        if self.reset_pending:
            return ()
        lacking = ["force_password_reset", "reset_sent_at"]
        if self.reset_sent_at is not None:
            lacking.append("last_password_update")
        return tuple(fact for fact in lacking if fact in self.unknown)

    @property
    def login_unknown(self) -> tuple[str, ...]:
        """The facts lacking to tell whether the user logs in now (empty: the directory tells). A login
        known to be from before the renewal says they don't, whatever the failed one."""
        if "last_login" in self.unknown:
            return ("last_login",)
        if self.last_login is None or self.last_login < RENEWAL:
            return ()
        return ("last_failed_login",) if "last_failed_login" in self.unknown else ()

    @property
    def login_email_unknown(self) -> bool:
        """Whether the directory can't tell which address the user logs in with: a login address is
        what every account has, so none is never read as "no login address"."""
        return self.user_name is None or "user_name" in self.unknown

    @property
    def logs_in(self) -> bool:
        """Whether the directory shows the user logging in since the renewal, with no failed login
        after it: a login from before the renewal, or a failed one since, says they cannot now."""
        if self.last_login is None or self.last_login < RENEWAL:
            return False
        return self.last_failed_login is None or self.last_failed_login <= self.last_login

    def has_right_to(self, asked: str) -> bool:
        return any(service.answers_to(asked) for service in self.entitlements)

    @property
    def login_state(self) -> LoginState | None:
        """Why the user cannot log in though the account is open; None when the directory shows them
        logging in. The reset first: it is what they must do before anything else works."""
        if self.reset_pending:
            return "reset-pending"
        if self.login_unknown:  # not known to fail: never "not logged in" on what can't be read
            return None
        if self.last_login is None or self.last_login < RENEWAL:
            return "not-logged-in"
        return None if self.logs_in else "failed-login"

    def contact(self, unrecorded: frozenset[str] | None = None) -> Contact:
        """As an administrator to send a caller to. `unrecorded`: what the store can't tell of anyone (it
        records it for no one, or tells it unknown of the caller too); whether the account is open,
        told unknown of her alone beyond that, is her state unknown."""
        alone = (self.untold & ACCOUNT_FACTS) - unrecorded if unrecorded is not None else frozenset()
        sent_unreadable = bool((self.unknown - self.untold) & STATE_FACTS)
        return Contact(self.id, self.display_name, self.primary_email or self.user_name, self.phone,
                       self.active, self.locked, self.login_state, sent_unreadable or bool(alone),
                       untold=bool(alone) and not sent_unreadable)

    @property
    def state(self) -> str | None:
        """What stops the user logging in whatever else is right: "inactive" (deactivated), "locked"."""
        if self.active is False:
            return "inactive"
        return "locked" if self.locked else None

    def has_address(self, address: str | None) -> bool:
        """Whether `address` is the login address or another address on the account."""
        return equal_folded(self.user_name, address) or any(equal_folded(e, address) for e in self.emails)


@dataclass(frozen=True)
class OrganisationFacts:
    id: str | None
    name: str | None
    business_id: str | None
    services: tuple[Service, ...]
    # The ids of its members when the API sent them (None: not asked for, or not sent): what tells
    # whether a user is in it when the API does not fill User.groups.
    member_ids: frozenset[str] | None = None
    # Its services were sent but could not all be read: which it subscribes to is unknown, never none.
    services_unknown: bool = False
    # What was sent of it but can't be read (or its directory says it does not hold): "name",
    # "business_id". Unknown, never none: a business ID that can't be read is not "no business ID".
    unknown: frozenset[str] = frozenset()

    def subscribes_to(self, asked: str) -> bool:
        return any(service.answers_to(asked) for service in self.services)


@dataclass(frozen=True)
class Membership:
    """One organisation of the user, with its administrators other than the user (each with its state)."""

    organisation: OrganisationFacts
    admins: tuple[Contact, ...] = ()
    # A member the API sent as an administrator whose roles could not be read: there may be more
    # administrators than `admins`, so "no administrator" is never said of it.
    admins_unreadable: bool = False


# Why the decision used the organisation it used, when the user belongs to several.
OrganisationChoice = Literal["first", "first-with-admin"]


@dataclass(frozen=True)
class Facts:
    """`admins` are the administrators of `organisation` (other than the user) who can act: they are
    the help the runbook offers; `unable_admins` those who cannot log in themselves (deactivated,
    locked, or by the login rules: a password change pending, no login since the renewal, a failed
    login since the last one). `memberships` are all the user's organisations in the API's order,
    `organisation` the one the decision uses and `chosen` why, when there are several."""

    identifier: str
    matched_by: MatchedBy | None
    user: UserFacts | None
    candidates: tuple[UserFacts, ...]
    organisation: OrganisationFacts | None
    admins: tuple[Contact, ...]
    problems: tuple[str, ...]
    candidates_reported: int = 0  # how many users the API said answer, of which `candidates` were read
    unable_admins: tuple[Contact, ...] = ()
    memberships: tuple[Membership, ...] = ()
    chosen: OrganisationChoice | None = None
    candidate_organisations: tuple[tuple[str, ...], ...] = ()  # each candidate's organisations' names
    # With no user answering: those the API sent for the identifier whose look-up facts could not all
    # be read. Any of them may be the caller; the answers can't tell.
    unconfirmed: tuple[UserFacts, ...] = ()
    # What the agent typed and what it was taken for; None for facts put together by hand.
    asked: Asked | None = None
    # The facts (by field name, FACT_NAMES) this directory does not record for anyone: unknown for
    # every user, as its source declares. Each user's own unreadable ones are in its `unknown`.
    unrecorded: frozenset[str] = frozenset()
    # Of the organisation the decision uses: an administrator's roles could not be read (Membership).
    admins_unreadable: bool = False

    @property
    def unknown(self) -> frozenset[str]:
        """Every fact of this diagnosis the directory can't tell: never recorded, or sent unreadable."""
        told = self.unrecorded | (self.user.unknown if self.user is not None else frozenset())
        sent = {"organisation_services"} if self.services_unknown else set()
        if self.admins_unreadable:
            sent.add("administrators")
        if self.organisation is not None and "business_id" in self.organisation.unknown:
            sent.add("business_id")
        return told | sent

    @property
    def services_unknown(self) -> bool:
        """Whether which services one of the organisations subscribes to is beyond what the directory
        tells: not recorded, or sent unreadable."""
        organisations = [m.organisation for m in self.memberships] or \
            ([self.organisation] if self.organisation is not None else [])
        return "organisation_services" in self.unrecorded or any(o.services_unknown for o in organisations)

    @property
    def admins_unknown(self) -> bool:
        """Whether the organisation may have administrators beyond `admins` and `unable_admins`: the
        directory records none, or sent one whose roles could not be read: the caller's own too, who may
        then be its administrator (F29-5)."""
        return self.admins_unreadable or "administrators" in self.unrecorded \
            or (self.user is not None and self.user.role_unknown)

    @property
    def organisation_unknown(self) -> bool:
        """Whether the user's organisation is beyond what the directory tells: none was read, and none
        may not be true (not recorded, or sent unreadable)."""
        return self.organisation is None and "organisation" in self.unknown

    @property
    def unaskable(self) -> frozenset[str]:
        """The identifiers no one could be told apart by here: what the store records for no one, and
        an old user ID that none of several candidates has (asked for, a caller would give a code that
        finds no one)."""
        held = any(c.legacy_user_id or "legacy_user_id" in c.unknown for c in self.candidates)
        return self.unrecorded | frozenset({"legacy_user_id"} if self.candidates and not held else ())

    @property
    def rights_unknown(self) -> bool:
        """Whether the user's access rights are beyond what the directory tells: a right not among
        those read may still be theirs."""
        return "entitlements" in self.unknown

    @property
    def inactive_admins(self) -> int:
        return sum(1 for a in self.unable_admins if a.state == "inactive")

    @property
    def locked_admins(self) -> int:
        return sum(1 for a in self.unable_admins if a.state == "locked")

    @property
    def not_logging_in_admins(self) -> int:
        """Open accounts of administrators who cannot log in now, by the login rules."""
        return sum(1 for a in self.unable_admins if a.state not in ("inactive", "locked", "unknown"))

    @property
    def unknown_state_admins(self) -> int:
        """Administrators whose state was sent unreadable: whether they can act is unknown."""
        return sum(1 for a in self.unable_admins if a.state == "unknown")

    @property
    def candidates_total(self) -> int:
        return max(len(self.candidates), self.candidates_reported)

    def known_services(self) -> tuple[Service, ...]:
        """The services the user has or the organisation subscribes to."""
        org = self.organisation.services if self.organisation else ()
        return (*(self.user.entitlements if self.user else ()), *org)

    def suggestion_for(self, asked: str, other_names: Iterable[str] = ()) -> str | None:
        """For a service name that no known service has, the known name (or one of `other_names`:
        the known services' names in other languages) it was most likely meant to be (a small
        typing slip away), or None."""
        known = self.known_services()
        if any(service.answers_to(asked) for service in known):
            return None
        names = {fold(n): n for n in (*(n for s in known for n in (s.id, s.name)), *other_names) if n}
        close = difflib.get_close_matches(fold(asked), list(names), n=1, cutoff=SLIP)
        return names[close[0]] if close else None


Match = tuple[UserFacts, MatchedBy]


def matched_by(user: UserFacts, identifier: str) -> MatchedBy | None:
    """How a user answers to an identifier, the login address first: not when the store tells it can't
    tell which address logs in, whatever it sent as one (the address is then one of theirs, no more)."""
    if not user.login_email_unknown and equal_folded(user.user_name, identifier):
        return "userName"
    if any(equal_folded(email, identifier) for email in user.emails):
        return "email"
    if equal_folded(user.legacy_user_id, identifier):
        return "legacyUserId"
    return None


def matches(users: Sequence[UserFacts], identifier: str) -> tuple[Match, ...]:
    """The users that really answer to the identifier, whatever else the server sent."""
    return tuple((user, how) for user in users if (how := matched_by(user, identifier)))


def name_matches(users: Sequence[UserFacts], typed: str) -> tuple[Match, ...]:
    """The users (an organisation's members) whose name answers to the typed name, case and accents
    aside, its words in any order."""
    return tuple((user, "name") for user in users
                 if name_answers(typed, user.display_name, *user.names))


@dataclass(frozen=True)
class Snapshot:
    """What the identity API said about one identifier, read into facts, before any conclusion.

    `found` is `matches(users, identifier)`, computed once by whoever fetched the users.
    `organisations` are the user's groups that are organisations, in the API's order;
    `group_problems` what was wrong with any of the user's groups.
    """

    identifier: str
    users: tuple[UserFacts, ...]
    found: tuple[Match, ...]
    organisations: tuple[OrganisationFacts, ...] = ()
    admins: tuple[UserFacts, ...] = ()
    problems: tuple[str, ...] = ()
    group_problems: tuple[str, ...] = ()
    users_reported: int = 0  # the API's totalResults for the look-up, whatever it sent
    candidate_organisations: tuple[tuple[str, ...], ...] = ()  # for several matches: each one's, by name
    asked: Asked | None = None
    unrecorded: frozenset[str] = frozenset()  # what the directory never records (Facts.unrecorded)


def build(snapshot: Snapshot) -> Facts:
    facts = _build(snapshot)
    if snapshot.unrecorded:
        facts = replace(facts, unrecorded=snapshot.unrecorded)
    return replace(facts, asked=snapshot.asked) if snapshot.asked is not None else facts


def _build(snapshot: Snapshot) -> Facts:
    if snapshot.asked is not None and snapshot.asked.kind == "business-id":
        return _organisation_only(snapshot)
    problems = list(snapshot.problems)
    unconfirmed = () if snapshot.found else tuple(u for u in snapshot.users if u.unconfirmed)
    stray = len(snapshot.users) - len(snapshot.found) - len(unconfirmed)
    if stray:
        problems.append(f"the API returned {stray} user(s) that do not answer to the identifier")
    problems.extend(f"user {u.id or '?'}: {p}" for u in unconfirmed for p in u.problems)
    if len(snapshot.found) != 1:
        return Facts(
            identifier=snapshot.identifier,
            matched_by=None,
            user=None,
            candidates=tuple(user for user, _ in snapshot.found),
            organisation=None,
            admins=(),
            problems=tuple(problems),
            candidates_reported=snapshot.users_reported if len(snapshot.found) > 1 else 0,
            candidate_organisations=snapshot.candidate_organisations,
            unconfirmed=unconfirmed,
        )

    user, how = snapshot.found[0]
    # What the store can't tell of the caller either is its own gap, not the administrator's (a capture
    # served over HTTP tells it of every user).
    untold = snapshot.unrecorded | user.untold
    problems.extend(f"user {user.id or '?'}: {p}" for p in user.problems)
    problems.extend(snapshot.group_problems)
    # Another person sent under the caller's id (ids are unique, RFC 7643): not the caller, and left out as
    # if they were, the organisation's one administrator was gone, unsaid (F33-1). Whose values the id's
    # are can't be told: the administrator stays, their state unknown.
    sent = []
    for a in snapshot.admins:
        if a.id == user.id and not _same_person(a, user):
            problems.append(f"the API sent the user {user.user_name or '?'} and the administrator "
                            f"{a.user_name or '?'} under one id, {a.id!r}; whether the administrator can act "
                            "is not read")
            a = replace(a, unknown=a.unknown | {"active", "locked"})
        sent.append(a)
    snapshot = replace(snapshot, admins=tuple(sent))
    memberships = tuple(
        Membership(org, tuple(a.contact(untold) for a in snapshot.admins
                              if not _same_person(a, user) and a.is_admin and member_of(a, org)),
                   _admins_unknown(snapshot.admins, org, untold, user))
        for org in snapshot.organisations
    )
    chosen: OrganisationChoice | None = None
    membership = memberships[0] if memberships else None
    if len(memberships) > 1:
        # The runbook sends the caller to their organisation's administrator: with several
        # organisations, the first the API lists whose administrator can act is the help to offer.
        able = next((m for m in memberships if any(a.can_act for a in m.admins)), None)
        chosen = "first-with-admin" if able is not None and able is not memberships[0] else "first"
        membership = able or memberships[0]
    admins = [a for a in snapshot.admins
              if membership is not None and not _same_person(a, user) and a.is_admin
              and member_of(a, membership.organisation)]
    # An administrator the script names but whose id could not be read is a broken account too, and so
    # is one whose state can't be read: what was wrong is said.
    problems.extend(f"administrator {a.user_name or a.id or '?'}: {p}" for a in admins
                    if not a.id or a.contact(untold).state == "unknown" for p in a.problems)
    contacts = membership.admins if membership else ()
    return Facts(
        identifier=snapshot.identifier,
        matched_by=how,
        user=user,
        candidates=(),
        organisation=membership.organisation if membership else None,
        admins=tuple(a for a in contacts if a.can_act),
        problems=tuple(problems),
        unable_admins=tuple(a for a in contacts if not a.can_act),
        memberships=memberships,
        chosen=chosen,
        admins_unreadable=membership.admins_unreadable if membership else False,
    )


def _same_person(admin: UserFacts, user: UserFacts) -> bool:
    """Whether an administrator sent is the caller: the same id, and no other login address under it."""
    return admin.id == user.id and (admin.user_name is None or user.user_name is None
                                    or equal_folded(admin.user_name, user.user_name))


def _admins_unknown(admins: Iterable[UserFacts], organisation: OrganisationFacts,
                    unrecorded: frozenset[str], user: UserFacts | None = None) -> bool:
    """Whether a member the API sent as an administrator of `organisation` (other than the user) has
    roles that could not be read, and none read made them one; or is an administrator whose state can't
    be read (whether they can act is unknown)."""
    others = [a for a in admins if member_of(a, organisation) and (user is None or not _same_person(a, user))]
    return any("administrators" in a.unknown and not a.is_admin for a in others) \
        or any(a.is_admin and a.contact(unrecorded).state == "unknown" for a in others)


def _organisation_only(snapshot: Snapshot) -> Facts:
    """A business ID looked up: the organisation and all its administrators, each with its state."""
    problems = [*snapshot.problems, *snapshot.group_problems]
    org = snapshot.organisations[0] if snapshot.organisations else None
    shown = [a for a in snapshot.admins if org is not None and a.is_admin and member_of(a, org)]
    # What the store tells unknown of all of them is its own gap, as of the caller's on a user's look-up.
    everyone = frozenset.intersection(*(a.untold for a in shown)) if shown else frozenset()
    untold = snapshot.unrecorded | everyone
    contacts = tuple(a.contact(untold) for a in shown)
    # Whom the screen shows, and what was wrong with what the API sent of them (a state, a phone).
    problems.extend(f"administrator {a.user_name or a.id or '?'}: {p}" for a in shown for p in a.problems)
    unknown = org is not None and _admins_unknown(snapshot.admins, org, untold)
    return Facts(
        identifier=snapshot.identifier,
        matched_by=None,
        user=None,
        candidates=(),
        organisation=org,
        admins=tuple(a for a in contacts if a.can_act),
        problems=tuple(problems),
        unable_admins=tuple(a for a in contacts if not a.can_act),
        memberships=(Membership(org, contacts, unknown),) if org is not None else (),
        admins_unreadable=unknown,
    )


def member_of(user: UserFacts, organisation: OrganisationFacts) -> bool:
    """Whether the answers show `user` in `organisation`: by User.groups, else by the organisation's
    members. A server that sends neither was asked by membership, and its answer is all there is."""
    if user.group_ids:
        if organisation.id is not None and organisation.id == organisation.name:
            # An organisation named by a user's attribute goes by its name: "esimerkki oy", or "Öy" made of
            # O and a combining mark, is the same one (F34-1), as names are compared everywhere.
            return fold(organisation.id) in {fold(g) for g in user.group_ids}
        return organisation.id in user.group_ids
    if organisation.member_ids is not None:
        return user.id in organisation.member_ids
    return True
