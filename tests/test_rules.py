"""Every rule of the runbook, and every precedence between rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from postisupport.core.facts import Contact, Facts, Membership, OrganisationFacts, Service, UserFacts
from postisupport.core.identifiers import Asked
from postisupport.core.rules import (
    CHANGE_PASSWORD_URL,
    RIGHTS_ASKED,
    RIGHTS_UNVERIFIED,
    RULES,
    SERVICE_PRECEDENCE,
    Action,
    Check,
    Decision,
    Evidence,
    ScriptPart,
    decide,
)

SENT = datetime(2021, 1, 17, 6, tzinfo=UTC)
LOGGED_IN = datetime(2021, 1, 20, 8, tzinfo=UTC)  # the user has logged in since the renewal
ADMIN = Contact("u-admin", "Maija Virtanen", "maija@example.fi")
REPORTS = Service("reports", "Reporting")
INVOICING = Service("invoicing", "E-invoicing")


def a_user(**changes: object) -> UserFacts:
    user = UserFacts(
        id="u-1", user_name="aino@example.fi", display_name="Aino", active=True, is_admin=False,
        emails=("aino@example.fi", "aino@home.example.net"), preferred_language="fi",
        legacy_user_id="ESIM0042", force_password_reset=False, reset_sent_at=None,
        reset_sent_to=None, last_password_update=None, last_login=LOGGED_IN, last_failed_login=None,
        locked=False, entitlements=(REPORTS,),
    )
    return replace(user, **changes)


def facts(user: UserFacts | None = None, **changes: object) -> Facts:
    base = Facts(
        identifier="aino@example.fi", matched_by="userName", user=user or a_user(), candidates=(),
        organisation=OrganisationFacts("g-1", "Esimerkki Oy", "2345678-0", (REPORTS, INVOICING)),
        admins=(ADMIN,),  problems=(),
    )
    return replace(base, **changes)


def test_not_found_is_step_3() -> None:
    decision = decide(replace(facts(), user=None, matched_by=None))
    assert (decision.outcome, decision.step, decision.rule) == ("not-found", 3, "lookup.not-found")


def test_several_matches_are_ambiguous_without_a_guess() -> None:
    two = (a_user(id="u-1"), a_user(id="u-2"))
    decision = decide(replace(facts(), user=None, matched_by=None, candidates=two))
    assert (decision.outcome, decision.step) == ("ambiguous", None)
    assert decision.evidence[0].value == ["u-1", "u-2"]


@pytest.mark.parametrize("matched_by", ["userName", "email", "legacyUserId"])
def test_forced_reset_is_step_1_whatever_the_identifier(matched_by: str) -> None:
    decision = decide(facts(a_user(force_password_reset=True), matched_by=matched_by))
    assert (decision.outcome, decision.step) == ("change-password", 1)
    # Then, to a caller who named another address or the old ID, that only the login address works.
    only = {"userName": (), "email": (ScriptPart("login.not-login-email.email"),),
            "legacyUserId": (ScriptPart("login.not-login-email"),)}[matched_by]
    # A caller who holds another address is told to give the one they log in with on the change page.
    key = "login.reset-pending" if matched_by == "userName" else "login.reset-pending.login-address"
    change = ScriptPart(key, {"change_url": CHANGE_PASSWORD_URL})
    # Every caller hears which address logs in before the change page that asks for it (N13-5, N16-2,
    # N17-1); one who can't hear it yet, who can tell it (N21-1), before that page too (N22-1).
    unknown = (ADDRESS_UNKNOWN,) if only else ()
    assert decision.script == (*only, LOGIN_ADDRESS, *unknown, change)


def test_request_sent_and_password_not_changed_since_is_pending() -> None:
    user = a_user(reset_sent_at=SENT, last_password_update=datetime(2020, 5, 1, tzinfo=UTC))
    decision = decide(facts(user))
    assert decision.rule == "login.reset-pending"
    assert {e.fact for e in decision.evidence} >= {"passwordResetSentAt", "lastPasswordUpdateTime"}


def test_request_sent_and_never_changed_is_pending() -> None:
    assert decide(facts(a_user(reset_sent_at=SENT))).rule == "login.reset-pending"


def test_password_changed_after_the_request_is_not_pending() -> None:
    user = a_user(reset_sent_at=SENT, last_password_update=datetime(2021, 1, 18, tzinfo=UTC))
    assert decide(facts(user)).rule == "login.contact-admin"


@pytest.mark.parametrize("matched_by", ["email", "legacyUserId"])
def test_other_identifier_than_login_email_is_step_2(matched_by: str) -> None:
    decision = decide(facts(matched_by=matched_by))
    assert (decision.outcome, decision.step) == ("use-login-email", 2)
    key = "login.not-login-email" if matched_by == "legacyUserId" else "login.not-login-email.email"
    assert decision.script == (ScriptPart(key), LOGIN_ADDRESS, CURRENT_PASSWORD, ADDRESS_UNKNOWN)
    assert any(e.fact == "matchedBy" and e.value == matched_by for e in decision.evidence)


def test_reset_pending_wins_over_wrong_identifier() -> None:
    decision = decide(facts(a_user(force_password_reset=True), matched_by="legacyUserId"))
    assert decision.rule == "login.reset-pending"


# Nothing the directory tells stops the login: said so once verified, "I can't fix what's stopping you"
# before, which holds either way (N24-4).
NOTHING_SEEN = ScriptPart("login.contact-admin.nothing-seen", {"n": 1}, personal=True,
                          unverified="login.contact-admin")


def test_login_email_with_nothing_wrong_goes_to_the_admin() -> None:
    decision = decide(facts())
    assert (decision.outcome, decision.step) == ("contact-admin", 3)
    assert decision.script == (NOTHING_SEEN, *ADMINS)


@pytest.mark.parametrize("change", [{"active": False}, {"locked": True}])
def test_deactivated_or_locked_accounts_go_to_the_admin_with_evidence(change: dict) -> None:
    decision = decide(facts(a_user(**change)))
    assert decision.rule == "login.contact-admin"
    fact = "active" if "active" in change else "accountLocked"
    assert any(e.fact == fact and e.rule == "login.contact-admin" for e in decision.evidence)


def test_user_who_is_admin_goes_to_customer_service() -> None:
    decision = decide(facts(a_user(is_admin=True), admins=()))
    assert (decision.outcome, decision.step, decision.rule) == (
        "contact-customer-service", 3, "login.user-is-admin")


def test_organisation_without_other_admin_goes_to_customer_service() -> None:
    decision = decide(facts(admins=()))
    assert (decision.outcome, decision.rule) == ("contact-customer-service", "login.no-admin")


def test_user_without_organisation_goes_to_customer_service() -> None:
    decision = decide(facts(organisation=None, admins=()))
    assert (decision.outcome, decision.rule) == ("contact-customer-service", "login.no-organisation")


def test_admin_rule_wins_over_missing_organisation() -> None:
    decision = decide(facts(a_user(is_admin=True), organisation=None, admins=()))
    assert decision.rule == "login.user-is-admin"


def test_wrong_identifier_wins_over_escalation() -> None:
    decision = decide(facts(a_user(is_admin=True), matched_by="email", admins=()))
    assert decision.rule == "login.not-login-email"


def test_service_the_user_has_is_no_fault() -> None:
    decision = decide(facts(), ["REPORTING"])
    assert (decision.outcome, decision.step, decision.problem) == (
        "no-fault-found", None, "service-access")


def test_missing_right_to_a_subscribed_service_goes_to_the_admin() -> None:
    decision = decide(facts(), ["invoicing"])
    assert decision.outcome == "check-service-rights"
    assert decision.script == (rights("service.missing-right", {"missing": [INVOICING], "n": 1}), *ADMINS)


def test_service_the_organisation_lacks_goes_to_customer_service() -> None:
    decision = decide(facts(), ["parcel lockers"])
    assert (decision.outcome, decision.rule) == (
        "contact-customer-service", "service.not-subscribed")


@pytest.mark.parametrize(("changes", "rule"), [
    ({"user": a_user(is_admin=True), "admins": ()}, "service.user-is-admin"),
    ({"admins": ()}, "service.no-admin"),
    ({"organisation": None, "admins": ()}, "service.no-organisation"),
])
def test_missing_right_without_anyone_to_grant_it(changes: dict, rule: str) -> None:
    decision = decide(facts(**changes), ["invoicing"])
    assert (decision.outcome, decision.rule) == ("contact-customer-service", rule)


def test_not_subscribed_wins_over_user_being_admin() -> None:
    decision = decide(facts(a_user(is_admin=True)), ["parcel lockers"])
    assert decision.rule == "service.not-subscribed"


def test_several_services_each_get_a_verdict_and_the_hardest_decides() -> None:
    decision = decide(facts(), ["reports", "invoicing", "parcel lockers"])
    assert [(v.asked, v.outcome) for v in decision.services] == [
        ("reports", "no-fault-found"),
        ("invoicing", "check-service-rights"),
        ("parcel lockers", "contact-customer-service"),
    ]
    assert decision.outcome == "contact-customer-service"
    # What works, what is missing and who can help, what the organisation lacks, each once; then
    # what happens next, with one support request.
    assert [p.key for p in decision.script] == [
        "service.granted", "service.granted.retry.some", "service.missing-right", "detail.admins.said",
        "detail.contact", "service.not-subscribed.some", "next.order-check"]
    assert decision.actions == (Action("service.missing-right", (INVOICING,)),
                                Action("service.not-subscribed"),
                                Action("service.granted", (REPORTS,)))


def test_missing_right_wins_over_no_fault() -> None:
    assert decide(facts(), ["reports", "invoicing"]).outcome == "check-service-rights"


def test_service_question_for_unknown_identifier_is_not_found() -> None:
    decision = decide(replace(facts(), user=None, matched_by=None), ["reports"])
    assert (decision.outcome, decision.problem) == ("not-found", "service-access")


def ev(rule: str, *pairs: tuple[str, object]) -> list[Evidence]:
    return [Evidence(rule, fact, value) for fact, value in pairs]


def test_reset_evidence_is_exactly_what_decided() -> None:
    user = a_user(force_password_reset=True, reset_sent_at=SENT, reset_sent_to="a@x.example.fi",
                  last_password_update=datetime(2020, 5, 1, tzinfo=UTC))
    assert list(decide(facts(user)).evidence) == ev(
        "login.reset-pending",
        ("forcePasswordReset", True),
        ("passwordResetSentAt", "2021-01-17T06:00:00+00:00"),
        ("lastPasswordUpdateTime", "2020-05-01T00:00:00+00:00"),
        ("passwordResetSentTo", "a@x.example.fi"),
        ("passwordResetSentToOnAccount", False),
    )


def test_wrong_identifier_evidence() -> None:
    assert list(decide(facts(matched_by="email")).evidence) == ev(
        "login.not-login-email", ("matchedBy", "email"), ("userName", "aino@example.fi"))


def test_escalation_evidence_names_admins_deactivated_admins_and_account_state() -> None:
    failed = datetime(2021, 2, 1, tzinfo=UTC)
    user = a_user(active=False, locked=True, last_failed_login=failed,
                  last_login=datetime(2021, 1, 30, tzinfo=UTC))
    unable = (replace(ADMIN, active=False), replace(ADMIN, active=False), replace(ADMIN, locked=True))
    assert list(decide(facts(user, unable_admins=unable)).evidence) == ev(
        "login.contact-admin",
        ("isAdmin", False),
        ("organisation", "Esimerkki Oy"),
        ("otherAdmins", 1),
        ("deactivatedAdmins", 2),
        ("lockedAdmins", 1),
        ("active", False),
        ("accountLocked", True),
        ("lastFailedLoginTime", "2021-02-01T00:00:00+00:00"),
    )


def test_a_failed_login_before_the_last_success_is_no_evidence() -> None:
    user = a_user(last_failed_login=datetime(2021, 1, 29, tzinfo=UTC),
                  last_login=datetime(2021, 1, 30, tzinfo=UTC))
    assert [e.fact for e in decide(facts(user)).evidence] == ["isAdmin", "organisation", "otherAdmins"]


def test_a_failed_login_without_any_success_is_evidence() -> None:
    user = a_user(last_failed_login=SENT, last_login=None)
    assert decide(facts(user)).evidence[-1] == Evidence(
        "login.contact-admin", "lastFailedLoginTime", "2021-01-17T06:00:00+00:00")


def test_no_organisation_evidence_has_no_admin_count() -> None:
    assert list(decide(facts(organisation=None, admins=())).evidence) == ev(
        "login.no-organisation", ("isAdmin", False), ("organisation", None))


def test_organisation_evidence_falls_back_to_its_id() -> None:
    org = OrganisationFacts("g-1", None, None, ())
    evidence = decide(facts(organisation=org)).evidence
    assert evidence[1] == Evidence("login.contact-admin", "organisation", "g-1")


def test_service_evidence_lists_each_verdict_then_who_can_help() -> None:
    decision = decide(facts(), ["reports", "invoicing", "x"])
    assert list(decision.evidence) == [
        Evidence("service.granted", "service:reports", "no-fault-found"),
        Evidence("service.missing-right", "service:invoicing", "check-service-rights"),
        Evidence("service.not-subscribed", "service:x", "contact-customer-service"),
        *ev("service.not-subscribed", ("isAdmin", False), ("organisation", "Esimerkki Oy"),
            ("otherAdmins", 1)),
    ]


def test_not_found_and_ambiguous_evidence() -> None:
    assert list(decide(replace(facts(), user=None, matched_by=None)).evidence) == ev(
        "lookup.not-found", ("identifier", "aino@example.fi"))
    two = (a_user(id="u-1"), a_user(id="u-2"))
    assert list(decide(replace(facts(), user=None, matched_by=None, candidates=two)).evidence) == ev(
        "lookup.ambiguous", ("candidates", ["u-1", "u-2"]))


def test_service_precedence_is_the_order_of_the_rules() -> None:
    assert SERVICE_PRECEDENCE == (
        "service.not-subscribed", "service.user-is-admin", "service.organisation-unknown",
        "service.no-organisation",
        "service.no-admin", "service.other-admin", "service.missing-right", "service.other-organisation",
        "service.granted")


def test_every_rule_is_reachable() -> None:
    seen = {
        decide(replace(facts(), user=None, matched_by=None)).rule,
        decide(replace(facts(), user=None, matched_by=None, candidates=(a_user(), a_user()))).rule,
        decide(replace(facts(), user=None, matched_by=None, unconfirmed=(UNREADABLE_LOGIN,))).rule,
        decide(facts(a_user(force_password_reset=True))).rule,
        decide(facts(matched_by="legacyUserId")).rule,
        decide(facts(a_user(is_admin=True))).rule,
        decide(facts(a_user(is_admin=True), admins=())).rule,
        decide(facts(organisation=None)).rule,
        decide(facts(admins=())).rule,
        decide(facts()).rule,
        decide(facts(), ["x"]).rule,
        decide(facts(a_user(is_admin=True)), ["invoicing"]).rule,
        decide(facts(a_user(is_admin=True), admins=()), ["invoicing"]).rule,
        decide(facts(organisation=None), ["invoicing"]).rule,
        decide(facts(admins=()), ["invoicing"]).rule,
        decide(facts(), ["invoicing"]).rule,
        decide(facts(), ["reports"]).rule,
        decide(TWO_ORGANISATIONS, ["tracking"]).rule,
        decide(replace(facts(), user=None, matched_by=None, asked=BUSINESS_ID)).rule,
        decide(replace(facts(), user=None, matched_by=None, admins=(), asked=BUSINESS_ID)).rule,
        decide(replace(facts(), user=None, matched_by=None, asked=Asked("ESIM0042", "legacy"),
                       unrecorded=frozenset({"legacy_user_id"}))).rule,
        decide(facts(a_user(unknown=frozenset({"organisation"})), organisation=None)).rule,
        decide(facts(a_user(unknown=frozenset({"organisation"})), organisation=None), ["invoicing"]).rule,
        decide(facts(asked=Asked("Aino", "name", "2345678-0", members_cut=True))).rule,
    }
    assert seen == set(RULES)


BUSINESS_ID = Asked("2345678-0", "business-id")
UNREADABLE_LOGIN = a_user(id="u-9", legacy_user_id=None, unknown=frozenset({"legacy_user_id"}))


def test_an_account_sent_with_unreadable_login_data_is_not_called_missing() -> None:
    sent = replace(facts(), user=None, matched_by=None, unconfirmed=(
        UNREADABLE_LOGIN, a_user(id="u-8", unknown=frozenset({"emails", "user_name"}))))
    rule = "lookup.unreadable"
    assert decide(sent) == Decision(
        rule, "login",
        (Evidence(rule, "users", ["u-9", "u-8"]),
         Evidence(rule, "unreadable", ["emails", "legacy_user_id", "user_name"])),
        (ScriptPart(rule), ScriptPart("next.ticket")),
        considered=(Check("lookup.ambiguous", False, (("candidates", 0),)),
                    Check(rule, True, (("users", 2),))),
        actions=(Action(rule),))
    assert (decide(sent).outcome, decide(sent).step, decide(sent, ["reports"]).problem) == (
        "contact-customer-service", None, "service-access")
    # Several users answering is still a question for the caller, whatever else the API sent.
    two = replace(sent, candidates=(a_user(id="u-1"), a_user(id="u-2")))
    assert decide(two).rule == "lookup.ambiguous"
# The decision's organisation lacks Tracking; the user's other one has it, and an administrator who can act.
TRACKING = Service("tracking", "Tracking")
TWO_ORGANISATIONS = replace(facts(), memberships=(
    Membership(facts().organisation),  # type: ignore[arg-type]
    Membership(OrganisationFacts("g-2", "Exempel Ab", "1234567-8", (TRACKING,)), (ADMIN,))))


def test_lookup_scripts_are_the_rule_alone() -> None:
    nobody = replace(facts(), user=None, matched_by=None)
    two = replace(nobody, candidates=(a_user(id="u-1"), a_user(id="u-2")))
    assert (decide(nobody).script, decide(two).script) == (
        (ScriptPart("lookup.not-found"),), (ScriptPart("lookup.ambiguous"),))


LOGIN_ADDRESS = ScriptPart("detail.login-email", {"login_email": "aino@example.fi"}, personal=True)
# With the login address just said (to a verified caller), "with that address"; before, "if you know
# which address is yours", and who can tell it if not (N20-1), to none but an unverified caller.
CURRENT_PASSWORD = ScriptPart("login.with-current-password.it", personal=True,
                              unverified="login.with-current-password.if-known")
ADDRESS_UNKNOWN = ScriptPart("then.address-unknown.admin", {"n": 1}, until_verified=True)
ADMINS = (ScriptPart("detail.admins.said", {"admins": (ADMIN,)}, personal=True),
          ScriptPart("detail.contact", {"contact": ADMIN}, personal=True))


def test_login_scripts_are_keyed_by_the_deciding_rule_with_personal_details_apart() -> None:
    """The message key is what the renderer looks up; what names someone is a part of its own,
    left out until the caller is verified."""
    assert decide(facts(a_user(force_password_reset=True))).script == (
        LOGIN_ADDRESS, ScriptPart("login.reset-pending", {"change_url": CHANGE_PASSWORD_URL}))
    assert decide(facts(a_user(reset_sent_at=SENT))).script == (
        LOGIN_ADDRESS,
        ScriptPart("login.reset-pending.sent", {"change_url": CHANGE_PASSWORD_URL, "sent_at": SENT}))
    assert decide(facts(matched_by="email")).script == (ScriptPart("login.not-login-email.email"),
                                                         LOGIN_ADDRESS, CURRENT_PASSWORD, ADDRESS_UNKNOWN)
    assert decide(facts()).script == (NOTHING_SEEN, *ADMINS)
    # Without the login address, whether the caller's address is another one can't be told (A17-22).
    assert decide(facts(a_user(user_name=None), matched_by="email")).script == (
        ScriptPart("detail.login-email.unknown.email"), ScriptPart("login.contact-admin", {"n": 1}), *ADMINS)
    # The old ID with nothing to tell the login address: step 3, the administrator can (N14-3), said with
    # "I can't see here which address" in one sentence (N20-4).
    assert decide(facts(a_user(user_name=None), matched_by="legacyUserId")).script == (
        ScriptPart("login.not-login-email"), ScriptPart("login.contact-admin.unseen", {"n": 1}), *ADMINS)


def rights(key: str, params: dict) -> ScriptPart:
    """A part that tells the caller their own access rights: theirs to hear once verified."""
    return ScriptPart(key, params, personal=True, unverified=RIGHTS_UNVERIFIED)


def rights_asked(key: str, params: dict) -> ScriptPart:
    """The same, after a login sentence that said the administrator can check the caller's rights: what the
    agent tells once verified is said instead, of how many services were asked (on the first, N19-13)."""
    return ScriptPart(key, params, personal=True, unverified=RIGHTS_ASKED)


def closed(key: str) -> ScriptPart:
    return ScriptPart(key, {"n": 1}, personal=True, unverified="login.contact-admin")


@pytest.mark.parametrize(("changes", "script"), [
    ({"locked": True}, (closed("login.contact-admin.locked"), *ADMINS)),
    ({"active": False}, (closed("login.contact-admin.inactive"), *ADMINS)),
    ({"active": False, "locked": True}, (closed("login.contact-admin.inactive-locked"), *ADMINS)),
])
def test_a_locked_or_unused_account_is_said_as_it_is(changes: dict, script: tuple) -> None:
    assert decide(facts(a_user(**changes))).script == script


@pytest.mark.parametrize(("changes", "rule"), [
    ({"user": a_user(is_admin=True, locked=True), "admins": ()}, "login.user-is-admin"),
    ({"user": a_user(locked=True), "admins": ()}, "login.no-admin"),
    ({"user": a_user(locked=True), "organisation": None, "admins": ()}, "login.no-organisation"),
])
def test_a_locked_account_of_a_customer_service_case_is_said_first(changes: dict, rule: str) -> None:
    said = escalated(rule)
    assert decide(facts(**changes)).script == (ScriptPart("account.locked", personal=True), *said)


def escalated(rule: str) -> tuple[ScriptPart, ...]:
    """A customer-service case: what it is (what only the verified may hear apart), then the ticket."""
    if rule == "login.user-is-admin":
        return ScriptPart(rule, personal=True, unverified="escalate"), ScriptPart("next.ticket")
    if rule == "login.no-admin":
        # How many organisations are theirs is the caller's (N17-2).
        return ScriptPart(rule, {"orgs": 1}, personal=True, unverified="login.no-admin.any"), \
            ScriptPart("next.ticket")
    return ScriptPart(rule), ScriptPart("next.ticket")


def test_none_of_several_organisations_is_said_when_it_holds_for_each_of_them() -> None:
    """Native review 7, N7-18: a caller in two organisations heard "your organisation has no
    administrator", and asked which one."""
    helpless = replace(TWO_ORGANISATIONS, admins=(), memberships=(
        Membership(facts().organisation), Membership(TWO_ORGANISATIONS.memberships[1].organisation)))  # type: ignore[arg-type]
    assert decide(helpless).script == (ScriptPart("login.no-admin", {"orgs": 2}, personal=True,
                                                  unverified="login.no-admin.any"), ScriptPart("next.ticket"))
    # The organisation asked for has no one who can act, the other has: that one is no "none of yours".
    one = ScriptPart("login.no-admin", {"orgs": 1}, personal=True, unverified="login.no-admin.any")
    assert decide(replace(TWO_ORGANISATIONS, admins=())).script[0] == one
    assert decide(TWO_ORGANISATIONS, ["parcels"]).script[0] == ScriptPart("service.not-subscribed",
                                                                          {"n": 1, "orgs": 2})
    # The one other service asked (Reporting) was named: "the other service" (N16-6).
    assert ScriptPart("service.not-subscribed.other", {"n": 1, "orgs": 2}, personal=True,
                      unverified="service.not-subscribed.some") in decide(
        TWO_ORGANISATIONS, ["parcels", "reports"]).script


