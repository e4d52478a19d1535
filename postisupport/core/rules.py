"""The runbook as rules: facts in, decision out. Pure: no I/O, no clock, no finished text.

A decision names the rule that chose it, the evidence (each fact with the rule
that used it) and the script parts to read to the caller, as message keys with
parameters; postisupport.output turns those into words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from postisupport.core.facts import Facts, UserFacts
from postisupport.core.text import iso

Outcome = Literal[
    "change-password",
    "use-login-email",
    "contact-admin",
    "contact-customer-service",
    "check-service-rights",
    "no-fault-found",
    "not-found",
    "ambiguous",
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


# In precedence order within each group: the first rule that applies wins.
RULES = _rules(
    Rule("lookup.not-found", "not-found", 3, "no user answers to the identifier"),
    Rule("lookup.ambiguous", "ambiguous", None, "several users answer to the identifier"),
    Rule("login.reset-pending", "change-password", 1, "a password change is pending"),
    Rule("login.not-login-email", "use-login-email", 2,
         "the caller identified with something other than the login e-mail"),
    Rule("login.user-is-admin", "contact-customer-service", 3,
         "the user is an administrator of the organisation"),
    Rule("login.no-organisation", "contact-customer-service", 3,
         "the user belongs to no organisation"),
    Rule("login.no-admin", "contact-customer-service", 3,
         "the organisation has no other administrator"),
    Rule("login.contact-admin", "contact-admin", 3,
         "the organisation's administrator can help"),
    Rule("service.not-subscribed", "contact-customer-service", None,
         "the organisation does not subscribe to the service"),
    Rule("service.user-is-admin", "contact-customer-service", None,
         "the user lacks the right and is the administrator"),
    Rule("service.no-organisation", "contact-customer-service", None,
         "the user belongs to no organisation"),
    Rule("service.no-admin", "contact-customer-service", None,
         "the user lacks the right and the organisation has no other administrator"),
    Rule("service.missing-right", "check-service-rights", None,
         "the user lacks the right; an administrator can grant it"),
    Rule("service.granted", "no-fault-found", None, "the user has the right to the service"),
)


@dataclass(frozen=True)
class Evidence:
    rule: str
    fact: str
    value: Any


@dataclass(frozen=True)
class ScriptPart:
    """One sentence or two to tell the caller: a message key and its parameters.

    A `personal` part names someone (the login address, the administrators); it
    is left out of the script until the agent has verified the caller.
    """

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    personal: bool = False


@dataclass(frozen=True)
class Check:
    """One rule the engine considered, what it read and whether it fired; `subject` the service asked."""

    rule: str
    fired: bool
    read: tuple[tuple[str, Any], ...]
    subject: str | None = None


@dataclass(frozen=True)
class ServiceVerdict:
    asked: str
    rule: str
    known_as: str | None = None  # the service's own name, when the directory knows the service

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

    @property
    def outcome(self) -> Outcome:
        return RULES[self.rule].outcome

    @property
    def step(self) -> int | None:
        return RULES[self.rule].step if self.problem == "login" else None


class _Trail:
    """The checks made on the way to a decision, in the order made."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    def check(self, rule: str, fired: bool, subject: str | None = None, **read: Any) -> bool:
        self.checks.append(Check(rule, fired, tuple(read.items()), subject))
        return fired


def decide(facts: Facts, services: Sequence[str] = ()) -> Decision:
    problem: Problem = "service-access" if services else "login"
    trail = _Trail()
    if facts.user is None:
        decision = _unidentified(facts, problem, trail)
    elif services:
        decision = _service_access(facts, facts.user, services, trail)
    else:
        decision = _login(facts, facts.user, trail)
    return replace(decision, considered=tuple(trail.checks))


def _unidentified(facts: Facts, problem: Problem, trail: _Trail) -> Decision:
    if trail.check("lookup.ambiguous", bool(facts.candidates), candidates=len(facts.candidates)):
        rule = "lookup.ambiguous"
        evidence = [Evidence(rule, "candidates", [c.id for c in facts.candidates])]
        return Decision(rule, problem, tuple(evidence), (_ask_the_ambiguous(facts),))
    trail.check("lookup.not-found", True, identifier=facts.identifier)
    rule = "lookup.not-found"
    evidence = [Evidence(rule, "identifier", facts.identifier)]
    return Decision(rule, problem, tuple(evidence), (ScriptPart(rule),))


def _ask_the_ambiguous(facts: Facts) -> ScriptPart:
    """Ask for what tells the candidates apart: the address of the reset request when they got one."""
    sent = {c.reset_sent_at for c in facts.candidates if c.reset_sent_at is not None}
    if len(sent) == 1:
        return ScriptPart("lookup.ambiguous.reset-on", {"sent_at": sent.pop()})
    return ScriptPart("lookup.ambiguous.reset" if sent else "lookup.ambiguous")


def _login(facts: Facts, user: UserFacts, trail: _Trail) -> Decision:
    login_address = _login_address(user)
    if trail.check("login.reset-pending", user.reset_pending, forcePasswordReset=user.force_password_reset,
                   passwordResetSentAt=iso(user.reset_sent_at),
                   lastPasswordUpdateTime=iso(user.last_password_update)):
        rule = "login.reset-pending"
        sent = {"sent_at": user.reset_sent_at} if user.reset_sent_at is not None else {}
        part = ScriptPart(f"{rule}.sent" if sent else rule, {"change_url": CHANGE_PASSWORD_URL, **sent})
        return Decision(rule, "login", _reset_evidence(rule, user), (part, *login_address))

    if trail.check("login.not-login-email", facts.matched_by != "userName", matchedBy=facts.matched_by):
        rule = "login.not-login-email"
        wrong_name = (
            Evidence(rule, "matchedBy", facts.matched_by),
            Evidence(rule, "userName", user.user_name),
        )
        return Decision(rule, "login", wrong_name, (ScriptPart(rule), *login_address))

    rule = _escalation(facts, user, "login", trail)
    evidence = (*_escalation_evidence(facts, user, rule), *_account_evidence(rule, user))
    state = _account_state(user)
    if rule == "login.contact-admin":
        parts: tuple[ScriptPart, ...] = (
            ScriptPart(f"{rule}.{state}" if state else rule), *_admins(facts))
    else:
        parts = (*((ScriptPart(f"account.{state}"),) if state else ()), ScriptPart(rule))
    return Decision(rule, "login", evidence, parts)


