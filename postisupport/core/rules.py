"""The runbook as rules: facts in, decision out. Pure: no I/O, no clock, no finished text.

A decision names the rule that chose it, the evidence (each fact with the rule
that used it) and the script parts to read to the caller, as message keys with
parameters; postisupport.output turns those into words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from postisupport.core.facts import (
    LOOKUP_FACTS,
    RENEWAL,
    Contact,
    Facts,
    Membership,
    OrganisationFacts,
    Service,
    UserFacts,
    fact_names,
    renewal_request,
)
from postisupport.core.identifiers import equal_folded
from postisupport.core.text import iso

Outcome = Literal[
    "change-password",
    "use-login-email",
    "contact-admin",
    "contact-customer-service",
    "check-service-rights",
    "no-fault-found",
    "not-found",
    "not-searched",
    "ambiguous",
    "organisation",
]
Problem = Literal["login", "service-access"]
CHANGE_PASSWORD_URL = "https://www.posti.fi/changepassword"


@dataclass(frozen=True)
class Rule:
    id: str
    outcome: Outcome
    step: int | None
    summary: str


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {rule.id: rule for rule in rules}


# The login rules in precedence order (the first that applies wins); the service rules from the most
# escalated verdict to the least, the order the script groups them in (SERVICE_PRECEDENCE): each
# service's verdict is decided in _service_rule's order, as docs/rules.md lists it.
RULES = _rules(
    Rule("lookup.not-found", "not-found", 3, "no user answers to the identifier"),
    Rule("lookup.unsearchable", "not-searched", None,
         "an old user ID, asked of a directory that records none: no look-up could find it"),
    Rule("lookup.name-unsearchable", "not-searched", None,
         "a name, asked of an organisation with more members than a look-up reads: who has it can't be told"),
    Rule("lookup.ambiguous", "ambiguous", None, "several users answer to the identifier"),
    Rule("lookup.unreadable", "contact-customer-service", None,
         "no user answers to the identifier by what could be read, but the API sent one whose login "
         "data can't be read"),
    Rule("lookup.organisation", "organisation", None,
         "a business ID: its organisation has an administrator who can act"),
    Rule("lookup.organisation.no-admin", "organisation", None,
         "a business ID: its organisation has no administrator who can act"),
    Rule("login.reset-pending", "change-password", 1, "a password change is pending"),
    Rule("login.not-login-email", "use-login-email", 2,
         "the caller identified with something other than the login e-mail"),
    Rule("login.other-admin", "contact-admin", 3,
         "the user is one of the administrators, and another one can act"),
    Rule("login.organisation-unknown", "contact-customer-service", 3,
         "which organisation the user belongs to can't be told (not recorded, or sent unreadable)"),
    Rule("login.user-is-admin", "contact-customer-service", 3,
         "the user is an administrator of the organisation, and no other one can act"),
    Rule("login.no-organisation", "contact-customer-service", 3,
         "the user belongs to no organisation"),
    Rule("login.no-admin", "contact-customer-service", 3,
         "the organisation has no other administrator who can act"),
    Rule("login.contact-admin", "contact-admin", 3,
         "the organisation's administrator can help"),
    Rule("service.not-subscribed", "contact-customer-service", None,
         "the service is not among the organisation's services"),
    Rule("service.user-is-admin", "contact-customer-service", None,
         "the user lacks the right and is the administrator; no other one can act"),
    Rule("service.organisation-unknown", "contact-customer-service", None,
         "which organisation the user belongs to can't be told (not recorded, or sent unreadable)"),
    Rule("service.no-organisation", "contact-customer-service", None,
         "the user belongs to no organisation"),
    Rule("service.no-admin", "contact-customer-service", None,
         "the user lacks the right and the organisation has no other administrator who can act"),
    Rule("service.other-admin", "check-service-rights", None,
         "the user lacks the right and is one of the administrators; another one can grant it"),
    Rule("service.missing-right", "check-service-rights", None,
         "the user lacks the right; an administrator can grant it"),
    Rule("service.other-organisation", "check-service-rights", None,
         "another of the user's organisations has the service, and its administrator can grant it"),
    Rule("service.granted", "no-fault-found", None, "the user has the right to the service"),
)

ADMIN_KEYS = frozenset({"detail.admins", "detail.admins.said", "detail.admins.others", "detail.admins.there",
                        "detail.admins.of"})
# Said instead of whatever tells a caller their own access rights, until they are verified.
RIGHTS_UNVERIFIED = "service.rights-unverified"
# Said instead, after a login sentence that has said the administrator can check their access rights.
RIGHTS_ASKED = "service.rights-unverified.asked"
# The login sentences that say, before verification, that the administrator can check the caller's rights.
RIGHTS_SAID = frozenset({"login.contact-admin", "login.contact-admin.unseen"})
OTHERWISE = "login.with-current-password.otherwise"  # step 2's login, after step 1's question
HELPER = "login.contact-admin"  # step 3: what the administrator can do, "I can't fix what's stopping you"
# The escalations that end with a support request (ticket) opened by the agent.
TICKETED = frozenset({"lookup.unreadable", "login.user-is-admin", "login.no-organisation", "login.no-admin",
                      "login.organisation-unknown", "service.user-is-admin", "service.no-organisation",
                      "service.organisation-unknown", "service.no-admin"})


@dataclass(frozen=True)
class Evidence:
    rule: str
    fact: str
    value: Any


@dataclass(frozen=True)
class ScriptPart:
    """One sentence or two to tell the caller: a message key and its parameters.

    A `personal` part names someone (the login address, the administrators) or
    tells what only the account's owner may hear (locked, deactivated, an
    administrator, where a reset request went, their access rights:
    docs/agents.md); until the agent has verified the caller it is left out, or
    said as its `unverified` key (once: a key said instead of several parts is
    said at the first of them).
    """

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    personal: bool = False
    unverified: str | None = None  # for a personal part, the key said instead until verified (else nothing)
    # Said only until the caller is verified: who can tell them what verifying would (their login address).
    until_verified: bool = False


@dataclass(frozen=True)
class Check:
    """One rule the engine considered, what it read and whether it fired; `subject` the service asked.
    `fired` is None when the directory can't tell: `unknown` the facts it lacked (vocabulary names)."""

    rule: str
    fired: bool | None
    read: tuple[tuple[str, Any], ...]
    subject: str | None = None
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceVerdict:
    asked: str
    rule: str
    known_as: str | None = None  # the service's own name, when the directory knows the service
    service_id: str | None = None  # its id, which names it in each language's catalog

    @property
    def outcome(self) -> Outcome:
        return RULES[self.rule].outcome


@dataclass(frozen=True)
class Decision:
    rule: str
    problem: Problem
    evidence: tuple[Evidence, ...]
    script: tuple[ScriptPart, ...]
    services: tuple[ServiceVerdict, ...] = ()
    considered: tuple[Check, ...] = ()
    actions: tuple[Action, ...] = ()  # what the agent does, one per group of verdicts, in order

    @property
    def outcome(self) -> Outcome:
        return RULES[self.rule].outcome

    @property
    def step(self) -> int | None:
        # A service question of a user who cannot log in gets the login step first.
        login_first = self.problem == "login" or self.rule.startswith("login.")
        return RULES[self.rule].step if login_first else None


@dataclass(frozen=True)
class Action:
    """One thing for the agent to do: the rule whose "do" it is, and the services it is about."""

    rule: str
    services: tuple[Service, ...] = ()


class _Trail:
    """The checks made on the way to a decision, in the order made."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    def check(self, rule: str, fired: bool, subject: str | None = None, **read: Any) -> bool:
        self.checks.append(Check(rule, fired, tuple(read.items()), subject))
        return fired

    def unknown(self, rule: str, lacked: Sequence[str], subject: str | None = None, **read: Any) -> None:
        """A rule whose condition the directory can't tell: never fired, recorded with what it lacked."""
        self.checks.append(Check(rule, None, tuple(read.items()), subject, fact_names(lacked)))


def decide(facts: Facts, services: Sequence[str] = ()) -> Decision:
    problem: Problem = "service-access" if services else "login"
    trail = _Trail()
    if _name_unsearchable(facts, trail):
        decision = _name_unsearched(facts, problem)
    elif facts.user is None:
        decision = _unidentified(facts, problem, trail)
    elif services and not _cannot_log_in(facts.user):
        decision = _service_access_asked(facts, facts.user, services, trail)
    elif services:
        # The login comes before any service: its steps first, then each service's verdict.
        login = _login(facts, facts.user, trail)
        access = _service_access(facts, facts.user, services, trail, after_login=login)
        decision = replace(access, rule=login.rule, evidence=(*login.evidence, *access.evidence),
                           actions=(*login.actions, *access.actions))
    else:
        decision = _login(facts, facts.user, trail)
    return replace(decision, script=_public_dates(decision.script), considered=tuple(trail.checks))


# The sentences that say when a password-change request was sent and may be said before the caller is
# verified, and what is said instead when the date is not the renewal's: the same without it.
DATED = {key: f"{key}.undated" for key in (
    "login.reset-pending.sent", "login.reset-pending.sent.login-address", "login.reset-pending.asked",
    "detail.login-email.test", "detail.login-email.test.try", "check.reset-pending.changed",
    "check.reset-pending.changed.service", "check.reset-pending.changed.came-to",
    "check.reset-pending.changed.asked",
    "check.reset-pending.changed.asked.service")} | {"lookup.ambiguous.reset-on": "lookup.ambiguous.reset"}