def test_ambiguous_callers_are_asked_what_tells_them_apart() -> None:
    base = replace(facts(), user=None, matched_by=None)
    two_sent = (a_user(id="u-1", reset_sent_at=SENT), a_user(id="u-2", reset_sent_at=SENT))
    assert decide(replace(base, candidates=two_sent)).script == (
        ScriptPart("lookup.ambiguous.reset-on", {"sent_at": SENT}),)
    other = datetime(2021, 2, 1, tzinfo=UTC)
    assert decide(replace(base, candidates=(two_sent[0], a_user(id="u-2", reset_sent_at=other)))).script == (
        ScriptPart("lookup.ambiguous.reset"),)
    assert decide(replace(base, candidates=(a_user(id="u-1"), a_user(id="u-2")))).script == (
        ScriptPart("lookup.ambiguous"),)


def test_the_trail_lists_every_rule_considered_in_order() -> None:
    decision = decide(facts(matched_by="email"))
    assert decision.considered == (
        Check("login.reset-pending", False, (("forcePasswordReset", False), ("passwordResetSentAt", None),
                                             ("lastPasswordUpdateTime", None), ("accountState", None))),
        Check("login.not-login-email", True, (("matchedBy", "email"), ("accountState", None))),
    )
    to_us = decide(facts(admins=()))
    assert [(c.rule, c.fired) for c in to_us.considered] == [
        ("login.reset-pending", False), ("login.not-login-email", False), ("login.other-admin", False),
        ("login.user-is-admin", False), ("login.no-organisation", False), ("login.no-admin", True)]
    service = decide(facts(), ["invoicing"])
    assert [(c.rule, c.fired, c.subject) for c in service.considered] == [
        ("service.granted", False, "invoicing"), ("service.not-subscribed", False, "invoicing"),
        ("service.other-admin", False, "invoicing"), ("service.user-is-admin", False, "invoicing"),
        ("service.no-organisation", False, "invoicing"),
        ("service.no-admin", False, "invoicing"), ("service.missing-right", True, "invoicing")]


