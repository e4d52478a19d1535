"""The runbook as rules: facts in, decision out. Pure: no I/O, no clock, no finished text.

A decision names the rule that chose it, the evidence (each fact with the rule
that used it) and the script parts to read to the caller, as message keys with
parameters; postisupport.output turns those into words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
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
    """One thing to tell the caller: a message key (the rule id) and its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceVerdict:
    asked: str
    rule: str

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

    @property
    def outcome(self) -> Outcome:
        return RULES[self.rule].outcome

    @property
    def step(self) -> int | None:
        return RULES[self.rule].step if self.problem == "login" else None


def decide(facts: Facts, services: Sequence[str] = ()) -> Decision:
    problem: Problem = "service-access" if services else "login"
    if facts.user is None:
        return _unidentified(facts, problem)
    if services:
        return _service_access(facts, facts.user, services)
    return _login(facts, facts.user)


def _unidentified(facts: Facts, problem: Problem) -> Decision:
    if facts.candidates:
        rule = "lookup.ambiguous"
        evidence = [Evidence(rule, "candidates", [c.id for c in facts.candidates])]
    else:
        rule = "lookup.not-found"
        evidence = [Evidence(rule, "identifier", facts.identifier)]
    return Decision(rule, problem, tuple(evidence), (ScriptPart(rule),))


def _login(facts: Facts, user: UserFacts) -> Decision:
    login: dict[str, Any] = {"login_email": user.user_name}
    if user.reset_pending:
        rule = "login.reset-pending"
        evidence = _reset_evidence(rule, user)
        params = {**login, "change_url": CHANGE_PASSWORD_URL}
        return Decision(rule, "login", evidence, (ScriptPart(rule, params),))

    if facts.matched_by != "userName":
        rule = "login.not-login-email"
        evidence = (
            Evidence(rule, "matchedBy", facts.matched_by),
            Evidence(rule, "userName", user.user_name),
        )
        return Decision(rule, "login", evidence, (ScriptPart(rule, login),))

    rule = _escalation(facts, user, "login")
    evidence = (*_escalation_evidence(facts, user, rule), *_account_evidence(rule, user))
    params = {**login, "admins": facts.admins}
    return Decision(rule, "login", evidence, (ScriptPart(rule, params),))


# The rule group of each problem, and its rule for "an administrator can help".
GROUPS: dict[Problem, tuple[str, str]] = {
    "login": ("login", "login.contact-admin"),
    "service-access": ("service", "service.missing-right"),
}


def _escalation(facts: Facts, user: UserFacts, problem: Problem) -> str:
    """Step 3 of the runbook, and section B: who can help the caller."""
    group, admin_can_help = GROUPS[problem]
    if user.is_admin:
        return f"{group}.user-is-admin"
    if facts.organisation is None:
        return f"{group}.no-organisation"
    if not facts.admins:
        return f"{group}.no-admin"
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


def _service_access(facts: Facts, user: UserFacts, asked: Sequence[str]) -> Decision:
    verdicts = tuple(ServiceVerdict(name, _service_rule(facts, user, name)) for name in asked)
    evidence = []
    for verdict in verdicts:
        evidence.append(Evidence(verdict.rule, f"service:{verdict.asked}", verdict.outcome))
    parts = []
    for rule in SERVICE_PRECEDENCE:
        names = [_service_name(facts, user, v.asked) for v in verdicts if v.rule == rule]
        if names:
            params = {"services": names, "admins": facts.admins, "login_email": user.user_name}
            parts.append(ScriptPart(rule, params))
    top = parts[0].key
    evidence.extend(_escalation_evidence(facts, user, top))
    evidence.extend(_account_evidence(top, user))
    return Decision(top, "service-access", tuple(evidence), tuple(parts), verdicts)


def _service_rule(facts: Facts, user: UserFacts, asked: str) -> str:
    if user.has_right_to(asked):
        return "service.granted"
    if facts.organisation is not None and not facts.organisation.subscribes_to(asked):
        return "service.not-subscribed"
    return _escalation(facts, user, "service-access")


def _service_name(facts: Facts, user: UserFacts, asked: str) -> str:
    """The service's own name when the directory knows it, else what the caller said."""
    known = [*user.entitlements, *(facts.organisation.services if facts.organisation else ())]
    return next((s.name for s in known if s.name and s.answers_to(asked)), asked.strip())


