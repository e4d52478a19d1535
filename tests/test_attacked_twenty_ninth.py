"""Findings of the twenty-ninth attack: what a JSON document says twice, or says in no JSON at all."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from postisupport.core.rules import Evidence, decide
from postisupport.core.text import NotJson, json_document
from postisupport.idp.reading import user_facts
from postisupport.sandbox.app import application
from tests.servers import Hostile, Quirky, serving
from tests.test_attacked_nineteenth import ndjson_rows
from tests.test_rules import a_user, facts

LOGIN = "urn:postisupport:scim:schemas:extension:login:1.0:User"
TWICE = "sent 2 times with different values (names are case-insensitive), so none is read"


def test_a_servers_key_sent_twice_is_kept_as_a_case_twin() -> None:
    """The same value twice is one; different values are kept under another case of the key, which the
    readers take for one attribute sent in two ways (none of its values is read)."""
    assert json_document('{"a": 1, "a": 1}', twins=True) == {"a": 1}
    assert json_document('{"aB": 1, "aB": 2, "aB": 3}', twins=True) == {"aB": 1, "AB": 2, "ab": 3}
    # A one-letter key has one other case: taken, the repeat can't be kept, and the answer is refused.
    with pytest.raises(NotJson) as refused:
        json_document('{"a": 1, "A": 3, "a": 2}', twins=True)
    assert (refused.value.reason, refused.value.told) == (
        "the key 'a' is given twice, with different values", True)


@pytest.mark.parametrize(("sent", "said"), [
    ('{"email": "a@example.fi", "email": "b@example.fi"}', "the key 'email' is given twice, with different "
                                                           "values"),
    ('{"n": NaN}', "NaN is not a JSON value"),
    ('{"n": -Infinity}', "-Infinity is not a JSON value"),
    ('{"n": 1e999999}', "the number 1e999999 is beyond what can be read"),
])
def test_what_no_reader_can_take_one_way_is_refused_saying_what(sent: str, said: str) -> None:
    with pytest.raises(NotJson) as refused:
        json_document(sent)
    assert (refused.value.reason, refused.value.told) == (said, True)


def test_an_attribute_a_server_sends_twice_with_different_values_is_unknown() -> None:
    """F29-1: "active": false, "active": true was read as active, with no word: json.loads keeps the last."""
    raw = ('{"id": "u1", "userName": "dk@example.fi", "active": false, "active": true, '
           f'"{LOGIN}": {{"accountLocked": true}}, "{LOGIN}": {{"accountLocked": false}}}}')
    facts = user_facts(json_document(raw, twins=True))
    assert (facts.active, {"active", "locked"} <= facts.unknown, facts.problems) == (
        None, True, (f"active: {TWICE}", f"{LOGIN}: {TWICE}"))


def test_a_deactivated_locked_account_a_server_also_sends_as_open_is_not_told_all_is_well(
        run, environ) -> None:
    """F29-1, through the client: the lock and the forced change sent first, then an extension without
    them; the account was read as open, "contact the administrator", with no data problem."""
    user = ('{"id": "u1", "userName": "dk@example.fi", "emails": [{"value": "dk@example.fi"}], '
            f'"active": false, "active": true, '
            f'"{LOGIN}": {{"accountLocked": true, "forcePasswordReset": true}}, '
            f'"{LOGIN}": {{"lastLoginTime": "2021-02-01T07:30:00Z"}}}}')
    body = ('{"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 1, '
            f'"Resources": [{user}]}}').encode()
    environ["POSTISUPPORT_TOKEN"] = "tok-12345678"
    with serving(Hostile(200, body, b"application/scim+json")) as url:
        result = run("--api", url, "--no-audit", "diagnose", "dk@example.fi", "--json")
    document = result.json()
    assert (result.exit_code, document["user"]["active"], document["user"]["accountLocked"],
            document["user"]["forcePasswordReset"]) == (0, None, None, None)
    assert {"active", "locked", "reset_requested"} <= set(document["unknown"])
    assert document["data_problems"][:2] == [f"user u1: active: {TWICE}", f"user u1: {LOGIN}: {TWICE}"]


def test_an_ndjson_row_that_gives_a_key_twice_or_no_json_number_is_its_own_error(run, tmp_path: Path) -> None:
    """F29-2: {"email": A, "email": B} was diagnosed as B, A in no output; F29-7: NaN and 1e999999 were
    taken, and written out as NaN and Infinity, which no strict JSON reader reads."""
    rows = ('{"email": "ESIM0105", "email": "ESIM0042"}\n{"email": "ESIM0105", "service": "reports", '
            '"service": "invoicing"}\n{"email": "ESIM0105", "n": NaN}\n{"email": "ESIM0105", "n": 1e999999}\n'
            '{"email": "ESIM0105", "email": "ESIM0105"}\n')
    assert ndjson_rows(run, tmp_path, rows) == (6, [  # 6: rows in error
        ('{"email": "ESIM0105", "email": "ESIM0042"}',
         "the key 'email' is given twice, with different values"),
        ('{"email": "ESIM0105", "service": "reports", "service": "invoicing"}',
         "the key 'service' is given twice, with different values"),
        ('{"email": "ESIM0105", "n": NaN}', "NaN is not a JSON value"),
        ('{"email": "ESIM0105", "n": 1e999999}', "the number 1e999999 is beyond what can be read"),
        ("ESIM0105", None)])  # the same value twice is one value


def test_a_capture_of_answers_with_data_problems_replays_as_it_decided(run, environ, tmp_path: Path) -> None:
    """F29-4: a server that ignores the members' filter sent users of other organisations, which the
    look-up left out, a data problem; the capture decided alike, was kept as captured, and its own replay
    then "differs in data_problems" (exit 7): what was wrong with the answers can't come back from a file.
    The record keeps it."""
    environ["POSTISUPPORT_TOKEN"] = "tok-12345678"
    captured = tmp_path / "ticket.json"
    with serving(Quirky(application(), "ignores-filters")) as url:
        made = run("--api", url, "--no-audit", "capture", "Aino Korhonen", "--org", "2345678-0", "-o",
                   str(captured))
        assert made.exit_code == 0, made.stderr
    record = json.loads(captured.read_text())["capture"]
    assert record["data_problems"] == record["diagnosis"]["data_problems"] == [
        "the API returned 3 organisation(s) whose business ID is not 2345678-0, left out: 'Exempel Ab', "
        "'Lukko Oy', 'Sample Trading Ltd'",
        "the API returned 7 user(s) not among the organisation's members, left out",
        "the API returned 3 organisation(s) not among the user's groups, left out: 'Exempel Ab', 'Lukko Oy', "
        "'Sample Trading Ltd'"]
    replayed = run("replay", str(captured), "--json")
    assert (replayed.exit_code, replayed.stderr, replayed.json()["data_problems"]) == (
        0, "", record["data_problems"])


def test_a_caller_whose_own_roles_cant_be_read_is_not_told_there_is_no_administrator() -> None:
    """F29-5: "roles": "admin" (a string, not a list) could not be read, and the rules read it as "not an
    administrator": the only member of an organisation heard "your organisation has no administrator",
    which docs/rules.md says is never said when the roles can't be read; isAdmin was false, fired false."""
    read = user_facts({"id": "u1", "userName": "r1@example.fi", "roles": "admin"})
    assert (read.is_admin, "administrators" in read.unknown) == (False, True)
    alone = decide(facts(replace(a_user(), unknown=read.unknown, is_admin=False), admins=()))
    assert ([part.key for part in alone.script], alone.evidence[0]) == (
        ["login.no-admin.unknown", "next.ticket"], Evidence("login.no-admin", "isAdmin", None))
    assert [(c.rule, c.fired, c.unknown) for c in alone.considered[2:]] == [
        ("login.other-admin", None, ("administrators",)), ("login.no-admin", None, ("administrators",))]
    # With another administrator who can act, she helps whether or not the caller is one too.
    helped = decide(facts(replace(a_user(), unknown=read.unknown, is_admin=False)))
    assert (helped.rule, [(c.rule, c.fired) for c in helped.considered[2:4]]) == (
        "login.contact-admin", [("login.other-admin", None), ("login.user-is-admin", None)])