def test_a_failed_login_at_the_moment_of_the_last_success_is_no_evidence() -> None:
    user = a_user(last_failed_login=SENT, last_login=SENT)
    assert [e.fact for e in decide(facts(user)).evidence] == ["isAdmin", "organisation", "otherAdmins"]


def test_service_script_parts_name_only_known_services() -> None:
    """A name no service has (a slip, or a service the organisation lacks) is never repeated."""
    decision = decide(facts(), ["invoicing", " Parcel lockers ", "REPORTS"])
    assert decision.script == (
        rights("service.granted", {"services": [REPORTS], "n": 1}),
        ScriptPart("service.granted.retry.some", {"services": [REPORTS], "n": 1}, personal=True),
        rights("service.missing-right", {"missing": [INVOICING], "n": 1}),
        *ADMINS,
        ScriptPart("service.not-subscribed.some", {"n": 1, "orgs": 1}),
        ScriptPart("next.order-check", {"n": 1, "orgs": 1}),
    )
    assert [(v.asked, v.known_as) for v in decision.services] == [
        ("invoicing", "E-invoicing"), (" Parcel lockers ", None), ("REPORTS", "Reporting")]


def test_a_service_question_of_a_locked_account_gets_the_login_first_with_its_evidence() -> None:
    decision = decide(facts(a_user(locked=True)), ["invoicing"])
    assert (decision.rule, decision.problem, decision.step) == ("login.contact-admin", "service-access", 3)
    assert list(decision.evidence) == [
        *ev("login.contact-admin", ("isAdmin", False), ("organisation", "Esimerkki Oy"),
            ("otherAdmins", 1), ("accountLocked", True)),
        Evidence("service.missing-right", "service:invoicing", "check-service-rights"),
    ]


