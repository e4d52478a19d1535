"""The LDAP source against a hostile LDAP server of ours (tests/hostile_ldap.py): one that trickles its
answer for ever, one that echoes the bind password it was sent (attack pass 25, F1 and F2)."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.hostile_ldap import hostile_ldap
from tests.test_secrets_echo import encoded_forms

ROOT = Path(__file__).resolve().parents[1]
READER = "cn=reader,ou=service,dc=example,dc=fi"
PASSWORD = "Canary-PW-9f3kq7x"


@contextmanager
def _process(url: str, environ: dict[str, str], *args: str) -> Iterator[subprocess.Popen[str]]:
    """The command line in a process of its own, killed if a test leaves it hanging."""
    env = {**environ, "POSTISUPPORT_BIND_DN": READER, "POSTISUPPORT_BIND_PASSWORD": PASSWORD}
    process = subprocess.Popen([sys.executable, "-m", "postisupport", "--api", url, "--mapping", "openldap",
                                "--no-audit", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=ROOT, env=env)
    try:
        yield process
    finally:
        process.kill()
        process.communicate()


def test_a_directory_that_trickles_its_answer_for_ever_times_out(environ: dict[str, str]) -> None:
    """F1: one byte every 0.3 s resets ldap3's receive timeout each time, and closing the connection
    waited for ldap3's lock, which the search held: the look-up's deadline fired, and the process
    never ended. It ends with the timeout's error (exit 4)."""
    with hostile_ldap("trickle") as server, \
            _process(server.url, environ, "--timeout", "1", "diagnose", "eva.esim@example.fi") as process:
        out, err = process.communicate(timeout=60)  # a hang fails here, long after the deadline
    assert (process.returncode, out, err) == (
        4, "", f"postisupport: error: the identity API at {server.url} did not answer within 1 s\n")


def test_ctrl_c_stops_a_look_up_a_trickling_directory_holds(environ: dict[str, str]) -> None:
    """F1: Ctrl-C did nothing while the search was still reading: the process waited for it."""
    with hostile_ldap("trickle") as server, \
            _process(server.url, environ, "--timeout", "30", "diagnose", "eva.esim@example.fi") as process:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(server.passwords) < 1:
            time.sleep(0.05)
        time.sleep(1)  # the rootDSE read, the user's search under way
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert (process.returncode, out, err) == (130, "", "postisupport: interrupted\n")


def _postisupport(run: Any, environ: dict[str, str], url: str, *args: str) -> Any:
    environ.update({"POSTISUPPORT_BIND_DN": READER, "POSTISUPPORT_BIND_PASSWORD": PASSWORD})
    return run("--api", url, "--mapping", "openldap", "--no-audit", *args)


def test_a_directory_that_echoes_the_password_in_an_error_never_shows_it(
        run, environ: dict[str, str], tmp_path: Path) -> None:
    """F2: the search's diagnostic message held the password it was bound with: it was on stderr, in
    doctor's report and in a bulk row's error, which an administrator's file keeps."""
    rows, out = tmp_path / "users.csv", tmp_path / "out.csv"
    rows.write_text("identifier\neva.esim@example.fi\n")
    with hostile_ldap("echo-error") as server:
        diagnosed = _postisupport(run, environ, server.url, "diagnose", "eva.esim@example.fi")
        doctor = _postisupport(run, environ, server.url, "doctor")
        bulk = _postisupport(run, environ, server.url, "bulk", str(rows), "-o", str(out), "-q")
    assert server.passwords[0] == PASSWORD  # it was sent the password, and said it back
    assert (diagnosed.exit_code, diagnosed.stderr) == (5, (
        "postisupport: error: the LDAP directory answered the search under 'dc=example,dc=fi' with other "
        "(80): internal error for password [redacted] end\n"))
    assert "internal error for password [redacted] end" in doctor.stdout
    assert "internal error for password [redacted] end" in out.read_text()
    forms = [PASSWORD, *encoded_forms(PASSWORD)]
    said = [diagnosed.stdout + diagnosed.stderr, doctor.stdout + doctor.stderr, bulk.stdout + bulk.stderr,
            out.read_text()]
    assert [(n, f) for n, text in enumerate(said) for f in forms if f in text] == []