# The sentences of a request that went to another address than the login one: the seed page's test
# ("the login address is the one the 17.1.2021 request went to") would lead the caller who hears the
# renewal's date to the wrong address, so until verified they hear it without (N24-10).
ELSEWHERE = ("login.reset-pending.elsewhere", "login.reset-pending.other-address",
             "check.reset-pending.changed.elsewhere")


def _public_dates(script: Sequence[ScriptPart]) -> tuple[ScriptPart, ...]:
    """Until verified, a request's date only when it is the renewal's, which the seed page tells anyone:
    a request sent on another day (a later reset, a second request) is a fact of the account (F28-1),
    and one that went to another address is said without its date too (ELSEWHERE)."""
    def public(part: ScriptPart) -> bool:
        sent = part.params.get("sent_at")
        return sent is None or (renewal_request(sent) and not part.key.startswith(ELSEWHERE))

    def undated(part: ScriptPart) -> ScriptPart:
        if not part.personal and part.key in DATED:
            return replace(part, personal=True, unverified=DATED[part.key])
        if part.personal and part.unverified in DATED:
            return replace(part, unverified=DATED[part.unverified])
        return part

    return tuple(part if public(part) else undated(part) for part in script)


# "I can't see a fault on your account. Please log out, then log in again ...", said after step 1's question
# as "nothing else I can see stops you" (the sentences that say it; .some and .ticketed don't).
RETRY_ASKED = {"service.granted.retry": "service.granted.retry.asked",
               "service.granted.retry.address": "service.granted.retry.asked.address"}


def _service_access_asked(facts: Facts, user: UserFacts, services: Sequence[str], trail: _Trail) -> Decision:
    """Part B for a user who can log in as far as the directory tells; when it can't tell whether a
    password change is pending, step 1 is asked of the caller first, as on the login path."""
    asked = user.reset_unknown
    if not asked:
        return _service_access(facts, user, services, trail)
    trail.unknown("login.reset-pending", asked, forcePasswordReset=None if "force_password_reset" in
                  user.unknown else user.force_password_reset, passwordResetSentAt=iso(user.reset_sent_at),
                  lastPasswordUpdateTime=iso(user.last_password_update), accountState=None)
    decision = _service_access(facts, user, services, trail)
    # "I can't see a fault on your account" would be untrue after a question the directory can't answer.
    script = tuple(replace(p, key=RETRY_ASKED[p.key]) if p.key in RETRY_ASKED else p for p in decision.script)
    # The question closes on its own: whether the caller has a right does not depend on its answer, so it
    # never leads into the verdict ("... something else is stopping you. You don't have access").
    return replace(decision, script=_asked_in_turn(_reset_question(user), script, closed=True,
                                                   came_to=_came_to_login(user)),
                   evidence=(Evidence("login.reset-pending", "unknown", list(fact_names(asked))),
                             *decision.evidence))


def _cannot_log_in(user: UserFacts) -> bool:
    """A password change pending, a locked or deactivated account, no login since the renewal, or a
    failed login after the last one."""
    return user.state is not None or user.login_state is not None


def _unidentified(facts: Facts, problem: Problem, trail: _Trail) -> Decision:
    if facts.asked is not None and facts.asked.kind == "business-id" and facts.organisation is not None:
        return _organisation_found(facts, problem, trail)
    if trail.check("lookup.ambiguous", bool(facts.candidates), candidates=len(facts.candidates)):
        rule = "lookup.ambiguous"
        evidence = [Evidence(rule, "candidates", [c.id for c in facts.candidates])]
        return Decision(rule, problem, tuple(evidence), (_ask_the_ambiguous(facts),), actions=(Action(rule),))
    if trail.check("lookup.unreadable", bool(facts.unconfirmed), users=len(facts.unconfirmed)):
        # Not "no such user": the account may well be the caller's, with data that must be mended.
        rule = "lookup.unreadable"
        evidence = [Evidence(rule, "users", [u.id for u in facts.unconfirmed]),
                    Evidence(rule, "unreadable",
                             sorted({f for u in facts.unconfirmed for f in u.unknown & LOOKUP_FACTS}))]
        return Decision(rule, problem, tuple(evidence), (ScriptPart(rule), ScriptPart("next.ticket")),
                        actions=(Action(rule),))
    if _unsearchable(facts):
        # The store records no legacy user IDs: it was never searched by one, and "no user has these
        # details" would be a guess.
        trail.unknown("lookup.not-found", ["legacy_user_id"], identifier=facts.identifier)
        trail.check("lookup.unsearchable", True, identifier=facts.identifier)
        rule = "lookup.unsearchable"
        evidence = [Evidence(rule, "identifier", facts.identifier),
                    Evidence(rule, "unknown", ["legacy_user_id"])]
        parts = (ScriptPart(rule), ScriptPart("lookup.not-found.then"))
        return Decision(rule, problem, tuple(evidence), parts, actions=(Action(rule),))
    trail.check("lookup.not-found", True, identifier=facts.identifier)
    rule = "lookup.not-found"
    evidence = [Evidence(rule, "identifier", facts.identifier)]
    return Decision(rule, problem, tuple(evidence), _not_found_parts(facts), actions=(Action(rule),))


def _name_unsearchable(facts: Facts, trail: _Trail) -> bool:
    """A name asked of an organisation whose members were read only in part: one who answers may not be
    the only one, and none answering is no "not found" (docs/rules.md)."""
    asked = facts.asked
    if asked is None or asked.kind != "name" or not asked.organisation_found:
        return False
    return trail.check("lookup.name-unsearchable", asked.members_cut, identifier=facts.identifier,
                       membersReadInPart=asked.members_cut)


def _name_unsearched(facts: Facts, problem: Problem) -> Decision:
    rule = "lookup.name-unsearchable"
    evidence = (Evidence(rule, "identifier", facts.identifier), Evidence(rule, "membersReadInPart", True))
    parts = (ScriptPart(_recorded(rule, facts)), ScriptPart("lookup.not-found.then"))
    return Decision(rule, problem, evidence, parts, actions=(Action(rule),))


def _unsearchable(facts: Facts) -> bool:
    """An old user ID asked of a store that records none: no look-up could find it."""
    return facts.asked is not None and facts.asked.kind == "legacy" and "legacy_user_id" in facts.unrecorded


def _not_found_parts(facts: Facts) -> tuple[ScriptPart, ...]:
    """What was asked said back, and first the likeliest fix: its spelling, or the other identifier;
    then, for a person, who can tell which address is theirs. Only what the caller said is repeated."""
    asked = facts.asked
    if asked is None:
        return (ScriptPart("lookup.not-found"),)
    if asked.kind == "name" and not asked.organisation_found:
        return (ScriptPart(_recorded("lookup.not-found.organisation", facts),
                           {"organisation": asked.organisation}),)
    organisation = asked.organisation_name or asked.organisation or ""
    check = ScriptPart(_recorded(f"lookup.not-found.{asked.kind}", facts),
                       {"typed": asked.text, "organisation": organisation})
    if asked.kind == "business-id":
        return (check,)
    return (check, ScriptPart("lookup.not-found.then"))


# The look-ups' scripts that ask for another identifier, with their forms for a store that records none
# of it (which no caller could then be found by).
_ASKING_FOR = {"lookup.not-found.email": "legacy_user_id", "lookup.not-found.name": "legacy_user_id",
               "lookup.name-unsearchable": "legacy_user_id",
               "lookup.ambiguous.name": "legacy_user_id", "lookup.not-found.organisation": "business_id"}
_UNASKED = {"legacy_user_id": "no-legacy", "business_id": "no-business-id"}


def _recorded(key: str, facts: Facts) -> str:
    """`key`, or its form that asks for nothing the store does not record."""
    fact = _ASKING_FOR.get(key)
    return f"{key}.{_UNASKED[fact]}" if fact is not None and fact in facts.unaskable else key


def _organisation_found(facts: Facts, problem: Problem, trail: _Trail) -> Decision:
    """"Who is our administrator?": the organisation of a business ID, and who of its administrators
    can act. Their names are for a verified caller only; until then, that there is one."""
    org = facts.organisation
    assert org is not None
    able = len(facts.admins)
    read: dict[str, Any] = {"businessId": org.business_id, "otherAdmins": able,
                            "unableAdmins": len(facts.unable_admins)}
    untold = not able and facts.admins_unknown
    if untold:
        trail.unknown("lookup.organisation", ["administrators"], **read)
    else:
        trail.check("lookup.organisation", able > 0, **read)
    rule = "lookup.organisation" if able else "lookup.organisation.no-admin"
    evidence = [Evidence(rule, "organisation", org.name or org.id),
                Evidence(rule, "businessId", org.business_id), Evidence(rule, "otherAdmins", able),
                *_unable_admins_evidence(facts, rule)]
    if able:
        named = _admins(facts)
        parts = (replace(named[0], unverified="lookup.organisation"), *named[1:])
    else:
        key = "lookup.organisation.no-admin.unknown" if untold else "lookup.organisation.no-admin"
        parts = (ScriptPart(key), ScriptPart("next.ticket"))
    return Decision(rule, problem, tuple(evidence), parts, actions=(Action(rule),))


