"""Issue 14, part 1: what the directory can't tell is unknown, never read as false or none. A rule whose
condition is unknown does not fire silently: it is asked of the caller, in the runbook's order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from postisupport.core.facts import FACT_NAMES, Contact, fact_names
from postisupport.core.rules import CHANGE_PASSWORD_URL, Check, Evidence, ScriptPart, decide
from tests.servers import serving
from tests.test_attacked_sixth import LOGIN, Mutating, Query, resources, verified_json
from tests.test_rules import ADMIN, LOGGED_IN, REPORTS, SENT, a_user, facts

ASK = ScriptPart("check.reset-pending", {"change_url": CHANGE_PASSWORD_URL})
EARLIER = datetime(2021, 1, 10, 6, tzinfo=UTC)


def test_an_unknown_forced_reset_is_asked_first_then_the_known_facts_decide() -> None:
    decision = decide(facts(a_user(unknown=frozenset({"force_password_reset"}))))
    assert (decision.rule, decision.step) == ("login.contact-admin", 3)
    assert decision.script[0] == ASK
    assert [p.key for p in decision.script] == [
        "check.reset-pending", "login.contact-admin.then.nothing-seen", "detail.admins.said",
        "detail.contact"]
    assert decision.considered[0] == Check(
        "login.reset-pending", None,
        (("forcePasswordReset", None), ("passwordResetSentAt", None), ("lastPasswordUpdateTime", None),
         ("accountState", None)), None, ("reset_requested",))
    assert decision.evidence[0] == Evidence("login.reset-pending", "unknown", ["reset_requested"])


def test_a_known_forced_reset_decides_whatever_else_is_unknown() -> None:
    user = a_user(force_password_reset=True, unknown=frozenset({"reset_sent_at", "last_login"}))
    decision = decide(facts(user))
    assert (decision.rule, [p.key for p in decision.script]) == (
        "login.reset-pending", ["detail.login-email", "login.reset-pending"])
    assert decision.considered[0].fired is True
    assert decision.considered[0].unknown == ()


def test_a_request_whose_change_time_is_unknown_is_not_read_as_never_changed() -> None:
    """reset_sent_at known, the change unknown: the change may have come after, so it is asked."""
    user = a_user(reset_sent_at=SENT, unknown=frozenset({"last_password_update"}))
    assert (user.reset_pending, user.reset_unknown) == (False, ("last_password_update",))
    assert decide(facts(user)).evidence[0] == Evidence("login.reset-pending", "unknown",
                                                       ["password_changed_at"])
    # With no request known, the change's time tells nothing: nothing is asked.
    quiet = a_user(unknown=frozenset({"last_password_update"}))
    assert (quiet.reset_pending, quiet.reset_unknown) == (False, ())
    assert (decide(facts(quiet)).script[0].key, decide(facts(quiet)).script[0].unverified) == (
        "login.contact-admin.nothing-seen", "login.contact-admin")


def test_a_request_sent_at_an_unknown_time_is_asked() -> None:
    user = a_user(last_password_update=EARLIER, unknown=frozenset({"reset_sent_at"}))
    assert user.reset_unknown == ("reset_sent_at",)
    assert decide(facts(user)).considered[0].unknown == ("reset_sent_at",)


@pytest.mark.parametrize("change", [{"active": False}, {"locked": True}])
def test_a_closed_account_is_not_asked_about_the_password(change: dict[str, Any]) -> None:
    """It can't log in whatever its password: steps 1 and 2 wait until it is open again."""
    decision = decide(facts(a_user(unknown=frozenset({"force_password_reset"}), **change)))
    assert "check.reset-pending" not in [p.key for p in decision.script]
    assert (decision.considered[0].rule, decision.considered[0].fired) == ("login.reset-pending", False)


def test_an_unknown_reset_goes_before_step_2s_login_after_the_address_it_asks_for() -> None:
    decision = decide(facts(a_user(unknown=frozenset({"force_password_reset"})), matched_by="legacyUserId"))
    assert (decision.rule, [(p.key, p.unverified) for p in decision.script]) == ("login.not-login-email", [
        ("login.not-login-email", None), ("detail.login-email", None),
        ("check.reset-pending.told", "check.reset-pending.came-to"),
        ("login.with-current-password.otherwise", "login.with-current-password.otherwise.if-known"),
        ("then.address-unknown.admin.still-failing", None), ("then.still-failing.admin", None)])
    # Who can tell the login address is said only until it may be said; step 3 after it only once it is.
    assert [(p.until_verified, p.personal) for p in decision.script[-2:]] == [(True, False), (False, True)]
    by_login = decide(facts(a_user(unknown=frozenset({"force_password_reset"}))))
    assert [p.key for p in by_login.script] == [
        "check.reset-pending", "login.contact-admin.then.nothing-seen", "detail.admins.said",
        "detail.contact"]


