"""The LDAP source against a real OpenLDAP with the ppolicy, memberof and lastbind overlays, read through
the openldap preset (issue 15): every runbook outcome its data can express, its identifier forms, what
it can't tell said as unknown, three searches a diagnosis, and never a write."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.ldapservers.openldap import (
    ESIMERKKI,
    PEOPLE,
    READER,
    READER_PASSWORD,
    READER_UTF8,
    READER_UTF8_PASSWORD,
    OpenLdap,
)

pytestmark = pytest.mark.slow


def postisupport(run: Any, environ: dict[str, str], server: OpenLdap, *args: str,
                 password: str = READER_PASSWORD, **given: Any) -> Any:
    environ.update({"POSTISUPPORT_BIND_DN": READER, "POSTISUPPORT_BIND_PASSWORD": password})
    result = run("--api", server.url, "--mapping", "openldap", "--no-audit", *args, **given)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def diagnosis(run: Any, environ: dict[str, str], server: OpenLdap, *args: str) -> dict[str, Any]:
    result = postisupport(run, environ, server, "diagnose", *args, "--json")
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = result.json()
    return document


@pytest.mark.parametrize(("identifier", "expected"), [
    # A password reset by an administrator under pwdMustChange: pwdReset.
    ("aino.virtanen@example.fi", ("change-password", 1, "login.reset-pending", "userName")),
    # The legacy ID, typed in lower case: the login address instead.
    ("esim0102", ("use-login-email", 2, "login.not-login-email", "legacyUserId")),
    # Locked by three bad binds: the administrator opens it.
    ("kaisa.laine@example.fi", ("contact-admin", 3, "login.contact-admin", "userName")),
    # Closed for good (000001010000Z), and the only administrator is locked: ours to solve.
    ("lauri.nieminen@example.com", ("contact-customer-service", 3, "login.no-admin", "userName")),
    # The administrator herself, locked: ours to solve. Stored in mixed case, asked in lower.
    ("sanna.koski@example.com", ("contact-customer-service", 3, "login.user-is-admin", "userName")),
    ("nobody@example.fi", ("not-found", 3, "lookup.not-found", None)),
])
def test_every_outcome_its_data_expresses(run, environ, openldap, identifier: str,
                                          expected: tuple[Any, ...]) -> None:
    document = diagnosis(run, environ, openldap, identifier)
    assert (document["outcome"], document["step"], document["rule"], document["matched_by"]) == expected


def test_the_facts_are_read_as_the_directory_keeps_them(run, environ, openldap) -> None:
    document = diagnosis(run, environ, openldap, "aino.virtanen@example.fi", "--verified")
    user = document["user"]
    assert {k: user[k] for k in ("id", "userName", "displayName", "active", "isAdmin", "emails",
                                 "preferredLanguage", "legacyUserId", "resetPending", "forcePasswordReset",
                                 "passwordResetSentAt", "passwordResetSentTo", "lastLoginTime",
                                 "accountLocked", "entitlements")} == {
        "id": PEOPLE["aino"].dn, "userName": "aino.virtanen@example.fi", "displayName": "Aino Virtanen",
        "active": True, "isAdmin": False, "emails": ["aino.virtanen@example.fi"], "preferredLanguage": "fi",
        "legacyUserId": "ESIM0101", "resetPending": True, "forcePasswordReset": True,
        "passwordResetSentAt": None, "passwordResetSentTo": None, "lastLoginTime": None,
        "accountLocked": False, "entitlements": [{"id": "invoicing", "name": "Invoicing"}]}
    assert user["lastPasswordUpdateTime"] is not None  # pwdChangedTime, set by the reset
    assert {k: document["organisation"][k] for k in ("id", "name", "businessId")} == {
        "id": PEOPLE["aino"].organisation, "name": "Esimerkki Oy", "businessId": "2345678-0"}
    assert [(a["displayName"], a["email"]) for a in document["admins"]] == [
        ("Matti M\u00e4kinen", "matti.makinen@example.fi")]


def test_what_openldap_cannot_tell_is_unknown(run, environ, openldap) -> None:
    document = diagnosis(run, environ, openldap, "olli.ojala@example.com", "--verified")
    assert document["unknown"] == ["reset_sent_at", "reset_sent_to", "password_changed_at", "business_id",
                                   "organisation_services"]
    assert document["organisation"]["businessId"] is None
    assert document["user"]["lastLoginTime"] is not None  # lastbind's authTimestamp


def test_a_login_and_a_lock_made_for_real(run, environ, openldap) -> None:
    matti = diagnosis(run, environ, openldap, "matti.makinen@example.fi", "--verified")
    assert (matti["user"]["isAdmin"], matti["user"]["lastLoginTime"] is not None) == (True, True)
    kaisa = diagnosis(run, environ, openldap, "esim0105", "--verified")["user"]
    assert (kaisa["accountLocked"], kaisa["active"], kaisa["lastFailedLoginTime"] is not None) == (
        True, True, True)
    lauri = diagnosis(run, environ, openldap, "ext0201", "--verified")["user"]
    assert (lauri["accountLocked"], lauri["active"]) == (False, False)


def test_a_user_an_alias_leads_to_outside_the_base_dn_is_in_an_organisation_unknown(run, environ,
                                                                                   openldap) -> None:
    """Attack 25, F13: a search under the base follows an alias (ldap3 asks for aliases to be
    dereferenced) to a user's entry outside it: the user, whose organisation above it no search under
    the base reads. It was "in no organisation"; it is unknown."""
    alias = f"uid=alias-olli,{ESIMERKKI}"
    with openldap.connection() as ldap:
        ldap.add(alias, ["alias", "extensibleObject"], {"uid": "alias-olli",
                                                        "aliasedObjectName": PEOPLE["olli"].dn})
    try:
        environ["POSTISUPPORT_BASE_DN"] = ESIMERKKI
        document = diagnosis(run, environ, openldap, "olli.ojala@example.com")
    finally:
        with openldap.connection() as ldap:
            ldap.delete(alias)
    assert (document["rule"], document["user"]["id"], document["organisation"], document["data_problems"],
            "organisation" in document["unknown"]) == (
        "login.organisation-unknown", PEOPLE["olli"].dn, None,
        [f"the user's entry {PEOPLE['olli'].dn!r} is outside the base DN {ESIMERKKI!r}, so its organisation "
         "can't be told"], True)


def test_a_diagnosis_is_three_searches_on_one_bind(run, environ, openldap, tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    diagnosis(run, environ, openldap, "aino.virtanen@example.fi", "--trace", str(trace))
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    # The rootDSE is read once per connection, with the bind: not a search of the diagnosis.
    operations = [(r["method"], r["base"]) for r in records]
    assert operations[:2] == [("bind", ""), ("search", "")]
    assert [m for m, _ in operations[2:]] == ["search", "search", "search"]
    assert READER_PASSWORD not in trace.read_text()


def test_a_wrong_bind_password_is_an_auth_error_naming_its_variable(run, environ, openldap) -> None:
    result = postisupport(run, environ, openldap, "diagnose", "aino.virtanen@example.fi",
                          password="not-the-password-0000")
    assert (result.exit_code, result.stderr.strip()) == (
        3, "postisupport: error: the LDAP directory rejected the credentials (LDAP result 49): "
           "invalidCredentials; check POSTISUPPORT_BIND_DN and POSTISUPPORT_BIND_PASSWORD")
    assert "not-the-password-0000" not in result.stdout + result.stderr


def test_a_caller_by_name_and_an_organisation_by_business_id(run, environ, openldap) -> None:
    by_name = diagnosis(run, environ, openldap, "Aino Virtanen", "--org", "Esimerkki Oy")
    assert (by_name["outcome"], by_name["matched_by"], by_name["user"]["id"]) == (
        "change-password", "name", PEOPLE["aino"].dn)
    organisation = diagnosis(run, environ, openldap, "2345678-0")
    assert (organisation["outcome"], organisation["organisation"]["name"],
            [a["displayName"] for a in organisation["admins"]]) == (
        "organisation", "Esimerkki Oy", ["Matti M\u00e4kinen"])


def test_verbose_says_each_ldap_operation_in_a_line(run, environ, openldap) -> None:
    result = postisupport(run, environ, openldap, "-v", "diagnose", "esim0101")
    lines = [line.rsplit(" ", 2)[0] for line in result.stderr.splitlines() if line.endswith(" ms")]
    dn = PEOPLE["aino"].dn
    assert lines == [
        "bind success (0)",
        "search (rootDSE) (objectClass=*) success (0) 1 entries",
        "search dc=example,dc=fi (&(objectClass=inetOrgPerson)(|(mail=esim0101)(uid=esim0101))) success (0) "
        "1 entries",
        f"search dc=example,dc=fi (|(entryDN={dn.split(',', 1)[1]})(entryDN=dc=example,dc=fi)"
        "(entryDN=cn=svc-invoicing,ou=groups,dc=example,dc=fi)) success (0) 3 entries",
        "search dc=example,dc=fi (&(objectClass=inetOrgPerson)(|(entryDN=cn=admins,o=Esimerkki Oy,dc=example,"
        "dc=fi)(memberOf=cn=admins,o=Esimerkki Oy,dc=example,dc=fi))) success (0) 1 entries",
    ]
    assert READER_PASSWORD not in result.stdout + result.stderr


def test_the_source_only_binds_and_searches(run, environ, openldap) -> None:
    since = openldap.log.stat().st_size
    for identifier in ("aino.virtanen@example.fi", "esim0105", "ext0201", "2345678-0", "nobody@example.fi"):
        diagnosis(run, environ, openldap, identifier)
    time.sleep(0.2)  # slapd writes its log line after it answers
    done = set(openldap.operations(since))
    assert "SRCH" in done
    assert done - {"BIND", "SRCH", "UNBIND", "RESULT", "SEARCH"} == set()


def test_auth_login_tries_the_bind_and_keeps_the_password_in_the_keyring(run, environ, openldap,
                                                                         memory_keyring) -> None:
    refused = run("auth", "login", "--profile", "ol", "--api", openldap.url, "--bind-dn", READER,
                  "--with-password", input="not-the-password-0000")
    assert (refused.exit_code, memory_keyring.entries) == (3, {})
    stored = run("--mapping", "openldap", "auth", "login", "--profile", "ol", "--api", openldap.url,
                 "--bind-dn", READER, "--with-password", input=READER_PASSWORD)
    assert stored.exit_code == 0, stored.stderr
    assert READER_PASSWORD not in stored.stdout + stored.stderr
    status = run("auth", "status", "--profile", "ol")
    assert (status.exit_code, status.stdout.splitlines()) == (0, [
        "profile        ol", f"api            {openldap.url}", "auth           bind",
        f"bind dn        {READER}", "bind password  keyring", "accepted       yes",
        "reads          what a look-up needs"])
    result = run("--profile", "ol", "--no-audit", "diagnose", "esim0101", "--json")  # the profile's mapping
    assert (result.exit_code, result.json()["outcome"]) == (0, "change-password")


def test_a_service_account_whose_password_is_not_ascii_binds_and_diagnoses(run, environ, env,
                                                                           openldap) -> None:
    """Attack 25, F8: a bind password with an \u00e4 was refused as a bearer token is ("a control or
    non-ASCII character", exit 2), from the environment and by auth login alike; a simple bind sends
    UTF-8 (RFC 4513 section 5.1.1). A control character in it is still refused, never shown."""
    environ.update({"POSTISUPPORT_BIND_DN": READER_UTF8, "POSTISUPPORT_BIND_PASSWORD": READER_UTF8_PASSWORD})
    from_environment = run("--api", openldap.url, "--mapping", "openldap", "--no-audit", "diagnose",
                           "esim0102", "--json")
    environ["POSTISUPPORT_BIND_PASSWORD"] = "Lukij\u00e4-salasana\a2021"
    control = run("--api", openldap.url, "--mapping", "openldap", "--no-audit", "diagnose", "esim0102")
    del environ["POSTISUPPORT_BIND_DN"], environ["POSTISUPPORT_BIND_PASSWORD"]
    stored = run("--mapping", "openldap", "auth", "login", "--profile", "utf8", "--api", openldap.url,
                 "--bind-dn", READER_UTF8, "--with-password", input=READER_UTF8_PASSWORD + "\n")
    status = run("auth", "status", "--profile", "utf8")
    by_profile = run("--profile", "utf8", "--no-audit", "diagnose", "esim0102", "--json")
    assert (from_environment.exit_code, from_environment.stderr) == (0, "")
    assert (from_environment.json()["outcome"], from_environment.json()["rule"]) == (
        "use-login-email", "login.not-login-email")
    assert (control.exit_code, control.stderr) == (
        2, "postisupport: error: POSTISUPPORT_BIND_PASSWORD: the secret holds a control or unprintable "
           "character\n")
    assert (stored.exit_code, stored.stderr) == (0, (
        f"profile utf8 saved in {env.config_dir / 'config.toml'}; its secret is in the keyring (the "
        "directory accepts it)\n"))
    assert (status.exit_code, status.stdout.splitlines()[3:]) == (0, [
        f"bind dn        {READER_UTF8}", "bind password  keyring", "accepted       yes",
        "reads          what a look-up needs"])
    assert (by_profile.exit_code, by_profile.json()["outcome"]) == (0, "use-login-email")
    said = [r.stdout + r.stderr for r in (from_environment, control, stored, status, by_profile)]
    assert [n for n, text in enumerate(said) if "Lukij" in text] == []


def test_auth_login_with_starttls_tries_it_and_keeps_it_in_the_profile(run, environ, env, openldap,
                                                                       memory_keyring) -> None:
    """--starttls given to auth login is used for its trial bind (exit 4 on a CA not trusted, nothing
    stored), and kept in the profile."""
    untrusted = run("--mapping", "openldap", "--starttls", "auth", "login", "--profile", "tls", "--api",
                    openldap.url, "--bind-dn", READER, "--with-password", input=READER_PASSWORD)
    assert (untrusted.exit_code, memory_keyring.entries) == (4, {}), untrusted.stderr
    stored = run("--mapping", "openldap", "--starttls", "--ca-bundle", str(openldap.ca_file), "auth", "login",
                 "--profile", "tls", "--api", openldap.url, "--bind-dn", READER, "--with-password",
                 input=READER_PASSWORD)
    assert stored.exit_code == 0, stored.stderr
    assert "starttls = true" in (env.config_dir / "config.toml").read_text()
    result = run("--profile", "tls", "--ca-bundle", str(openldap.ca_file), "--no-audit", "diagnose",
                 "esim0101", "--json")
    assert (result.exit_code, result.json()["outcome"]) == (0, "change-password"), result.stderr


def test_auth_status_says_an_account_that_sees_no_one(run, environ, openldap) -> None:
    environ["POSTISUPPORT_BASE_DN"] = "ou=service,dc=example,dc=fi"
    result = postisupport(run, environ, openldap, "auth", "status")
    assert (result.exit_code, result.stdout.splitlines()[-1], result.stderr.strip()) == (
        5, "reads          nothing a look-up needs",
        "postisupport: error: the service account sees no user under ou=service,dc=example,dc=fi "
        "((objectClass=inetOrgPerson)): it may lack the right to read them, or the base DN or the mapping is "
        "another")


def test_doctor_checks_the_directory(run, environ, openldap) -> None:
    result = postisupport(run, environ, openldap, "doctor", "--json")
    checks = {check["id"]: (check["status"], check["detail"]) for check in result.json()}
    assert result.exit_code == 0, result.stderr
    assert list(checks) == ["tls", "rootdse", "schema", "users", "filters", "password-policy",
                            "positive-controls", "coverage", "latency"]
    assert {k: v for k, v in checks.items() if k != "latency"} == {
        "tls": ("warn", "plain ldap:// to this machine: the password and answers are not encrypted (use "
                "ldaps:// for a directory elsewhere)"),
        "rootdse": ("pass", "base DN dc=example,dc=fi; realms and domains read as the legacy ID's "
                    "(DOMAIN\\name, name@REALM): not read (the mapping)"),
        "schema": ("pass", "all 16 attributes the mapping reads are declared"),
        "users": ("pass", "the service account sees users under dc=example,dc=fi: 6 users read"),
        "filters": ("pass", "a look-up for an address no one has finds no one"),
        "password-policy": ("pass", "of the 6 users read, carrying each state attribute: pwdReset 1, "
                            "pwdChangedTime 1, pwdAccountLockedTime 3, authTimestamp 2, pwdFailureTime 2"),
        "positive-controls": ("pass", "10 look-ups by what users carry each found the user"),
        "coverage": ("pass", "of the 6 users read, carrying each mapped fact: login_email 6, emails 6, "
                     "legacy_user_id 6, language 6, phone 1, reset_requested 1, password_changed_at 1, "
                     "locked 3, active 3, last_login 2, last_failed_login 2, organisation 6, business_id 1; "
                     "not kept by this directory, so unknown for everyone: reset_sent_at, reset_sent_to, "
                     "organisation_services"),
    }


def test_doctor_fails_an_account_that_sees_no_one(run, environ, openldap) -> None:
    environ["POSTISUPPORT_BASE_DN"] = "ou=service,dc=example,dc=fi"
    result = postisupport(run, environ, openldap, "doctor", "--json")
    statuses = {check["id"]: check["status"] for check in result.json()}
    assert (result.exit_code, statuses["users"], statuses["coverage"]) == (8, "fail", "warn")


def test_bulk_shell_capture_and_replay_against_it(run, environ, openldap, tmp_path: Path) -> None:
    rows = tmp_path / "users.csv"
    rows.write_text("identifier\naino.virtanen@example.fi\nesim0105\next0201\nnobody@example.fi\n")
    out = tmp_path / "out.csv"
    bulk = postisupport(run, environ, openldap, "bulk", str(rows), "-o", str(out))
    assert bulk.exit_code == 0, bulk.stderr
    assert [line.split(",")[3] for line in out.read_text().splitlines()[1:]] == [
        "change-password", "contact-admin", "contact-customer-service", "not-found"]
    # 3 searches for Aino, 2 for Kaisa (Esimerkki's administrators were asked for Aino), 3 for Lauri, 1.
    assert " 4 rows in " in bulk.stderr and ", 9 requests; " in bulk.stderr, bulk.stderr
    environ.update({"POSTISUPPORT_BIND_DN": READER, "POSTISUPPORT_BIND_PASSWORD": READER_PASSWORD})
    shell = run("--api", openldap.url, "--mapping", "openldap", "--no-audit", "shell",
                input="esim0101\nesim0105\n")
    # Each look-up's screen opens with its step (a long one ends with it too, near the prompt).
    assert (shell.exit_code, shell.stdout.startswith("Step 1 \u2014 the password must be changed\n"),
            "\nStep 3 \u2014 the organisation's administrator can help\n" in shell.stdout) == (0, True, True)
    captured = tmp_path / "ticket.json"
    made = postisupport(run, environ, openldap, "capture", "esim0105", "-o", str(captured))
    assert made.exit_code == 0, made.stderr
    document = json.loads(captured.read_text())
    assert (list(document), document["capture"]["source"], document["capture"]["mapping"]) == (
        ["Entries", "Searches", "capture"], "ldap", "openldap")
    assert READER_PASSWORD not in captured.read_text()
    replayed = run("replay", str(captured), "--json")
    assert (replayed.exit_code, replayed.json()["outcome"]) == (0, "contact-admin"), replayed.stderr
    served = run("--sandbox-data", str(captured), "diagnose", "esim0105")
    assert (served.exit_code, served.stderr) == (2, (
        "postisupport: error: sandbox data: this is an LDAP directory's capture (Entries and Searches), "
        "which the SCIM sandbox can't serve; decide from it with postisupport replay FILE\n"))


def test_a_capture_holds_no_answer_to_another_search_and_says_so(run, environ, openldap,
                                                                tmp_path: Path) -> None:
    captured = tmp_path / "ticket.json"
    assert postisupport(run, environ, openldap, "capture", "esim0105", "-o", str(captured)).exit_code == 0
    document = json.loads(captured.read_text())
    document["capture"]["arguments"]["identifier"] = "esim0101"
    captured.write_text(json.dumps(document))
    replayed = run("replay", str(captured))
    assert (replayed.exit_code, replayed.stderr.strip()) == (
        2, f"postisupport: error: {captured} cannot be replayed: the capture can't answer a search: the "
           "capture holds no answer to the search (&(objectClass=inetOrgPerson)(|(mail=esim0101)"
           "(uid=esim0101))) under 'dc=example,dc=fi': it was made by another version, or its look-up was "
           "another")


def test_ldaps_is_verified_with_the_trust_https_has(run, environ, openldap) -> None:
    environ.update({"POSTISUPPORT_BIND_DN": READER, "POSTISUPPORT_BIND_PASSWORD": READER_PASSWORD})
    untrusted = run("--api", openldap.ldaps_url, "--mapping", "openldap", "--no-audit", "diagnose",
                    "esim0101")
    # The reason, not ldap3's tuple of a tuple's repr (attack 25, F15); OpenSSL's own words after it vary.
    said = f"postisupport: error: cannot reach the identity API at {openldap.ldaps_url}: [SSL: " \
        "CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
    shown = (untrusted.exit_code, untrusted.stderr.startswith(said), untrusted.stderr.count("\n"))
    assert shown == (4, True, 1), untrusted.stderr
    trusted = run("--api", openldap.ldaps_url, "--mapping", "openldap", "--ca-bundle", str(openldap.ca_file),
                  "--no-audit", "diagnose", "esim0101", "--json")
    assert (trusted.exit_code, trusted.json()["outcome"]) == (0, "change-password"), trusted.stderr
    environ["SSL_CERT_FILE"] = str(openldap.ca_file)
    doctor = run("--api", openldap.ldaps_url, "--mapping", "openldap", "--no-audit", "doctor", "--json")
    assert (doctor.json()[0]["id"], doctor.json()[0]["status"]) == ("tls", "pass")


def test_plain_ldap_beyond_this_machine_is_refused(run, environ) -> None:
    result = run("--api", "ldap://dc.example.com", "diagnose", "esim0101")
    assert (result.exit_code, result.stderr.strip()) == (
        2, "postisupport: error: --api: 'ldap://dc.example.com' is plain ldap, which would send the "
           "credentials unencrypted; use ldaps, or StartTLS (--starttls) (or pass --allow-insecure-http, to "
           "a test server only)")
    # With StartTLS the same URL is taken (its TLS is checked when the connection opens), but not for a
    # URL that is TLS already.
    assert run("--api", "ldap://dc.example.com", "--starttls", "config", "show").exit_code == 0
    tls_already = run("--api", "ldaps://dc.example.com", "--starttls", "diagnose", "esim0101")
    assert (tls_already.exit_code, tls_already.stderr.strip()) == (
        2, "postisupport: error: --starttls: only a plain ldap:// directory's connection starts TLS, and "
           "ldaps://dc.example.com is TLS already")


def _binds(server: OpenLdap, since: int) -> list[str]:
    """slapd's log lines of the reader's binds and the StartTLS requests after byte `since`."""
    text = server.log.read_bytes()[since:].decode(errors="replace")
    return [line.split(" op=", 1)[1] for line in text.splitlines()
            if " op=" in line and ("1.3.6.1.4.1.1466.20037" in line or f'BIND dn="{READER}" mech' in line)]


def test_starttls_upgrades_the_connection_before_the_bind_and_verifies_it(run, environ, openldap) -> None:
    """ldap:// with --starttls: the StartTLS request first, then the bind inside TLS (slapd logs its
    strength, ssf); a certificate not trusted stops it before the password is sent, exit 4."""
    since = openldap.log.stat().st_size
    done = postisupport(run, environ, openldap, "--starttls", "--ca-bundle", str(openldap.ca_file),
                        "diagnose", "esim0105", "--json")
    assert (done.exit_code, done.json()["outcome"]) == (0, "contact-admin"), done.stderr
    time.sleep(0.2)  # slapd writes its log after answering
    binds = _binds(openldap, since)
    assert [line.split()[1] for line in binds] == ["EXT", "BIND"], binds
    assert binds[1].split()[-1] == "ssf=256", binds  # bind_ssf=0 is the simple bind's own: none
    since = openldap.log.stat().st_size
    untrusted = postisupport(run, environ, openldap, "--starttls", "diagnose", "esim0105")
    assert (untrusted.exit_code, untrusted.stderr.split(": StartTLS failed: ")[0]) == (
        4, f"postisupport: error: cannot reach the identity API at {openldap.url}"), untrusted.stderr
    assert "certificate verify failed" in untrusted.stderr
    time.sleep(0.2)
    assert [line.split()[1] for line in _binds(openldap, since)] == ["EXT"]


def _personal(document: str) -> list[str]:
    """The seed's personal values (and its organisations' and domain's names) a pseudonymised file holds;
    the stand-ins' own domain is example.com."""
    values = {"Esimerkki", "Example Trading", "2345678-0", "example.fi", "dc=example"}
    for person in PEOPLE.values():
        values |= {person.uid, person.mail, person.name, *person.name.split(), *filter(None, [person.phone])}
    return sorted(v for v in values if v.casefold() in document.casefold())