def _ask_the_ambiguous(facts: Facts) -> ScriptPart:
    """Ask for what tells the candidates apart: the address of the reset request when they got one."""
    sent = {c.reset_sent_at for c in facts.candidates if c.reset_sent_at is not None}
    if len(sent) == 1:
        return ScriptPart("lookup.ambiguous.reset-on", {"sent_at": sent.pop()})
    if not sent and facts.asked is not None and facts.asked.kind == "name":
        # They gave their name and organisation already.
        return ScriptPart(_recorded("lookup.ambiguous.name", facts))
    return ScriptPart("lookup.ambiguous.reset" if sent else "lookup.ambiguous")


def _login(facts: Facts, user: UserFacts, trail: _Trail) -> Decision:
    """Part A of the runbook. A locked or deactivated account cannot log in whatever the password or
    the address, so steps 1 and 2 wait until it is open again: step 3 says its state first. Whatever
    the step, a caller who named another address or the old ID hears that only the login address
    works (and, once verified, which it is)."""
    state = user.state
    # Deactivated and locked: reactivating alone leaves it locked, so both are said.
    said_state = "inactive-locked" if state == "inactive" and user.locked else state
    forced = None if "force_password_reset" in user.unknown else user.force_password_reset
    read: dict[str, Any] = {"forcePasswordReset": forced, "passwordResetSentAt": iso(user.reset_sent_at),
                            "lastPasswordUpdateTime": iso(user.last_password_update), "accountState": state}
    # Whether a change is pending, when the directory can't tell, is asked of the caller first (step 1),
    # then the known facts decide. Not of a locked or deactivated account: steps 1 and 2 wait for it.
    asked = user.reset_unknown if state is None else ()
    if asked:
        trail.unknown("login.reset-pending", asked, **read)
        decision = _login_known(facts, user, trail, state, said_state)
        seen = not _state_unknown(user) and not user.login_email_unknown
        return replace(decision, script=_asked_in_turn(_reset_question(user), decision.script,
                                                       came_to=_came_to_login(user), seen=seen),
                       evidence=(Evidence("login.reset-pending", "unknown", list(fact_names(asked))),
                                 *decision.evidence))
    if trail.check("login.reset-pending", user.reset_pending and state is None, **read):
        rule = "login.reset-pending"
        reset_parts = _reset_parts(facts, user)
        note = _address_note(facts, user)
        if any("login_email" in p.params for p in reset_parts):  # the login address is said already
            note = tuple(p for p in note if p.key != "detail.login-email")
        # Which address logs in comes before the change page that asks for it (N17-1).
        reset = (*note, *reset_parts)
        if facts.matched_by in ("legacyUserId", "email", "name"):
            # Who gave the old ID or their name doesn't know the login address, and who gave another of
            # their addresses takes it for the login one: which it is comes first, then the change page
            # that asks for it (else they type something there before hearing it, N18-18).
            tested = tuple(p for p in reset_parts if p.key == "detail.login-email.tested")
            rest = tuple(replace(p, key="login.reset-pending.sent.after-address") if tested
                         and p.key == "login.reset-pending.sent.login-address" else p
                         for p in reset_parts if p not in tested)
            # Nothing said before verification tells them which address to enter there (N21-1): who can
            # tell it comes before the change page that asks for it, not after (N22-1).
            unknown = () if user.login_email_unknown else (_address_unknown(facts, tested=bool(tested)),)
            reset = (*note, *tested, *unknown, *rest)
        return Decision(rule, "login", _reset_evidence(rule, user), reset, actions=(Action(rule),))
    return _login_known(facts, user, trail, state, said_state)


def _login_known(facts: Facts, user: UserFacts, trail: _Trail, state: str | None,
                 said_state: str | None) -> Decision:
    """Part A after step 1: step 2, else step 3 (`state`: what stops the account logging in)."""
    # Whether another address is the login one can't be told when the login address can't be read; the
    # old user ID or a name is never it, whatever the login address.
    other_address = facts.matched_by == "email"
    # The old ID (or a name) given, and nothing to tell which address logs in: step 2 has nothing to say
    # to log in with, so step 3 follows: the administrator can tell.
    stuck = facts.matched_by in ("legacyUserId", "name") and user.login_email_unknown \
        and not _login_test(user)
    if (other_address or stuck) and state is None and user.login_email_unknown:
        trail.unknown("login.not-login-email", ("user_name",), matchedBy=facts.matched_by, accountState=state)
    elif trail.check("login.not-login-email", facts.matched_by != "userName" and state is None,
                     matchedBy=facts.matched_by, accountState=state):
        rule = "login.not-login-email"
        wrong_name = (
            Evidence(rule, "matchedBy", facts.matched_by),
            Evidence(rule, "unknown", ["login_email"]) if user.login_email_unknown
            else Evidence(rule, "userName", user.user_name),
        )
        told = _login_address_parts(facts, user)
        if _may_still_fail(user):
            # What else may stop the login can't be told: "log in with your current password" is then
            # not the end of it, and step 3 follows if that fails too (N18-4, N18-6). Until verified,
            # with who can tell the login address, in one sentence ("if that doesn't work either" after
            # "I can tell you myself" had nothing to point back at).
            unknown = any(p.until_verified for p in told)
            told = tuple(replace(p, key=f"{p.key}.still-failing") if p.until_verified else p for p in told)
            failing = _still_failing(facts, user)
            told = (*told, replace(failing, personal=True) if unknown else failing)
        return Decision(rule, "login", wrong_name, told, actions=(Action(rule),))

    rule = _escalation(facts, user, "login", trail)
    evidence = (*_escalation_evidence(facts, user, rule), *_account_evidence(rule, user))
    parts: list[ScriptPart] = []
    untold = (other_address or stuck) and user.login_email_unknown
    if untold:
        evidence = (Evidence("login.not-login-email", "unknown", ["login_email"]), *evidence)
    if untold and state is None:  # said before the step it leaves: only the login address works
        if other_address:
            # The seed page's test is theirs to try before the administrator is needed.
            tried = tuple(replace(p, key="detail.login-email.test.try") for p in _login_test(user))
            parts.extend((ScriptPart("detail.login-email.unknown.email"), *tried))
        else:
            gave = "login.not-login-email.name" if facts.matched_by == "name" else "login.not-login-email"
            parts.extend((ScriptPart(gave), ScriptPart("detail.login-email.unknown")))
    ticket = False
    if rule in ("login.contact-admin", "login.other-admin"):
        key = f"{rule}.{said_state}" if said_state else rule
        personal = rule == "login.other-admin" or state is not None
        able = {"n": len(facts.admins)}
        helper = ScriptPart(key, able, personal=personal,
                            unverified="login.contact-admin" if personal else None)
        if key == "login.contact-admin" and not user.login_email_unknown and not _may_still_fail(user):
            # Nothing the directory tells stops the login: "I can't fix what's stopping you" was untrue of
            # it once verified; before, it holds either way (N24-4).
            helper = ScriptPart("login.contact-admin.nothing-seen", able, personal=True,
                                unverified="login.contact-admin")
        if parts and parts[-1].key == "detail.login-email.unknown" and not user.reset_unknown:
            # "I can't see here which address ..." then "From here I can't fix ...": one sentence, "here"
            # said once (N20-4); an administrator hears it so until verified, and their role once verified.
            # Step 1's question, when asked, comes between them: after which address logs in (N19-3).
            unseen = "login.contact-admin.unseen"
            if personal:
                parts[-1] = replace(parts[-1], params=able, personal=True, unverified=unseen)
                helper = replace(helper, unverified=unseen)
            else:
                parts.pop()
                helper = ScriptPart(unseen, able)
        parts.append(helper)
        if state == "inactive" and not user.locked and "locked" in user.unknown:
            # Reactivated, it may still be locked (N19-8): the administrator looks at both at once.
            parts.append(ScriptPart("then.check-lock", personal=True))
        parts.extend(_admins(facts, others=rule == "login.other-admin", said=True))
    else:
        if said_state:
            parts.append(ScriptPart(f"account.{said_state}", personal=True))
        personal = rule == "login.user-is-admin"
        if personal and facts.unable_admins:
            parts.append(ScriptPart("login.user-is-admin.one-of", {"n": len(facts.unable_admins)},
                                    personal=True, unverified="escalate"))
        else:
            orgs = {"orgs": _helpless(facts)}
            key = f"{rule}.unknown" if rule == "login.no-admin" and facts.admins_unknown else rule
            if key == "login.no-admin.unknown" and user.is_admin:
                # An administrator told "I can't see whether your organisation has an administrator" hears
                # it untrue: what is unknown is whether the others can act (N21-4). Their role: once verified.
                parts.append(ScriptPart(f"{key}.admin", {"n": len(facts.unable_admins)}, personal=True,
                                        unverified=f"{key}.any"))
            elif rule == "login.no-admin":
                # Whose organisations they are, and how many, is the caller's: said once verified (N17-2).
                parts.append(_no_admin(key, orgs))
            else:
                parts.append(ScriptPart(key, {}, personal=personal,
                                        unverified="escalate" if personal else None))
        ticket = True
    if ticket and state is not None:
        # The account's state, that no one there can open it, and who will: together, before what to do
        # once it is open (said after the rest, the ticket sounded like one about the password or a service).
        parts.append(ScriptPart("next.ticket"))
        ticket = False
    if state is not None:
        # Once it is open again, what steps 1 and 2 would have said still holds: both of them. A caller
        # who gave another address, or whose request went to one no longer on the account, is told to
        # give the login address: "your e-mail address" would be the one they gave.
        change: list[ScriptPart] = []
        if user.reset_pending:
            gone = user.reset_sent_to is not None and not user.has_address(user.reset_sent_to)
            key = "then.reset-pending.login-address" if facts.matched_by != "userName" or gone \
                else "then.reset-pending"
            other = user.reset_sent_to is not None and user.reset_sent_at is not None and not gone \
                and user.user_name is not None and not equal_folded(user.reset_sent_to, user.user_name)
            if other:
                # Sent to another address still on the account: by the seed page's test that would be
                # the login address, so which one logs in is said with it (to a verified caller).
                change.append(ScriptPart("then.reset-pending.other-address", {
                    "change_url": CHANGE_PASSWORD_URL, "sent_at": user.reset_sent_at,
                    "sent_to": user.reset_sent_to, "login_email": user.user_name}, personal=True,
                    unverified="also.reset-pending.login-address"))
            else:
                # "Once your account is open again" tells that it is closed: to a verified caller only.
                change.append(ScriptPart(key, {"change_url": CHANGE_PASSWORD_URL}, personal=True,
                                         unverified=key.replace("then.", "also.", 1)))
            if gone and user.reset_sent_at is not None:
                change.append(ScriptPart("then.reset-pending.elsewhere", {"sent_at": user.reset_sent_at},
                                         personal=True))
        address: list[ScriptPart] = []
        if untold and other_address:
            address.append(ScriptPart("then.email.unknown"))
        elif facts.matched_by != "userName":
            address.extend(_login_address_parts(facts, user, then=True))
            if not user.login_email_unknown:
                # Told to use the login address once open, the caller who gave something else may not
                # know it, and can't hear it yet: who can tell it, as on the open account's path (N22-2).
                tested = any(p.key.startswith("detail.login-email.test") for p in address)
                address.append(_address_unknown(facts, tested=tested,
                                                named=rule in ("login.contact-admin", "login.other-admin")))
        if any(p.key == "then.reset-pending.other-address" for p in change):
            address = [p for p in address if p.key != "detail.login-email"]  # it names the login address
        if facts.matched_by in ("legacyUserId", "email", "name") and change and not untold:
            # Who gave the old ID, their name (neither knows the login address) or another of their
            # addresses (which they take for the login one) hears which address logs in now, before the
            # change page that asks for it, and then "that address" there (said by the seed page's test
            # to anyone; N21-11).
            first = {"legacyUserId": "login.not-login-email", "email": "login.not-login-email.email",
                     "name": "login.not-login-email.name"}[facts.matched_by]
            address = [ScriptPart(first), *address[1:]]
            if any(p.key == "detail.login-email.tested" for p in address):
                change[0] = replace(change[0], key="then.reset-pending.that-address",
                                    unverified="also.reset-pending.that-address")
            change, address = address, change
        # Whether a change is pending can't be told: once it is open, the login itself may ask (N19-8).
        if_asked = [ScriptPart("then.reset-unknown", {"change_url": CHANGE_PASSWORD_URL}, personal=True)] \
            if not change and user.reset_unknown else []
        later = [*change, *address]
        # Until verified, the change follows what the one named to help does: the administrator, or the
        # support request when there is none, not "what stops you logging in", which pointed back at the
        # old user ID when nothing else had been said to stop it (N20-4, N21-5).
        after = ".admin" if rule in ("login.contact-admin", "login.other-admin") \
            else ".ticket" if rule in TICKETED else ""
        later = [replace(p, unverified=f"{p.unverified}{after}") if p.unverified
                 and p.unverified.startswith("also.reset-pending") else p for p in later]
        parts.extend((*_once_open(user, later), *if_asked))
    if ticket:  # what happens next comes last
        parts.append(ScriptPart("next.ticket"))
    return Decision(rule, "login", evidence, tuple(parts), actions=(Action(rule),))