def test_a_directory_that_echoes_the_password_into_an_entry_never_shows_it(
        run, environ: dict[str, str]) -> None:
    """F2: the password the directory was bound with, put into a user's displayName, was on the agent's
    screen and twice in the JSON."""
    with hostile_ldap("echo-entry") as server:
        screen = _postisupport(run, environ, server.url, "diagnose", "eva.esim@example.fi", "--verified")
        document = _postisupport(run, environ, server.url, "diagnose", "eva.esim@example.fi", "--json")
    assert (screen.exit_code, document.exit_code) == (0, 0)
    assert document.json()["user"]["displayName"] == "Eva [redacted]"
    assert "Eva [redacted] <eva.esim@example.fi>" in screen.stdout
    forms = [PASSWORD, *encoded_forms(PASSWORD)]
    assert [f for f in forms if f in screen.stdout + document.stdout + screen.stderr] == []


def test_the_hostile_server_echoes_what_it_was_sent(environ: dict[str, str]) -> None:
    """The server these tests trust to say the password back does: the code before the fix showed it."""
    from ldap3 import NONE, Connection, Server

    with hostile_ldap("echo-error") as server:
        connection = Connection(Server("127.0.0.1", port=server.port, get_info=NONE), user=READER,
                                password=PASSWORD, raise_exceptions=False)
        assert connection.bind()
        connection.search("dc=example,dc=fi", "(objectClass=*)")
        said = connection.result["message"]
        connection.unbind()
    assert (said, os.environ.get("POSTISUPPORT_BIND_PASSWORD")) == (
        f"internal error for password {PASSWORD} end", None)


def test_a_naming_context_that_is_no_dn_is_the_directorys_answer_not_an_unreachable_one(
        run, environ: dict[str, str]) -> None:
    """Attack 25, F6: ldap3 refusing to send a search under a rootDSE's nonsense was "cannot reach the
    identity API" (exit 4): the directory answered, with what can't be used (exit 5)."""
    with hostile_ldap("echo-entry", root="this is not a dn ,,, =") as server:
        result = _postisupport(run, environ, server.url, "diagnose", "eva.esim@example.fi")
    assert (result.exit_code, result.stderr) == (5, (
        "postisupport: error: the LDAP directory's naming context 'this is not a dn ,,, =' is no DN; give "
        "the base DN (--base-dn or POSTISUPPORT_BASE_DN)\n"))


def test_a_mapping_attribute_that_is_no_attributes_name_is_refused_when_loaded(
        run, environ: dict[str, str], tmp_path: Path) -> None:
    """Attack 25, F6: [users] dn went into filters unchecked ("entryDN)(objectClass=*"), and every
    diagnosis was "cannot reach the identity API"; F5: a SCIM path of 100,000 characters was an internal
    error. Each is the mapping's error, with its file and key (exit 2)."""
    shown = run("--mapping", "openldap", "mapping", "show").stdout
    injected = tmp_path / "dn.toml"
    injected.write_text(shown.replace('dn = "entryDN"', 'dn = "entryDN)(objectClass=*"'))
    long_path = tmp_path / "long.toml"
    long_path.write_text('[facts]\nlogin_email = "' + "a" * 100_000 + '"\n')
    environ.update({"POSTISUPPORT_BIND_DN": READER, "POSTISUPPORT_BIND_PASSWORD": PASSWORD})
    refused = [run("--api", "ldap://127.0.0.1:9", "--mapping", str(injected), "diagnose", "x@example.com",
                   "--no-audit"),
               run("--sandbox", "--mapping", str(long_path), "diagnose", "x@example.com", "--no-audit")]
    assert [(r.exit_code, r.stderr) for r in refused] == [
        (2, f"postisupport: error: --mapping: {injected}: users.dn: 'entryDN)(objectClass=*' is no "
            "attribute's name\n"),
        (2, f"postisupport: error: --mapping: {long_path}:2: facts.login_email: '{'a' * 57}...' is not an "
            "attribute path (e.g. userName, emails.value, urn:...:User:employeeNumber)\n")]