def test_the_trail_of_an_unidentified_caller() -> None:
    nobody = decide(replace(facts(), user=None, matched_by=None), ["reports"])
    assert (nobody.problem, nobody.considered) == ("service-access", (
        Check("lookup.ambiguous", False, (("candidates", 0),)),
        Check("lookup.unreadable", False, (("users", 0),)),
        Check("lookup.not-found", True, (("identifier", "aino@example.fi"),)),
    ))
    pair = (a_user(id="u-1"), a_user(id="u-2"))
    two = decide(replace(facts(), user=None, matched_by=None, candidates=pair))
    assert (two.problem, two.considered) == (
        "login", (Check("lookup.ambiguous", True, (("candidates", 2),)),))


def test_the_trail_of_an_escalation_reads_each_fact() -> None:
    changed = datetime(2021, 2, 1, tzinfo=UTC)
    decision = decide(facts(a_user(reset_sent_at=SENT, last_password_update=changed)))
    assert decision.considered == (
        Check("login.reset-pending", False, (("forcePasswordReset", False),
                                             ("passwordResetSentAt", "2021-01-17T06:00:00+00:00"),
                                             ("lastPasswordUpdateTime", "2021-02-01T00:00:00+00:00"),
                                             ("accountState", None))),
        Check("login.not-login-email", False, (("matchedBy", "userName"), ("accountState", None))),
        Check("login.other-admin", False, (("isAdmin", False), ("otherAdmins", 1))),
        Check("login.user-is-admin", False, (("isAdmin", False),)),
        Check("login.no-organisation", False, (("organisation", "Esimerkki Oy"),)),
        Check("login.no-admin", False, (("otherAdmins", 1), ("unableAdmins", 0))),
        Check("login.contact-admin", True, (("otherAdmins", 1),)),
    )
    assert decide(facts(organisation=None, admins=())).considered[-1] == Check(
        "login.no-organisation", True, (("organisation", None),))


