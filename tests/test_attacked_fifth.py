"""Issue 12, as a fifth attacker's pass found the tree: captures of what a server may leave out, a server
that ignores the members' filter, the rate limit and the deadline, and a pseudonymised business ID."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.core.identifiers import business_id
from postisupport.sandbox.app import application
from tests.servers import serving
from tests.test_attacked_fourth import Altering

GONE = object()


def altered(attribute: str, value: Any) -> Any:
    def change(body: dict[str, Any], query: str) -> None:
        for resource in body.get("Resources", [body]):
            if value is GONE:
                resource.pop(attribute, None)
            else:
                resource[attribute] = value
    return change


@pytest.mark.parametrize(("endpoint", "attribute", "value"), [
    ("Users", "userName", GONE), ("Groups", "displayName", GONE), ("Users", "userName", 42),
    ("Groups", "displayName", ["Esimerkki Oy"])])
def test_a_capture_of_a_server_that_leaves_out_a_name_replays(run, tmp_path: Path, endpoint: str,
                                                              attribute: str, value: Any) -> None:
    """SCIM requires them, yet a server may leave them out; the diagnosis reads such an account, and the
    capture refused it: the ticket could not be kept at all."""
    ticket = tmp_path / "ticket.json"
    with serving(Altering(endpoint, altered(attribute, value))) as url:
        made = run("--api", url, "capture", "ESIM0042", "-o", str(ticket), "--no-audit")
        direct = run("--api", url, "diagnose", "ESIM0042", "--json", "--no-audit")
    outcome = direct.json()["outcome"]
    assert (made.exit_code, made.stderr) == (0, f"captured {outcome} ({direct.json()['rule']}) in {ticket}\n")
    kept = json.loads(ticket.read_text())
    assert [attribute in r for r in kept[endpoint]] == [False] * len(kept[endpoint])
    assert kept["capture"]["diagnosis"]["outcome"] == direct.json()["outcome"]
    replayed = run("replay", str(ticket))
    assert (replayed.exit_code, replayed.stderr) == (0, "")
    served = run("--sandbox-data", str(ticket), "diagnose", "ESIM0042", "--json", "--no-audit")
    assert (served.exit_code, served.json()["outcome"]) == (0, direct.json()["outcome"])


def test_a_data_file_written_by_hand_must_still_name_its_users(run, tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"Users": [{"id": "u-1"}]}))
    result = run("--sandbox-data", str(data), "diagnose", "ESIM0042", "--no-audit")
    assert (result.exit_code, result.stderr) == (
        2, "postisupport: error: sandbox data: Users[0] (id 'u-1'): userName is missing\n")


class IgnoringMembership:
    """The sandbox as a server that fills no User.groups and ignores every filter on membership: asked
    for a member's groups it sends every group, with its members; asked for an organisation's members or
    administrators it sends every user. It honours the other filters."""

    def __init__(self) -> None:
        self.app = application()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        query = parse_qs(scope.get("query_string", b"").decode())
        scim_filter = query.get("filter", [""])[0]
        if scope["type"] == "http" and ("members.value" in scim_filter or "groups.value" in scim_filter):
            rest = {k: v for k, v in query.items() if k != "filter"}
            scope = {**scope, "query_string": urlencode(rest, doseq=True).encode()}
        sent: list[Any] = []

        async def keep(message: Any) -> None:
            sent.append(message)

        await self.app(scope, receive, keep)
        if scope["type"] != "http" or not scope["path"].endswith("/Users"):
            for message in sent:
                await send(message)
            return
        body = json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))
        for user in body.get("Resources", []):
            user.pop("groups", None)
        start = next(m for m in sent if m["type"] == "http.response.start")
        await send({**start, "headers": [(k, v) for k, v in start["headers"] if k != b"content-length"]})
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})


def test_a_server_ignoring_the_members_filter_gives_the_user_only_their_own_organisation(run) -> None:
    """Olli is in Lukko Oy only: every organisation was taken for his, and another organisation's
    administrator was read out to him as his own."""
    with serving(IgnoringMembership()) as url:
        result = run("--api", url, "diagnose", "olli.ovinen@lukko.example.fi", "--json", "--no-audit",
                     "--verified")
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert [(o["name"], [a["email"] for a in o["admins"]]) for o in doc["organisations"]] == [
        ("Lukko Oy", ["leena.lukkari@lukko.example.fi"])]
    assert doc["data_problems"] == [
        "the API returned 3 organisation(s) not among the user's groups, left out: 'Esimerkki Oy', "
        "'Exempel Ab', 'Sample Trading Ltd'"]


def test_a_server_ignoring_the_members_filter_finds_no_namesake_in_another_organisation(run) -> None:
    """Kaisa Koski is in Exempel Ab and Sample Trading Ltd, not in Lukko Oy: looked up by name in Lukko
    Oy, she was found there, and her account read out."""
    with serving(IgnoringMembership()) as url:
        result = run("--api", url, "diagnose", "Kaisa Koski", "--org", "3456788-1", "--json", "--no-audit")
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert (doc["outcome"], doc["user"], doc["data_problems"]) == (
        "not-found", None, ["the API returned 16 user(s) not among the organisation's members, left out"])


def test_a_server_ignoring_the_members_filter_names_only_the_organisations_administrators(run) -> None:
    with serving(IgnoringMembership()) as url:
        result = run("--api", url, "diagnose", "3456788-1", "--json", "--no-audit")
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert ([(o["name"], [a["email"] for a in o["admins"]]) for o in doc["organisations"]],
            doc["data_problems"]) == ([("Lukko Oy", ["leena.lukkari@lukko.example.fi"])], [])


def test_doctor_finds_a_server_that_ignores_the_membership_filters(run) -> None:
    with serving(IgnoringMembership()) as url:
        result = run("--api", url, "doctor", "--json")
    assert (result.exit_code, result.stderr) == (ExitStatus.DOCTOR_FAILED, "")
    checks = {c["id"]: (c["status"], c["detail"]) for c in json.loads(result.stdout)}
    assert {k: v[0] for k, v in checks.items() if v[0] != "pass"} == {
        "user-groups": "warn", "membership-filters": "fail"}
    # Its users carry no User.groups: how many are in an organisation is not told by them.
    assert checks["coverage"][1].endswith(
        "; organisation not counted: User.groups is not filled, each diagnosis asks /Groups")
    assert checks["membership-filters"][1] == (
        "a filter on members.value (a member's groups), groups.value (an organisation's members) and the "
        "administrators' roles and groups.value for an id no one has returned resources: the server ignores "
        "it, so a caller may be given other organisations and their administrators wherever the answers "
        "don't show membership")


def test_rows_held_back_by_the_rate_limit_are_not_timed_out(run, tmp_path: Path) -> None:
    """The diagnosis's deadline ran while --rate held its requests back: at 4 requests a second and a
    1.5 s deadline, every row past the first few was "unreachable", and the run ended with exit 4."""
    from tests.test_bulk import Slow, directory, lines_of, write

    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(16)))
    slow = Slow(directory(16, 2), 0.0)
    out = tmp_path / "o.ndjson"
    with serving(slow) as url:
        result = run("--api", url, "--timeout", "0.5", "bulk", str(source), "-o", str(out),
                     "--concurrency", "16", "--rate", "4", "-q", "--no-audit")
    assert (result.exit_code, result.stderr) == (0, "")
    assert [(r["input"], r["error"]) for r in lines_of(out)] == [(f"user{i}@example.com", None)
                                                                 for i in range(16)]
    assert slow.requests >= 16  # at 4 a second after a first 4: over 3 s in all, twice the deadline


@pytest.mark.parametrize("typed", ["2345678-0", " 2345678-0 "])
def test_a_pseudonymised_capture_of_a_business_id_replays(run, loopback_sandbox: str, tmp_path: Path,
                                                          typed: str) -> None:
    """The business ID asked for stood in as a legacy ID, the organisation's as a business ID with a
    wrong check digit: the capture always refused to be written."""
    ticket = tmp_path / "ticket.json"
    made = run("--api", loopback_sandbox, "capture", typed, "-o", str(ticket), "--pseudonymise", "--no-audit")
    assert (made.exit_code, made.stderr) == (0, f"captured organisation (lookup.organisation) in {ticket}\n")
    kept = json.loads(ticket.read_text())
    asked = kept["capture"]["arguments"]["identifier"]
    assert ("2345678-0" in ticket.read_text(), business_id(asked)) == (False, asked)
    replayed = run("replay", str(ticket))
    assert (replayed.exit_code, replayed.stderr) == (0, "")
    served = run("--sandbox-data", str(ticket), "diagnose", asked, "--json", "--no-audit")
    assert (served.exit_code, served.json()["organisation"]["businessId"]) == (0, asked)


@pytest.mark.parametrize("command", ["capture", "bulk"])
@pytest.mark.parametrize("which", ["sandbox-data", "config"])
def test_no_command_overwrites_the_data_or_the_settings_it_reads(run, environ, tmp_path: Path, command: str,
                                                                 which: str) -> None:
    """capture --force did (attack pass 4, L3); bulk --force still did (pass 5, L5)."""
    from postisupport.sandbox.datafile import demo_data

    data = tmp_path / "data.json"
    data.write_text(json.dumps(demo_data()))
    config = tmp_path / "config.toml"
    config.write_text("[profiles.p]\n")
    environ["POSTISUPPORT_CONFIG"] = str(config)
    source = tmp_path / "in.txt"
    source.write_text("ESIM0042\n")
    target = data if which == "sandbox-data" else config
    before = target.read_bytes()
    asked = (["capture", "ESIM0042", "-o", str(target)] if command == "capture"
             else ["bulk", str(source), "-o", str(target), "--format", "csv", "-q"])
    result = run("--sandbox-data", str(data), *asked, "--force", "--no-audit")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", f"postisupport: error: {target}: is one of postisupport's own files (the audit trail or its "
        "key, the config file, or the data this run reads), never an output: the results must go to another "
        "file\n")
    assert target.read_bytes() == before


def test_a_workbook_run_keeps_a_parts_folder_that_holds_someone_elses_files(run, tmp_path: Path) -> None:
    """A folder by the name of the workbook's rows in waiting was removed whole, whatever it held."""
    source = tmp_path / "in.txt"
    source.write_text("ESIM0042\n")
    parts = tmp_path / ".out.xlsx.parts"
    parts.mkdir(mode=0o700)
    (parts / "notes.txt").write_text("mine\n")
    (parts / "openpyxl.left-by-a-kill").write_text("rows\n")
    result = run("--sandbox", "bulk", str(source), "-o", str(tmp_path / "out.xlsx"), "-q", "--no-audit")
    assert (result.exit_code, result.stderr) == (
        2, f"postisupport: error: {parts}: is in the way of the workbook's rows in waiting: it holds files "
        "that are not postisupport's; move them, or name another output\n")
    assert sorted(p.name for p in parts.iterdir()) == ["notes.txt", "openpyxl.left-by-a-kill"]
    (parts / "notes.txt").unlink()
    again = run("--sandbox", "bulk", str(source), "-o", str(tmp_path / "out.xlsx"), "-q", "--no-audit")
    assert (again.exit_code, again.stderr, parts.exists()) == (0, "", False)