def _once_open(user: UserFacts, parts: list[ScriptPart]) -> list[ScriptPart]:
    """What to do once a closed account is open, in the caller's words: why they never saw a request
    that went to an old address comes before the change it asks for (N20-2), and a deactivated account
    is "reactivated", not "opened": the verb of a lock is a second action to the caller (N20-3)."""
    why = [p for p in parts if p.key == "then.reset-pending.elsewhere"]
    rest = [p for p in parts if p not in why]
    if user.state == "inactive" and not user.locked:
        rest = [replace(p, key=f"{p.key}.reactivated") if p.key.startswith("then.reset-pending") else p
                for p in rest]
    at = next((n for n, p in enumerate(rest) if p.key.startswith("then.reset-pending")), len(rest))
    return [*rest[:at], *why, *rest[at:]]


def _may_still_fail(user: UserFacts) -> bool:
    """Whether what else may stop the login can't be told: a pending change, the lock or the account's
    activation beyond what the directory tells."""
    return bool(user.reset_unknown) or _state_unknown(user)


def _state_unknown(user: UserFacts) -> bool:
    """Whether the lock or the account's activation is beyond what the directory tells."""
    return bool({"active", "locked"} & user.unknown)


def _admin_can_help(facts: Facts) -> bool:
    """Whether step 3 has an administrator of a known organisation who can act, else it is us."""
    return bool(facts.admins) and facts.organisation is not None and not facts.organisation_unknown


def _still_failing(facts: Facts, user: UserFacts) -> ScriptPart:
    """Step 3 after step 2, for when that fails too: an administrator who can act, else us."""
    if not _admin_can_help(facts):
        return ScriptPart("then.still-failing.support")
    return ScriptPart("then.still-failing.other-admin" if user.is_admin else "then.still-failing.admin",
                      {"n": len(facts.admins)})


def _reset_question(user: UserFacts) -> ScriptPart:
    """Step 1 asked of the caller, as far as the directory can tell it: whether a request sent on a
    known date was acted on, whether one came after a known change, or whether one came at all; each
    says what to do if so, and that something else stops the login if not."""
    url = {"change_url": CHANGE_PASSWORD_URL}
    if user.reset_sent_at is not None and "last_password_update" in user.reset_unknown:
        sent = {**url, "sent_at": user.reset_sent_at}
        if user.reset_sent_to is not None and not user.has_address(user.reset_sent_to):
            # To an address no longer on the account: it may never have arrived (said once verified).
            return ScriptPart("check.reset-pending.changed.elsewhere", sent, personal=True,
                              unverified="check.reset-pending.changed.asked")
        return ScriptPart("check.reset-pending.changed", sent)
    if user.last_password_update is not None:
        # When the password was last changed is the account's own: said once verified (N21-7).
        return ScriptPart("check.reset-pending.since", {**url, "changed_at": user.last_password_update},
                          personal=True, unverified="check.reset-pending")
    return ScriptPart("check.reset-pending", url)