def test_the_trail_of_a_service_question_reads_each_fact() -> None:
    decision = decide(facts(), ["invoicing", "reports"])
    assert decision.considered == (
        Check("service.granted", False, (("entitlements", 1),), "invoicing"),
        Check("service.not-subscribed", False, (("organisationServices", 2),), "invoicing"),
        Check("service.other-admin", False, (("isAdmin", False), ("otherAdmins", 1)), "invoicing"),
        Check("service.user-is-admin", False, (("isAdmin", False),), "invoicing"),
        Check("service.no-organisation", False, (("organisation", "Esimerkki Oy"),), "invoicing"),
        Check("service.no-admin", False, (("otherAdmins", 1), ("unableAdmins", 0)), "invoicing"),
        Check("service.missing-right", True, (("otherAdmins", 1),), "invoicing"),
        Check("service.granted", True, (("entitlements", 1),), "reports"),
    )
    orphan = decide(facts(organisation=None, admins=()), ["invoicing"])
    assert orphan.considered[1] == Check("service.not-subscribed", False, (("organisationServices", None),),
                                         "invoicing")


@pytest.mark.parametrize(("changes", "rule"), [
    ({"user": a_user(is_admin=True), "admins": ()}, "login.user-is-admin"),
    ({"admins": ()}, "login.no-admin"),
    ({"organisation": None, "admins": ()}, "login.no-organisation"),
])
def test_a_customer_service_case_of_an_account_in_order_is_its_rule_then_the_ticket(
    changes: dict, rule: str
) -> None:
    assert decide(facts(**changes)).script == escalated(rule)