@pytest.mark.parametrize(("identifier", "outcome"), [
    ("aino.virtanen@example.fi", "change-password"), ("esim0102", "use-login-email"),
    ("kaisa.laine@example.fi", "contact-admin"), ("sanna.koski@example.com", "contact-customer-service")])
def test_a_pseudonymised_capture_names_no_one_and_replays_alike(run, environ, openldap, tmp_path: Path,
                                                                 identifier: str, outcome: str) -> None:
    """Every DN's names, the addresses, IDs, names and phones replaced, each alike wherever it is, so the
    replay's searches find the same entries and decide as the live look-up did."""
    captured = tmp_path / "ticket.json"
    made = postisupport(run, environ, openldap, "capture", identifier, "--pseudonymise", "-o", str(captured))
    assert made.exit_code == 0, made.stderr
    assert _personal(captured.read_text()) == []
    replayed = run("replay", str(captured), "--json")
    assert (replayed.exit_code, replayed.json()["outcome"]) == (0, outcome), replayed.stderr


def test_a_referral_to_another_host_is_not_followed(run, environ, openldap) -> None:
    """A referral object under the organisation (RFC 3296) points at another server, here a listener of
    ours. The user search runs over it, and decides as before; a base DN under it is referred there, and
    said so, exit 5, never "not found". Neither connects there."""
    import socket

    from tests.ldapservers.openldap import ESIMERKKI

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.5)
    elsewhere = f"ldap://127.0.0.1:{listener.getsockname()[1]}/o=Other"
    referral = f"ou=elsewhere,{ESIMERKKI}"
    manage_dsa_it = [("2.16.840.1.113730.3.4.2", False, None)]  # to add and remove the referral itself
    with openldap.connection() as ldap:
        ldap.add(referral, ["referral", "extensibleObject"], {"ou": "elsewhere", "ref": elsewhere},
                 controls=manage_dsa_it)
    try:
        assert diagnosis(run, environ, openldap, "aino.virtanen@example.fi")["outcome"] == "change-password"
        referred = postisupport(run, environ, openldap, "--base-dn", f"ou=people,{referral}", "diagnose",
                                "aino.virtanen@example.fi")
        assert (referred.exit_code, referred.stderr) == (5, (
            f"postisupport: error: the LDAP directory referred the search under 'ou=people,{referral}' to "
            f"{elsewhere.replace('/o=Other', '/ou=people,o=Other??sub')}, and referrals are not followed: "
            "give a base DN this server holds\n"))
        try:
            connected = listener.accept()[0]
        except TimeoutError:
            connected = None
        assert connected is None, "the referral was followed"
    finally:
        with openldap.connection() as ldap:
            ldap.delete(referral, controls=manage_dsa_it)
        listener.close()