def _asked_in_turn(question: ScriptPart, script: Sequence[ScriptPart], closed: bool = False,
                   came_to: bool = False, seen: bool = False) -> tuple[ScriptPart, ...]:
    """Step 1's question before what the known facts say (`closed`: ending on its own, not running on
    into them), except to a caller who gave the old ID, another address or their name: the change page
    asks for the login address, so which it is comes first (N19-3), then the question, closed, then
    logging in as before ("Otherwise ...") (`came_to`: whether the address any such e-mail came to is
    the login address, as the seed page says, or the request is known to have gone to another; `seen`:
    nothing but the change asked about is unknown of the account)."""
    base = question.key
    told = 0
    while told < len(script) and script[told].key.startswith(("login.not-login-email", "detail.login-email")):
        told += 1
    if told or closed:
        question = replace(question, key=f"{question.key}.service",
                           unverified=f"{question.unverified}.service" if question.unverified else None)
    # Closed, no "Otherwise, log in as before" follows to answer "Have you had an e-mail ...?" with "no":
    # it gets its own answer (N21-14). "If you haven't changed it since" has both already.
    answer = (ScriptPart("check.reset-pending.if-not"),) if closed \
        and not question.key.startswith("check.reset-pending.changed") else ()
    if not told:
        if not closed and script and HELPER in (script[0].key, script[0].unverified):
            # "If you haven't, or logging in still doesn't work, something else is stopping you": "I can't
            # fix that from here", not what is stopping them named a second time (N24-3). To a verified
            # caller on whose account nothing else is unknown, "that" was heard as a fault the agent sees:
            # they hear that the agent can't see what it is (N25-1).
            first, then = script[0], f"{HELPER}.then"
            if first.key == HELPER and seen:
                first = replace(first, key=f"{then}.nothing-seen", personal=True, unverified=then)
            else:
                first = replace(first, key=then if first.key == HELPER else first.key,
                                unverified=then if first.unverified == HELPER else first.unverified)
            script = (first, *script[1:])
        return (question, *answer, *script)
    # "Otherwise" said as the answer it follows (fi "Muuten ..." is heard as "by the way", N21-2): "if you
    # haven't had the e-mail", or, after "if you haven't changed it since", "if you have changed it".
    answered = ".changed" if question.key.startswith("check.reset-pending.changed") else ""
    otherwise = {"login.with-current-password.it": OTHERWISE + answered,
                 "login.with-current-password": f"{OTHERWISE}.any{answered}",
                 "login.with-current-password.if-known": f"{OTHERWISE}.if-known{answered}"}
    rest = [replace(part, key=otherwise[part.key], unverified=part.unverified and otherwise[part.unverified])
            if part.key in otherwise else part for part in script[told:]]
    told_key = question.key.replace(".service", ".told")
    if any(part.key.startswith("detail.login-email.test") for part in script[:told]):
        # Which address it is, by the seed page's test, is said to anyone: "enter that address" to anyone;
        # the date of the last change still to a verified caller only.
        since = question.key.startswith("check.reset-pending.since")
        if told_key == "check.reset-pending.changed.told":
            # The test has just named the request and its date: "we sent you a request on 17.1." again
            # sounded like a second request (N21-6).
            told_key = "check.reset-pending.changed.after-test"
        # Unverified, the date of the last change unsaid: "Have you had an e-mail asking ...?" right after
        # the request just named was heard as doubting it was sent; the question is of a later one (N22-4).
        question = replace(question, key=told_key, personal=since,
                           unverified="check.reset-pending.since.after-test" if since else None)
        # After "have you had a new e-mail since ...?", "if you haven't had the e-mail" was heard as of the
        # request just named: "if no new one has come" (N24-8).
        otherwise_key = OTHERWISE + (".new" if since else answered)
        rest = [replace(part, key=otherwise_key, personal=False, unverified=None)
                if part.key.startswith(OTHERWISE) else part for part in rest]
    elif any("login_email" in part.params for part in script[:told]):
        # "Enter that address" once it has been said: to a verified caller only. Until then, to a caller
        # who doesn't know it, the seed page's test answers "which address?": the one the e-mail came to
        # (N21-1), unless the request is known to have gone to an address that is not the login one.
        tested = {"check.reset-pending": "check.reset-pending.came-to",
                  "check.reset-pending.since": "check.reset-pending.came-to",
                  "check.reset-pending.changed": "check.reset-pending.changed.came-to"}
        unknown = came_to and base in tested and any(part.until_verified for part in rest)
        question = replace(question, key=told_key, personal=True,
                           unverified=tested[base] if unknown else question.unverified or question.key)
        if told_key == "check.reset-pending.changed.elsewhere.told":
            # The address no longer on the account is said between: "that address" there was the wrong
            # one, so the login address is said again where it is typed (N21-8).
            login = next(part.params["login_email"] for part in script[:told] if "login_email" in part.params)
            question = replace(question, params={**question.params, "login_email": login})
    return (*script[:told], question, *answer, *rest)


def _came_to_login(user: UserFacts) -> bool:
    """Whether the seed page's test holds: the password-change e-mail came to the login address, unless
    the directory records it went to another."""
    return user.reset_sent_to is None or equal_folded(user.reset_sent_to, user.user_name)


def _reset_parts(facts: Facts, user: UserFacts) -> tuple[ScriptPart, ...]:
    """Step 1, and which address to give on the change page: "your e-mail address" only when the
    caller holds no address but the login one; else the login address (to a verified caller, by name)."""
    url = {"change_url": CHANGE_PASSWORD_URL}
    # The caller gave an address that does not log in, the old ID, or their name: "your e-mail address"
    # would be the one they gave, or any of theirs.
    other_held = facts.matched_by != "userName"
    if user.reset_sent_at is None:
        key = "login.reset-pending.login-address" if other_held else "login.reset-pending"
        return (ScriptPart(key, url),)
    sent = {**url, "sent_at": user.reset_sent_at}
    if user.reset_sent_to is not None and not user.has_address(user.reset_sent_to):
        # Sent to an address no longer on the account: it may never have arrived; a new one can be
        # asked. Until verified, in words that hold whether it arrived or not.
        return (ScriptPart("login.reset-pending.elsewhere", sent, personal=True,
                           unverified="login.reset-pending.asked"),)
    if user.reset_sent_to and user.user_name and not equal_folded(user.reset_sent_to, user.user_name):
        # Sent to another address on the account: the one the caller may hold, not the one that logs in.
        where = {**sent, "sent_to": user.reset_sent_to, "login_email": user.user_name}
        return (ScriptPart("login.reset-pending.other-address", where, personal=True,
                           unverified="login.reset-pending.sent.login-address"),)
    told = ScriptPart("login.reset-pending.sent.login-address" if other_held else "login.reset-pending.sent",
                      sent)
    if facts.matched_by in ("legacyUserId", "name", "email") and user.user_name \
            and equal_folded(user.reset_sent_to, user.user_name):
        # Which address that is, by the seed page's own test, which an unverified caller may hear too;
        # a verified one hears the address and the test in one sentence, and not the address again.
        tested = {"login_email": user.user_name, "sent_at": user.reset_sent_at}
        return (told, ScriptPart("detail.login-email.tested", tested, personal=True,
                                 unverified="detail.login-email.test"))
    return (told,)


def _address_note(facts: Facts, user: UserFacts) -> tuple[ScriptPart, ...]:
    """After another step: that only the login address works, to a caller who named another address
    or the old ID, then (personal) the login address itself."""
    if facts.matched_by == "legacyUserId":
        return (ScriptPart("login.not-login-email"), *_login_address(user))
    if facts.matched_by == "email":
        return (ScriptPart("login.not-login-email.email"), *_login_address(user))
    return _login_address(user)


def _login_address_parts(facts: Facts, user: UserFacts, then: bool = False) -> tuple[ScriptPart, ...]:
    """Step 2: only the login address works. The seed page's own test for which address that is, when
    it holds for this user: the address the password-change request went to on its date."""
    how = {"email": "email", "name": "name"}.get(facts.matched_by or "", "legacy")
    key = "login.not-login-email" if how == "legacy" else f"login.not-login-email.{how}"
    parts = [ScriptPart(f"then.{how}" if then else key)]
    if user.reset_sent_at is not None and user.user_name and equal_folded(user.reset_sent_to, user.user_name):
        # The address and the seed page's test for it in one sentence, to a verified caller; before,
        # the test alone (said thrice in a row, the login address was heard as a litany).
        parts.append(ScriptPart("detail.login-email.tested",
                                {"login_email": user.user_name, "sent_at": user.reset_sent_at}, personal=True,
                                unverified="detail.login-email.test"))
    else:
        parts.extend(_login_address(user))
    if then:
        return tuple(parts)
    if parts[-1].key.startswith("detail.login-email.test"):
        # The test tells anyone which address it is ("the one we sent the request to"): "that address",
        # not the long name of the login address a third time in three sentences (N19-9). A caller who
        # can't find that e-mail, years on, hears who can tell it, as with a change pending (N24-7);
        # not where what else may stop the login is unknown: step 3 follows in the same sentence there.
        unfound = () if _may_still_fail(user) else (_address_unknown(facts, tested=True),)
        return (*parts, ScriptPart("login.with-current-password.it"), *unfound)
    if user.login_email_unknown:
        return (*parts, ScriptPart("login.with-current-password"))
    # Until verified, "log in with your login address" is an instruction the caller who gave something
    # else can't carry out: they log in with it if they know it, and step 3 tells who else can say it
    # (runbook step 2: "does not know which address to log in with: go to step 3", N20-1).
    said = ScriptPart("login.with-current-password.it", personal=True,
                      unverified="login.with-current-password.if-known")
    return (*parts, said, _address_unknown(facts))


def _address_unknown(facts: Facts, tested: bool = False, named: bool = False) -> ScriptPart:
    """Step 3 for a caller who doesn't know their login address and may not hear it yet: the
    administrator can tell it, and so can the agent once they are verified (its key's ".still-failing"
    form: and also if logging in with it fails). Who the caller is (an administrator too) is not said
    until verified. `tested`: the seed page's test named the address by the request it went to, which
    a caller may no longer find (N22-5); `named`: the administrator was just named, not introduced again."""
    who = "named" if named else "admin" if _admin_can_help(facts) else "support"
    form = "tested." if tested else ""
    return ScriptPart(f"then.address-unknown.{form}{who}", {"n": len(facts.admins)}, until_verified=True)


def _login_test(user: UserFacts) -> tuple[ScriptPart, ...]:
    """The seed page's own test for the login address, when the directory can't name it: the address
    the password-change request went to on its date (never read out: it may be on the account no more)."""
    gone = user.reset_sent_to is not None and not user.has_address(user.reset_sent_to)
    if user.reset_sent_at is None or gone:
        return ()  # a request sent to an address no longer on the account tells nothing of the login one
    return (ScriptPart("detail.login-email.test", {"sent_at": user.reset_sent_at}),)


def _login_address(user: UserFacts) -> tuple[ScriptPart, ...]:
    if user.login_email_unknown:
        return (ScriptPart("detail.login-email.unknown"), *_login_test(user))
    return (ScriptPart("detail.login-email", {"login_email": user.user_name}, personal=True),)


def _no_admin(key: str, orgs: dict[str, int]) -> ScriptPart:
    """No administrator who can help: of the caller's organisation(s) once verified, of no one in
    particular before (the number of organisations is the caller's)."""
    return ScriptPart(key, orgs, personal=True, unverified=f"{key}.any")


