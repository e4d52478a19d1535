"""Capture and replay: a ticket file is a sandbox directory, replays offline, and catches a change."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from postisupport.cli.main import ExitStatus
from tests.test_cli import DEMO, assert_error

CORE_SAMPLE = Path(__file__).parent.parent / "docs" / "samples" / "core-directory.json"


@pytest.mark.parametrize("pseudonymise", [False, True])
@pytest.mark.parametrize(("identifier", "services"), [
    *[(identifier, []) for identifier, *_ in DEMO], ("ESIM0105", ["reports", "invoicing"]),
    ("ESIM0105", ["parcel lockers"])])
def test_a_capture_of_every_demo_caller_replays_to_the_same_decision(
    run, tmp_path: Path, identifier: str, services: list[str], pseudonymise: bool
) -> None:
    ticket = tmp_path / "ticket.json"
    flags = [a for s in services for a in ("-s", s)] + (["--pseudonymise"] if pseudonymise else [])
    made = run("--sandbox", "capture", identifier, *flags, "-o", str(ticket))
    assert made.exit_code == 0, made.stderr
    captured = json.loads(ticket.read_text())["capture"]["diagnosis"]
    replayed = run("replay", str(ticket), "--json")
    assert (replayed.exit_code, replayed.stderr) == (0, "")
    now = replayed.json()
    assert [now[k] for k in ("outcome", "step", "rule", "evidence")] == [
        captured[k] for k in ("outcome", "step", "rule", "evidence")]
    assert stat.S_IMODE(ticket.stat().st_mode) == 0o600


def test_a_capture_is_a_sandbox_data_file_too(run, tmp_path: Path) -> None:
    ticket = tmp_path / "ticket.json"
    run("--sandbox", "capture", "johanna.makinen@esimerkki.example.fi", "-o", str(ticket))
    data = json.loads(ticket.read_text())
    assert (sorted(u["id"] for u in data["Users"]), sorted(g["id"] for g in data["Groups"])) == (
        ["u-1001", "u-1004", "u-1007"], ["g-esimerkki", "g-newsletter"])
    assert list(data["capture"]) == ["tool", "time", "api_host", "arguments", "pseudonymised",
                                     "service_provider_config", "diagnosis"]
    served = run("--sandbox-data", str(ticket), "diagnose", "johanna.makinen@esimerkki.example.fi", "--json")
    assert served.json()["outcome"] == "contact-admin"


def test_a_capture_to_a_dash_goes_to_stdout_and_no_file_named_dash_is_made(
        run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    ticket = here / "ticket.json"
    run("--sandbox", "capture", "johanna.makinen@esimerkki.example.fi", "-o", str(ticket))
    piped = run("--sandbox", "capture", "johanna.makinen@esimerkki.example.fi", "-o", "-")
    assert (piped.exit_code, piped.stderr) == (0, "captured contact-admin (login.contact-admin) on stdout\n")
    assert os.listdir(here) == ["ticket.json"]
    kept, streamed = json.loads(ticket.read_text()), json.loads(piped.stdout)
    assert [streamed[k] for k in ("Users", "Groups")] == [kept[k] for k in ("Users", "Groups")]


def test_a_replay_that_decides_differently_says_how_and_exits_7(run, tmp_path: Path) -> None:
    ticket = tmp_path / "ticket.json"
    run("--sandbox", "capture", "ESIM0042", "-o", str(ticket))
    data = json.loads(ticket.read_text())
    data["capture"]["diagnosis"]["rule"] = "login.contact-admin"  # as if the rules had changed since
    ticket.write_text(json.dumps(data))
    result = run("replay", str(ticket), "--json")
    assert result.exit_code == ExitStatus.REPLAY_DIFFERS
    assert result.stderr == ('postisupport: replay differs in rule: captured "login.contact-admin", '
                             'now "login.reset-pending"\n')


def test_replaying_a_file_that_is_no_capture_is_refused(run, tmp_path: Path) -> None:
    other = tmp_path / "dir.json"
    other.write_text(json.dumps({"Users": []}))
    assert_error(run("replay", str(other)), ExitStatus.USAGE, f"{other} is not a capture file")


CAPTURED_AS = "is a capture, read as it was captured (its record says how): name no other mapping with it"


def test_another_mapping_named_with_a_capture_to_replay_is_refused_as_with_sandbox_data(
        run, tmp_path: Path, environ: dict[str, str]) -> None:
    """F26-9: `--mapping wso2 replay CAPTURE`, and POSTISUPPORT_MAPPING=wso2, were ignored without a word,
    while `--sandbox-data CAPTURE --mapping wso2` is refused (docs/engineers.md)."""
    ticket = tmp_path / "core.json"
    made = run("--sandbox-data", str(CORE_SAMPLE), "--mapping", "scim-core", "capture", "ESIM0101", "-o",
               str(ticket))
    assert made.exit_code == 0, made.stderr
    named = run("--mapping", "wso2", "replay", str(ticket))
    assert (named.exit_code, named.stdout, named.stderr) == (
        ExitStatus.USAGE, "", f"postisupport: error: --mapping: {ticket} {CAPTURED_AS}\n")
    environ["POSTISUPPORT_MAPPING"] = "wso2"
    from_environment = run("replay", str(ticket))
    assert (from_environment.exit_code, from_environment.stdout, from_environment.stderr) == (
        ExitStatus.USAGE, "", f"postisupport: error: POSTISUPPORT_MAPPING: {ticket} {CAPTURED_AS}\n")
    del environ["POSTISUPPORT_MAPPING"]
    # A profile is standing configuration for an API, which replay reads none of: its mapping is not
    # in force there, so not refused (as sandbox data, the profile is read and its mapping would be).
    config = tmp_path / "config.toml"
    config.write_text('default_profile = "desk"\n[profiles.desk]\nmapping = "wso2"\n', "utf-8")
    environ["POSTISUPPORT_CONFIG"] = str(config)
    replayed = run("replay", str(ticket), "--json")
    assert (replayed.exit_code, replayed.stderr, replayed.json()["rule"]) == (0, "", "login.not-login-email")


@pytest.mark.parametrize(("given", "named"), [
    (["--api", "https://idp.example.com/scim/v2"], "'--api'"), (["--sandbox"], "'--sandbox'"),
    (["--sandbox-data", "other.json", "--timeout", "3"], "'--sandbox-data' and '--timeout'")])
def test_replay_refuses_the_options_for_reaching_an_api_as_sandbox_serve_does(
        run, tmp_path: Path, given: list[str], named: str) -> None:
    """F26-9: `--api URL replay CAPTURE` and `--sandbox replay CAPTURE` were ignored without a word."""
    ticket = tmp_path / "ticket.json"
    run("--sandbox", "capture", "ESIM0042", "-o", str(ticket))
    result = run(*given, "replay", str(ticket))
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "", f"postisupport: error: Invalid value for {named}: replay decides again from "
        "the capture alone; it reads no identity API (see 'postisupport replay --help')\n")
    # What a script gives every command, replay too: it records nothing anyway.
    assert run("--no-audit", "replay", str(ticket)).exit_code == 0


@pytest.mark.parametrize("identifier", ["ESIM0042", "johanna.makinen@esimerkki.example.fi", "ESIM0105",
                                        "toimisto@salo.example.fi", "karin.holm@exempel.example.fi"])
def test_a_pseudonymised_capture_holds_no_name_address_legacy_id_or_business_id(
    run, tmp_path: Path, identifier: str
) -> None:
    from postisupport.sandbox.datafile import demo_data

    ticket = tmp_path / "ticket.json"
    assert run("--sandbox", "capture", identifier, "--pseudonymise", "-o", str(ticket)).exit_code == 0
    text = ticket.read_text().casefold()
    login = "urn:postisupport:scim:schemas:extension:login:1.0:User"
    organisation = "urn:postisupport:scim:schemas:extension:organisation:1.0:Group"
    originals = {identifier}
    for user in demo_data()["Users"]:
        originals |= {user["userName"], user.get("displayName", ""), *user.get("name", {}).values(),
                      *(e["value"] for e in user.get("emails", [])),
                      *(p["value"] for p in user.get("phoneNumbers", [])),
                      user.get(login, {}).get("legacyUserId", ""),
                      user.get(login, {}).get("passwordResetSentTo", "")}
    for group in demo_data()["Groups"]:
        originals |= {group["displayName"], group.get(organisation, {}).get("businessId", "")}
    originals.discard("")
    assert sorted(o for o in originals if o.casefold() in text) == []