# -- issue 13: the account's state and the caller's question meet ----------------------------------------


@pytest.mark.parametrize(("changes", "key"), [
    ({"locked": True}, "login.contact-admin.locked"),
    ({"active": False}, "login.contact-admin.inactive"),
    ({"active": False, "locked": True}, "login.contact-admin.inactive-locked"),
])
def test_a_closed_account_is_said_on_the_service_path_before_any_verdict(changes: dict, key: str) -> None:
    decision = decide(facts(a_user(**changes)), ["reports"])
    granted = {"services": [REPORTS], "n": 1, "asked": 1}
    assert decision.script == (closed(key), *ADMINS, rights_asked("service.granted.after-login", granted))
    assert decision.actions == (Action("login.contact-admin"),)  # "log out and in again" can't help


@pytest.mark.parametrize("changes", [{"active": False}, {"locked": True}, {"active": False, "locked": True}])
def test_a_closed_account_found_by_its_old_id_is_not_told_to_just_log_in(changes: dict) -> None:
    decision = decide(facts(a_user(**changes), matched_by="legacyUserId"))
    state = "inactive" if "active" in changes else "locked"
    said = "inactive-locked" if len(changes) == 2 else state  # reactivating alone leaves it locked
    assert decision.rule == "login.contact-admin"
    # Who gave the old ID may not know the login address, and can't hear it yet: the administrator just
    # named can tell it too (N22-2).
    unknown = ScriptPart("then.address-unknown.named", {"n": 1}, until_verified=True)
    assert decision.script == (closed(f"login.contact-admin.{said}"), *ADMINS, ScriptPart("then.legacy"),
                               LOGIN_ADDRESS, unknown)
    assert decision.considered[:2] == (
        Check("login.reset-pending", False, (("forcePasswordReset", False), ("passwordResetSentAt", None),
                                             ("lastPasswordUpdateTime", None), ("accountState", state))),
        Check("login.not-login-email", False, (("matchedBy", "legacyUserId"), ("accountState", state))),
    )