def test_an_unknown_last_login_is_not_read_as_never_logged_in() -> None:
    user = a_user(last_login=None, unknown=frozenset({"last_login"}))
    assert (user.login_state, user.login_unknown) == (None, ("last_login",))
    # Sent unreadable: whether they can act is unknown (A20-5); told absent (untold), they can.
    assert (user.contact().state, replace(user, untold=frozenset({"last_login"})).contact().can_act) == (
        "unknown", True)
    # A service question goes to the services: nothing known stops the login.
    decision = decide(facts(user), ["reports"])
    assert (decision.rule, decision.step) == ("service.granted", None)
    # A failed login at an unknown time after a known login: not known to fail.
    failed = a_user(unknown=frozenset({"last_failed_login"}))
    assert (failed.login_state, failed.login_unknown) == (None, ("last_failed_login",))
    # A login known to be from before the renewal tells, whatever the failed one.
    old = a_user(last_login=EARLIER, unknown=frozenset({"last_failed_login"}))
    assert (old.login_state, old.login_unknown) == ("not-logged-in", ())


def test_an_administrator_whose_login_is_unknown_is_help_the_runbook_offers() -> None:
    # A directory that records no logins (told unknown): the administrator is the help it offers.
    admin = a_user(id="u-2", is_admin=True, last_login=None, unknown=frozenset({"last_login"}),
                   untold=frozenset({"last_login"}))
    assert admin.contact() == Contact("u-2", "Aino", "aino@example.fi", None, True, False, None)
    assert replace(admin, last_login=LOGGED_IN, unknown=frozenset()).contact().can_act


def test_the_vocabulary_names_facts_in_its_own_order() -> None:
    assert fact_names(["emails", "last_login", "force_password_reset", "nonsense"]) == (
        "reset_requested", "last_login", "emails")
    assert len(set(FACT_NAMES.values())) == len(FACT_NAMES)
    assert ADMIN.can_act and REPORTS.id == "reports"


JOHANNA = "johanna.makinen@esimerkki.example.fi"


def forced_unreadable(path: str, query: Query, body: Any) -> None:
    for resource in resources(body):
        if resource.get("userName") == JOHANNA:
            resource[LOGIN]["forcePasswordReset"] = "sometimes"


def test_through_the_cli_an_unreadable_forced_reset_is_null_listed_and_asked(run, environ) -> None:
    environ.update({"NO_COLOR": "1", "COLUMNS": "200"})
    with serving(Mutating(forced_unreadable)) as url:
        doc = verified_json(run, url, JOHANNA, "--lang", "en")
        shown = run("--api", url, "diagnose", JOHANNA, "--no-audit", "--verified", "--explain",
                    "--lang", "en", "--ui-lang", "en")
    assert (doc["schema_version"], doc["rule"], doc["step"], doc["unknown"]) == (
        7, "login.contact-admin", 3, ["reset_requested"])
    assert (doc["user"]["forcePasswordReset"], doc["user"]["resetPending"], doc["user"]["accountLocked"]) == (
        None, None, False)
    assert doc["considered"][0] == {
        "rule": "login.reset-pending", "service": None, "fired": None,
        "read": {"forcePasswordReset": None, "passwordResetSentAt": None, "lastPasswordUpdateTime": None,
                 "accountState": None},
        "unknown": ["reset_requested"]}
    assert doc["considered"][1]["unknown"] == []
    assert doc["script"]["text"].startswith(
        "Have you had an e-mail asking you to change your password? If you have, change it first: go to "
        f"{CHANGE_PASSWORD_URL} and enter the e-mail address you log in with, and you'll get instructions "
        "by e-mail; then log in again. If you haven't, or logging in still doesn't work, something else is "
        "stopping you. I can't see on your account what it is, ")
    lines = [" ".join(line.split()) for line in shown.stdout.splitlines()]
    assert " ".join(lines[1:lines.index("")]) == ("Do this: First ask whether they have had an e-mail "
                                                  "asking them to change the "
                        "password "
                        "(the directory can't tell); if so, they change it at posti.fi/changepassword. "
                        "Give the "
                        "caller the administrator's contact details.")
    assert "Password change required can't be read (see data problems)" in lines
    assert [line for line in lines if line.startswith("login.reset-pending ")] == [
        "login.reset-pending can't tell (reset_requested) forcePasswordReset=-, passwordResetSentAt=-, "
        "lastPasswordUpdateTime=-, accountState=-",
        "login.reset-pending unknown reset_requested"]