def test_a_shell_binds_again_when_the_directory_closed_its_idle_connection(environ: dict[str, str]) -> None:
    """Attack 25, F10: after a quiet spell the directory had closed the warm connection, and the next
    caller's look-up failed ("session terminated by server"); only the one after bound again."""
    env = {**environ, "POSTISUPPORT_BIND_DN": READER, "POSTISUPPORT_BIND_PASSWORD": PASSWORD}
    with hostile_ldap("idle-close", interval=1.0) as server:
        command = [sys.executable, "-m", "postisupport", "--api", server.url, "--mapping", "openldap",
                   "--no-audit", "shell"]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
        lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None and process.stdin is not None

        def read() -> None:
            for line in process.stdout or ():
                lines.put(line)

        reader = threading.Thread(target=read)
        reader.start()
        shown: list[str] = []
        try:
            for _ in range(2):  # each look-up, seen through, then a quiet spell past the server's idle limit
                process.stdin.write("eva.esim@example.fi\n")
                process.stdin.flush()
                while "Eva Esim <eva.esim@example.fi>" not in (line := lines.get(timeout=60)):
                    shown.append(line)
                shown.append(line)
                time.sleep(2.5)
            process.stdin.write("quit\n")
            process.stdin.close()
            process.wait(timeout=30)
        finally:
            process.kill()
            reader.join(timeout=30)
    err = process.stderr.read() if process.stderr else ""
    shown.extend(lines.queue)
    assert (process.returncode, [line for line in err.splitlines() if "error" in line]) == (0, [])
    assert "".join(shown).count("Eva Esim <eva.esim@example.fi>") == 2
    assert len(server.passwords) == 2  # bound again after the close



def test_a_boolean_that_is_neither_true_nor_false_is_unreadable_not_no(run, environ: dict[str, str]) -> None:
    """Attack 25, F12: pwdReset is of LDAP's Boolean syntax (RFC 4517 section 3.3.3: TRUE or FALSE);
    "MAYBE" was read as no password change pending, with no word of it. It is unreadable: a data
    problem, and the fact unknown, as a bit attribute's value that is no integer is."""
    with hostile_ldap("unreadable-boolean") as server:
        result = _postisupport(run, environ, server.url, "diagnose", "eva.esim@example.fi", "--json")
    document = result.json()
    assert (result.exit_code, document["user"]["forcePasswordReset"], document["data_problems"],
            document["unknown"]) == (
        0, None, ["user uid=eva,ou=people,dc=example,dc=fi: pwdReset: 'MAYBE' can't be read (not TRUE or "
                  "FALSE)"],
        ["reset_requested", "reset_sent_at", "reset_sent_to", "password_changed_at", "organisation_services"])


@pytest.mark.parametrize(("mode", "problem"), [
    ("outside", "the user's entry 'uid=ESIM0001,o=Other Org,dc=evil,dc=net' is outside the base DN "
                "'dc=example,dc=fi', so its organisation can't be told"),
    ("unreadable-dn", "the user's DN 'uid=eva,=,dc=example,dc=fi' can't be read, so its organisation can't "
                      "be told"),
])
def test_a_user_entry_whose_place_cant_be_told_is_in_an_organisation_unknown(
        run, environ: dict[str, str], mode: str, problem: str) -> None:
    """Attack 25, F13: the user search under dc=example,dc=fi answered an entry outside it, whose
    ancestors no search under the base reads: the caller was "in no organisation" (login.no-organisation,
    customer service), silently; a DN that can't be read was too, its data problem saying the contrary.
    Their organisation is unknown (an alias the directory follows leads to such entries for real:
    tests/ldapservers)."""
    with hostile_ldap(mode) as server:
        result = _postisupport(run, environ, server.url, "diagnose", "eva.esim@example.fi", "--json")
    document = result.json()
    assert (result.exit_code, document["rule"], document["organisation"], document["data_problems"],
            document["unknown"]) == (
        0, "login.organisation-unknown", None, [problem],
        ["reset_sent_at", "reset_sent_to", "password_changed_at", "organisation", "organisation_services"])