def test_a_closed_account_with_a_reset_pending_is_told_the_password_comes_after() -> None:
    decision = decide(facts(a_user(locked=True, force_password_reset=True)))
    # "Once your account is open again" tells that it is closed: said so to a verified caller only; before,
    # it follows what the administrator does (N20-4).
    assert decision.script == (closed("login.contact-admin.locked"), *ADMINS,
                               ScriptPart("then.reset-pending", {"change_url": CHANGE_PASSWORD_URL},
                                          personal=True, unverified="also.reset-pending.admin"))


MISSING = {"missing": [INVOICING], "n": 1}


@pytest.mark.parametrize(("user", "service"), [
    (a_user(force_password_reset=True), (rights("service.missing-right", MISSING), *ADMINS)),
    # The login's step named the administrator: the right is asked of her by name (N21-12).
    (a_user(last_login=None), (rights_asked("service.missing-right.said", {**MISSING, "asked": 1}),
                               rights_asked("service.missing-right.same-admin", {"admins": (ADMIN,)})))])
def test_the_login_comes_before_a_service_for_a_user_who_cannot_log_in_yet(
    user: UserFacts, service: tuple[ScriptPart, ...]
) -> None:
    decision = decide(facts(user), ["invoicing"])
    login = decide(facts(user))
    assert (decision.rule, decision.step) == (login.rule, login.step)
    # Who can help is said once: after the login's own administrators, not again.
    assert decision.script == (*login.script, *service)
    assert decision.actions == (Action(login.rule), Action("service.missing-right", (INVOICING,)))


def test_a_user_who_never_logged_in_hears_no_no_fault() -> None:
    decision = decide(facts(a_user(last_login=None)), ["reports"])
    assert [p.key for p in decision.script] == ["login.contact-admin.nothing-seen", "detail.admins.said",
                                                "detail.contact", "service.granted.after-login"]


def test_another_address_hears_only_the_login_address_works_and_the_seed_pages_test() -> None:
    user = a_user(reset_sent_at=SENT, reset_sent_to="AINO@example.fi", last_password_update=LOGGED_IN)
    decision = decide(facts(user, matched_by="email"))
    # The address and the test in one sentence once verified (native review 6, N6-06); the test alone before,
    # then "log in with that address" to anyone (N19-9).
    tested = ScriptPart("detail.login-email.tested", {"login_email": "aino@example.fi", "sent_at": SENT},
                        personal=True, unverified="detail.login-email.test")
    # Then who can tell it, to a caller who can't find that e-mail years on (N24-7).
    unfound = ScriptPart("then.address-unknown.tested.admin", {"n": 1}, until_verified=True)
    assert decision.script == (ScriptPart("login.not-login-email.email"), tested,
                               ScriptPart("login.with-current-password.it"), unfound)
    legacy = decide(facts(user, matched_by="legacyUserId"))
    assert legacy.script[0] == ScriptPart("login.not-login-email")
    # No test when the request went elsewhere, or no request went out.
    elsewhere = replace(user, reset_sent_to="aino@home.example.net")
    assert decide(facts(elsewhere, matched_by="email")).script == (
        ScriptPart("login.not-login-email.email"), LOGIN_ADDRESS, CURRENT_PASSWORD, ADDRESS_UNKNOWN)