# -- what the directory never records (its source's capabilities): Facts.unrecorded --------------------

NOT_RECORDED = frozenset({"force_password_reset", "reset_sent_at", "last_password_update", "last_login",
                          "last_failed_login", "locked", "organisation_services", "business_id"})
USER_UNRECORDED = NOT_RECORDED - {"organisation_services", "business_id"}


def core_directory(**changes: Any) -> Any:
    """The facts as a directory of the core schema gives them: the login's facts unknown for everyone."""
    user = a_user(last_login=None, unknown=USER_UNRECORDED, **changes)
    return facts(user, unrecorded=NOT_RECORDED)


def test_services_a_directory_does_not_record_are_never_not_among_the_organisations() -> None:
    """Unknown subscriptions: the administrator checks the right (the runbook's part B), never "your
    organisation does not subscribe"."""
    decision = decide(core_directory(entitlements=()), ["invoicing"])
    assert [(v.asked, v.rule) for v in decision.services] == [("invoicing", "service.missing-right")]
    assert Check("service.not-subscribed", None, (), "invoicing", ("organisation_services",)) \
        in decision.considered
    assert "service.not-subscribed" not in [p.key for p in decision.script]
    granted = decide(core_directory(entitlements=(REPORTS,)), ["reports"])
    assert [v.rule for v in granted.services] == ["service.granted"]


def test_a_directory_that_records_no_logins_asks_about_the_reset_and_sends_to_the_administrator() -> None:
    decision = decide(core_directory())
    assert (decision.rule, [p.key for p in decision.script][:2]) == (
        "login.contact-admin", ["check.reset-pending", "login.contact-admin.then"])
    assert decision.evidence[0] == Evidence("login.reset-pending", "unknown",
                                            ["reset_requested", "reset_sent_at"])


def test_the_json_lists_every_unknown_and_the_screen_says_once_what_is_not_recorded() -> None:
    from postisupport.core.report import report
    from postisupport.output.document import as_json
    from postisupport.output.screen import screen
    from postisupport.output.view import View

    found = core_directory()
    rep = report(found, decide(found), "en")
    document = as_json(rep, View(verified=True))
    assert document["unknown"] == ["reset_requested", "reset_sent_at", "password_changed_at", "last_login",
                                   "last_failed_login", "locked", "business_id", "organisation_services"]
    assert (document["user"]["resetPending"], document["user"]["lastLoginTime"],
            document["user"]["accountLocked"]) == (None, None, None)
    from rich.console import Console

    console = Console(width=200, record=True, color_system=None)
    console.print(screen(rep, View(verified=True)))
    lines = [" ".join(line.split()) for line in console.export_text().splitlines()]
    assert [line for line in lines if "recorded" in line or line.startswith(("Last login", "Reset"))] == [
        "Not recorded by this directory Password change required, Reset request sent, Password changed, "
        "Last login, Last failed login, Account locked"]


def test_the_question_asks_what_the_directory_can_not_tell_not_what_it_can() -> None:
    """Native review 9, N9-01: a caller whose request of 17 January was acted on the next day was asked
    whether they had had a password-change e-mail: yes, truly, and told to change the password again."""
    changed = datetime(2021, 1, 18, 8, tzinfo=UTC)
    after_change = decide(facts(a_user(reset_sent_at=SENT, last_password_update=changed,
                                       unknown=frozenset({"force_password_reset"}))))
    # When the password was last changed is the account's own (N21-7).
    assert after_change.script[0] == ScriptPart("check.reset-pending.since",
                                                {"change_url": CHANGE_PASSWORD_URL, "changed_at": changed},
                                                personal=True, unverified="check.reset-pending")
    change_unknown = decide(facts(a_user(reset_sent_at=SENT, unknown=frozenset({"last_password_update"}))))
    assert change_unknown.script[0] == ScriptPart("check.reset-pending.changed",
                                                  {"change_url": CHANGE_PASSWORD_URL, "sent_at": SENT})
    from postisupport.output.script import script_text

    assert script_text(after_change, "en").startswith(
        "You last changed your password on 18 January 2021. Have you had a new e-mail since then asking you "
        "to change it? ")
    assert script_text(change_unknown, "en").startswith(
        "We sent you a request on 17 January 2021 to change your password. If you haven't changed it since, "
        "please do it first: ")
    # The condition closes its own sentence (N24-3); the helper says "that" of it until verified, and once
    # verified, with nothing else unknown of the account, that the agent can't see what it is (N25-1).
    said = script_text(change_unknown, "en", verified=False)
    assert "If you have, or logging in still doesn't work, something else is stopping you. " \
        "I can't fix that from here," in said
    assert "something else is stopping you. I can't see on your account what it is," in script_text(
        change_unknown, "en")


