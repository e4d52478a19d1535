"""Issues 12 and 14, the nineteenth attack pass (A19): each finding's case, as it was found."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.servers import serving
from tests.test_attacked_sixteenth import Rewriting

ORGANISATION = "urn:postisupport:scim:schemas:extension:organisation:1.0:Group"
LOGIN = "urn:postisupport:scim:schemas:extension:login:1.0:User"

# An attribute sent twice with different values, in one case or in two (names are case-insensitive).
TWICE = "sent 2 times with different values (names are case-insensitive), so none is read"


def _number(group: dict[str, Any]) -> None:
    if group.get("id") == "g-esimerkki":
        group[ORGANISATION]["businessId"] = 2345678


def _twice(group: dict[str, Any]) -> None:
    if group.get("id") == "g-esimerkki":
        group["DisplayName"] = "Evil Corp"
        group[ORGANISATION]["BusinessId"] = "7654321-2"


def test_a_business_id_sent_as_a_number_is_unknown_never_none(run) -> None:
    """A19-7: a group's businessId sent as a number read as "no business ID": a business-ID look-up the
    server answered with it said "no organisation has this business ID", the verify line "no business ID"."""
    with serving(Rewriting(_number, endpoint="/Groups")) as url:
        by_id = run("--api", url, "diagnose", "2345678-0", "--no-audit", "--ui-lang", "en", "--json").json()
        caller = run("--api", url, "diagnose", "ESIM0042", "--no-audit", "--ui-lang", "en")
        document = run("--api", url, "diagnose", "ESIM0042", "--no-audit", "--json").json()
    assert (by_id["outcome"], by_id["rule"], by_id["organisation"]["id"]) == (
        "organisation", "lookup.organisation", "g-esimerkki")
    assert by_id["data_problems"] == [
        "group g-esimerkki: businessId: 2345678 ignored (not a string)",
        "the organisation 'Esimerkki Oy' is taken as the one with the business ID 2345678-0: the API "
        "answered the look-up with it, but its own business ID can't be read"]
    lines = caller.stdout.splitlines()
    assert lines[2:5] == [
        "Verify first: Ask their name and organisation without reading them out, and",
        "compare with the line below; then run again with --verified.",
        "  Aino Korhonen · Esimerkki Oy (business ID can't be read)"]
    assert "Organisation        Esimerkki Oy (business ID can't be read)" in lines
    assert (document["organisation"]["businessId"], document["unknown"]) == (None, ["business_id"])


def test_a_group_attribute_sent_twice_in_different_case_is_read_as_neither(run) -> None:
    """A19-19: displayName/DisplayName and businessId/BusinessId: the last one sent was taken, so the
    verify line showed another organisation's name and business ID."""
    with serving(Rewriting(_twice, endpoint="/Groups")) as url:
        document = run("--api", url, "diagnose", "ESIM0042", "--no-audit", "--json").json()
        by_id = run("--api", url, "diagnose", "2345678-0", "--no-audit", "--json").json()
        by_name = run("--api", url, "diagnose", "Aino Korhonen", "-o", "Esimerkki Oy", "--no-audit")
    organisation = document["organisation"]
    assert (organisation["name"], organisation["businessId"], document["unknown"]) == (
        None, None, ["business_id"])
    assert document["data_problems"] == [
        f"group g-esimerkki: displayName: {TWICE}",
        f"group g-esimerkki: {ORGANISATION}:businessId: {TWICE}"]
    assert (by_id["rule"], by_id["organisation"]["id"]) == ("lookup.organisation", "g-esimerkki")
    # By name, a server may send every group whatever the filter: one whose name can't be read is no answer.
    assert (by_name.exit_code, by_name.stdout, by_name.stderr) == (
        5, "", "postisupport: error: the identity API answered the look-up of 'Esimerkki Oy' with 1 "
        "organisation(s) whose name can't be read, so which one is meant can't be told; look the "
        "organisation up by its business ID\n")