def test_past_the_administrators_it_reads_the_answer_is_said_to_be_cut(run, environ: dict[str, str]) -> None:
    """Attack 25, F11: the organisation's administrators past MAX_ENTRIES (5000) were left out in
    silence, and the 5000 read were all of them. As SCIM's cut answer is, it is a data problem, for a
    caller's organisation and for a business ID's alike."""
    from postisupport.sources.ldap.directory import MAX_ENTRIES

    with hostile_ldap("many-admins") as server:
        caller = _postisupport(run, environ, server.url, "diagnose", "eva.esim@example.fi", "--json")
        organisation = _postisupport(run, environ, server.url, "diagnose", "2345678-0", "--json")
    cut = (f"the directory holds more than {MAX_ENTRIES} administrators of the organisation; the first "
           f"{MAX_ENTRIES} are read")
    said = [(r.exit_code, r.json()["rule"], len(r.json()["unable_admins"]), r.json()["data_problems"])
            for r in (caller, organisation)]
    assert (MAX_ENTRIES, said) == (5000, [(0, "login.no-admin", 5000, [cut]),
                                          (0, "lookup.organisation.no-admin", 5000, [cut])])


def test_doctor_counts_a_user_whose_dn_cant_be_read_in_no_organisation_without_failing(
        run, environ: dict[str, str]) -> None:
    """A DN that is no DN made doctor's coverage check an internal error (ValueError from parsing it,
    exit 1): a diagnosis reports it and calls the organisation unknown; doctor counts it in none."""
    with hostile_ldap("unreadable-dn") as server:
        result = _postisupport(run, environ, server.url, "doctor")
    coverage = [line for line in result.stdout.splitlines() if "coverage" in line]
    carried = ("login_email 1, emails 1, legacy_user_id 1, language 0, phone 0, reset_requested 0, "
               "password_changed_at 0, locked 0, active 0, last_login 0, last_failed_login 0, "
               "organisation 0, business_id 0")
    none = ("language, phone, reset_requested, password_changed_at, locked, active, last_login, "
            "last_failed_login, organisation, business_id")
    assert (result.stderr, "internal error" in result.stdout, coverage) == ("", False, [
        f"fail  coverage           of the 1 user read, carrying each mapped fact: {carried}; not kept by "
        "this directory, so unknown for everyone: reset_sent_at, reset_sent_to, organisation_services; "
        f"carried by no one: {none}; so every diagnosis would be wrong: mend the mapping"])


def test_an_address_in_the_realm_is_pseudonymised_as_the_address_it_is(run, environ: dict[str, str],
                                                                         tmp_path: Path) -> None:
    """F27-11: on AD an address whose domain is the directory's is also asked as name@REALM's legacy ID
    (sAMAccountName=eva.esim); --pseudonymise refused that as a down-level look-up, though the address
    found the caller and the refusal says to capture by the address. The search is kept as the replay,
    which reads no realm, asks it, and the replay decides as the capture did."""
    environ.update({"POSTISUPPORT_BIND_DN": READER, "POSTISUPPORT_BIND_PASSWORD": PASSWORD})
    captured = tmp_path / "ticket.json"
    with hostile_ldap("unreadable-boolean") as server:
        made = run("--api", server.url, "--allow-insecure-http", "--no-audit", "capture",
                   "eva.esim@example.fi", "--pseudonymise", "-o", str(captured))
    assert made.exit_code == 0, made.stderr
    text = captured.read_text(encoding="utf-8")
    assert ("eva" in text.casefold(), "esim" in text.casefold()) == (False, False)
    users = [s["filter"] for s in json.loads(text)["Searches"] if "sAMAccountName" in s["filter"]]
    assert len(users) == 1
    stand_in = users[0].split("(sAMAccountName=", 1)[1].split(")", 1)[0]
    assert f"(mail={stand_in})" in users[0]
    replayed = run("replay", str(captured), "--json")
    assert (replayed.exit_code, replayed.json()["rule"]) == (0, "login.no-organisation"), replayed.stderr
    # A down-level name itself is still refused: its stand-in would find no one.
    with hostile_ldap("unreadable-boolean") as server:
        refused = run("--api", server.url, "--allow-insecure-http", "--no-audit", "capture", "EXAMPLE\\eva",
                      "--pseudonymise", "-o", str(tmp_path / "other.json"))
    assert (refused.exit_code, refused.stderr.split(":", 2)[2].split(":")[0]) == (
        2, " --pseudonymise can't keep a look-up by a down-level name (DOMAIN\\name or name@REALM)")