def _admins(facts: Facts, others: bool = False, admins: Sequence[Contact] | None = None,
            said: bool = False) -> tuple[ScriptPart, ...]:
    """Who can help, by name (`others`: to a caller who is an administrator too), then each one's
    contacts as a sentence of their own; `admins`: another organisation's, just named ("its"). `said`:
    the sentence before named the role ("your organisation's administrator can unlock it"), so one
    administrator is just named, not the role said again."""
    able = tuple(facts.admins if admins is None else admins)
    if not able:
        return ()
    named = len(able) > 1
    key = "detail.admins.others" if others else "detail.admins"
    params: dict[str, Any] = {"admins": able}
    org = facts.organisation
    if admins is not None:
        key = "detail.admins.there"
    elif not others and len(facts.memberships) > 1 and org is not None:
        # A caller in several organisations is told whose administrator it is: not the first one's, perhaps.
        key, params = "detail.admins.of", {**params, "organisation": org.name or org.id or "?"}
    elif said and key == "detail.admins":
        key = "detail.admins.said"
    return (ScriptPart(key, params, personal=True),
            *(ScriptPart("detail.contact.named" if named else "detail.contact", {"contact": a}, personal=True)
              for a in able))


# The rule group of each problem, and its rules for "an administrator can help".
GROUPS: dict[Problem, tuple[str, str, str]] = {
    "login": ("login", "login.contact-admin", "login.other-admin"),
    "service-access": ("service", "service.missing-right", "service.other-admin"),
}


def _escalation(facts: Facts, user: UserFacts, problem: Problem, trail: _Trail,
                subject: str | None = None) -> str:
    """Step 3 of the runbook, and section B: who can help the caller. Only administrators who can
    log in themselves count as help."""
    group, admin_can_help, another_admin = GROUPS[problem]
    org = facts.organisation
    able = len(facts.admins)
    role = None if user.role_unknown else user.is_admin  # their roles unreadable: whether they are one
    if user.role_unknown:
        # Whether they are one of the administrators can't be told: the others who can act help either way.
        trail.unknown(another_admin, ["administrators"], subject, isAdmin=None, otherAdmins=able)
    elif trail.check(another_admin, user.is_admin and able > 0, subject, isAdmin=role, otherAdmins=able):
        return another_admin
    if org is not None and not able and facts.admins_unknown:
        # Administrators the directory can't tell of may be there: not "no one", not "only you".
        trail.unknown(f"{group}.no-admin", ["administrators"], subject, otherAdmins=able,
                      unableAdmins=len(facts.unable_admins))
        return f"{group}.no-admin"
    # Checked (and recorded) only where a store may leave it untold: every other diagnosis is as before.
    if facts.organisation_unknown and trail.check(f"{group}.organisation-unknown", True, subject,
                                                  isAdmin=role):
        # Which organisation the account belongs to can't be told: not "none", and so not "only you" either.
        trail.unknown(f"{group}.no-organisation", ["organisation"], subject)
        return f"{group}.organisation-unknown"
    if user.role_unknown:
        trail.unknown(f"{group}.user-is-admin", ["administrators"], subject, isAdmin=None)
    elif trail.check(f"{group}.user-is-admin", user.is_admin, subject, isAdmin=user.is_admin):
        return f"{group}.user-is-admin"
    if trail.check(f"{group}.no-organisation", org is None, subject,
                   organisation=org.name or org.id if org else None):
        return f"{group}.no-organisation"
    if trail.check(f"{group}.no-admin", not facts.admins, subject, otherAdmins=able,
                   unableAdmins=len(facts.unable_admins)):
        return f"{group}.no-admin"
    trail.check(admin_can_help, True, subject, otherAdmins=able)
    return admin_can_help


def _escalation_evidence(facts: Facts, user: UserFacts, rule: str) -> list[Evidence]:
    evidence = [Evidence(rule, "isAdmin", None if user.role_unknown else user.is_admin)]
    org = facts.organisation
    if facts.organisation_unknown:
        evidence.append(Evidence(rule, "unknown", ["organisation"]))
    else:
        evidence.append(Evidence(rule, "organisation", org.name or org.id if org else None))
    if org is not None:
        evidence.append(Evidence(rule, "otherAdmins", len(facts.admins)))
        evidence += _unable_admins_evidence(facts, rule)
    if facts.chosen is not None:
        evidence.append(Evidence(rule, "organisationChosen", facts.chosen))
    return evidence


def _unable_admins_evidence(facts: Facts, rule: str) -> list[Evidence]:
    """How many administrators can't act, by why: each count only when there are such."""
    counts = (("deactivatedAdmins", facts.inactive_admins), ("lockedAdmins", facts.locked_admins),
              ("adminsNotLoggingIn", facts.not_logging_in_admins),
              ("adminsStateUnknown", facts.unknown_state_admins))
    return [Evidence(rule, name, count) for name, count in counts if count]


def _reset_evidence(rule: str, user: UserFacts) -> tuple[Evidence, ...]:
    evidence = []
    if user.force_password_reset:
        evidence.append(Evidence(rule, "forcePasswordReset", True))
    if user.reset_sent_at is not None:
        evidence.append(Evidence(rule, "passwordResetSentAt", iso(user.reset_sent_at)))
        evidence.append(
            Evidence(rule, "lastPasswordUpdateTime", iso(user.last_password_update))
        )
    if user.reset_sent_to is not None:
        evidence.append(Evidence(rule, "passwordResetSentTo", user.reset_sent_to))
        if not user.has_address(user.reset_sent_to):
            evidence.append(Evidence(rule, "passwordResetSentToOnAccount", False))
    return tuple(evidence)


def _account_evidence(rule: str, user: UserFacts) -> list[Evidence]:
    """Account states the runbook sends to step 3 without a rule of their own."""
    evidence = []
    if user.active is False:
        evidence.append(Evidence(rule, "active", False))
    if user.locked:
        evidence.append(Evidence(rule, "accountLocked", True))
    if user.last_login is not None and user.last_login < RENEWAL:  # says nothing of logging in now
        evidence.append(Evidence(rule, "lastLoginTime", iso(user.last_login)))
    if user.last_failed_login is not None and (
        user.last_login is None or user.last_failed_login > user.last_login
    ):
        evidence.append(Evidence(rule, "lastFailedLoginTime", iso(user.last_failed_login)))
    return evidence


# The service rules, most escalated first (RULES' order): the script's order, and the decision's rule.
SERVICE_PRECEDENCE = tuple(rule for rule in RULES if rule.startswith("service."))