def _account_state(user: UserFacts) -> str | None:
    """What the caller must hear about their account before anything else: not in use, or locked."""
    if user.active is False:
        return "inactive"
    return "locked" if user.locked else None


def _login_address(user: UserFacts) -> tuple[ScriptPart, ...]:
    return (ScriptPart("detail.login-email", {"login_email": user.user_name}, personal=True),) \
        if user.user_name else ()


def _admins(facts: Facts) -> tuple[ScriptPart, ...]:
    # Only the rules where an administrator can help call this, so there always is one.
    return (ScriptPart("detail.admins", {"admins": facts.admins}, personal=True),)


# The rule group of each problem, and its rule for "an administrator can help".
GROUPS: dict[Problem, tuple[str, str]] = {
    "login": ("login", "login.contact-admin"),
    "service-access": ("service", "service.missing-right"),
}


def _escalation(facts: Facts, user: UserFacts, problem: Problem, trail: _Trail,
                subject: str | None = None) -> str:
    """Step 3 of the runbook, and section B: who can help the caller."""
    group, admin_can_help = GROUPS[problem]
    org = facts.organisation
    if trail.check(f"{group}.user-is-admin", user.is_admin, subject, isAdmin=user.is_admin):
        return f"{group}.user-is-admin"
    if trail.check(f"{group}.no-organisation", org is None, subject,
                   organisation=org.name or org.id if org else None):
        return f"{group}.no-organisation"
    if trail.check(f"{group}.no-admin", not facts.admins, subject, otherAdmins=len(facts.admins)):
        return f"{group}.no-admin"
    trail.check(admin_can_help, True, subject, otherAdmins=len(facts.admins))
    return admin_can_help


def _escalation_evidence(facts: Facts, user: UserFacts, rule: str) -> list[Evidence]:
    evidence = [Evidence(rule, "isAdmin", user.is_admin)]
    org = facts.organisation
    evidence.append(Evidence(rule, "organisation", org.name or org.id if org else None))
    if org is not None:
        evidence.append(Evidence(rule, "otherAdmins", len(facts.admins)))
        if facts.inactive_admins:
            evidence.append(Evidence(rule, "deactivatedAdmins", facts.inactive_admins))
    return evidence


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
    return tuple(evidence)


def _account_evidence(rule: str, user: UserFacts) -> list[Evidence]:
    """Account states the runbook sends to step 3 without a rule of their own."""
    evidence = []
    if user.active is False:
        evidence.append(Evidence(rule, "active", False))
    if user.locked:
        evidence.append(Evidence(rule, "accountLocked", True))
    if user.last_failed_login is not None and (
        user.last_login is None or user.last_failed_login > user.last_login
    ):
        evidence.append(Evidence(rule, "lastFailedLoginTime", iso(user.last_failed_login)))
    return evidence


# The order of RULES is the precedence: the service rules, most escalated first.
SERVICE_PRECEDENCE = tuple(rule for rule in RULES if rule.startswith("service."))


def _service_access(facts: Facts, user: UserFacts, asked: Sequence[str], trail: _Trail) -> Decision:
    verdicts = tuple(
        ServiceVerdict(name, _service_rule(facts, user, name, trail), _service_name(facts, user, name))
        for name in asked
    )
    evidence = [Evidence(v.rule, f"service:{v.asked}", v.outcome) for v in verdicts]
    parts: list[ScriptPart] = []
    for rule in SERVICE_PRECEDENCE:
        chosen = [v for v in verdicts if v.rule == rule]
        if chosen:
            # Only names the directory knows are said: a mistyped name is never repeated to the caller.
            names = list(dict.fromkeys(v.known_as for v in chosen if v.known_as))
            parts.append(ScriptPart(rule, {"services": names}))
    top = parts[0].key
    if any(p.key == "service.missing-right" for p in parts):
        parts.extend(_admins(facts))
    if any(p.key == "service.granted" for p in parts):
        parts.extend(_login_address(user))
    evidence.extend(_escalation_evidence(facts, user, top))
    evidence.extend(_account_evidence(top, user))
    return Decision(top, "service-access", tuple(evidence), tuple(parts), verdicts)


def _service_rule(facts: Facts, user: UserFacts, asked: str, trail: _Trail) -> str:
    if trail.check("service.granted", user.has_right_to(asked), asked, entitlements=len(user.entitlements)):
        return "service.granted"
    org = facts.organisation
    if trail.check("service.not-subscribed", org is not None and not org.subscribes_to(asked), asked,
                   organisationServices=len(org.services) if org else None):
        return "service.not-subscribed"
    return _escalation(facts, user, "service-access", trail, asked)


def _service_name(facts: Facts, user: UserFacts, asked: str) -> str | None:
    """The service's own name (else its id) when the user or the organisation has it; else None."""
    known = [*user.entitlements, *(facts.organisation.services if facts.organisation else ())]
    return next((s.name or s.id for s in known if s.answers_to(asked)), None)