def test_a_capture_keeps_a_business_id_that_cannot_be_read_unknown(run, tmp_path: Path) -> None:
    """A19-7: the capture kept "unknownFacts": [] for the organisation, so its replay lost even the
    data problem and read "no business ID"."""
    ticket = tmp_path / "c.json"
    with serving(Rewriting(_number, endpoint="/Groups")) as url:
        made = run("--api", url, "capture", "ESIM0042", "-o", str(ticket))
    assert made.exit_code == 0, made.stderr
    group = next(g for g in json.loads(ticket.read_text())["Groups"] if g["id"] == "g-esimerkki")
    assert group[ORGANISATION] == {"services": group[ORGANISATION]["services"],
                                   "unknownFacts": ["business_id"]}
    replayed = run("--sandbox-data", str(ticket), "diagnose", "ESIM0042", "--no-audit", "--json").json()
    assert (replayed["organisation"]["businessId"], replayed["unknown"]) == (None, ["business_id"])


def _one_organisation(path: Path, name: str) -> Path:
    users = [{"id": f"u{i}", "userName": f"user{i}@example.fi", "displayName": person, "active": True,
              "roles": [{"value": "admin"}] if i == 0 else [],
              LOGIN: {"legacyUserId": f"LEGA000{i}", "lastLoginTime": "2021-03-01T00:00:00Z"}}
             for i, person in enumerate(("Boss One", "Anna Berg", "Cee Dee"))]
    path.write_text(json.dumps({"Users": users, "Groups": [
        {"id": "g1", "displayName": name, "members": [{"value": f"u{i}"} for i in range(3)],
         ORGANISATION: {"businessId": "2345678-0"}}]}), encoding="utf-8")
    return path


def test_an_organisation_whose_name_starts_with_a_blank_or_a_quote_is_found(run, tmp_path: Path) -> None:
    """A19-12: " Spacey Oy" made doctor blame the server ("does not apply `sw`"), and neither it nor
    '"Quoted" Oy' was ever found by --org, so the caller was asked to check their organisation's name."""
    spacey = _one_organisation(tmp_path / "spacey.json", " Spacey Oy")
    quoted = _one_organisation(tmp_path / "quoted.json", '"Quoted" Oy')
    doctor = run("--sandbox-data", str(spacey), "doctor", "--json").json()
    assert [c for c in doctor if c["id"] == "name-lookups"] == [
        {"id": "name-lookups", "status": "pass", "detail": "`sw` (starts with) on Groups' displayName is "
         "applied: an organisation's first letters find it", "consequence": None}]
    for data, organisation in ((spacey, "Spacey Oy"), (quoted, "Quoted"), (quoted, "Quoted Oy")):
        found = run("--sandbox-data", str(data), "diagnose", "Anna Berg", "-o", organisation, "--no-audit",
                    "--json").json()
        assert (found["rule"], found["user"]["userName"]) == ("login.not-login-email", "user1@example.fi")


def test_a_mapping_below_a_folder_others_may_change_is_warned_about(run, tmp_path: Path) -> None:
    """A19-3: a mapping reached through a link in a folder anyone can write, or kept in a subfolder of
    one, was used without a word, though another user could swap the link or rename the subfolder."""
    mapping = run("--mapping", "scim-core", "mapping", "show").stdout
    shared = tmp_path / "shared"
    (shared / "sub").mkdir(parents=True)
    shared.chmod(0o777)
    kept = shared / "sub" / "m.toml"
    kept.write_text(mapping, encoding="utf-8")
    kept.chmod(0o644)
    own = tmp_path / "own"
    own.mkdir()
    link = own / "link.toml"
    link.symlink_to(kept)
    safe = own / "m.toml"
    safe.write_text(mapping, encoding="utf-8")
    safe.chmod(0o644)
    sample = Path(__file__).parent.parent / "docs" / "samples" / "core-directory.json"
    for given in (kept, link, safe):
        result = run("--sandbox-data", str(sample), "--mapping", str(given), "diagnose", "ESIM0101",
                     "--no-audit")
        warned = "" if given == safe else (
            f"postisupport: warning: a folder above {given}, {shared} can be changed by other users, who "
            "could decide who is an administrator or hide a lock; make it yours alone (chown to you, chmod "
            "go-w)\n")
        assert (result.exit_code, result.stderr) == (0, warned)


