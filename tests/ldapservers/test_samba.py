"""The LDAP source against a real Samba AD domain controller, read through the ad preset (issue 15):
every runbook outcome its data can express, every identifier form AD has (the UPN, a proxy address,
DOMAIN\\name, name@REALM, a lower-case legacy ID), and what AD can't tell said as unknown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ldapservers.samba import PEOPLE, READER, READER_PASSWORD, Samba

pytestmark = pytest.mark.slow
UNKNOWN = ["reset_sent_at", "reset_sent_to", "organisation_services"]


def diagnosis(run: Any, environ: dict[str, str], server: Samba, *args: str) -> dict[str, Any]:
    environ.update({"POSTISUPPORT_BIND_DN": READER, "POSTISUPPORT_BIND_PASSWORD": READER_PASSWORD})
    result = run("--api", server.url, "--no-audit", "diagnose", *args, "--json", "--verified")
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = result.json()
    return document


def summary(document: dict[str, Any]) -> tuple[Any, ...]:
    return (document["outcome"], document["rule"], document["matched_by"],
            (document["user"] or {}).get("id"), [a["displayName"] for a in document["admins"]],
            [a["displayName"] for a in document["unable_admins"]])


@pytest.mark.parametrize(("identifier", "expected"), [
    # samba-tool's --must-change-at-next-login: pwdLastSet 0.
    ("aino.virtanen@example.fi", ("change-password", "login.reset-pending", "userName", "aino",
                                  ["Matti M\u00e4kinen"], [])),
    ("esim0102", ("use-login-email", "login.not-login-email", "legacyUserId", "matti", [], [])),
    # Locked by the domain's lockout policy after three bad binds.
    ("kaisa.laine@example.fi", ("contact-admin", "login.contact-admin", "userName", "kaisa",
                                ["Matti M\u00e4kinen"], [])),
    # Disabled (userAccountControl 0x2); the only administrator (a member of managedBy's group) locked.
    ("lauri.nieminen@example.com", ("contact-customer-service", "login.no-admin", "userName", "lauri", [],
                                    ["Sanna Koski"])),
    ("sanna.koski@example.com", ("contact-customer-service", "login.user-is-admin", "userName", "sanna",
                                 [], [])),
    ("olli.ojala@example.com", ("contact-customer-service", "login.no-admin", "userName", "olli", [],
                                ["Sanna Koski"])),
    ("nobody@example.fi", ("not-found", "lookup.not-found", None, None, [], [])),
])
def test_every_outcome_its_data_expresses(run, environ, samba, identifier: str,
                                          expected: tuple[Any, ...]) -> None:
    user = expected[3]
    assert summary(diagnosis(run, environ, samba, identifier)) == (
        *expected[:3], PEOPLE[user].dn if user else None, *expected[4:])


@pytest.mark.parametrize(("identifier", "matched_by"), [
    ("EXAMPLE\\ESIM0105", "legacyUserId"),  # the down-level logon name: it still logs in on AD
    ("example\\esim0105", "legacyUserId"),
    ("esim0105@ad.example.com", "legacyUserId"),  # name@REALM, the realm being no account's address
    ("ESIM0105@AD.EXAMPLE.COM", "legacyUserId"),
    ("kaisa.laine@example.fi", "userName"),  # the UPN
    ("esim0105", "legacyUserId"),
])
def test_every_identifier_form_ad_has_resolves(run, environ, samba, identifier: str, matched_by: str) -> None:
    document = diagnosis(run, environ, samba, identifier)
    assert (document["matched_by"], document["user"]["id"]) == (matched_by, PEOPLE["kaisa"].dn)


def test_a_proxy_address_is_another_address_on_the_account(run, environ, samba) -> None:
    document = diagnosis(run, environ, samba, "aino.v@example.net")
    assert (document["matched_by"], document["user"]["emails"]) == (
        "email", ["aino.virtanen@example.fi", "aino.v@example.net"])


def test_another_domain_of_the_same_name_is_not_ours(run, environ, samba) -> None:
    assert summary(diagnosis(run, environ, samba, "OTHER\\ESIM0105"))[:3] == (
        "not-found", "lookup.not-found", None)


def test_the_facts_as_ad_keeps_them(run, environ, samba) -> None:
    document = diagnosis(run, environ, samba, "kaisa.laine@example.fi")
    user = document["user"]
    assert {k: user[k] for k in ("userName", "displayName", "active", "isAdmin", "legacyUserId",
                                 "preferredLanguage", "forcePasswordReset", "accountLocked", "lastLoginTime",
                                 "entitlements")} == {
        "userName": "kaisa.laine@example.fi", "displayName": "Kaisa Laine", "active": True, "isAdmin": False,
        "legacyUserId": "ESIM0105", "preferredLanguage": "fi", "forcePasswordReset": False,
        "accountLocked": True, "lastLoginTime": None, "entitlements": []}
    assert (user["lastPasswordUpdateTime"] is not None, user["lastFailedLoginTime"] is not None) == (
        True, True)
    assert document["unknown"] == UNKNOWN
    assert {k: document["organisation"][k] for k in ("name", "businessId")} == {
        "name": "Esimerkki Oy", "businessId": "2345678-0"}
    matti = diagnosis(run, environ, samba, "matti.makinen@example.fi")["user"]
    assert (matti["isAdmin"], matti["lastLoginTime"] is not None, matti["phone"]) == (
        True, True, "+358 40 000 0102")
    assert [s["id"] for s in matti["entitlements"]] == ["invoicing", "reporting"]


def test_an_ou_without_business_category_has_its_business_id_unknown(run, environ, samba) -> None:
    document = diagnosis(run, environ, samba, "olli.ojala@example.com")
    assert (document["organisation"]["businessId"], document["unknown"]) == (
        None, ["reset_sent_at", "reset_sent_to", "business_id", "organisation_services"])


def test_an_organisation_by_business_id_and_a_caller_by_name(run, environ, samba) -> None:
    organisation = diagnosis(run, environ, samba, "2345678-0")
    assert (organisation["outcome"], [a["displayName"] for a in organisation["admins"]]) == (
        "organisation", ["Matti M\u00e4kinen"])
    by_name = diagnosis(run, environ, samba, "Aino Virtanen", "--org", "Esimerkki Oy")
    assert summary(by_name)[:4] == ("change-password", "login.reset-pending", "name", PEOPLE["aino"].dn)


def test_bulk_shell_capture_replay_and_doctor_against_it(run, environ, samba, tmp_path: Path) -> None:
    environ.update({"POSTISUPPORT_BIND_DN": READER, "POSTISUPPORT_BIND_PASSWORD": READER_PASSWORD})
    rows = tmp_path / "users.csv"
    rows.write_text("identifier\naino.virtanen@example.fi\nEXAMPLE\\ESIM0105\next0201\nnobody@example.fi\n")
    out = tmp_path / "out.csv"
    bulk = run("--api", samba.url, "--no-audit", "bulk", str(rows), "-o", str(out))
    assert bulk.exit_code == 0, bulk.stderr
    assert [line.split(",")[3] for line in out.read_text().splitlines()[1:]] == [
        "change-password", "contact-admin", "contact-customer-service", "not-found"]
    shell = run("--api", samba.url, "--no-audit", "shell", input="esim0101\nesim0105\n")
    # Each look-up's screen opens with its step (a long one ends with it too, near the prompt).
    assert (shell.exit_code, shell.stdout.startswith("Step 1 \u2014 the password must be changed\n"),
            "\nStep 3 \u2014 the organisation's administrator can help\n" in shell.stdout) == (0, True, True)
    captured = tmp_path / "ticket.json"
    made = run("--api", samba.url, "--no-audit", "capture", "esim0105@ad.example.com", "-o", str(captured))
    assert made.exit_code == 0, made.stderr
    assert READER_PASSWORD not in captured.read_text()
    replayed = run("replay", str(captured), "--json")
    assert (replayed.exit_code, replayed.json()["outcome"], replayed.json()["matched_by"]) == (
        0, "contact-admin", "legacyUserId"), replayed.stderr
    doctor = run("--api", samba.url, "--no-audit", "doctor", "--json")
    assert {c["id"]: c["status"] for c in doctor.json()} == {
        "tls": "warn", "rootdse": "pass", "schema": "pass", "users": "pass", "filters": "pass",
        "password-policy": "pass", "positive-controls": "pass", "coverage": "pass", "latency": "pass"}


def _personal(document: str) -> list[str]:
    """The seed's personal values (and its OUs', domain's and realm's names) a pseudonymised file holds;
    the stand-ins' own domain is example.com."""
    values = {"Esimerkki", "Example Trading", "2345678-0", "example.fi", "example.net", "DC=example", "DC=ad",
              "AD.EXAMPLE", "EXAMPLE\\", "Trading admins"}
    for person in PEOPLE.values():
        values |= {person.account, person.upn, person.name, person.given, person.surname,
                   *filter(None, [person.phone, person.proxy])}
    return sorted(v for v in values if v.casefold() in document.casefold())


