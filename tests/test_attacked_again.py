"""The re-attack of the attack fixes (the third pass's second round): each finding's regression test."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from postisupport.cli.main import ExitStatus
from tests.servers import serving


@pytest.mark.parametrize("name", ["audit.jsonl", "audit.key", "audit.jsonl.1"])
@pytest.mark.parametrize("flags", [(), ("--pseudonymise",)])
def test_a_capture_never_replaces_the_audit_trail_or_its_key(
        run, tmp_path: Path, name: str, flags: tuple[str, ...]) -> None:
    assert run("--sandbox", "diagnose", "ESIM0042").exit_code == 0  # the trail and its key now exist
    state = tmp_path / "state" / "postisupport"
    before = {path.name: path.read_bytes() for path in state.iterdir()}
    target = state / name
    result = run("--sandbox", "capture", "ESIM0042", "-o", str(target), "--force", *flags)
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "", f"postisupport: error: {target}: is one of postisupport's own files (the "
        "audit trail or its key, the config file, or the data this run reads), never an output: the results "
        "must go to another file\n")
    assert {path.name: path.read_bytes() for path in state.iterdir()} == before


def test_a_capture_through_a_link_to_the_key_is_refused_too(run, tmp_path: Path) -> None:
    assert run("--sandbox", "diagnose", "ESIM0042").exit_code == 0
    key = tmp_path / "state" / "postisupport" / "audit.key"
    kept = key.read_bytes()
    link = tmp_path / "ticket.json"
    os.link(key, link)
    result = run("--sandbox", "capture", "ESIM0042", "-o", str(link), "--force")
    assert result.exit_code == ExitStatus.USAGE
    assert key.read_bytes() == kept


@pytest.mark.parametrize(("typed", "matched_by"), [
    ("aino.korhonen@esimerkki.example.fi", "userName"),
    ("ESIM0042", "legacyUserId"),
    ("ESIM 0042", "legacyUserId"),
    ("Aino Korhonen", "name"),
])
def test_an_address_or_old_id_given_with_an_organisation_is_looked_up_as_itself(
        run, typed: str, matched_by: str) -> None:
    result = run("--sandbox", "diagnose", typed, "-o", "2345678-0", "--json")
    assert (result.exit_code, result.json()["outcome"], result.json()["matched_by"]) == (
        0, "change-password", matched_by)


class TwinOrganisations:
    """The demo sandbox, but every list of Groups answered twice over: two organisations with one
    business ID, as a directory with a duplicated group would have."""

    def __init__(self) -> None:
        from postisupport.sandbox.app import application

        self.app = application()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/Groups"):
            await self.app(scope, receive, send)
            return
        sent: list[dict[str, Any]] = []

        async def keep(message: dict[str, Any]) -> None:
            sent.append(message)

        await self.app(scope, receive, keep)
        body = json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))
        twins = [{**group, "id": group["id"] + "-twin", "displayName": group["displayName"] + " (2)"}
                 for group in body.get("Resources", [])]
        body["Resources"] = body.get("Resources", []) + twins
        body["totalResults"] = len(body["Resources"])
        raw = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/scim+json")]})
        await send({"type": "http.response.body", "body": raw})


@pytest.mark.parametrize("args", [("2345678-0",), ("Aino Korhonen", "-o", "2345678-0")])
def test_two_organisations_with_one_business_id_are_a_data_problem_and_the_first_is_used(
        run, args: tuple[str, ...]) -> None:
    with serving(TwinOrganisations()) as url:
        result = run("--api", url, "diagnose", *args, "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    document = result.json()
    assert document["organisation"]["name"] == "Esimerkki Oy"
    # The caller's own groups come twice too: the twin is no group of theirs (User.groups says so).
    theirs = [] if len(args) == 1 else [
        "the API returned 1 organisation(s) not among the user's groups, left out: 'Esimerkki Oy (2)'"]
    assert document["data_problems"] == ["the directory has 2 organisations with the business ID "
                                         "2345678-0: 'Esimerkki Oy', 'Esimerkki Oy (2)'; the first is used",
                                         *theirs]


def test_a_trace_to_a_dash_is_refused_not_written_to_a_file_named_dash(
        run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("--sandbox", "--trace", "-", "diagnose", "ESIM0042")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "", "postisupport: error: -: is stdout, which carries the data: the trace goes to "
        "a file of its own\n")
    assert not (tmp_path / "-").exists()


def test_mask_hides_a_name_written_in_a_phone_field(run, tmp_path: Path) -> None:
    from postisupport.sandbox.datafile import demo_data

    data = demo_data()
    for user in data["Users"]:
        for number in user.get("phoneNumbers", []):
            if number.get("value") == "+358 40 123 4567":
                number["value"] = "ask Maija Secret at 0401112222 (home)"
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    screen = run("--sandbox-data", str(path), "diagnose", "ESIM0042", "--mask", "--verified")
    document = run("--sandbox-data", str(path), "diagnose", "ESIM0042", "--mask", "--verified", "--json")
    assert screen.exit_code == document.exit_code == 0
    assert "*** ***** ****** ** ********22 (****)" in screen.stdout
    for text in (screen.stdout, document.stdout):
        assert "Secret" not in text and "Maija" not in text and "home" not in text


def test_a_stray_quote_closed_by_another_over_lines_of_old_ids_is_a_row_error_naming_them(
        run, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text('email,note\nESIM0042,"oops\nESIM0077\nESIM0105\nESIM0020"\nESIM0033,x\n')
    out = tmp_path / "out.ndjson"
    result = run("--sandbox", "bulk", str(source), "-o", str(out), "-q")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert (result.exit_code, [(r["row"], (r["error"] or {}).get("message")) for r in rows]) == (
        ExitStatus.ROWS_FAILED,
        [(1, "a quoted cell runs over 4 lines (lines 2-5), and lines 3, 4, 5 read as rows of their own: "
             "a stray quote? nothing in it was looked up: fix the quote, or look the identifier up on "
             "its own"),
         (2, None)])