def test_serving_a_capture_made_through_another_mapping_says_how_to_read_it(run, tmp_path: Path) -> None:
    """A19-4: a capture made through scim-core, served and read through scim-core (its own mapping, or a
    profile's), said "not found" and "no organisation", with nothing to warn of it."""
    import os
    import subprocess
    import sys

    sample = Path(__file__).parent.parent / "docs" / "samples" / "core-directory.json"
    ticket = tmp_path / "c.json"
    assert run("--sandbox-data", str(sample), "--mapping", "scim-core", "capture", "ESIM0101", "-o",
               str(ticket)).exit_code == 0
    env = {**os.environ, "HOME": str(tmp_path), "POSTISUPPORT_CONFIG": str(tmp_path / "config.toml")}
    server = subprocess.Popen([sys.executable, "-m", "postisupport", "sandbox", "serve", "--data",
                               str(ticket), "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env)
    try:
        assert server.stdout is not None and server.stderr is not None
        url = server.stdout.readline().strip()
        said = [server.stderr.readline() for _ in range(2)]
    finally:
        server.terminate()
        server.wait(10)
    assert said == [
        f"postisupport: warning: {ticket} was captured through the mapping 'scim-core' but is served in "
        "postisupport's own form: read it with the default mapping (no --mapping, and no profile's mapping), "
        "or it is misread\n",
        f"serving the SCIM sandbox at {url}; Ctrl-C stops it\n"]


LOGIN_EXTENSION = "urn:postisupport:scim:schemas:extension:login:1.0:User"


def test_an_administrator_whose_state_cannot_be_read_is_never_offered_as_one_who_can_act(run) -> None:
    """A20-5: Maija's accountLocked sent as "maybe" (or active as [false]): she was offered to the caller
    as one who can act, with no data problem, where well-formed she was locked."""
    def maybe(user: dict[str, Any]) -> None:
        if user.get("id") == "u-1001":
            user.setdefault(LOGIN_EXTENSION, {})["accountLocked"] = "maybe"

    with serving(Rewriting(maybe)) as url:
        document = run("--api", url, "diagnose", "johanna.makinen@esimerkki.example.fi", "--verified",
                       "--json", "--no-audit").json()
    assert (document["outcome"], document["rule"]) == ("contact-customer-service", "login.no-admin")
    assert [(a["displayName"], a["state"]) for a in document["admins"] + document["unable_admins"]] == [
        ("Maija Virtanen", "unknown"), ("Ville Heikkinen", "inactive")]
    assert document["data_problems"] == [
        "administrator maija.virtanen@esimerkki.example.fi: accountLocked: 'maybe' ignored (not a boolean "
        "(true or false))"]
    assert "administrators" in document["unknown"]


def test_doctor_fails_a_mapping_whose_organisations_carry_neither_business_id_nor_services(
        run, tmp_path: Path) -> None:
    """A20-2: business_id and services named attributes no group has; doctor passed every check, and
    every diagnosis then said "no business ID" and "not among the organisation's services"."""
    shown = run("mapping", "show").stdout
    wrong = shown.replace(f'business_id = "{ORGANISATION}:businessId"',
                          f'business_id = "{ORGANISATION}:bizId"')
    wrong = wrong.replace(f'services = "{ORGANISATION}:services"', f'services = "{ORGANISATION}:servicez"')
    assert wrong.count(":bizId") == wrong.count(":servicez") == 1
    mapping = tmp_path / "biz.toml"
    mapping.write_text(wrong, encoding="utf-8")
    mapping.chmod(0o600)
    result = run("--sandbox", "--mapping", str(mapping), "doctor", "--json")
    coverage = next(c for c in result.json() if c["id"] == "coverage")
    assert (result.exit_code, coverage["status"], coverage["consequence"]) == (
        8, "fail", "every organisation is said to have no business ID, and no look-up by one finds it; every "
        "service asked about is said to be none of the organisation's, so no administrator could grant it")
    assert "; of the 4 organisations listed first: business_id 0, organisation_services 0;" \
        in coverage["detail"]


def test_an_item_without_a_value_leaves_its_list_unknown_never_one_item_fewer(run) -> None:
    """A20-6: an entitlement sent as {"display": "E-invoicing"} was dropped silently: "You don't have
    access to E-invoicing yet", with no data problem."""
    def valueless(user: dict[str, Any]) -> None:
        if user.get("id") == "u-1004":
            user["entitlements"] = [{"value": "reports", "display": "Reporting"}, {"display": "E-invoicing"}]

    with serving(Rewriting(valueless)) as url:
        document = run("--api", url, "diagnose", "johanna.makinen@esimerkki.example.fi", "-s", "invoicing",
                       "--verified", "--json", "--no-audit").json()
    assert ("services" in document["unknown"], document["data_problems"]) == (
        True, ["user u-1004: entitlements.value: missing"])
    assert [v["rule"] for v in document["services"]] == ["service.missing-right"]


def test_a_lone_surrogate_in_a_group_id_is_a_data_problem_not_an_internal_error(run) -> None:
    """A20-7: a group id "g-\\ud800" went into the next filter and crashed every diagnosis (exit 1)."""
    def surrogate(user: dict[str, Any]) -> None:
        if user.get("id") == "u-1002":
            user["groups"] = [{"value": "g-\ud800"}]

    with serving(Rewriting(surrogate)) as url:
        result = run("--api", url, "diagnose", "ESIM0042", "--json", "--no-audit")
    assert result.exit_code == 0, result.stderr
    assert "user u-1002: groups.value: 'g-\\ud800' ignored (not text: it holds a lone surrogate)" in \
        result.json()["data_problems"]


def test_a_reset_address_that_is_no_address_is_unknown_never_one_no_longer_on_the_account(run) -> None:
    """A20-8: passwordResetSentTo "" or "Name <address>" was told as "an address no longer on your
    account", with no data problem."""
    for sent in ("", "Aino Korhonen <aino.korhonen@esimerkki.example.fi>"):
        def change(user: dict[str, Any], sent: str = sent) -> None:
            if user.get("id") == "u-1002":
                user[LOGIN_EXTENSION]["passwordResetSentTo"] = sent

        with serving(Rewriting(change)) as url:
            document = run("--api", url, "diagnose", "ESIM0042", "--verified", "--json", "--no-audit",
                           "--lang", "en").json()
        assert "no longer on your account" not in document["script"]["text"]
        assert ("reset_sent_to" in document["unknown"], len(document["data_problems"])) == (True, 1)


def test_mask_reaches_the_error_lines_too(run, tmp_path: Path) -> None:
    """A20-1: --mask left what was typed, and the organisations' names and business IDs the directory
    gave, in full in error lines (diagnose, its stdin and the shell alike)."""
    data = json.loads((Path(__file__).parent.parent / "postisupport" / "sandbox" / "data" / "demo.json")
                      .read_text(encoding="utf-8"))
    for group in data["Groups"]:
        if group["id"] == "g-exempel":
            group["displayName"] = "Esimerkki Ab"
    two = tmp_path / "two.json"
    two.write_text(json.dumps(data), encoding="utf-8")
    typed = run("--sandbox", "diagnose", "bad@@aino.example.fi", "--mask")
    assert (typed.exit_code, typed.stderr) == (
        2, "postisupport: error: 'b***d@@***.fi' is not a valid e-mail address\n")
    several = "postisupport: error: --org 'E.' is the name of 2 organisations: 'E. O.' (*******-0), " \
              "'E. A.' (*******-2); give its business ID\n"
    named = run("--sandbox-data", str(two), "diagnose", "Karin Holm", "--org", "Esimerkki", "--mask")
    assert (named.exit_code, named.stderr) == (2, several)
    listed = run("--sandbox", "diagnose", "-", "--mask", "--fields", "outcome",
                 input="a@b.example.fi\nAino Korhonen\n")
    assert listed.stderr == ("postisupport: error: line 2: 'A. K.' is not a valid legacy user ID: it "
                             "contains spaces (a name is looked up within its organisation)\n")
    session = run("--sandbox-data", str(two), "shell", input='mask on\n"Karin Holm" --org Esimerkki\n')
    assert several in session.stderr
    plain = run("--sandbox", "diagnose", "bad@@aino.example.fi")
    assert plain.stderr == "postisupport: error: 'bad@@aino.example.fi' is not a valid e-mail address\n"


def test_doctor_counts_what_reads_as_the_fact_not_what_is_carried(run, tmp_path: Path) -> None:
    """A20-11: login_email read from emails (a list), or last_login from displayName, was "carried by 18
    of 18" and passed, though every diagnosis then had the fact unknown."""
    mapping = tmp_path / "emails.toml"
    mapping.write_text('[lookup]\nby = ["login_email"]\n[facts]\nlogin_email = "emails"\n', encoding="utf-8")
    mapping.chmod(0o600)
    result = run("--sandbox", "--mapping", str(mapping), "doctor", "--json")
    coverage = next(c for c in result.json() if c["id"] == "coverage")
    assert (result.exit_code, coverage["status"], coverage["consequence"]) == (
        8, "fail", "no caller's login e-mail address can be told")
    assert coverage["detail"].startswith(
        "of the 18 users listed first, carrying each mapped fact: login_email 0; carried but unreadable as "
        "the fact: login_email 18;")


def test_bulk_marks_what_the_directory_cannot_tell_never_blank(run, tmp_path: Path) -> None:
    """A20-3: an unknown organisation, business ID or administrators was written blank, as none, and the
    workbook's Summary counted such rows under "(no organisation)"."""
    import csv
    import io

    from openpyxl import load_workbook

    sample = Path(__file__).parent.parent / "docs" / "samples" / "core-directory.json"
    shown = run("--mapping", "scim-core", "mapping", "show").stdout
    no_organisations = tmp_path / "noorg.toml"
    no_organisations.write_text(shown.split("[organisations]")[0], encoding="utf-8")
    no_organisations.chmod(0o600)
    rows = tmp_path / "in.csv"
    rows.write_text("identifier\nESIM0101\nESIM0102\n", encoding="utf-8")
    core = run("--sandbox-data", str(sample), "--mapping", "scim-core", "bulk", str(rows), "-o", "-", "-q",
               "--format", "csv")
    cells = [(r["organisation"], r["business_id"], r["admins"])
             for r in csv.DictReader(io.StringIO(core.stdout))]
    assert cells == [("Esimerkki Oy", "(unknown)", "Matti Mäkinen <matti.makinen@esimerkki.example.fi>"),
                     ("", "", "")]
    book = tmp_path / "out.xlsx"
    assert run("--sandbox-data", str(sample), "--mapping", str(no_organisations), "bulk", str(rows), "-o",
               str(book), "-q").exit_code == 0
    summary = [[c.value for c in line] for line in load_workbook(book)["Summary"].iter_rows()]
    assert summary == [["organisation", "not-found", "use-login-email", "rows"],
                       ["(no single user)", 1, 0, 1], ["(organisation unknown)", 0, 1, 1]]


def test_a_value_that_is_no_boolean_is_unreadable_never_read_as_one() -> None:
    """A20-9: "off", "n", "0", 0 and 1 were read as booleans (deactivated, locked), with no data
    problem; true and false, as JSON or as text (WSO2 sends some so), are read."""
    from postisupport.idp.reading import user_facts

    for sent in ("off", "n", "0", 0, 1, "yes"):
        facts = user_facts({"id": "u-1", "userName": "aino@example.fi", "active": sent})
        assert (facts.active, "active" in facts.unknown, facts.problems) == (
            None, True, (f"active: {sent!r} ignored (not a boolean (true or false))",))
    assert [user_facts({"id": "u-1", "userName": "aino@example.fi", "active": sent}).active
            for sent in (True, "False", " true ")] == [True, False, True]


def ndjson_rows(run: Any, tmp_path: Path, rows: str) -> tuple[int, list[tuple[str, str | None]]]:
    """A bulk run of NDJSON `rows` on the sandbox: its exit code, and each row's input and error message."""
    given = tmp_path / "in.ndjson"
    given.write_text(rows, encoding="utf-8")
    result = run("--sandbox", "bulk", str(given), "-q", "--no-audit")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    return result.exit_code, [(row["input"], (row.get("error") or {}).get("message")) for row in out]


def test_ndjson_rows_keep_what_was_given_and_refuse_one_key_twice(run, tmp_path: Path) -> None:
    """A18-15: a non-string identifier came back as Python's repr ("True", "['ESIM0042']"); A19-11: a row
    with "service" and "Service" was diagnosed for the last one only, with no word."""
    rows = ('{"identifier": true}\n{"identifier": ["ESIM0042"]}\n'
            '{"EMAIL": "ESIM0105", "service": "invoicing", "Service": "reports"}\n'
            '{"email": "ESIM0105", "EMAIL": "ESIM0105"}\n')
    assert ndjson_rows(run, tmp_path, rows)[1] == [
        ("true", 'no identifier (a string under a key such as "identifier" or "email")'),
        ('["ESIM0042"]', 'no identifier (a string under a key such as "identifier" or "email")'),
        ('{"EMAIL": "ESIM0105", "service": "invoicing", "Service": "reports"}',
         "the keys 'service', 'Service' are one key written in different case, with different values; keep "
         "one"),
        ("ESIM0105", None)]


def test_capture_to_a_device_says_at_once_that_it_writes_only_to_a_file(run) -> None:
    """A19-21: capture -o /dev/null said "exists already: add --force", a flag that could not help."""
    result = run("--sandbox", "capture", "ESIM0042", "-o", "/dev/null")
    assert (result.exit_code, result.stderr) == (
        2, "postisupport: error: /dev/null: is not a regular file; capture writes only to a file\n")


def test_one_missing_oauth2_setting_is_it_not_them(run, env) -> None:
    """A20-10's wording: "set them" of the one client secret missing."""
    from tests.test_attacked import config_file

    config_file(env, '[profiles.default]\napi_url = "https://idp.example.com/scim/v2"\nauth = "oauth2"\n'
                'token_url = "https://idp.example.com/token"\nclient_id = "desk"\n')
    result = run("diagnose", "ESIM0042")
    assert (result.exit_code, result.stderr) == (2, (
        "postisupport: error: client secret: OAuth2 needs client_secret; set it with auth login\n"))


def test_a_second_organisation_of_the_name_written_with_a_leading_blank_is_seen(run, tmp_path: Path) -> None:
    """A21-1: " Esimerkki Oy" beside Esimerkki Oy went unseen by --org "Esimerkki Oy" (the `co` look-up was
    made only when `sw` found none), so the first was taken for the caller's."""
    data = json.loads((Path(__file__).parent.parent / "postisupport" / "sandbox" / "data" / "demo.json")
                      .read_text(encoding="utf-8"))
    data["Groups"].append({"id": "g-toinen", "displayName": " Esimerkki Oy", "members": [],
                           ORGANISATION: {"businessId": "1111111-0", "services": []}})
    two = tmp_path / "two.json"
    two.write_text(json.dumps(data), encoding="utf-8")
    result = run("--sandbox-data", str(two), "diagnose", "Laura Salo", "--org", "Esimerkki Oy", "--no-audit")
    assert (result.exit_code, result.stderr) == (2, (
        "postisupport: error: --org 'Esimerkki Oy' is the name of 2 organisations: 'Esimerkki Oy' "
        "(2345678-0), ' Esimerkki Oy' (1111111-0); give its business ID\n"))


def test_an_administrator_of_unknown_state_is_counted_apart_and_their_problems_said(run) -> None:
    """A21-3, A21-4: a business-ID look-up said nothing of an administrator's data problems, and an
    administrator whose state can't be read was counted as one who does not log in."""
    def nope(user: dict[str, Any]) -> None:
        if user.get("id") == "u-1001":
            user["active"] = "nope"

    with serving(Rewriting(nope)) as url:
        document = run("--api", url, "diagnose", "2345678-0", "--json", "--no-audit").json()
    assert document["data_problems"] == [
        "administrator maija.virtanen@esimerkki.example.fi: active: 'nope' ignored (not a boolean (true or "
        "false))"]
    counted = {e["fact"]: e["value"] for e in document["evidence"] if e["fact"].startswith("admins")
               or e["fact"].endswith("Admins")}
    assert counted == {"otherAdmins": 0, "deactivatedAdmins": 1, "adminsStateUnknown": 1}


def test_doctor_counts_the_organisations_whose_values_read_as_the_fact(run, tmp_path: Path) -> None:
    """A21-2: business_id and services read from attributes of the wrong shape were "carried by 4 of 4"."""
    shown = run("mapping", "show").stdout
    wrong = shown.replace(f'business_id = "{ORGANISATION}:businessId"', 'business_id = "meta"')
    wrong = wrong.replace(f'services = "{ORGANISATION}:services"', 'services = "displayName"')
    mapping = tmp_path / "meta.toml"
    mapping.write_text(wrong, encoding="utf-8")
    mapping.chmod(0o600)
    result = run("--sandbox", "--mapping", str(mapping), "doctor", "--json")
    coverage = next(c for c in result.json() if c["id"] == "coverage")
    assert (result.exit_code, coverage["status"]) == (8, "fail")
    assert "; of the 4 organisations listed first: business_id 0, organisation_services 0;" \
        in coverage["detail"]


def test_an_organisation_answered_without_a_readable_id_is_unknown_never_none(run) -> None:
    """A21-8: the API answered the user's group g-esimerkki without its id: "Your account isn't linked to
    any organisation", a ticket to link an account that is linked."""
    def no_id(group: dict[str, Any]) -> None:
        if group.get("id") == "g-esimerkki":
            del group["id"]

    with serving(Rewriting(no_id, endpoint="/Groups")) as url:
        document = run("--api", url, "diagnose", "johanna.makinen@esimerkki.example.fi", "--verified",
                       "--json", "--no-audit").json()
    assert (document["rule"], "organisation" in document["unknown"]) == ("login.organisation-unknown", True)


def test_mask_takes_no_apostrophe_inside_a_word_for_a_quote() -> None:
    """A21-6: "can't ... can't" was masked as a quoted name, and the name quoted between them left clear."""
    from postisupport.output.mask import error_line

    said = "the API answered HTTP 400: Can't apply filter displayName sw 'Esimerkki Oy': it isn't indexed"
    assert error_line(said) == ("the API answered HTTP 400: Can't apply filter displayName sw 'E. O.': it "
                                "isn't indexed")



class _Unfiltered(Rewriting):
    """The sandbox with Esimerkki's business ID a number, its Groups' filter dropped: every group sent."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/Groups"):
            scope = {**scope, "query_string": b"count=20"}
        await super().__call__(scope, receive, send)


def test_a_business_id_look_up_a_server_answers_with_every_group_takes_no_unreadable_one(run) -> None:
    """A21-12: a server that ignores the business-ID filter sent every group; a business ID no
    organisation has was matched to the one whose business ID can't be read."""
    with serving(_Unfiltered(_number, endpoint="/Groups")) as url:
        result = run("--api", url, "diagnose", "2222222-9", "--json", "--no-audit")
    assert (result.exit_code, result.stderr) == (5, (
        "postisupport: error: the identity API answered the look-up of '2222222-9' with 1 organisation(s) "
        "whose business ID can't be read, so which one is meant can't be told\n"))


def test_a_reset_address_with_a_wrapper_or_an_invisible_character_is_no_address() -> None:
    """A21-10: mailto:ADDRESS, <ADDRESS>, ADDRESS. and ADDRESS with a zero-width space were still read as an
    address no longer on the account."""
    from postisupport.idp.reading import user_facts

    address = "aino.korhonen@esimerkki.example.fi"
    for sent in (f"mailto:{address}", f"<{address}>", f"{address}.", f"{address}\u200b"):
        facts = user_facts({"id": "u-1", "userName": address, LOGIN_EXTENSION: {"passwordResetSentTo": sent}})
        assert (facts.reset_sent_to, "reset_sent_to" in facts.unknown, facts.problems) == (
            None, True, (f"passwordResetSentTo: {sent!r} ignored (not an e-mail address)",))


def test_a_lone_surrogate_in_an_organisations_business_id_or_name_is_a_data_problem() -> None:
    """A21-9: "Esimerkki Oy \\ud800" was taken as text, with no data problem."""
    from postisupport.idp.reading import group_facts

    organisation, problems = group_facts({"id": "g-1", "displayName": "Esimerkki Oy \ud800",
                                          ORGANISATION: {"businessId": "2345678-0\ud800"}})
    assert organisation is not None
    assert (organisation.name, organisation.business_id, organisation.unknown) == (
        None, None, frozenset({"name", "business_id"}))
    assert problems == [
        "group g-1: displayName: 'Esimerkki Oy \\ud800' ignored (not text: it holds a lone surrogate)",
        "group g-1: businessId: '2345678-0\\ud800' ignored (not text: it holds a lone surrogate)"]
