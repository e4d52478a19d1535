"""A capture of a server that sends values of the wrong type keeps the evidence of it (F26-3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.servers import serving
from tests.test_attacked_fourth import Altering


def broken(body: dict[str, Any], query: str) -> None:
    """Aino's account as a server with its own ideas of SCIM's types sends it."""
    for user in body.get("Resources", []):
        if user.get("userName") == "aino.korhonen@esimerkki.example.fi":
            user.update({"emails": "aino@example.fi", "active": "yes", "roles": {"value": "admin"},
                         "displayName": {"a": 1}, "preferredLanguage": 5})


def test_a_replay_of_a_capture_kept_as_read_reports_the_data_problems_the_diagnosis_had(
        run, tmp_path: Path) -> None:
    """F26-3: the file keeps each user as the diagnosis read it (the sandbox can't load the wrong types),
    and the replay, reading that, said "can't be read (see data problems)" with no data problem at all."""
    ticket = tmp_path / "ticket.json"
    with serving(Altering("Users", broken)) as url:
        live = run("--api", url, "diagnose", "ESIM0042", "--json", "--no-audit")
        made = run("--api", url, "capture", "ESIM0042", "-o", str(ticket), "--no-audit")
    assert (live.exit_code, made.exit_code, made.stderr) == (
        0, 0, f"captured change-password (login.reset-pending) in {ticket}\n")
    problems = live.json()["data_problems"]
    assert problems == [
        "user u-1002: displayName: {'a': 1} ignored (not a string)",
        "user u-1002: active: 'yes' ignored (not a boolean (true or false))",
        "user u-1002: preferredLanguage: 5 ignored (not a string)",
        "user u-1002: emails: 'aino@example.fi' ignored (not a list)",
        "user u-1002: roles: {'value': 'admin'} ignored (not a list)"]
    record = json.loads(ticket.read_text())["capture"]
    assert (record["left_out"], record["data_problems"]) == ([{
        "resource": "Users", "id": "u-1002",
        "attributes": ["active", "displayName", "emails", "preferredLanguage", "roles"]}], problems)
    replayed = run("replay", str(ticket), "--json")
    assert (replayed.exit_code, replayed.stderr) == (0, "")
    again = replayed.json()
    assert (again["data_problems"], again["unknown"]) == (problems, live.json()["unknown"])


def test_a_replay_that_finds_other_data_problems_than_were_captured_says_so(run, tmp_path: Path) -> None:
    """The data problems are compared as the decision is: a replay that lost the evidence of a broken
    account is no reproduction of the ticket."""
    ticket = tmp_path / "ticket.json"
    with serving(Altering("Users", broken)) as url:
        assert run("--api", url, "capture", "ESIM0042", "-o", str(ticket), "--no-audit").exit_code == 0
    document = json.loads(ticket.read_text())
    kept = document["capture"]["data_problems"][:1]
    document["capture"]["data_problems"] = kept
    ticket.write_text(json.dumps(document))
    replayed = run("replay", str(ticket))
    captured = json.dumps(document["capture"]["diagnosis"]["data_problems"], ensure_ascii=False)
    assert (replayed.exit_code, replayed.stderr) == (
        7, f"postisupport: replay differs in data_problems: captured {captured}, now "
           f"{json.dumps(kept, ensure_ascii=False)}\n")