def _service_access(facts: Facts, user: UserFacts, asked: Sequence[str], trail: _Trail,
                    after_login: Decision | None = None) -> Decision:
    """Part B: a verdict per service. The script says what works, what is missing and who can help,
    what is not among the organisation's services, then what happens next, each once; after the
    login steps (`after_login`) when the user cannot log in yet."""
    verdicts = tuple(_verdict(facts, user, name, trail) for name in asked)
    evidence = [Evidence(v.rule, f"service:{v.asked}", v.outcome) for v in verdicts]
    groups = {rule: [v for v in verdicts if v.rule == rule] for rule in SERVICE_PRECEDENCE}
    groups = {rule: chosen for rule, chosen in groups.items() if chosen}
    top = next(iter(groups))
    parts: list[ScriptPart] = list(after_login.script) if after_login else []
    # What happens next comes last, after what is said about the services too; a ticket for an account
    # that can't be opened is promised with its state, and not again.
    ticket = any(part.key == "next.ticket" for part in parts)
    promised = ticket and parts[-1].key != "next.ticket"
    if ticket and not promised:
        parts.pop()
    # A service missing for the reason the login's step gave (no one there can help) is said right
    # after that reason, before any later login step, and needs nothing of its own.
    same = [rule for rule in groups if after_login is not None and rule not in VERDICT_ONLY
            and rule.split(".", 1)[1] == after_login.rule.split(".", 1)[1]]
    at = next((n for n, part in enumerate(parts) if part.key.startswith("then.")
               or (promised and part.key == "next.ticket")), len(parts))
    same_key = "service.same-reason.unknown" if facts.rights_unknown else "service.same-reason"
    parts[at:at] = [part for rule in same for part in (
        # Linked to no organisation: a right they hold is said as theirs, one they lack as what the link
        # would bring; "you don't have access to it either" would be untrue of one they hold. The login
        # step has said that the account is linked to none.
        _missing_parts(facts, user, rule, groups[rule])[1:]
        if rule in ("service.no-organisation", "service.organisation-unknown") and not facts.rights_unknown
        else [_group_part(same_key, groups[rule], personal=True, unverified=RIGHTS_UNVERIFIED)])]
    # The old ID no longer works, nor does another address on the account, whatever the question: a
    # caller who gave one may be logging in with it.
    legacy = after_login is None and facts.matched_by in ("legacyUserId", "email")
    if legacy:
        parts.extend(_address_note(facts, user))
    granted = groups.get("service.granted", [])
    missing = [rule for rule in groups if rule not in VERDICT_ONLY and rule not in same]
    unordered = groups.get("service.not-subscribed", [])
    ticketed = ticket or bool(set(missing) & TICKETED)
    if granted:
        key = "service.granted.after-login" if after_login else "service.granted"
        parts.append(_group_part(key, granted, personal=True, unverified=RIGHTS_UNVERIFIED))
        if after_login is None and unordered and not ticketed:
            # What to try, and what happens if it fails, said with what works: apart from the order check
            # of the services not subscribed (heard together, logging in again seemed to be for those).
            parts.append(_group_part("service.granted.retry.some", granted, personal=True))
    # The login's step has just named who can help, with their contacts: the same people grant the right.
    admins_named = bool({p.key for p in parts} & ADMIN_KEYS) and not facts.rights_unknown
    for rule in missing:  # whether they have a right is theirs to hear, once verified
        if admins_named and rule == "service.missing-right":
            # Asked of by name, not by the title again, as if someone new; and to grant the right, which
            # is known to be missing, not to check it (N21-12).
            parts.extend((_group_part("service.missing-right.said", groups[rule], "missing", personal=True,
                                      unverified=RIGHTS_UNVERIFIED),
                          ScriptPart("service.missing-right.same-admin", {"admins": tuple(facts.admins)},
                                     personal=True, unverified=RIGHTS_UNVERIFIED)))
            continue
        parts.extend(_missing_parts(facts, user, rule, groups[rule]))
    keys = {p.key for p in parts}
    if {"service.missing-right", "service.other-admin"} & set(missing) and not keys & ADMIN_KEYS:
        parts.extend(_admins(facts, others="service.other-admin" in groups, said=True))
    elsewhere = groups.get("service.other-organisation", [])
    for membership in dict.fromkeys(_other_membership(facts, v.asked) for v in elsewhere):
        assert membership is not None
        there = [v for v in elsewhere if _other_membership(facts, v.asked) is membership]
        org = membership.organisation
        parts.append(ScriptPart("service.other-organisation",
                                {"services": _named(there), "n": len(there),
                                 "organisation": org.name or org.id or "?"},
                                personal=True, unverified=RIGHTS_UNVERIFIED))
        parts.extend(_admins(facts, admins=[a for a in membership.admins if a.can_act]))
    # Only names the directory knows are said: a mistyped name is never repeated to the caller.
    # "None of your organisations" to a caller in several when it holds for each of them, and then
    # "any of your organisations" where their orders are checked.
    lacking = sum(not any(m.organisation.subscribes_to(v.asked) for v in unordered)
                  for m in facts.memberships)
    orgs = lacking if lacking == len(facts.memberships) > 1 else 1
    if unordered:
        some = len(unordered) < len(verdicts)
        counts = {"n": len(unordered), "orgs": orgs}
        named = [v for v in verdicts if v not in unordered]
        if some and len(named) == 1 and named[0].known_as:
            # The one other service asked was named before it: "the other service", not "one of the
            # services", which may sound like the one just named (to a verified caller, who heard it).
            # Of three or more, fi "toinen" and sv "den andra" would be "the second": not said so.
            parts.append(ScriptPart("service.not-subscribed.other", counts, personal=True,
                                    unverified="service.not-subscribed.some"))
        else:
            key = "service.not-subscribed.some" if some else "service.not-subscribed"
            parts.append(ScriptPart(key, counts))
    # The caller who gave the login address hears it no more: only how to log in again (N24-11).
    told = legacy or facts.matched_by == "userName"
    parts.extend(_next(user, ticketed, (len(unordered), orgs), granted, after_login is not None, len(groups),
                       told, promised, for_rights=ticketed and not ticket
                       and not {"service.no-organisation", "service.organisation-unknown"} & set(missing)))
    if after_login is None:  # else the login's evidence has said who can help and the account's state
        evidence.extend(_escalation_evidence(facts, user, top))
        evidence.extend(_account_evidence(top, user))
    # In the script's order. After the login steps, a granted service needs nothing more than the
    # login, and one missing for the login's own reason nothing more than the login's action.
    acted = [*missing, *(["service.other-organisation"] if elsewhere else []),
             *(["service.not-subscribed"] if unordered else []),
             *(["service.granted"] if granted and after_login is None else [])]
    actions = tuple(Action(rule, tuple(_named(groups[rule]))) for rule in acted)
    said = _besides(parts)
    if after_login is not None and any({p.key, p.unverified} & RIGHTS_SAID for p in after_login.script):
        said = _rights_asked(said, len(verdicts))
    return Decision(top, "service-access", tuple(evidence), tuple(said), verdicts, actions=actions)


def _rights_asked(parts: Sequence[ScriptPart], asked: int) -> list[ScriptPart]:
    """After "the administrator can check your account and your access rights", "once I've checked who you
    are, I can tell you about your access rights" echoed it, the caller asking which of them would (N19-13):
    said instead is what the agent tells once verified, of the services asked (`asked`, how many, on the
    part it is said at: the first)."""
    out: list[ScriptPart] = []
    for part in parts:
        if part.unverified == RIGHTS_UNVERIFIED:
            first = all(p.unverified != RIGHTS_ASKED for p in out)
            part = replace(part, unverified=RIGHTS_ASKED,
                           params={**part.params, "asked": asked} if first else part.params)
        out.append(part)
    return out


def _besides(parts: Sequence[ScriptPart]) -> list[ScriptPart]:
    """Each sentence about services the directory can't name that follows one naming some of those
    asked marked `besides`: "the other service you asked about", for plain "the service you asked
    about" after "you do have access to Reporting" sounds like Reporting."""
    out: list[ScriptPart] = []
    named = False
    for part in parts:
        listed = part.params.get("missing", part.params.get("services"))
        if isinstance(listed, list):
            if not listed and named:
                part = replace(part, params={**part.params, "besides": 1})
            named = named or bool(listed)
        out.append(part)
    return out


# The service rules whose sentence is no missing right that someone could grant.
VERDICT_ONLY = frozenset({"service.granted", "service.not-subscribed", "service.other-organisation"})


def _missing_parts(facts: Facts, user: UserFacts, rule: str,
                   chosen: Sequence[ServiceVerdict]) -> list[ScriptPart]:
    """What is said of a group of services no one can grant now, or an administrator can. One of
    several administrators hears that the others can't act, not that there is no one else; a user
    with no organisation who has the right hears that, not that they lack it."""
    if facts.rights_unknown:
        return _unknown_right_parts(facts, user, rule, chosen)
    # The organisation the screen shows may not have the service; another of the user's has it, but no
    # one there who can act: that one is named, or "your organisation" would be untrue. Only these two
    # rules can have it so.
    holder = _holders(facts, chosen) if rule in ("service.user-is-admin", "service.no-admin") else {}
    here = [v for v in chosen if holder.get(v.asked) is None]
    if rule == "service.user-is-admin" and len(here) < len(chosen):
        parts = _missing_parts(facts, user, rule, here) if here else []
        for there in dict.fromkeys(m for m in holder.values() if m is not None):
            away = [v for v in chosen if holder[v.asked] is there]
            others = len(there.admins)
            part = _group_part("service.user-is-admin.elsewhere" if others else
                               "service.user-is-admin.elsewhere.alone", away, "missing", personal=True,
                               unverified=RIGHTS_UNVERIFIED)
            parts.append(replace(part, params={**part.params, "others": others,
                                               "organisation": _org_name(there.organisation)}))
        return parts
    if rule == "service.user-is-admin" and facts.unable_admins:
        part = _group_part("service.user-is-admin.one-of", chosen, "missing", personal=True,
                           unverified=RIGHTS_UNVERIFIED)
        return [replace(part, params={**part.params, "others": len(facts.unable_admins)})]
    if rule == "service.no-admin":
        key = "service.no-admin.unknown" if facts.admins_unknown else rule
        parts = []
        if here:
            part = _group_part(key, here, "missing", personal=True, unverified=RIGHTS_UNVERIFIED)
            # "None of your organisations" to a caller in several, none with anyone who can act.
            parts.append(replace(part, params={**part.params, "orgs": _helpless(facts)}))
        for there in dict.fromkeys(m for m in holder.values() if m is not None):
            away = [v for v in chosen if holder[v.asked] is there]
            part = _group_part("service.no-admin.elsewhere", away, "missing", personal=True,
                               unverified=RIGHTS_UNVERIFIED)
            parts.append(replace(part, params={**part.params, "organisation": _org_name(there.organisation)}))
        return parts
    if rule in ("service.no-organisation", "service.organisation-unknown"):
        held = [v for v in chosen if user.has_right_to(v.asked)]
        lacking = [v for v in chosen if not user.has_right_to(v.asked)]
        # That the account is linked to no organisation is not theirs alone to hear (the login path says
        # it to anyone): said first, in the same words whether they have the right or not. A right they
        # hold opens only with the link, as the agent's screen says: never a plain "you do have access".
        granted = "service.granted.unlinked" if rule == "service.no-organisation" \
            else "service.granted.organisation-unknown"
        granted += ".after-login" if _cannot_log_in(user) else ""
        return [_no_organisation(facts),
                *([_group_part(granted, held, personal=True, unverified=RIGHTS_UNVERIFIED)]
                  if held else []),
                *([_group_part(rule, lacking, "missing", personal=True, unverified=RIGHTS_UNVERIFIED)]
                  if lacking else [])]
    if rule == "service.missing-right" and len(facts.admins) > 1:
        # Asked of "your organisation's administrator" right before several are named: any of them.
        rule = "service.missing-right.any"
    part = _group_part(rule, chosen, "missing", personal=True, unverified=RIGHTS_UNVERIFIED)
    if rule == "service.other-admin":  # "another administrator", or "any of the others", then named
        part = replace(part, params={**part.params, "others": len(facts.admins)})
    return [part]