def test_no_command_shows_or_writes_the_bind_password(run, environ, env, openldap, memory_keyring,
                                                      tmp_path: Path) -> None:
    """The bind password as a canary through every command that binds, a refused bind too: no output,
    trace, capture, config or audit file holds it, in any encoding."""
    from tests.test_secrets_echo import encoded_forms

    trace, rows = tmp_path / "trace.jsonl", tmp_path / "users.csv"
    rows.write_text("identifier\nesim0101\nesim0105\n")
    results = [
        postisupport(run, environ, openldap, "-v", "--trace", str(trace), "diagnose", "esim0101"),
        postisupport(run, environ, openldap, "bulk", str(rows), "-o", str(tmp_path / "out.csv")),
        postisupport(run, environ, openldap, "capture", "esim0105", "-o", str(tmp_path / "c.json")),
        postisupport(run, environ, openldap, "capture", "esim0105", "--pseudonymise", "-o",
                     str(tmp_path / "p.json")),
        postisupport(run, environ, openldap, "doctor", "--json"),
        postisupport(run, environ, openldap, "shell", input="esim0101\n"),
        postisupport(run, environ, openldap, "config", "show", "--json"),
        run("--mapping", "openldap", "auth", "login", "--profile", "canary", "--api", openldap.url,
            "--bind-dn", READER, "--with-password", input=READER_PASSWORD),
        run("auth", "status", "--profile", "canary", "--json"),
        run("--profile", "canary", "diagnose", "esim0105", "--json"),
        # Last: the environment's password outranks the profile's keyring entry.
        postisupport(run, environ, openldap, "diagnose", "esim0101", password=READER_PASSWORD[::-1]),
    ]
    assert [r.exit_code for r in results] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3], [r.stderr for r in results]
    forms = [READER_PASSWORD, READER_PASSWORD[::-1], *encoded_forms(READER_PASSWORD)]
    for result in results:
        assert [f for f in forms if f in result.stdout + result.stderr] == []
    written = [p for p in (*tmp_path.rglob("*"), *env.config_dir.rglob("*")) if p.is_file()]
    assert {"trace.jsonl", "c.json", "p.json", "out.csv", "config.toml"} <= {p.name for p in written}
    assert [(p.name, f) for p in written for f in forms if f.encode() in p.read_bytes()] == []


