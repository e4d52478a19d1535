"""Whole decisions pinned: rule, problem, evidence, script parts and actions, exactly.

Each test here was written against a mutant of postisupport/core/rules.py that the other tests let
through (docs/testing.md): a business ID's organisation, what a not-found or ambiguous caller is
told, the login's "Do this" action, and how the service verdicts' script is put together.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from postisupport.core.facts import RENEWAL, Contact, Facts, OrganisationFacts, Service, UserFacts
from postisupport.core.identifiers import Asked
from postisupport.core.rules import CHANGE_PASSWORD_URL, Action, Check, Decision, Evidence, ScriptPart, decide
from tests.test_rules import ADMIN, INVOICING, REPORTS, SENT, a_user, facts

# The users, administrators and organisation of tests/test_rules.py, and a few more administrators.
OTHER = Contact("u-other", "Olli Ojala", "olli@example.fi", "+358 40 000 0000")
GONE = Contact("u-gone", "Veikko Vanha", "veikko@example.fi", active=False)
SHUT = Contact("u-shut", "Liisa Lukko", "liisa@example.fi", locked=True)
ORG = OrganisationFacts("g-1", "Esimerkki Oy", "2345678-0", (REPORTS, INVOICING))


def ev(rule: str, *pairs: tuple[str, object]) -> tuple[Evidence, ...]:
    return tuple(Evidence(rule, fact, value) for fact, value in pairs)


def part(key: str, personal: bool = False, unverified: str | None = None, **params: Any) -> ScriptPart:
    return ScriptPart(key, dict(params), personal=personal, unverified=unverified)


LOGIN_ADDRESS = part("detail.login-email", personal=True, login_email="aino@example.fi")
# What an unverified caller hears instead of their own access rights (docs/agents.md).
RIGHTS = "service.rights-unverified"


def admins(*contacts: Contact, key: str = "detail.admins") -> tuple[ScriptPart, ...]:
    contact = "detail.contact.named" if len(contacts) > 1 else "detail.contact"
    return (part(key, personal=True, admins=contacts),
            *(part(contact, personal=True, contact=c) for c in contacts))


def services(*known: Service, param: str = "services") -> dict[str, Any]:
    return {param: list(known), "n": len(known)}


# A business ID: "who is our administrator?"

BUSINESS_ID = Asked("2345678-0", "business-id", organisation_name="Esimerkki Oy")


def by_business_id(**changes: Any) -> Facts:
    base = Facts("2345678-0", None, None, (), ORG, (ADMIN, OTHER), (), unable_admins=(GONE, SHUT),
                 asked=BUSINESS_ID)
    return replace(base, **changes)


def test_a_business_id_names_every_administrator_who_can_act_once_verified() -> None:
    decision = decide(by_business_id())
    rule = "lookup.organisation"
    named = admins(ADMIN, OTHER)
    assert decision == Decision(
        rule, "login",
        ev(rule, ("organisation", "Esimerkki Oy"), ("businessId", "2345678-0"), ("otherAdmins", 2),
           ("deactivatedAdmins", 1), ("lockedAdmins", 1)),
        # Until the caller is verified: only that there is an administrator.
        (replace(named[0], unverified="lookup.organisation"), *named[1:]),
        considered=(Check(rule, True, (("businessId", "2345678-0"), ("otherAdmins", 2),
                                       ("unableAdmins", 2))),),
        actions=(Action(rule),),
    )


def test_a_business_id_with_one_administrator_keeps_the_question_asked() -> None:
    decision = decide(by_business_id(admins=(ADMIN,), unable_admins=()), ["reports"])
    rule = "lookup.organisation"
    assert (decision.rule, decision.problem) == (rule, "service-access")
    assert decision.evidence == ev(rule, ("organisation", "Esimerkki Oy"), ("businessId", "2345678-0"),
                                   ("otherAdmins", 1))
    assert decision.script == (part("detail.admins", personal=True, unverified=rule, admins=(ADMIN,)),
                               part("detail.contact", personal=True, contact=ADMIN))
    assert decision.considered == (Check(rule, True, (("businessId", "2345678-0"), ("otherAdmins", 1),
                                                      ("unableAdmins", 0))),)
    assert decision.actions == (Action(rule),)


def test_a_business_id_whose_administrators_cannot_act_is_a_ticket() -> None:
    decision = decide(by_business_id(admins=(), unable_admins=(GONE,)))
    rule = "lookup.organisation.no-admin"
    assert decision == Decision(
        rule, "login",
        ev(rule, ("organisation", "Esimerkki Oy"), ("businessId", "2345678-0"), ("otherAdmins", 0),
           ("deactivatedAdmins", 1)),
        (part("lookup.organisation.no-admin"), part("next.ticket")),
        considered=(Check("lookup.organisation", False,
                          (("businessId", "2345678-0"), ("otherAdmins", 0), ("unableAdmins", 1))),),
        actions=(Action(rule),),
    )


def test_a_business_id_organisation_without_a_name_is_its_id() -> None:
    decision = decide(by_business_id(organisation=replace(ORG, name=None), unable_admins=(SHUT,)))
    assert decision.evidence == ev("lookup.organisation", ("organisation", "g-1"),
                                   ("businessId", "2345678-0"), ("otherAdmins", 2), ("lockedAdmins", 1))


# Nobody, or several, answer to what was asked.

def not_found(asked: Asked | None, **changes: Any) -> Decision:
    return decide(replace(facts(), user=None, matched_by=None, asked=asked, **changes))


def test_not_found_without_what_was_typed_is_the_rule_alone() -> None:
    rule = "lookup.not-found"
    assert not_found(None) == Decision(
        rule, "login", ev(rule, ("identifier", "aino@example.fi")), (part(rule),),
        considered=(Check("lookup.ambiguous", False, (("candidates", 0),)),
                    Check("lookup.unreadable", False, (("users", 0),)),
                    Check(rule, True, (("identifier", "aino@example.fi"),))),
        actions=(Action(rule),),
    )


def test_a_name_in_an_organisation_not_found_says_the_organisation_as_typed() -> None:
    decision = not_found(Asked("Aino Korhonen", "name", "Esimerkki", organisation_found=False))
    assert decision.script == (part("lookup.not-found.organisation", organisation="Esimerkki"),)


def test_a_name_not_found_in_its_organisation_says_both_then_who_can_tell() -> None:
    decision = not_found(Asked("Aino Korhonen", "name", "2345678-0", organisation_name="Esimerkki Oy"))
    assert decision.script == (
        part("lookup.not-found.name", typed="Aino Korhonen", organisation="Esimerkki Oy"),
        part("lookup.not-found.then"))
    # Without the organisation's own name, as the agent typed it.
    decision = not_found(Asked("Aino Korhonen", "name", "Esimerkki"))
    assert decision.script == (part("lookup.not-found.name", typed="Aino Korhonen", organisation="Esimerkki"),
                               part("lookup.not-found.then"))


def test_an_address_not_found_is_said_back_then_who_can_tell() -> None:
    decision = not_found(Asked("aino@example.fi", "email"))
    assert decision.script == (part("lookup.not-found.email", typed="aino@example.fi", organisation=""),
                               part("lookup.not-found.then"))
    assert decision.actions == (Action("lookup.not-found"),)


def test_a_business_id_not_found_is_said_back_alone() -> None:
    decision = not_found(Asked("2345678-0", "business-id"), organisation=None, admins=())
    assert decision.script == (part("lookup.not-found.business-id", typed="2345678-0", organisation=""),)
    assert decision.evidence == ev("lookup.not-found", ("identifier", "aino@example.fi"))


def ambiguous(*candidates: UserFacts, asked: Asked | None = None) -> Decision:
    return decide(replace(facts(), user=None, matched_by=None, candidates=candidates, asked=asked),
                  ["reports"])


def test_ambiguous_callers_get_one_question_and_the_rule_as_action() -> None:
    rule = "lookup.ambiguous"
    decision = ambiguous(a_user(id="u-1"), a_user(id="u-2"), asked=Asked("aino@example.fi", "email"))
    assert decision == Decision(
        rule, "service-access", ev(rule, ("candidates", ["u-1", "u-2"])), (part(rule),),
        considered=(Check(rule, True, (("candidates", 2),)),), actions=(Action(rule),),
    )


def test_ambiguous_names_are_not_asked_their_name_again() -> None:
    name = Asked("Aino Korhonen", "name", "Esimerkki")
    decision = ambiguous(a_user(id="u-1"), a_user(id="u-2"), asked=name)
    assert decision.script == (part("lookup.ambiguous.name"),)
    # Requests sent on different days tell them apart better than a name they share.
    later = datetime(2021, 1, 18, 6, tzinfo=UTC)
    decision = ambiguous(a_user(id="u-1", reset_sent_at=SENT), a_user(id="u-2", reset_sent_at=later),
                         asked=name)
    assert decision.script == (part("lookup.ambiguous.reset"),)
    decision = ambiguous(a_user(id="u-1", reset_sent_at=SENT), a_user(id="u-2", reset_sent_at=SENT),
                         asked=name)
    assert decision.script == (part("lookup.ambiguous.reset-on", sent_at=SENT),)


# Part A: the login.

def test_a_pending_reset_is_a_login_decision_with_its_action() -> None:
    user = a_user(reset_sent_at=SENT, reset_sent_to="aino@home.example.net")
    rule = "login.reset-pending"
    decision = decide(facts(user))
    assert decision.evidence == ev(rule, ("passwordResetSentAt", "2021-01-17T06:00:00+00:00"),
                                   ("lastPasswordUpdateTime", None),
                                   ("passwordResetSentTo", "aino@home.example.net"))
    # Sent to another address on the account: a verified caller hears where, and that the login
    # address is the one to give the change page; an unverified one, to give the address they log in with,
    # and not the renewal's date, which by the seed page's test would name the address it went to (N24-10).
    assert decision.script == (part("login.reset-pending.other-address", personal=True,
                                    unverified="login.reset-pending.sent.login-address.undated",
                                    change_url=CHANGE_PASSWORD_URL, sent_at=SENT,
                                    sent_to="aino@home.example.net", login_email="aino@example.fi"),)
    assert (decision.problem, decision.actions) == ("login", (Action(rule),))


def test_another_identifier_is_a_login_decision_with_its_action() -> None:
    rule = "login.not-login-email"
    decision = decide(facts(matched_by="email"))
    assert (decision.rule, decision.problem, decision.actions) == (rule, "login", (Action(rule),))


def test_a_caller_found_by_name_hears_that_the_login_address_works() -> None:
    rule = "login.not-login-email"
    decision = decide(facts(matched_by="name"))
    assert decision.evidence == ev(rule, ("matchedBy", "name"), ("userName", "aino@example.fi"))
    assert decision.script == (part("login.not-login-email.name"), LOGIN_ADDRESS,
                               ScriptPart("login.with-current-password.it", personal=True,
                                          unverified="login.with-current-password.if-known"),
                               ScriptPart("then.address-unknown.admin", {"n": 1}, until_verified=True))


def test_an_administrator_sent_to_another_is_told_so_once_verified() -> None:
    rule = "login.other-admin"
    decision = decide(facts(a_user(is_admin=True), admins=(ADMIN, OTHER)))
    assert replace(decision, considered=()) == Decision(
        rule, "login",
        ev(rule, ("isAdmin", True), ("organisation", "Esimerkki Oy"), ("otherAdmins", 2)),
        (part(rule, personal=True, unverified="login.contact-admin", n=2),
         *admins(ADMIN, OTHER, key="detail.admins.others")),
        actions=(Action(rule),),
    )


def test_an_escalation_is_a_login_decision_that_ends_with_the_ticket() -> None:
    rule = "login.no-admin"
    decision = decide(facts(admins=()))
    assert (decision.problem, decision.actions) == ("login", (Action(rule),))
    assert decision.script == (part(rule, personal=True, unverified="login.no-admin.any", orgs=1),
                               part("next.ticket"))


def test_the_organisation_chosen_of_several_is_evidence() -> None:
    rule = "login.contact-admin"
    decision = decide(facts(chosen="first-with-admin"))
    assert decision.evidence == ev(rule, ("isAdmin", False), ("organisation", "Esimerkki Oy"),
                                   ("otherAdmins", 1), ("organisationChosen", "first-with-admin"))


def test_a_login_before_the_renewal_is_evidence_and_one_at_it_is_not() -> None:
    rule = "login.contact-admin"
    before = datetime(2020, 6, 1, tzinfo=UTC)
    escalation = (("isAdmin", False), ("organisation", "Esimerkki Oy"), ("otherAdmins", 1))
    assert decide(facts(a_user(last_login=before))).evidence == ev(
        rule, *escalation, ("lastLoginTime", "2020-06-01T00:00:00+00:00"))
    assert decide(facts(a_user(last_login=RENEWAL))).evidence == ev(rule, *escalation)


# Part B: the services, after the login steps or on their own.

def test_a_service_missing_for_the_logins_reason_follows_it_before_the_ticket() -> None:
    decision = decide(facts(a_user(locked=True), admins=()), ["invoicing"])
    assert decision.rule == "login.no-admin"
    assert decision.script == (part("account.locked", personal=True),
                               part("login.no-admin", personal=True, unverified="login.no-admin.any", orgs=1),
                               part("service.same-reason", personal=True, unverified=RIGHTS,
                                    **services(INVOICING)), part("next.ticket"))
    assert decision.actions == (Action("login.no-admin"),)


def test_a_service_missing_for_the_logins_reason_comes_before_the_later_steps() -> None:
    user = a_user(locked=True, is_admin=True)
    decision = decide(facts(user, admins=(), matched_by="email"), ["invoicing"])
    assert decision.script == (
        part("account.locked", personal=True),
        part("login.user-is-admin", personal=True, unverified="escalate"),
        part("service.same-reason", personal=True, unverified=RIGHTS, **services(INVOICING)),
        # The ticket for an account no one there can open is promised with its state (N14-8).
        part("next.ticket"), part("then.email"), LOGIN_ADDRESS,
        # Who can tell the login address to a caller who gave another and can't hear it yet (N22-2).
        ScriptPart("then.address-unknown.support", {"n": 0}, until_verified=True),
    )


def test_the_old_id_asking_for_a_service_hears_the_login_address_once() -> None:
    decision = decide(facts(matched_by="legacyUserId"), ["reports"])
    assert decision.script == (part("login.not-login-email"), LOGIN_ADDRESS,
                               part("service.granted", personal=True, unverified=RIGHTS, **services(REPORTS)),
                               part("service.granted.retry", personal=True, unverified=RIGHTS))


def test_only_granted_services_get_what_to_try_then_the_login_address() -> None:
    rule = "service.granted"
    decision = decide(facts(), ["reports"])
    # The caller gave the login address: not read back to them (N24-11).
    assert decision.script == (part(rule, personal=True, unverified=RIGHTS, **services(REPORTS)),
                               part("service.granted.retry", personal=True, unverified=RIGHTS))
    # Found by name, the address they log in with is said in the sentence that uses it.
    by_name = decide(facts(matched_by="name"), ["reports"])
    assert by_name.script[1:] == (part("service.granted.retry.address", personal=True, unverified=RIGHTS,
                                       login_email="aino@example.fi"),)
    assert decision.evidence == (
        Evidence(rule, "service:reports", "no-fault-found"),
        *ev(rule, ("isAdmin", False), ("organisation", "Esimerkki Oy"), ("otherAdmins", 1)))
    assert decision.actions == (Action(rule, (REPORTS,)),)


def test_a_granted_service_beside_a_missing_right_gets_its_retry_last() -> None:
    decision = decide(facts(), ["reports", "invoicing"])
    assert decision.rule == "service.missing-right"
    assert decision.script == (
        part("service.granted", personal=True, unverified=RIGHTS, **services(REPORTS)),
        part("service.missing-right", personal=True, unverified=RIGHTS,
             **services(INVOICING, param="missing")),
        *admins(ADMIN, key="detail.admins.said"),
        part("service.granted.retry.some", personal=True, **services(REPORTS)),
    )
    assert decision.actions == (Action("service.missing-right", (INVOICING,)),
                                Action("service.granted", (REPORTS,)))


def test_an_administrator_without_the_right_is_escalated_once_verified() -> None:
    rule = "service.user-is-admin"
    decision = decide(facts(a_user(is_admin=True), admins=()), ["invoicing"])
    # The ticket is for what their rights are: heard of once verified, never after nothing (N15-2).
    assert decision.script == (part(rule, personal=True, unverified=RIGHTS,
                                    **services(INVOICING, param="missing")),
                               part("next.ticket", personal=True, unverified=RIGHTS))
    assert decision.actions == (Action(rule, (INVOICING,)),)