def _holders(facts: Facts, chosen: Sequence[ServiceVerdict]) -> dict[str, Membership | None]:
    """For each service asked, the first other organisation of the user that has it when the one the
    decision uses does not; None when that one has it (or there is none)."""
    org = facts.organisation
    return {v.asked: next((m for m in facts.memberships
                           if org is not None and not org.subscribes_to(v.asked)
                           and m.organisation.id != org.id and m.organisation.subscribes_to(v.asked)), None)
            for v in chosen}


def _org_name(org: OrganisationFacts) -> str:
    return org.name or org.id or "?"


def _no_organisation(facts: Facts) -> ScriptPart:
    """That the account is linked to no organisation, or that which one it is can't be told."""
    return ScriptPart("login.organisation-unknown" if facts.organisation_unknown else "login.no-organisation")


def _helpless(facts: Facts) -> int:
    """The `orgs` count of "no administrator who could help": "none of your organisations" to a
    caller in several when it holds for each of them, else "your organisation" (1)."""
    helpless = sum(not any(a.can_act for a in m.admins) for m in facts.memberships)
    return helpless if helpless == len(facts.memberships) > 1 else 1


def _unknown_right_parts(facts: Facts, user: UserFacts, rule: str,
                         chosen: Sequence[ServiceVerdict]) -> list[ScriptPart]:
    """What is said of services the user may or may not have the right to, their rights being beyond
    what the directory tells: that it can't be seen here, and who can check it; never that they lack
    it. Who can help is the login path's own sentence where that holds for a right too."""
    lead = _group_part("service.rights-unknown", chosen, "missing", personal=True,
                       unverified=RIGHTS_UNVERIFIED)
    if rule in ("service.missing-right", "service.other-admin"):
        key = "service.rights-unknown.other-admin" if rule == "service.other-admin" \
            else "service.rights-unknown.admin"
        return [lead, ScriptPart(key, {"n": len(facts.admins)}, personal=True)]
    if rule == "service.no-admin":
        key = "login.no-admin.unknown" if facts.admins_unknown else "login.no-admin"
        return [lead, _no_admin(key, {"orgs": _helpless(facts)})]
    if rule == "service.user-is-admin" and facts.unable_admins:
        return [lead, ScriptPart("login.user-is-admin.one-of", {"n": len(facts.unable_admins)},
                                 personal=True)]
    if rule == "service.user-is-admin":
        return [lead, ScriptPart("service.rights-unknown.user-is-admin", personal=True)]
    if rule in ("service.no-organisation", "service.organisation-unknown"):
        return [_no_organisation(facts), lead]
    return [lead]


def _next(user: UserFacts, ticketed: bool, not_ordered: tuple[int, int], granted: Sequence[ServiceVerdict],
          after_login: bool, groups: int, address_said: bool, promised: bool = False,
          for_rights: bool = False) -> list[ScriptPart]:
    """What happens next, with a support request promised once (`promised`: already, with the account's
    state): the ticket the agent opens, whether the organisation ordered the services it lacks
    (`not_ordered`: how many, and the `orgs` count of service.not-subscribed), and what to do if a
    granted service still won't open (nothing, after the login steps: it opens with the login)."""
    unordered, orgs = not_ordered
    # What to try if a granted service won't open tells that it is granted: for a verified caller only.
    if granted and not after_login and groups == 1:
        if address_said or user.login_email_unknown:
            return [ScriptPart("service.granted.retry", personal=True, unverified=RIGHTS_UNVERIFIED),
                    *(() if address_said else _login_address(user))]
        # "Log in again with your login address", the address itself said after the closing line: said
        # where it is used (N24-11).
        return [ScriptPart("service.granted.retry.address", {"login_email": user.user_name}, personal=True,
                           unverified=RIGHTS_UNVERIFIED)]
    retry = bool(granted) and not after_login
    # A ticket opened only for what the caller's rights are is theirs to hear of once verified: before,
    # "I'll pass this on" would follow nothing they were told (`for_rights`).
    ticket = ScriptPart("next.ticket", personal=True, unverified=RIGHTS_UNVERIFIED) if for_rights \
        else ScriptPart("next.ticket")
    parts = [ticket] if ticketed and not promised else []
    if ticketed:
        if unordered:
            # The ticket not yet said (it is for their rights), the order check is one of its own (N19-11).
            parts.append(ScriptPart("next.order-check.ticketed", {"n": unordered, "orgs": orgs},
                                    personal=for_rights,
                                    unverified="next.order-check" if for_rights else None))
        if retry:
            parts.append(_group_part("service.granted.retry.ticketed", granted, personal=True))
    elif unordered:  # a retry was said, and its ticket, with what works
        parts.append(ScriptPart("next.order-check", {"n": unordered, "orgs": orgs}))
    elif retry:
        parts.append(_group_part("service.granted.retry.some", granted, personal=True))
    return parts


def _group_part(key: str, chosen: Sequence[ServiceVerdict], param: str = "services", personal: bool = False,
                unverified: str | None = None) -> ScriptPart:
    """A sentence about a group of verdicts: the services by name (`param`: "missing" for those the
    user lacks, which a language may list with its "or"), and `n`, how many were asked, for when
    the directory names none of them."""
    return ScriptPart(key, {param: _named(chosen), "n": len(chosen)}, personal=personal,
                      unverified=unverified)


def _named(verdicts: Sequence[ServiceVerdict]) -> list[Service]:
    """The services of some verdicts as the directory knows them (id and name), each once."""
    seen = dict.fromkeys(Service(v.service_id, v.known_as) for v in verdicts if v.known_as)
    return list(seen)


def _verdict(facts: Facts, user: UserFacts, asked: str, trail: _Trail) -> ServiceVerdict:
    known = _service(facts, user, asked)
    return ServiceVerdict(asked, _service_rule(facts, user, asked, trail),
                          known.name or known.id if known else None, known.id if known else None)


def _service_rule(facts: Facts, user: UserFacts, asked: str, trail: _Trail) -> str:
    org = facts.organisation
    right = user.has_right_to(asked)
    not_ordered = org is not None and not org.subscribes_to(asked)
    elsewhere = any(m.organisation.subscribes_to(asked) for m in facts.memberships)
    # A right to a service none of the user's organisations subscribes to (their services known) opens
    # nothing: the subscription is what is missing, never "no fault" (N19-4).
    held = right and not (not_ordered and not facts.services_unknown and not elsewhere)
    if not right and facts.rights_unknown:
        # A right not among those read may still be theirs: never "you don't have access".
        trail.unknown("service.granted", ["entitlements"], asked, entitlements=len(user.entitlements))
    elif trail.check("service.granted", held, asked, entitlements=len(user.entitlements)):
        # A right with no organisation behind it: the account still needs linking (the login path's step 3).
        if org is None and facts.organisation_unknown and trail.check("service.organisation-unknown", True,
                                                                      asked):
            trail.unknown("service.no-organisation", ["organisation"], asked)
            return "service.organisation-unknown"
        if org is None and trail.check("service.no-organisation", True, asked, organisation=None):
            return "service.no-organisation"
        return "service.granted"
    if org is not None and facts.services_unknown:
        # The directory does not record what the organisation subscribes to: never "not among its
        # services"; whoever can grant the right checks it (the runbook's "ask your administrator").
        trail.unknown("service.not-subscribed", ["organisation_services"], subject=asked)
        return _escalation(facts, user, "service-access", trail, asked)
    if not_ordered and len(facts.memberships) > 1:
        # Another organisation of the user has it, with an administrator who can grant it.
        other = _other_membership(facts, asked)
        if trail.check("service.other-organisation", other is not None, asked,
                       organisations=len(facts.memberships)):
            return "service.other-organisation"
        # Another has it but no administrator there can act: not "not among your organisation's services".
        # An administrator (of each of their organisations) is not told there is none (N19-6): it is
        # their own rights that are checked, as in an organisation of their own.
        if elsewhere and trail.check("service.user-is-admin", user.is_admin, asked, isAdmin=user.is_admin,
                                     organisations=len(facts.memberships)):
            return "service.user-is-admin"
        if trail.check("service.no-admin", elsewhere, asked, organisations=len(facts.memberships),
                       otherAdmins=0):
            return "service.no-admin"
    if trail.check("service.not-subscribed", not_ordered, asked,
                   organisationServices=len(org.services) if org else None):
        return "service.not-subscribed"
    return _escalation(facts, user, "service-access", trail, asked)


def _other_membership(facts: Facts, asked: str) -> Membership | None:
    """The first other organisation of the user that subscribes to `asked` and has an administrator
    who can act, in the API's order."""
    org = facts.organisation
    return next((m for m in facts.memberships
                 if org is not None and m.organisation.id != org.id and m.organisation.subscribes_to(asked)
                 and any(a.can_act for a in m.admins)), None)


def _service(facts: Facts, user: UserFacts, asked: str) -> Service | None:
    """The service as the user or one of their organisations has it; None when none does."""
    known = [*user.entitlements, *(facts.organisation.services if facts.organisation else ()),
             *(s for m in facts.memberships for s in m.organisation.services)]
    return next((s for s in known if s.answers_to(asked)), None)
