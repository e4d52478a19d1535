"""The re-attack of the attack fixes (the third pass's second round): each finding's regression test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from postisupport.cli.main import ExitStatus


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
        ExitStatus.USAGE, "", f"postisupport: error: {target}: is postisupport's own audit trail (or its "
        "key), never an output: the results must go to another file\n")
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