def test_a_reset_request_to_an_address_no_longer_on_the_account_is_flagged() -> None:
    user = a_user(reset_sent_at=SENT, reset_sent_to="aino@old.example.fi")
    decision = decide(facts(user))
    sent = {"change_url": CHANGE_PASSWORD_URL, "sent_at": SENT}
    # Unverified, without the renewal's date: by the seed page's test it would name the wrong one (N24-10).
    assert decision.script == (LOGIN_ADDRESS, ScriptPart("login.reset-pending.elsewhere", sent, personal=True,
                                                         unverified="login.reset-pending.asked.undated"))
    assert decision.evidence[-2:] == (
        Evidence("login.reset-pending", "passwordResetSentTo", "aino@old.example.fi"),
        Evidence("login.reset-pending", "passwordResetSentToOnAccount", False))
    on_account = decide(facts(replace(user, reset_sent_to="aino@home.example.net")))
    assert on_account.script[0] == ScriptPart(
        "login.reset-pending.other-address",
        {**sent, "sent_to": "aino@home.example.net", "login_email": "aino@example.fi"}, personal=True,
        unverified="login.reset-pending.sent.login-address.undated")
    assert LOGIN_ADDRESS not in on_account.script  # the part names it already


LOCKED_ADMIN = Contact("u-locked", "Lasse Lukko", "lasse@example.fi", active=True, locked=True)
GONE_ADMIN = Contact("u-gone", "Ville Heikkinen", "ville@example.fi", active=False)


@pytest.mark.parametrize("services", [(), ("invoicing",)])
def test_administrators_who_cannot_log_in_are_no_help(services: tuple[str, ...]) -> None:
    decision = decide(facts(admins=(), unable_admins=(LOCKED_ADMIN, GONE_ADMIN)), services)
    assert decision.outcome == "contact-customer-service"
    assert decision.rule == ("service.no-admin" if services else "login.no-admin")
    assert "detail.admins" not in [p.key for p in decision.script]
    assert [e for e in decision.evidence if e.fact.endswith("Admins")] == [
        Evidence(decision.rule, "otherAdmins", 0), Evidence(decision.rule, "deactivatedAdmins", 1),
        Evidence(decision.rule, "lockedAdmins", 1)]


def test_one_of_several_administrators_is_sent_to_the_others_who_can_act() -> None:
    ville = a_user(is_admin=True, active=False)
    decision = decide(facts(ville))
    assert (decision.rule, decision.outcome, decision.step) == ("login.other-admin", "contact-admin", 3)
    others = (replace(ADMINS[0], key="detail.admins.others"), ADMINS[1])
    assert decision.script == (
        ScriptPart("login.other-admin.inactive", {"n": 1}, personal=True, unverified="login.contact-admin"),
        *others)
    service = decide(facts(a_user(is_admin=True)), ["invoicing"])
    assert (service.rule, service.outcome) == ("service.other-admin", "check-service-rights")
    assert service.script == (rights("service.other-admin", {"missing": [INVOICING], "n": 1, "others": 1}),
                              *others)


def test_an_administrator_whose_co_administrators_cannot_act_is_one_of_them_and_ours() -> None:
    decision = decide(facts(a_user(is_admin=True), admins=(), unable_admins=(GONE_ADMIN,)))
    assert decision.script == (ScriptPart("login.user-is-admin.one-of", {"n": 1}, personal=True,
                                          unverified="escalate"), ScriptPart("next.ticket"))


def test_several_services_are_one_script_what_works_what_does_not_who_helps_each_once() -> None:
    decision = decide(facts(admins=()), ["reports", "invoicing", "x", "y"])
    # One support request: what the organisation may have ordered, and a retry that fails, join it.
    assert decision.script == (
        rights("service.granted", {"services": [REPORTS], "n": 1}),
        rights("service.no-admin", {"missing": [INVOICING], "n": 1, "orgs": 1}),
        ScriptPart("service.not-subscribed.some", {"n": 2, "orgs": 1}),
        # The ticket is for a right (no one to grant it): told once verified; the order check before.
        rights("next.ticket", {}),
        ScriptPart("next.order-check.ticketed", {"n": 2, "orgs": 1}, personal=True,
                   unverified="next.order-check"),
        ScriptPart("service.granted.retry.ticketed", {"services": [REPORTS], "n": 1}, personal=True),
    )
    assert decision.actions == (Action("service.no-admin", (INVOICING,)), Action("service.not-subscribed"),
                                Action("service.granted", (REPORTS,)))
    every = decide(facts(), ["x", "y"])
    assert every.script == (ScriptPart("service.not-subscribed", {"n": 2, "orgs": 1}),
                            ScriptPart("next.order-check", {"n": 2, "orgs": 1}))


@pytest.mark.parametrize(("changes", "rule"), [
    ({"organisation": None, "admins": ()}, "no-organisation"),
    ({"admins": ()}, "no-admin"),
    ({"user": a_user(is_admin=True, last_login=None), "admins": ()}, "user-is-admin"),
])
def test_a_service_blocked_for_the_logins_own_reason_says_it_once(changes: dict, rule: str) -> None:
    changes.setdefault("user", a_user(last_login=None))
    decision = decide(facts(**changes), ["invoicing"])
    assert decision.rule == f"login.{rule}"
    keys = [p.key for p in decision.script]
    # With no organisation, what the link would bring is said of a service they lack (N15-1).
    same = "service.no-organisation" if rule == "no-organisation" else "service.same-reason"
    assert keys[-2:] == [same, "next.ticket"] and keys.count("next.ticket") == 1


def test_an_orphan_asking_about_a_service_hears_the_reason_and_the_ticket_once() -> None:
    decision = decide(facts(a_user(last_login=None), organisation=None, admins=()), ["invoicing"])
    assert decision.script == (ScriptPart("login.no-organisation"),
                               rights("service.no-organisation", {"missing": [], "n": 1}),
                               ScriptPart("next.ticket"))