def test_a_capture_of_a_directory_whose_partitions_are_refused_replays(
        run, environ: dict[str, str], tmp_path: Path) -> None:
    """A search the source tolerates a refusal of (AD's partitions, for the down-level domain name) is
    kept in a capture as answered, with no result code: the capture's result is only ever a size limit's
    cut (lookup.name-unsearchable), and a capture holding another was refused on its own replay."""
    captured = tmp_path / "ticket.json"
    with hostile_ldap("partitions-refused") as server:
        environ.update({"POSTISUPPORT_BIND_DN": READER, "POSTISUPPORT_BIND_PASSWORD": PASSWORD})
        made = run("--api", server.url, "--mapping", "ad", "--no-audit", "capture", "eva.esim@example.fi",
                   "-o", str(captured))
    assert made.exit_code == 0, made.stderr
    searches = json.loads(captured.read_text())["Searches"]
    refused = [search for search in searches if search["base"].startswith("CN=Partitions,")]
    assert [(len(refused), "result" in refused[0])] == [(1, False)]
    replayed = run("replay", str(captured))
    assert replayed.exit_code == 0, replayed.stderr


def test_only_the_entries_the_administrators_search_asked_for_are_administrators(
        run, environ: dict[str, str]) -> None:
    """Attack 30, F30-1: a directory ignoring the administrators' filter sent the caller and someone of
    another organisation besides the one member of cn=admins: the caller was told "you are one of your
    organisation's administrators" and the outsider's phone number read out as the help. Only the named
    and the members of the group named are administrators; the rest are left out, and said to be."""
    with hostile_ldap("admins-unasked") as server:
        result = _postisupport(run, environ, server.url, "diagnose", "eva.esim@example.fi", "--verified",
                               "--json")
        organisation = _postisupport(run, environ, server.url, "diagnose", "2345678-0", "--json")
    left_out = ("the directory sent 2 entries for the organisation's administrators that are neither named "
                "by it "
                "nor members of the group it names; they are left out")
    document = result.json()
    # Maija has no login the directory records since the renewal: one who can't help just now.
    assert (result.exit_code, document["rule"], document["user"]["isAdmin"], document["admins"],
            [a["displayName"] for a in document["unable_admins"]], document["data_problems"]) == (
        0, "login.no-admin", False, [], ["Maija Virtanen"], [left_out])
    assert "olli" not in result.stdout.lower()
    named = organisation.json()
    assert ([a["displayName"] for a in named["unable_admins"]], named["data_problems"]) == (
        ["Maija Virtanen"], [left_out])


def test_a_namesake_outside_the_organisation_is_not_found_by_name_in_it(run, environ: dict[str, str]) -> None:
    """Attack 30, F30-2: the one-level search under Esimerkki Oy answered with an Eva Esim of o=Other Oy (a
    directory ignoring the base or the scope): she was shown as the caller, "found by name in the
    organisation", her login address read out once verified. She is no member of it: not found, and said."""
    with hostile_ldap("name-outside") as server:
        result = _postisupport(run, environ, server.url, "diagnose", "Eva Esim", "--org", "2345678-0",
                               "--verified", "--json")
    document = result.json()
    assert (result.exit_code, document["rule"], document["user"], document["data_problems"]) == (
        0, "lookup.not-found", None,
        ["the directory sent 1 entries for the organisation's members that are not right under it; they are "
         "left "
         "out"])
    assert "eva.esim@example.fi" not in result.stdout