@pytest.mark.parametrize(("args", "expected"), [
    (("aino.virtanen@example.fi", "-s", "invoicing"), ("change-password", "login.reset-pending")),
    (("aino.v@example.net",), ("change-password", "login.reset-pending")),
    (("esim0102", "-s", "reporting"), ("no-fault-found", "service.granted")),
    (("kaisa.laine@example.fi",), ("contact-admin", "login.contact-admin")),
    (("Sanna.Koski@Example.com",), ("contact-customer-service", "login.user-is-admin")),
])
def test_a_pseudonymised_capture_names_no_one_and_replays_alike(run, environ, samba, tmp_path: Path,
                                                                 args: tuple[str, ...],
                                                                 expected: tuple[str, str]) -> None:
    """The DNs' names, the addresses (a proxy address's smtp: kept), IDs, names and phones replaced,
    the service groups' names kept (the services are read from them), the rootDSE cut to its naming
    contexts: the replay's searches find the same entries and decide as the live look-up did."""
    environ.update({"POSTISUPPORT_BIND_DN": READER, "POSTISUPPORT_BIND_PASSWORD": READER_PASSWORD})
    captured = tmp_path / "ticket.json"
    made = run("--api", samba.url, "--no-audit", "capture", *args, "--pseudonymise", "-o", str(captured))
    assert made.exit_code == 0, made.stderr
    assert _personal(captured.read_text()) == []
    replayed = run("replay", str(captured), "--json")
    assert (replayed.exit_code, replayed.json()["outcome"], replayed.json()["rule"]) == (0, *expected), \
        replayed.stderr
    if "-s" in args:
        assert [s["rule"] for s in replayed.json()["services"]] == ["service.granted"]


def test_a_down_level_name_is_not_pseudonymised(run, environ, samba, tmp_path: Path) -> None:
    """DOMAIN\\name is read through the domain's NetBIOS name, which a pseudonymised file does not keep:
    its stand-in would find no one, so the capture is refused before anything is written."""
    environ.update({"POSTISUPPORT_BIND_DN": READER, "POSTISUPPORT_BIND_PASSWORD": READER_PASSWORD})
    captured = tmp_path / "ticket.json"
    made = run("--api", samba.url, "--no-audit", "capture", "EXAMPLE\\ESIM0105", "--pseudonymise", "-o",
               str(captured))
    assert (made.exit_code, made.stderr, captured.exists()) == (
        2, "postisupport: error: --pseudonymise can't keep a look-up by a down-level name (DOMAIN\\name or "
           "name@REALM): its stand-in would find no one; capture it by the caller's address or legacy ID\n",
        False)
