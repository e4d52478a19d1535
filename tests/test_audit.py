"""`audit find`: every look-up of a person, by whichever of their identifiers, across the rotated
files, with nothing personal in clear; against the sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

from postisupport.cli.main import ExitStatus
from tests.servers import free_port

ERIK = ("erik.lindqvist@esimerkki.example.fi", "erik@lindqvist.example.net", "ESIM0077")
IDENTIFIER_ONLY = ("postisupport: warning: matching the identifier only, not the person's other addresses "
                   "or legacy ID: ")


def looked_up(run, url: str, *identifiers: str) -> None:
    for identifier in identifiers:
        assert run("--api", url, "diagnose", identifier, "--json").exit_code == 0


def test_any_identifier_of_a_person_finds_every_look_up_of_them(run, env, loopback_sandbox: str) -> None:
    looked_up(run, loopback_sandbox, *ERIK, "karin.holm@exempel.example.fi", "toimisto@salo.example.fi")
    trail = env.state_dir / "audit.jsonl"
    for identifier in (*ERIK, "Erik.Lindqvist@Esimerkki.example.fi"):
        found = run("--api", loopback_sandbox, "audit", "find", identifier)
        assert found.exit_code == 0, found.stderr
        assert [json.loads(line)["outcome"] for line in found.stdout.splitlines()] == [
            "contact-admin", "use-login-email", "use-login-email"]
        assert found.stderr == f"3 look-up(s) of this person in {trail}\n"
    karin = run("--api", loopback_sandbox, "audit", "find", "EXAB0003")
    assert (len(karin.stdout.splitlines()), karin.stderr) == (1, f"1 look-up(s) of this person in {trail}\n")


def test_the_trail_holds_the_users_id_only_as_a_keyed_hash(run, env, loopback_sandbox: str) -> None:
    looked_up(run, loopback_sandbox, "ESIM0077", "toimisto@salo.example.fi", "nobody@example.com")
    records = [json.loads(line) for line in (env.state_dir / "audit.jsonl").read_text().splitlines()]
    assert [list(r) for r in records] == [["time", "os_user", "profile", "api_host", "directory",
                                           "identifier_hmac", "user_hmac", "shown_hmacs", "outcome",
                                           "rule"]] * 3
    # One user found: their id's hash; several (a shared address) or no one: none. Whom else it showed
    # (the administrators, the candidates) by the same keyed hashes (A20-4).
    assert [len(r["user_hmac"] or "") for r in records] == [64, 0, 0]
    assert [[len(h) for h in r["shown_hmacs"]] for r in records] == [[64, 64], [64, 64], []]
    assert records[0]["user_hmac"] != records[0]["identifier_hmac"]
    text = (env.state_dir / "audit.jsonl").read_text().casefold()
    for clear in ("u-1003", "erik", "lindqvist", "esim0077", "toimisto", "nobody"):
        assert clear not in text


def test_without_an_api_only_the_identifier_is_matched_saying_so(run, env, loopback_sandbox: str) -> None:
    looked_up(run, loopback_sandbox, *ERIK)
    found = run("audit", "find", "ESIM0077")
    assert len(found.stdout.splitlines()) == 1
    assert found.stderr == (f"{IDENTIFIER_ONLY}no identity API configured (--api, --profile or --sandbox) to "
                            f"resolve it to the user\n1 look-up(s) of this identifier in "
                            f"{env.state_dir / 'audit.jsonl'}\n")


def test_an_identifier_no_one_user_answers_to_is_matched_alone(run, env, loopback_sandbox: str) -> None:
    looked_up(run, loopback_sandbox, "toimisto@salo.example.fi", "laura.salo@esimerkki.example.fi")
    found = run("--api", loopback_sandbox, "audit", "find", "toimisto@salo.example.fi")
    assert len(found.stdout.splitlines()) == 1
    assert found.stderr == (f"{IDENTIFIER_ONLY}the identity API finds no one user by it\n"
                            f"1 look-up(s) of this identifier in {env.state_dir / 'audit.jsonl'}\n")


def test_an_unreachable_api_falls_back_to_the_identifier_saying_why(run, env, loopback_sandbox: str) -> None:
    looked_up(run, loopback_sandbox, *ERIK)
    url = f"http://127.0.0.1:{free_port()}/scim/v2"
    found = run("--api", url, "audit", "find", "ESIM0077")
    assert (found.exit_code, len(found.stdout.splitlines())) == (0, 1)
    assert found.stderr.startswith(f"{IDENTIFIER_ONLY}it could not be resolved to the user (cannot reach "
                                   f"the identity API at {url}: ")
    assert found.stderr.endswith(f"\n1 look-up(s) of this identifier in {env.state_dir / 'audit.jsonl'}\n")


def test_a_malformed_identifier_is_refused_before_anything_is_asked(run) -> None:
    found = run("--sandbox", "audit", "find", "foo@bar")
    assert (found.exit_code, found.stdout) == (ExitStatus.USAGE, "")
    assert found.stderr == "postisupport: error: 'foo@bar' is not a valid e-mail address\n"


def test_the_rotated_files_read_are_named_not_counted_as_one(run, env, loopback_sandbox: str) -> None:
    looked_up(run, loopback_sandbox, "ESIM0077", "ESIM0042")
    trail: Path = env.state_dir / "audit.jsonl"
    trail.rename(trail.with_name("audit.jsonl.2"))  # as the trail rotates, twice
    looked_up(run, loopback_sandbox, "erik@lindqvist.example.net")
    trail.rename(trail.with_name("audit.jsonl.1"))
    looked_up(run, loopback_sandbox, "ESIM0077")
    found = run("--api", loopback_sandbox, "audit", "find", "ESIM0077")
    assert len(found.stdout.splitlines()) == 3
    assert found.stderr == (f"3 look-up(s) of this person in {trail} and 2 rotated file(s) beside it "
                            "(audit.jsonl.2, audit.jsonl.1)\n")
    trail.unlink()
    found = run("--api", loopback_sandbox, "audit", "find", "ESIM0077")
    assert found.stderr == (f"2 look-up(s) of this person in 2 rotated file(s) in {env.state_dir} "
                            "(audit.jsonl.2, audit.jsonl.1)\n")


def test_no_trail_yet_is_said_so(run, env) -> None:
    found = run("--sandbox", "audit", "find", "ESIM0077")
    assert (found.exit_code, found.stdout) == (0, "")
    trail = env.state_dir / "audit.jsonl"
    assert found.stderr == f"0 look-up(s) of this person (no audit trail at {trail} yet)\n"


def test_damaged_lines_are_named_not_silently_skipped(run, env, loopback_sandbox: str) -> None:
    looked_up(run, loopback_sandbox, "ESIM0077")
    trail: Path = env.state_dir / "audit.jsonl"
    good = trail.read_text()
    trail.write_text(good + '{"identifier_hmac": "cut sh\n' + "[1, 2]\n\n" + good)
    found = run("--api", loopback_sandbox, "audit", "find", "ESIM0077")
    assert (found.exit_code, len(found.stdout.splitlines())) == (0, 2)
    assert found.stderr == (f"2 look-up(s) of this person in {trail}\n"
                            "postisupport: warning: 2 damaged line(s) of the trail could not be read, "
                            "so look-ups recorded there are not counted: audit.jsonl line 2, "
                            "audit.jsonl line 3\n")


def test_a_line_cut_short_by_a_crash_keeps_the_next_look_up_on_a_line_of_its_own(
        run, env, loopback_sandbox: str) -> None:
    """A13B-5: the next record was appended to the cut line, and the look-up it recorded was lost to find."""
    looked_up(run, loopback_sandbox, "ESIM0077")
    trail: Path = env.state_dir / "audit.jsonl"
    with trail.open("a") as cut:
        cut.write('{"time": "2026-12-03T05:5')
    looked_up(run, loopback_sandbox, "ESIM0077")
    found = run("--api", loopback_sandbox, "audit", "find", "ESIM0077")
    assert (found.exit_code, len(found.stdout.splitlines()), len(trail.read_text().splitlines())) == (0, 2, 3)
    assert found.stderr == (f"2 look-up(s) of this person in {trail}\n"
                            "postisupport: warning: 1 damaged line(s) of the trail could not be read, "
                            "so look-ups recorded there are not counted: audit.jsonl line 2\n")


def test_a_look_up_by_name_is_recorded_and_found_by_the_name_however_typed(run, env) -> None:
    assert run("--sandbox", "diagnose", "Aino Korhonen", "--org", "2345678-0", "--json").exit_code == 0
    found = run("--sandbox", "audit", "find", "aino  KORHONEN")
    assert [json.loads(line)["outcome"] for line in found.stdout.splitlines()] == ["change-password"]
    assert found.stderr == (f"{IDENTIFIER_ONLY}a name is resolved to a user only within an organisation\n"
                            f"1 look-up(s) of this identifier in {env.state_dir / 'audit.jsonl'}\n")
    assert "korhonen" not in (env.state_dir / "audit.jsonl").read_text().casefold()


def test_a_key_left_readable_by_others_is_made_private_again_and_still_used(run, env,
                                                                           loopback_sandbox: str) -> None:
    """The key is what keeps the hashes unmatchable: like the trail, it is put back to 0600."""
    import stat

    looked_up(run, loopback_sandbox, "ESIM0077")
    key = env.state_dir / "audit.key"
    before = key.read_bytes()
    key.chmod(0o644)
    looked_up(run, loopback_sandbox, "ESIM0077")
    records = [json.loads(line) for line in (env.state_dir / "audit.jsonl").read_text().splitlines()]
    assert (stat.S_IMODE(key.stat().st_mode), key.read_bytes() == before) == (0o600, True)
    assert records[0]["identifier_hmac"] == records[1]["identifier_hmac"]


def test_a_person_shown_as_a_candidate_or_an_administrator_is_found(run, env, loopback_sandbox: str) -> None:
    """A20-4: "0 look-up(s) of this person" for Laura Salo, whose name, login address and organisation two
    look-ups had shown as a candidate."""
    looked_up(run, loopback_sandbox, "toimisto@salo.example.fi")
    run("--api", loopback_sandbox, "diagnose", "Salo", "--org", "2345678-0", "--no-audit")  # not recorded
    laura = run("--api", loopback_sandbox, "audit", "find", "laura.salo@esimerkki.example.fi")
    trail = env.state_dir / "audit.jsonl"
    assert (len(laura.stdout.splitlines()), laura.stderr) == (1, f"1 look-up(s) of this person in {trail}\n")
    maija = run("--api", loopback_sandbox, "audit", "find", "maija.virtanen@esimerkki.example.fi")
    assert (maija.stdout, maija.stderr) == ("", f"0 look-up(s) of this person in {trail}\n")
    looked_up(run, loopback_sandbox, "ESIM0042")  # Maija Virtanen is Aino's administrator: shown
    maija = run("--api", loopback_sandbox, "audit", "find", "maija.virtanen@esimerkki.example.fi")
    assert maija.stderr == f"1 look-up(s) of this person in {trail}\n"
