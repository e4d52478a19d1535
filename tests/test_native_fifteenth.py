"""Issue 13, the fifteenth native review (N15): whole calls where several things are wrong."""

from __future__ import annotations

import json
from pathlib import Path

LOGIN = "urn:postisupport:scim:schemas:extension:login:1.0:User"
ORGANISATION = "urn:postisupport:scim:schemas:extension:organisation:1.0:Group"


def _data(tmp_path: Path) -> Path:
    """Ilkka: in no organisation, with the right to Reporting, deactivated, found by his old ID. Bertil:
    the only administrator of Baskens Ab, locked, found by his old ID."""
    ilkka = {"id": "u-1", "userName": "ilkka.irrallinen@example.net", "displayName": "Ilkka Irrallinen",
             "active": False, "entitlements": [{"value": "reports", "display": "Reporting"}],
             LOGIN: {"legacyUserId": "IRRA0013", "lastLoginTime": "2021-03-01T08:00:00Z"}}
    bertil = {"id": "u-2", "userName": "bertil@baskens.example.com", "displayName": "Bertil Bask",
              "active": True, "roles": [{"value": "admin"}],
              LOGIN: {"legacyUserId": "BASK0001", "accountLocked": True,
                      "lastLoginTime": "2021-03-01T08:00:00Z"}}
    riikka = {"id": "u-3", "userName": "riikka@baskens.example.com", "displayName": "Riikka Rikkinen",
              "active": True, "emails": [{"value": "riikka@baskens.example.com", "primary": True},
                                         {"value": "riikka@koti.example.net"}],
              LOGIN: {"accountLocked": True, "forcePasswordReset": True,
                      "lastLoginTime": "2021-03-01T08:00:00Z", "passwordResetSentAt": "2021-01-17T06:00:00Z",
                      "passwordResetSentTo": "riikka@koti.example.net"}}
    lars = {"id": "u-4", "userName": "lars@baskens.example.com", "displayName": "Lars Lind", "active": True,
            "emails": [{"value": "lars@baskens.example.com", "primary": True},
                       {"value": "lars@hem.example.net"}],
            LOGIN: {"lastLoginTime": "2021-03-01T08:00:00Z"}}
    path = tmp_path / "n15.json"
    path.write_text(json.dumps({"Users": [ilkka, bertil, riikka, lars], "Groups": [
        {"id": "g-bask", "displayName": "Baskens Ab",
         "members": [{"value": "u-2"}, {"value": "u-3"}, {"value": "u-4"}],
         ORGANISATION: {"businessId": "7654321-2", "services": []}}]}), encoding="utf-8")
    return path


def _said(run, data: Path, *args: str) -> str:
    result = run("--sandbox-data", str(data), "diagnose", *args, "--script", "--no-audit", "--verified")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_a_right_held_by_a_caller_in_no_organisation_is_said_as_theirs(run, tmp_path: Path) -> None:
    """N15-1: "You don't have access to Reporting either; that is sorted out the same way", though the
    caller has the right, and the service they lack was not said at all."""
    assert _said(run, _data(tmp_path), "IRRA0013", "-s", "reports", "-s", "invoicing", "--lang", "en") == (
        "Your account has been deactivated. Your account isn't linked to any organisation, so you have no"
        " administrator who could help. You already have access to Reporting, but it will only open once "
        "you can log in and your account is linked to an organisation. You don't have access to the other"
        " service you asked about; for that, your account must first be linked to an organisation. I'll "
        "pass this on to our e-services support as a support request, and they will get back to you. Once "
        "you can log in, use your e-mail address: the old user ID no longer works. The e-mail "
        "address you log in with is ilkka.irrallinen@example.net.\n")


def _do(run, data: Path | None, *args: str) -> list[str]:
    source = ("--sandbox-data", str(data)) if data is not None else ("--sandbox",)
    result = run(*source, "diagnose", *args, "--no-audit", "--ui-lang", "en")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    return lines[1:lines.index("")]


def test_a_closed_account_in_no_organisation_is_escalated_to_be_opened_too(run, tmp_path: Path) -> None:
    """N15-5: the ticket asked only for the link; once linked, the account was still deactivated."""
    assert _do(run, _data(tmp_path), "IRRA0013", "--verified") == [
        "Do this: Find the caller's organisation by its business ID and escalate to have",
        "the account linked and reactivated (ticket: Login / no organisation, account",
        "deactivated)."]


def test_the_only_administrator_locked_and_found_by_the_old_id_has_no_address_to_check(
        run, tmp_path: Path) -> None:
    """N15-3: "Check that the caller's address is the login address" for a caller who gave no address,
    and whose lock stops the login whatever the address."""
    # Her own lock asked to be opened in the same ticket (N17-12).
    assert _do(run, _data(tmp_path), "BASK0001", "--verified") == [
        "Do this: Escalate to e-services support (ticket: Login / administrator). In the",
        "same ticket, ask for the caller's own account to be unlocked."]


def test_a_caller_in_no_organisation_is_compared_by_name_alone(run) -> None:
    """N15-4: asked for the organisation and business ID and compared with a line that had neither."""
    assert _do(run, None, "timo.lahtinen@example.net") == [
        "Do this: Find the caller's organisation by its business ID and escalate to have",
        "the account linked (ticket: Login / no organisation).",
        "Verify first: Ask their name without reading it out, and compare with the line",
        "below; the account is linked to no organisation, so write down which",
        "organisation and business ID they act for, for the ticket. Then run again with",
        "--verified.",
        "  Timo Lahtinen"]


def test_administrators_who_only_cannot_log_in_are_helped_to_not_reopened(run) -> None:
    """N15-9: "an administrator's account reopened", though the administrators' accounts are open: one
    has not logged in since the renewal, the other's last login failed. One of them is said as one
    (N16-5)."""
    assert _do(run, None, "grace.taylor@sample.example.com", "-s", "reports", "--verified")[1:] == [
        "Reporting: confirm the caller may act for the organisation, then escalate: its",
        "administrator's account is open, but they can't log in just now (see below), so",
        "they need help logging in, or a new one is named (ticket: Services / no",
        "administrator)."]


def test_a_locked_caller_whose_request_went_to_another_address_hears_which_logs_in(
        run, tmp_path: Path) -> None:
    """N15-6: on the locked path the request's address (by the seed page's test, the login one) was not
    said, nor that only the login address works on the change page."""
    assert _said(run, _data(tmp_path), "riikka@baskens.example.com", "--lang", "en").endswith(
        "Once your account is open again, you'll also need to change your password. We sent the request on "
        "17 January 2021 to your other address, riikka@koti.example.net, but you can only log in with "
        "riikka@baskens.example.com: enter that address at https://www.posti.fi/changepassword, and you'll "
        "get instructions by e-mail.\n")


def test_a_caller_who_gave_another_address_asking_about_a_service_hears_which_logs_in(
        run, tmp_path: Path) -> None:
    """N15-7: on a service path, a caller who gave another address on the account never heard that only
    the login address works, nor which it is."""
    assert _said(run, _data(tmp_path), "lars@hem.example.net", "-s", "reports", "--lang", "en").startswith(
        "You can't log in with the address you gave: your account has more than one e-mail address, but only "
        "one of them works for logging in. The e-mail address you log in with is "
        "lars@baskens.example.com. ")