def test_the_service_rules_considered_are_recorded_as_they_were_weighed() -> None:
    """Mutation testing: what --explain and the JSON's `considered` show of the service path was not pinned
    (the rule, its subject, what it read), nor the unknown subscriptions' check."""
    from postisupport.core.facts import Contact, Membership, OrganisationFacts
    from tests.test_rules import INVOICING

    def check(rule: str, fired: bool | None, subject: str, *read: tuple[str, Any],
              unknown: tuple[str, ...] = ()) -> Check:
        return Check(rule, fired, read, subject, unknown)

    no_org = decide(facts(organisation=None, admins=()), ["reports"])
    assert no_org.considered == (check("service.granted", True, "reports", ("entitlements", 1)),
                                 check("service.no-organisation", True, "reports", ("organisation", None)))
    unknown = decide(core_directory(entitlements=()), ["invoicing"])
    # Whether a password change is pending, which this directory can't tell, is asked first (N10-8).
    assert unknown.considered == (
        Check("login.reset-pending", None, (("forcePasswordReset", None), ("passwordResetSentAt", None),
                                            ("lastPasswordUpdateTime", None), ("accountState", None)),
              None, ("reset_requested", "reset_sent_at")),
        check("service.granted", False, "invoicing", ("entitlements", 0)),
        check("service.not-subscribed", None, "invoicing", unknown=("organisation_services",)),
        check("service.other-admin", False, "invoicing", ("isAdmin", False), ("otherAdmins", 1)),
        check("service.user-is-admin", False, "invoicing", ("isAdmin", False)),
        check("service.no-organisation", False, "invoicing", ("organisation", "Esimerkki Oy")),
        check("service.no-admin", False, "invoicing", ("otherAdmins", 1), ("unableAdmins", 0)),
        check("service.missing-right", True, "invoicing", ("otherAdmins", 1)))
    other = OrganisationFacts("g-2", "Toinen Oy", "1234567-1", (INVOICING,))
    first = OrganisationFacts("g-1", "Esimerkki Oy", "2345678-0", (REPORTS,))
    there = facts(organisation=first, memberships=(Membership(first, (ADMIN,)), Membership(other, (ADMIN,))))
    assert decide(there, ["invoicing"]).considered == (
        check("service.granted", False, "invoicing", ("entitlements", 1)),
        check("service.other-organisation", True, "invoicing", ("organisations", 2)))
    away = Contact("u-9", "Other", "o@example.fi", active=False)
    nobody = facts(organisation=first, memberships=(Membership(first, (ADMIN,)), Membership(other, (away,))))
    assert decide(nobody, ["invoicing"]).considered == (
        check("service.granted", False, "invoicing", ("entitlements", 1)),
        check("service.other-organisation", False, "invoicing", ("organisations", 2)),
        check("service.user-is-admin", False, "invoicing", ("isAdmin", False), ("organisations", 2)),
        check("service.no-admin", True, "invoicing", ("organisations", 2), ("otherAdmins", 0)))
    # An administrator (here of both) is no one "without an administrator": their own rights (N19-6).
    admin = replace(nobody, user=a_user(is_admin=True))
    assert decide(admin, ["invoicing"]).considered[2:] == (
        check("service.user-is-admin", True, "invoicing", ("isAdmin", True), ("organisations", 2)),)
    for memberships in ((), (Membership(first, (ADMIN,)),)):  # one organisation: no other to look at
        assert decide(facts(organisation=first, memberships=memberships), ["parcels"]).considered == (
            check("service.granted", False, "parcels", ("entitlements", 1)),
            check("service.not-subscribed", True, "parcels", ("organisationServices", 1)))


def test_a_granted_service_beside_a_missing_one_after_the_question_reads_its_own_retry() -> None:
    """The question's "nothing else I can see stops you" replaces the sentences that say "I can't see a
    fault" (found by the login address or by name), and no other: "service.granted.retry.some" beside a
    missing right was renamed to a key no catalog has, and the script failed (KeyError)."""
    from postisupport.output.script import script_text

    asked = a_user(unknown=frozenset({"force_password_reset"}))
    decision = decide(facts(asked), ["reports", "invoicing"])
    by_name = decide(facts(asked, matched_by="name"), ["reports"])
    assert ([p.key for p in decision.script][-1], [p.key for p in by_name.script][-1]) == (
        "service.granted.retry.some", "service.granted.retry.asked.address")
    assert script_text(decision, "en").endswith(
        "If Reporting still won't open, log out and log in again; if that doesn't help, I'll open a support "
        "request for it.")