def test_json_with_a_number_too_long_to_read_is_said_so_not_called_not_json(run, tmp_path: Path) -> None:
    from postisupport.ops.bulk_input import Reading, rows
    from tests.servers import Hostile

    digits = sys.get_int_max_str_digits()
    line = b'{"email": "ESIM0042", "n": ' + b"9" * (digits + 1) + b"}\n"
    found = list(rows(io.BytesIO(line), None, Reading()))
    assert [(r.number, r.problem) for r in found] == [
        (1, f"a number in it has more than {digits} digits")]
    body = b'{"Resources": [], "totalResults": ' + b"1" * (digits + 1) + b"}"
    with serving(Hostile(200, body, b"application/scim+json")) as url:
        result = run("--api", url, "diagnose", "ESIM0042", "--no-audit")
    assert (result.exit_code, result.stderr) == (
        5, "postisupport: error: the identity API answered GET /Users with JSON holding a number of more "
        f"than {digits} digits; refused\n")


def test_a_capture_file_saved_with_a_bom_replays(run, loopback_sandbox: str, tmp_path: Path) -> None:
    """An editor on Windows saves UTF-8 with a BOM: replay refused it in Python's words ("Unexpected UTF-8
    BOM (decode using utf-8-sig)")."""
    ticket = tmp_path / "ticket.json"
    made = run("--api", loopback_sandbox, "capture", "ESIM0042", "-o", str(ticket), "--no-audit")
    assert made.exit_code == 0
    ticket.write_bytes(b"\xef\xbb\xbf" + ticket.read_bytes())
    replayed = run("replay", str(ticket))
    assert (replayed.exit_code, replayed.stderr) == (0, "")