@pytest.mark.parametrize("asked", ["eva.esim@example.fi", "1234567-1"])
def test_an_organisation_with_two_business_ids_has_none_read_and_its_own_name(
        run, environ: dict[str, str], asked: str) -> None:
    """Attack 30, F30-4: businessCategory ["Logistics", "2345678-0", "1234567-1"] and o ["Evil Corp",
    "Esimerkki Oy"] were read from their first values: "Logistics" shown as the business ID the agent
    verifies against, "Evil Corp" as the name. The name is the one its DN gives; of two IDs none is read,
    said; the organisation is still the one the look-up by either found."""
    with hostile_ldap("two-business-ids") as server:
        result = _postisupport(run, environ, server.url, "diagnose", asked, "--json")
    document = result.json()
    assert (result.exit_code, document["organisation"], document["data_problems"],
            "business_id" in document["unknown"]) == (
        0, {"id": "o=Esimerkki Oy,dc=example,dc=fi", "name": "Esimerkki Oy", "businessId": None,
            "services": []},
        ["businessCategory: sent 2 business IDs (2345678-0, 1234567-1), so none is read"], True)


def test_an_organisation_entry_the_account_cant_read_makes_the_organisation_unknown(run, environ) -> None:
    """Attack 31, F31-1: the account could read the users under o=Esimerkki Oy but not that entry: each user
    was put in "Example", the directory's root entry, told "your organisation has no administrator", and
    doctor passed. Every DN above a user is an entry: one not sent may be the organisation."""
    with hostile_ldap("org-hidden") as server:
        result = _postisupport(run, environ, server.url, "diagnose", "eva.esim@example.fi", "--json")
        doctor = _postisupport(run, environ, server.url, "doctor", "--json")
    document = result.json()
    assert (result.exit_code, document["rule"], document["organisation"], document["data_problems"]) == (
        0, "login.organisation-unknown", None,
        ["the entry 'o=Esimerkki Oy,dc=example,dc=fi' above the user can't be read, so the user's "
         "organisation "
         "can't be told"])
    coverage = next(c for c in doctor.json() if c["id"] == "coverage")
    assert (doctor.exit_code, coverage["status"], coverage["detail"].endswith(
        "; for 1 user an entry above them can't be read, so their organisation can't be told: the service "
        "account may lack the right to read it")) == (8, "fail", True)


def test_an_entry_sent_twice_with_different_values_is_not_read(run, environ: dict[str, str]) -> None:
    """Attack 31, F31-3: the organisation's entry sent twice, the second "Evil Oy (1234567-1)": the last
    copy won, unsaid. An administrator sent twice was read out twice, with two phone numbers. Copies that
    differ are not read: the organisation is unknown; the administrator is one, whose state is unknown."""
    with hostile_ldap("org-twice") as server:
        organisation = _postisupport(run, environ, server.url, "diagnose", "eva.esim@example.fi", "--json")
    with hostile_ldap("admin-twice") as server:
        admin = _postisupport(run, environ, server.url, "diagnose", "eva.esim@example.fi", "--json",
                              "--verified")
    twice = ("the directory sent the entry 'o=Esimerkki Oy,dc=example,dc=fi' more than once, with different "
             "values")
    found = organisation.json()
    assert (found["rule"], found["organisation"], found["data_problems"]) == (
        "login.organisation-unknown", None,
        [f"{twice}, so it is not read", "the entry 'o=Esimerkki Oy,dc=example,dc=fi' above the user can't be "
         "read, so the user's organisation can't be told"])
    document = admin.json()
    admins = document["admins"] + document["unable_admins"]
    assert ([(a["displayName"], a["phone"], a["state"]) for a in admins], document["data_problems"],
            "administrators" in document["unknown"]) == (
        [("Maija Virtanen", None, "unknown")],
        ["the directory sent the entry 'uid=maija,o=Esimerkki Oy,dc=example,dc=fi' more than once, with "
         "different values, so whether they can act is not read"], True)