def test_a_pseudonymised_capture_keeps_no_organisations_description(run, environ, openldap,
                                                                     tmp_path: Path) -> None:
    """Attack 25, F3: the services' name attribute (description) is asked of the organisation's entry
    too, and was kept there: a contact person's name and phone in the ticket file. It is kept of the
    service groups only, whose names the replay shows."""
    import ldap3

    from tests.ldapservers.openldap import ESIMERKKI

    contact = "Yhteyshenkilö Eeva Esimerkkinen +358 40 111 2222"
    with openldap.connection() as ldap:
        ldap.modify(ESIMERKKI, {"description": [(ldap3.MODIFY_REPLACE, [contact])]})
    try:
        captured = tmp_path / "ticket.json"
        made = postisupport(run, environ, openldap, "capture", "matti.makinen@example.fi", "--pseudonymise",
                            "-o", str(captured))
        clear = postisupport(run, environ, openldap, "capture", "matti.makinen@example.fi", "-o",
                             str(tmp_path / "clear.json"))
    finally:
        with openldap.connection() as ldap:
            ldap.modify(ESIMERKKI, {"description": [(ldap3.MODIFY_DELETE, [])]})
    assert (made.exit_code, clear.exit_code) == (0, 0), made.stderr
    assert contact in (tmp_path / "clear.json").read_text()  # the search did read it
    text = captured.read_text()
    assert [v for v in ("Eeva", "Esimerkkinen", "111 2222", "Yhteyshenkil") if v in text] == []
    described = sorted(v for e in json.loads(text)["Entries"]
                       for v in e["attributes"].get("description", []))
    assert described == ["Invoicing", "Reporting"]
    replayed = run("replay", str(captured), "--json")
    assert (replayed.exit_code, sorted(s["name"] for s in replayed.json()["user"]["entitlements"])) == (
        0, ["Invoicing", "Reporting"]), replayed.stderr