@pytest.mark.parametrize("output", ["out.csv", "out.ndjson"])
@pytest.mark.parametrize("mode", ["--resume", "--retry-failed"])
def test_a_resume_of_an_input_whose_other_columns_changed_since_is_refused(
        run, tmp_path: Path, output: str, mode: str) -> None:
    """F29-6: a row's note changed since the output was written; the resume kept the old note, unsaid,
    though docs/bulk.md says an input changed since is refused."""
    given = tmp_path / "in.csv"
    given.write_text("email,note\r\nESIM0042,first\r\nESIM0105,second\r\n", encoding="utf-8")
    out = tmp_path / output
    assert run("--sandbox", "bulk", str(given), "-o", str(out), "-q", "--no-audit").exit_code == 0
    before = out.read_bytes()
    again = run("--sandbox", "bulk", str(given), "-o", str(out), "-q", "--no-audit", mode)
    assert (again.exit_code, out.read_bytes()) == (0, before)  # unchanged: nothing to do
    given.write_text("email,note\r\nESIM0042,first\r\nESIM0105,CHANGED\r\n", encoding="utf-8")
    refused = run("--sandbox", "bulk", str(given), "-o", str(out), "-q", "--no-audit", mode)
    assert (refused.exit_code, refused.stderr, out.read_bytes()) == (2, (
        "postisupport: error: row 2 of the input ('ESIM0105') has other values in its other columns than "
        f"row 2 of {out}: the input has changed since, or the output is from another input\n"), before)