def test_a_dn_written_with_blanks_or_escapes_is_the_same_dn(run, environ: dict[str, str]) -> None:
    """Attack 31, F31-4: DNs ldap3 can't parse ("cn=admins, o=...") were compared as text, and those with
    other escapes (\\20) too: the one administrator was left out, and the caller told there is none."""
    from postisupport.sources.ldap.reading import dn_key

    assert {dn_key("cn=admins, O=Esimerkki\\20Oy, DC=example, DC=fi"), dn_key("CN=Admins,o=Esimerkki "
                                                                              "Oy,dc=example,dc=fi")} \
        == {"cn=admins,o=esimerkki oy,dc=example,dc=fi"}
    with hostile_ldap("admin-spaced") as server:
        result = _postisupport(run, environ, server.url, "diagnose", "eva.esim@example.fi", "--json")
    document = result.json()
    assert (result.exit_code, document["rule"], [a["displayName"] for a in document["admins"]],
            document["data_problems"]) == (0, "login.contact-admin", ["Maija Virtanen"], [])


def test_doctor_fails_a_directory_that_ignores_the_look_ups_filter(run, environ: dict[str, str]) -> None:
    """Attack 31, F31-5: the LDAP doctor had no check of filters, and passed a directory that answers every
    search with whoever comes first."""
    with hostile_ldap("ignores-filters") as server:
        doctor = _postisupport(run, environ, server.url, "doctor", "--json")
    filters = next(c for c in doctor.json() if c["id"] == "filters")
    assert (doctor.exit_code, filters["status"], filters["detail"]) == (
        8, "fail", "a look-up for an address no one has returned 1 entry: the directory ignores filters")


def test_mask_cuts_the_names_an_ldap_directorys_ids_hold(run, environ: dict[str, str]) -> None:
    """Attack 32, F32-1: LDAP ids are DNs, which hold the caller's, the administrators' and the
    organisation's names: under --mask they were in clear in the JSON, the ids line and the data
    problems. Each name in them is its initials; the domain's components stay."""
    with hostile_ldap("admin-spaced") as server:
        masked = _postisupport(run, environ, server.url, "diagnose", "eva.esim@example.fi", "--mask",
                               "--json", "--verified")
        explained = _postisupport(run, environ, server.url, "diagnose", "eva.esim@example.fi", "--mask",
                                  "--explain", "--verified")
    document = masked.json()
    ids = (document["user"]["id"], document["organisation"]["id"], [a["id"] for a in document["admins"]])
    assert ids == (
        "uid=e.,o=E. O.,dc=example,dc=fi", "o=E. O.,dc=example,dc=fi", ["uid=m.,o=E. O.,dc=example,dc=fi"])
    for shown in (masked.stdout, explained.stdout):
        assert ("Esimerkki" in shown, "maija" in shown.lower(), "Eva" in shown) == (False, False, False)


def test_a_look_up_cut_with_none_of_its_users_answering_is_no_not_found(run, environ: dict[str, str]) -> None:
    """Attack 32, F32-5: a look-up answered with more users than it reads, none of them the caller, was "no
    user has these details", exit 0: the caller may be past the cut. An API error, as SCIM's source says."""
    with hostile_ldap("many-others") as server:
        result = _postisupport(run, environ, server.url, "diagnose", "eva.esim@example.fi")
    assert (result.exit_code, result.stdout, result.stderr) == (
        5, "", "postisupport: error: the LDAP directory sent more than 20 users for the look-up, none of "
               "which "
               "answers to the identifier: it seems not to apply the look-up's filter (postisupport doctor "
               "checks it)\n")