def test_a_resource_sent_again_with_other_values_is_one_whose_differing_values_are_not_read(
        run, environ, tmp_path: Path) -> None:
    """F29-3: two Users under one id, "Aino Korhonen" active and "Aino Impostor" deactivated: the second
    was dropped, the first read as if it alone had come, and the data problem said it was "sent more than
    once". What differs is read as an attribute sent two ways: none of it; a capture keeps both."""
    first = {"id": "u2", "userName": "dup@example.fi", "displayName": "Aino Korhonen",
             "emails": [{"value": "dup@example.fi"}], "active": True}
    body = json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 2,
                       "Resources": [first, {**first, "displayName": "Aino Impostor", "active": False}]})
    environ["POSTISUPPORT_TOKEN"] = "tok-12345678"
    captured = tmp_path / "ticket.json"
    with serving(Hostile(200, body.encode(), b"application/scim+json")) as url:
        result = run("--api", url, "--no-audit", "diagnose", "dup@example.fi", "--json")
        made = run("--api", url, "--no-audit", "capture", "dup@example.fi", "-o", str(captured))
    document = result.json()
    assert (result.exit_code, document["user"]["displayName"], document["user"]["active"]) == (0, None, None)
    assert document["data_problems"][0] == (
        "the API sent 1 of the Users more than once; each is read once (1 with other values the second time, "
        "not read)")
    assert [p for p in document["data_problems"] if p.startswith("user u2: ")] == [
        f"user u2: displayName: {TWICE}", f"user u2: active: {TWICE}"]
    assert made.exit_code == 0, made.stderr
    assert "Aino Impostor" in captured.read_text()
    replayed = run("replay", str(captured), "--json")
    assert (replayed.exit_code, replayed.json()["rule"]) == (0, document["rule"]), replayed.stderr


def test_a_date_alone_is_no_moment_and_the_change_it_would_order_is_asked() -> None:
    """F29-8: passwordResetSentAt "2021-03-01" was read as midnight UTC, before a change at 06:00 that day:
    no change pending, said to no one. A date alone can't order the two: it is not read, and step 1 is
    asked of the caller."""
    user = {"id": "u-1", "userName": "aino@example.fi", "active": True, LOGIN: {
        "passwordResetSentAt": "2021-03-01", "lastPasswordUpdateTime": "2021-03-01T06:00:00Z"}}
    read = user_facts(user)
    assert (read.reset_sent_at, "reset_sent_at" in read.unknown, read.problems) == (
        None, True, ("passwordResetSentAt: '2021-03-01' ignored (not a dateTime (YYYY-MM-DDThh:mm:ss))",))
    assert decide(facts(read)).script[0].key == "check.reset-pending.since"


def test_organisations_a_business_id_filter_should_not_have_let_through_are_said(run, environ) -> None:
    """F29-11: a server ignoring the filter answered a business ID with other organisations, rightly set
    aside in silence: with none that has it, the agent heard "no organisation has this business ID" with
    no word of the server's fault."""
    environ["POSTISUPPORT_TOKEN"] = "tok-12345678"
    with serving(Quirky(application(), "ignores-filters")) as url:
        result = run("--api", url, "--no-audit", "diagnose", "7777777-4", "--json")
    document = result.json()
    assert (result.exit_code, document["rule"], document["data_problems"]) == (
        0, "lookup.not-found", ["the API returned 4 organisation(s) whose business ID is not 7777777-4, left "
                                "out: "
                                "'Esimerkki Oy', 'Exempel Ab', 'Lukko Oy', 'Sample Trading Ltd'"])


@pytest.mark.parametrize("delimiter", [";", ","])
def test_excels_sep_line_names_the_delimiter_and_is_no_header(run, tmp_path: Path, delimiter: str) -> None:
    """F29-12: Excel's first line "sep=;" was read as the header: "no identifier column in the header
    (sep=, )", exit 2."""
    source = tmp_path / "in.csv"
    source.write_bytes(f"sep={delimiter}\r\nemail{delimiter}note\r\naino.korhonen@esimerkki.example.fi{delimiter}"
                       "a\r\n".encode())
    out = tmp_path / "out.csv"
    result = run("--sandbox", "--no-audit", "bulk", str(source), "-o", str(out), "-q")
    assert (result.exit_code, result.stderr) == (0, "")
    lines = [line.split(delimiter) for line in out.read_text(encoding="utf-8-sig").splitlines()]
    assert (len(lines), lines[0][:4], lines[0][-1], lines[1][1]) == (
        2, ["row", "identifier", "service", "outcome"], "note", "aino.korhonen@esimerkki.example.fi")


def test_a_null_in_a_list_and_a_sub_attribute_are_said_as_what_they_are() -> None:
    """F29-12: a null among the e-mail addresses was dropped unsaid, and name.formatted sent as a list was
    "formatted: ['x'] ignored", naming no attribute the server has."""
    user = {"id": "t", "userName": "a@example.fi", "name": {"formatted": ["x"]},
            "emails": [None, {"value": 5}, {"value": "b@example.fi"}]}
    read = user_facts(user)
    assert (read.emails, read.problems) == (("b@example.fi",), (
        "name.formatted: ['x'] ignored (not a string)", "emails.value: 5 ignored (not a string)",
        "emails: 1 null item(s) ignored"))


def test_a_name_of_any_length_is_cut_on_the_screen_and_kept_whole_in_the_json(run, tmp_path: Path) -> None:
    """F29-10: a 100,000-character display name took 229 KB and 1,300 lines of the agent's screen. Each
    line that holds it is cut, with "..."; the JSON document keeps it as sent."""
    from postisupport.output.screen import SCREEN_LINE
    from tests.test_native_twenty_second import _demo

    path = _demo(tmp_path, "long.json", top={"u-1002": {"displayName": "A" * 100_000}})
    shown = run("--sandbox-data", str(path), "diagnose", "ESIM0042", "--no-audit", "--verified")
    document = run("--sandbox-data", str(path), "diagnose", "ESIM0042", "--no-audit", "--json").json()
    runs = [len(m) for m in re.findall("A{100,}", shown.stdout.replace("\n", "").replace(" ", ""))]
    assert (shown.exit_code, max(runs) < SCREEN_LINE, len(shown.stdout) < 6_000, SCREEN_LINE) == (
        0, True, True, 1000)
    assert len(document["user"]["displayName"]) == 100_000


def test_mask_cuts_a_value_quoted_because_it_could_not_be_read_as_a_moment_or_a_yes_or_no() -> None:
    """Attack 32, F32-2: "active: 'Aino Korhonen' ignored (not a boolean ...)" stayed in clear under --mask:
    the attributes whose values are moments or yes-or-no were exempt even when what they held was neither."""
    from postisupport.output.mask import problem

    assert [problem(note) for note in (
        "user u-1002: active: 'Aino Korhonen' ignored (not a boolean (true or false))",
        "user u-1002: lastLoginTime: 'Aino Korhonen 2345678-0' ignored (not a dateTime "
        "(YYYY-MM-DDThh:mm:ss))",
        "user u-1002: lastLoginTime: '2021-03-01T08:00:00+00:00' read as a login in the future",
    )] == [
        "user u-1002: active: 'A. K.' ignored (not a boolean (true or false))",
        "user u-1002: lastLoginTime: 'A. K. 2.' ignored (not a dateTime (YYYY-MM-DDThh:mm:ss))",
        "user u-1002: lastLoginTime: '2021-03-01T08:00:00+00:00' read as a login in the future",
    ]


ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.mark.parametrize("spelled", ["esimerkki oy", "Esimerkki O\u0308y"], ids=["case", "decomposed"])
def test_an_organisation_named_by_an_attribute_is_one_however_its_name_is_spelled(run, tmp_path: Path,
                                                                                 spelled: str) -> None:
    """Attack 34, F34-1 and F34-2: under scim-core a user's organisation is their attribute's value. An
    administrator whose value was "esimerkki oy" (or "Öy" of O and a combining mark) was in another
    organisation: dropped, unsaid, and the caller told there is no administrator; a look-up by name was
    refused as naming two organisations, with a business ID this directory doesn't record."""
    import unicodedata

    # The caller's own spelling: "Esimerkki Oy", or the administrator's composed.
    own = unicodedata.normalize("NFC", spelled) if "\u0308" in spelled else "Esimerkki Oy"

    def person(ident: str, login: str, name: str, organisation: str, **rest: object) -> dict[str, object]:
        return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE], "id": ident,
                "userName": login, "displayName": name, "active": True, "emails": [{"value": login}],
                ENTERPRISE: {"organization": organisation}, **rest}

    data = {"Users": [person("u-1", "aino@esim.example.fi", "Aino Korhonen", own, active=False),
                      person("u-2", "maija@esim.example.fi", "Maija Virtanen", spelled,
                             roles=[{"value": "admin"}])], "Groups": []}
    path = tmp_path / "spelled.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    common = ("--sandbox-data", str(path), "--mapping", "scim-core", "--no-audit", "diagnose")
    found = run(*common, "aino@esim.example.fi", "--json").json()
    by_name = run(*common, "Aino Korhonen", "--org", "Esimerkki", "--json")
    assert ([a["displayName"] for a in found["admins"] + found["unable_admins"]], found["data_problems"],
            by_name.exit_code, by_name.json()["user"]["id"]) == (["Maija Virtanen"], [], 0, "u-1")
