"""Issue 12, as a ninth attacker's pass found the tree: bulk runs stopped by the API, inputs named like
options, and what is left of a run that replaces its output at the end."""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.idp import urns
from postisupport.sandbox.app import application
from tests.servers import free_port, serving
from tests.test_bulk import ROOT, write
from tests.test_bulk_files import csv_rows, finish
from tests.test_capture_attacked import Rewriting, capture, in_clear, replays_the_same


class Refusing:
    """The demo sandbox, or a 401 for every request while `refusing`."""

    def __init__(self) -> None:
        self.app, self.refusing = application(), True

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.refusing:
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/scim+json")]})
            await send({"type": "http.response.body", "body": b'{"detail": "refused"}'})
            return
        await self.app(scope, receive, send)


def test_a_run_the_api_stops_prints_the_command_that_finishes_it_even_for_an_input_named_like_an_option(
        run, tmp_path: Path, monkeypatch: Any) -> None:
    """A9A-02: `-in.csv` came back as `bulk -in.csv ...`, which fails with "No such option: -i"."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "-in.csv", "email\naino.korhonen@esimerkki.example.fi\nESIM0042\n")
    server = Refusing()
    with serving(server) as url:
        stopped = run("--api", url, "--no-audit", "bulk", "-o", "out.csv", "--rate", "1234567", "-q", "--",
                      "-in.csv")
        server.refusing = False
        command = finish(stopped.stderr)
        done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (stopped.exit_code, stopped.stderr.splitlines()[0]) == (
        ExitStatus.AUTH, f"postisupport: stopped; to finish: postisupport --api {url} --no-audit bulk "
        "-o out.csv --concurrency 8 --rate 1234567 --quiet --resume -- -in.csv")
    assert (done.returncode, done.stderr) == (0, "")
    assert [row[1] for row in csv_rows(tmp_path / "out.csv")] == [
        "identifier", "aino.korhonen@esimerkki.example.fi", "ESIM0042"]


def test_a_forced_run_the_api_stops_says_the_output_is_as_it_was_and_how_to_start_again(
        run, tmp_path: Path) -> None:
    """A9A-03: a --force run stopped by the API kept nothing and said nothing of it; following the docs'
    "--resume finishes the run" then passed the earlier run's rows off as the refresh."""
    source = write(tmp_path / "in.csv", "email\nESIM0042\n")
    out = tmp_path / "fr.csv"
    assert run("--sandbox", "--no-audit", "bulk", str(source), "-o", str(out), "-q").exit_code == 0
    before = out.read_bytes()
    workbook = tmp_path / "new.xlsx"
    with serving(Refusing()) as down:
        stopped = run("--api", down, "--no-audit", "bulk", str(source), "-o", str(out), "--force", "-q")
        stopped_book = run("--api", down, "--no-audit", "bulk", str(source), "-o", str(workbook), "-q")
    assert (stopped.exit_code, stopped.stderr.splitlines()[0], out.read_bytes() == before) == (
        ExitStatus.AUTH, "postisupport: stopped; the output was left as it was; to start again: "
        + shlex.join(["postisupport", "--api", down, "--no-audit", "bulk", str(source), "-o", str(out),
                      "--concurrency", "8", "--quiet", "--force"]), True)
    assert (stopped_book.exit_code, stopped_book.stderr.splitlines()[0], workbook.exists()) == (
        ExitStatus.AUTH, "postisupport: stopped; to start again: " + shlex.join(
            ["postisupport", "--api", down, "--no-audit", "bulk", str(source), "-o", str(workbook),
             "--concurrency", "8", "--quiet"]), False)


# -- capture ------------------------------------------------------------------------------------------


def test_a_legacy_id_read_out_in_groups_is_pseudonymised_as_the_id(run, tmp_path: Path) -> None:
    """A9B-01: "ESIM 0042" got a stand-in of its own, which found no one in the stand-in directory."""
    ticket = tmp_path / "ticket.json"
    made = run("--sandbox", "capture", "ESIM 0042", "--pseudonymise", "-o", str(ticket))
    assert (made.exit_code, made.stderr) == (
        0, f"captured change-password (login.reset-pending) in {ticket}\n")
    document = json.loads(ticket.read_text())
    holders = [u["id"] for u in document["Users"] if u.get(urns.LOGIN_EXTENSION, {}).get("legacyUserId")
               == document["capture"]["arguments"]["identifier"]]
    assert (len(holders), document["capture"]["diagnosis"]["outcome"]) == (1, "change-password")
    replays_the_same(run, ticket)


def broken_types(user: dict[str, Any]) -> dict[str, Any]:
    if "userName" not in user:
        return user
    login = user.get(urns.LOGIN_EXTENSION, {})
    return {**user, "active": "yes-ish", "emails": "not a list",
            urns.LOGIN_EXTENSION: {**login, "passwordResetSentAt": 20210117}}


def test_a_pseudonymised_capture_says_which_attributes_it_could_not_read(run, tmp_path: Path) -> None:
    """A9B-09: the stand-in directory dropped the wrong-typed values, and its diagnosis then had no data
    problems: the ticket file showed a clean account."""
    ticket = tmp_path / "ticket.json"
    with serving(Rewriting(application(), broken_types)) as url:
        made = capture(run, url, "ESIM0042", ticket, "--pseudonymise")
    assert made.exit_code == 0
    document = json.loads(ticket.read_text())
    stand_in = next(u["id"] for u in document["Users"]
                    if u.get(urns.LOGIN_EXTENSION, {}).get("legacyUserId")
                    == document["capture"]["arguments"]["identifier"])
    assert document["capture"]["left_out"][0] == {
        "resource": "Users", "id": stand_in, "attributes": ["active", "emails", "passwordResetSentAt"]}
    assert in_clear(ticket.read_text(), {"yes-ish", "not a list", "20210117"}) == []


def test_a_capture_keeps_no_token_the_server_echoed(run, tmp_path: Path, environ: dict[str, str]) -> None:
    """A9B-14: a server echoing the bearer token in a resource put it in the capture file in clear."""
    token = "c4nary-capture-T0KEN"
    environ["POSTISUPPORT_TOKEN"] = token

    def echoing(resource: dict[str, Any]) -> dict[str, Any]:
        if "userName" not in resource:  # a group
            return resource
        return {**resource, "title": f"session for {token}", "nickName": token.upper()}

    ticket = tmp_path / "ticket.json"
    with serving(Rewriting(application(token=token), echoing)) as url:
        made = capture(run, url, "ESIM0042", ticket)
    text = ticket.read_text()
    assert (made.exit_code, token.casefold() in text.casefold()) == (0, False)
    user = next(u for u in json.loads(text)["Users"] if u["id"] == "u-1002")
    assert (user["title"], user["nickName"]) == ("session for [redacted]", "[redacted]")
    replays_the_same(run, ticket)


# -- look-ups -------------------------------------------------------------------------------------------


def test_an_address_whose_case_fold_changes_it_is_found(run, tmp_path: Path) -> None:
    """A9B-15: "straße@example.fi" was asked for as "strasse@..." (str.casefold), which a server
    comparing in lower case never holds: the caller was told there is no such account."""
    data = write(tmp_path / "ss.json", json.dumps({"Users": [{
        "id": "u1", "userName": "weiss.anna@example.fi", "emails": [{"value": "straße@example.fi"}]}],
        "Groups": []}))
    found = [run("--sandbox-data", str(data), "diagnose", typed, "--json").json()
             for typed in ("straße@example.fi", "STRASSE@example.fi", "Straße@Example.fi")]
    assert [(doc["outcome"], doc["user"]["id"] if doc["user"] else None) for doc in found] == [
        ("use-login-email", "u1"), ("not-found", None), ("use-login-email", "u1")]


def test_a_proxy_in_the_environment_never_sees_traffic_for_this_machine(run, monkeypatch: Any) -> None:
    """A9B-29: with HTTP_PROXY or ALL_PROXY set, a plain-http API on loopback was asked through the proxy:
    the bearer token and the caller's address went to another machine."""
    from tests.test_secrets_login import Listening

    proxy = Listening()  # what reaches it, it records
    with serving(proxy) as proxy_url, serving(application()) as url:
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy_url.removesuffix("/scim/v2"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        result = run("--api", url, "diagnose", "ESIM0042", "--json")
    assert (result.exit_code, result.json()["outcome"], proxy.authorizations) == (0, "change-password", [])


# -- doctor ---------------------------------------------------------------------------------------------


class IgnoringFilters:
    """An empty directory behind a server that ignores every query parameter; or, with `refused`, the
    demo sandbox refusing (403) only the metadata endpoints `refused` names."""

    def __init__(self, app: Any, refused: tuple[str, ...] = ()) -> None:
        self.app, self.refused = app, refused

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and any(scope["path"].endswith(p) for p in self.refused):
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"application/scim+json")]})
            await send({"type": "http.response.body", "body": b'{"status": "403", "detail": "scope needed"}'})
            return
        if scope["type"] == "http" and not self.refused:
            scope = {**scope, "query_string": b""}
        await self.app(scope, receive, send)


def test_doctor_on_an_empty_directory_does_not_pass_the_filters_it_could_not_test(run) -> None:
    """A9B-26: a server ignoring every filter passed filters, escaping and membership-filters (exit 0,
    "diagnoses can be trusted") when it showed no user: an empty answer proves nothing."""
    from postisupport.sandbox.app import SandboxApplication
    from postisupport.sandbox.datafile import build_storage

    empty = IgnoringFilters(SandboxApplication(build_storage({"Users": [], "Groups": []})))
    with serving(empty) as url:
        result = run("--api", url, "doctor", "--json")
    checks = {c["id"]: c for c in json.loads(result.stdout)}
    untested = ("not tested: no user is visible to these credentials, so an empty answer proves nothing; "
                "run doctor again once one is")
    assert (result.exit_code, [(name, checks[name]["status"], checks[name]["detail"]) for name in (
        "filters", "escaping", "membership-filters")]) == (ExitStatus.API_ERROR, [
            ("filters", "warn", untested), ("escaping", "warn", untested),
            ("membership-filters", "warn", untested)])


def test_doctor_reports_metadata_the_credentials_may_not_read_and_goes_on(run) -> None:
    """A9B-12: a 403 on /Schemas alone stopped doctor with exit 3 ("check the token"), no report, though
    the token was fine and diagnoses ran."""
    with serving(IgnoringFilters(application(), refused=("/Schemas", "/ServiceProviderConfig"))) as url:
        result = run("--api", url, "doctor", "--json")
    checks = json.loads(result.stdout)
    refused = ("not readable with these credentials, though diagnoses' requests are not refused: the "
               "identity API refused access (HTTP 403): scope needed")
    assert (result.exit_code, checks[:2]) == (0, [
        {"id": "service-provider-config", "status": "warn", "detail": refused, "consequence": None},
        {"id": "extensions", "status": "warn", "detail": refused, "consequence": None}])
    assert [c["status"] for c in checks[2:]] == ["pass"] * (len(checks) - 2)


def test_doctor_fails_paging_when_list_answers_have_no_total(run) -> None:
    """A9B-07: "totalResults missing" was a paging warning ("diagnoses hold"), but without it every
    diagnosis stops with exit 5."""
    from tests.test_attacked_sixth import Mutating

    def without_total(path: str, query: Any, body: Any) -> None:
        if isinstance(body, dict):
            body.pop("totalResults", None)

    with serving(Mutating(without_total)) as url:
        checks = {c["id"]: c for c in json.loads(run("--api", url, "doctor", "--json").stdout)}
        diagnosis = run("--api", url, "diagnose", "ESIM0042")
    assert (checks["paging"], diagnosis.exit_code) == ({"id": "paging", "status": "fail", "detail": (
        "totalResults is missing from list answers (RFC 7644 requires it): every diagnosis stops with an "
        "API error"), "consequence": "every diagnosis stops with an API error"}, ExitStatus.API_ERROR)


# -- stdout going away ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["capture", "ESIM0042", "-o", "-"], ["doctor"],
                                  ["audit", "find", "ESIM0042"]])
def test_a_closed_stdout_is_one_line_not_an_internal_error(args: list[str], tmp_path: Path) -> None:
    """A9B-24: started with stdout closed, capture -o - and doctor were "internal error: AttributeError"."""
    process = subprocess.run(
        [sys.executable, "-m", "postisupport", "--sandbox", *args], stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=60, preexec_fn=lambda: os.close(1),
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path)})
    expected = (2, "postisupport: error: stdout: closed (the command was started without it)\n")
    if args[0] == "audit":  # its answer goes to stderr: nothing is written to stdout
        expected = (0, "0 look-up(s) of this person (no audit trail at "
                       f"{tmp_path}/postisupport/audit.jsonl yet)\n")
    assert (process.returncode, process.stderr) == expected


class GoneReader(io.StringIO):
    """A pipe whose reader has gone (`| head` that had what it wanted)."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("args", [["audit", "find", "ESIM0042"], ["capture", "ESIM0042", "-o", "-"],
                                  ["config", "show"]])
def test_a_reader_that_stops_early_ends_any_command_quietly(args: list[str], env: Any,
                                                            monkeypatch: Any) -> None:
    """A9B-24: `audit find ... | head -1` ended with exit 1."""
    from postisupport.cli.main import run as run_cli

    env.stdout, env.stderr = io.StringIO(), io.StringIO()
    assert run_cli(["--sandbox", "diagnose", "ESIM0042"], env) == 0  # something for audit find to list
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # what would be pointed at /dev/null
    env.stdout, env.stderr = GoneReader(), io.StringIO()
    assert (run_cli(["--sandbox", *args], env), env.stderr.getvalue()) == (0, "")


# -- audit ----------------------------------------------------------------------------------------------


def test_audit_find_matches_a_user_id_only_within_its_api(run, tmp_path: Path, env: Any) -> None:
    """A9B-19: another directory's person with the same id was reported as this person's look-up."""
    other = write(tmp_path / "other.json", json.dumps({"Users": [
        {"id": "u-1002", "userName": "bob.other@example.com"}], "Groups": []}))
    assert run("--sandbox-data", str(other), "diagnose", "bob.other@example.com").exit_code == 0
    assert run("--sandbox", "diagnose", "ESIM0042").exit_code == 0  # Aino, u-1002 in the demo directory
    with serving(application()) as url:
        found = run("--api", url, "audit", "find", "aino.korhonen@esimerkki.example.fi")
        assert run("--api", url, "diagnose", "ESIM0042").exit_code == 0
        again = run("--api", url, "audit", "find", "aino.korhonen@esimerkki.example.fi")
    # Both earlier look-ups were in the sandbox, not at this API: u-1002 there is no one here.
    assert (found.stdout, found.stderr.splitlines()[-1]) == (
        "", f"0 look-up(s) of this person in {env.state_dir}/audit.jsonl")
    assert [json.loads(line)["rule"] for line in again.stdout.splitlines()] == ["login.reset-pending"]


def test_audit_find_without_its_key_says_the_records_cannot_be_matched(run, env: Any) -> None:
    """A9B-11: with audit.key gone, "0 look-up(s) of this person", exit 0, though the trail held records."""
    assert run("--sandbox", "diagnose", "ESIM0042").exit_code == 0
    (env.state_dir / "audit.key").unlink()
    result = run("--sandbox", "audit", "find", "ESIM0042")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "", f"postisupport: error: the audit trail at {env.state_dir}/audit.key cannot be "
        "used: the key is missing, so none of the trail's records can be matched (moved, deleted, or a "
        "backup restored without it)\n")


def test_rotated_audit_files_left_readable_by_others_are_made_private(run, env: Any) -> None:
    """A9B-08: only the current file was made 0600 again."""
    assert run("--sandbox", "diagnose", "ESIM0042").exit_code == 0
    rotated = env.state_dir / "audit.jsonl.1"
    rotated.write_text("{}\n")
    rotated.chmod(0o644)
    assert run("--sandbox", "diagnose", "ESIM0042").exit_code == 0
    assert rotated.stat().st_mode & 0o777 == 0o600


def test_auth_login_keeps_the_config_files_comments_and_layout(run, env: Any) -> None:
    """A9B-16: a login rewrote the file from its values, and every comment was gone."""
    path = env.config_dir / "config.toml"
    path.parent.mkdir(parents=True)
    kept = ('# Support desk config - maintained by IT, ticket ABC-123\n'
            'default_profile = "work"   # the main one\n\n[profiles.work]\n'
            'api_url = "https://idp.example.com/scim/v2"  # prod\n\n'
            '# test server, do not use for customers\n[profiles.test]\n'
            'api_url = "http://127.0.0.1:8080/scim/v2"\n')
    path.write_text(kept)
    login = run("auth", "login", "--profile", "lab", "--api", "http://127.0.0.1:9/scim/v2", "--with-token",
                "--no-check", input="lab-token-12345678")
    assert (login.exit_code, path.read_text()) == (0, kept + (
        '\n[profiles.lab]\napi_url = "http://127.0.0.1:9/scim/v2"\nauth = "token"\n'))
    # A10B-01: a key added to a profile goes after its last key, not under the comment over the next.
    again = run("auth", "login", "--profile", "work", "--api", "https://idp.example.com/scim/v2",
                "--with-token", "--no-check", input="work-token-12345678")
    assert (again.exit_code, path.read_text().split("[profiles.work]\n")[1].split("[profiles.test]")[0]) == (
        0, 'api_url = "https://idp.example.com/scim/v2"  # prod\nauth = "token"\n\n'
        '# test server, do not use for customers\n')


@pytest.mark.parametrize("typed", [" -- ", "-", " - - "])
def test_an_identifier_of_separators_only_is_refused_before_the_api_is_asked(run, typed: str) -> None:
    """A9B-30: "--" was looked up at the API (userName eq "--" ...) and recorded as not found."""
    result = run("--sandbox", "capture", typed, "-o", "-")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "", f"postisupport: error: {typed.strip()!r} has no letter or digit: give an "
        "e-mail address or a legacy user ID\n")


def test_a_path_in_the_config_file_may_start_with_a_tilde(run, env: Any, tmp_path: Path,
                                                           monkeypatch: Any) -> None:
    """A9B-13: trace = "~/trace.jsonl" in a profile was "~/trace.jsonl: no such file or folder"."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    path = env.config_dir / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('default_profile = "s"\n[profiles.s]\ntrace = "~/trace.jsonl"\n')
    result = run("--sandbox", "diagnose", "ESIM0042")
    assert (result.exit_code, result.stderr, (home / "trace.jsonl").exists()) == (0, "", True)


def test_capture_into_a_folder_it_cannot_write_asks_nothing(run, tmp_path: Path, env: Any,
                                                             monkeypatch: Any) -> None:
    """A9B-28: the look-up was made, and audited, before the file could not be written."""
    import tempfile

    folder = tmp_path / "locked"
    folder.mkdir()
    real = tempfile.mkstemp

    def refused(*args: Any, **kwargs: Any) -> Any:  # as a folder root can't write (chattr +i) refuses
        if kwargs.get("dir") == folder:
            raise PermissionError(13, "Permission denied")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    result = run("--sandbox", "capture", "ESIM0042", "-o", str(folder / "cap.json"))
    assert (result.exit_code, result.stderr, (env.state_dir / "audit.jsonl").exists()) == (
        ExitStatus.USAGE, f"postisupport: error: {folder}/cap.json: permission denied\n", False)


class Redirecting:
    """The demo sandbox, but a redirect to `location` for `path`."""

    def __init__(self, app: Any, path: str, location: str) -> None:
        self.app, self.path, self.location = app, path, location

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == self.path:
            await send({"type": "http.response.start", "status": 302,
                        "headers": [(b"location", self.location.encode())]})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


def test_auth_status_shows_what_it_knows_when_the_api_cannot_be_reached(run, environ: dict[str, str]) -> None:
    """A9B-32: only the error was printed, though the profile, URL and secret's origin are known."""
    environ["POSTISUPPORT_TOKEN"] = "status-token-12345678"
    down = f"http://127.0.0.1:{free_port()}/scim/v2"
    environ["POSTISUPPORT_API_URL"] = down
    shown = run("auth", "status", "--json")
    assert (shown.exit_code, json.loads(shown.stdout)) == (ExitStatus.UNREACHABLE, {
        "profile": None, "api_url": down, "auth": "token",
        "secret": {"name": "token", "set": True, "origin": "environment", "variable": "POSTISUPPORT_TOKEN"},
        "accepted": None})


def test_audit_find_says_when_its_settings_record_nothing(run, env: Any) -> None:
    """A9B-32: with audit = false, audit find counted look-ups, not saying these settings record none."""
    path = env.config_dir / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("audit = false\n")
    result = run("--sandbox", "audit", "find", "ESIM0042")
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        0, "postisupport: warning: these settings record no look-ups (audit = false in the config file), so "
        "look-ups made with them are not in the trail")


def test_a_config_file_named_but_missing_is_said_so(run, environ: dict[str, str], tmp_path: Path) -> None:
    """A9B-25: POSTISUPPORT_CONFIG naming no file was used silently as an empty one."""
    environ["POSTISUPPORT_CONFIG"] = str(tmp_path / "nowhere" / "c.toml")
    shown, diagnosed = run("config", "show"), run("--profile", "work", "diagnose", "ESIM0042")
    assert (shown.stdout.splitlines()[0], diagnosed.exit_code, diagnosed.stderr) == (
        f"config file          {tmp_path}/nowhere/c.toml (no such file)", ExitStatus.USAGE,
        f"postisupport: error: --profile: no profile named 'work': {tmp_path}/nowhere/c.toml does not "
        "exist\n")


def test_a_damaged_keyring_entry_breaks_only_what_needs_it(run, env: Any) -> None:
    """A9B-10: a 5-character token in the keyring broke every command, --sandbox and config show too,
    naming neither the profile nor the fix."""
    from postisupport.config import secrets

    url = "http://127.0.0.1:9/scim/v2"
    path = env.config_dir / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(f'default_profile = "k"\n[profiles.k]\napi_url = "{url}"\nauth = "token"\n')
    secrets.put_raw("k", "token", json.dumps({"secret": "short", "api_url": url}))
    sandbox, shown, diagnosed = (run("--sandbox", "diagnose", "ESIM0042"), run("config", "show", "--json"),
                                 run("diagnose", "ESIM0042"))
    refusal = ("profile k: its token in the keyring can't be used (only 5 character(s); a real one has at "
               "least 8); run auth login --profile k again, or auth logout --profile k")
    assert (sandbox.exit_code, shown.exit_code, json.loads(shown.stdout)["settings"]["token"]) == (
        0, 0, {"value": "not set", "origin": "keyring", "from": None, "refused": refusal})
    assert (diagnosed.exit_code, diagnosed.stderr) == (ExitStatus.USAGE, f"postisupport: error: {refusal}\n")
    # A10B-02: the text said "stored for other URLs" of an entry bound to this very URL.
    assert [line for line in run("config", "show").stdout.splitlines() if line.startswith("token ")] == [
        "token                not set  (keyring: can't be used (only 5 character(s); a real one has at least "
        "8); auth login again)"]


def test_logins_at_once_keep_every_profile(tmp_path: Path) -> None:
    """A9B-17: four logins in parallel left two or three of the four profiles in the file."""
    config = tmp_path / "race.toml"
    env = {**os.environ, "POSTISUPPORT_CONFIG": str(config)}
    code = ("import sys; from postisupport.config import profiles; "
            "c = profiles.load(profiles.Path(sys.argv[1])); "
            "profiles.save_profile(c, sys.argv[2], {'api_url': 'http://127.0.0.1:9/scim/v2'}, False)")
    runs = [subprocess.Popen([sys.executable, "-c", code, str(config), f"r{n}"], cwd=ROOT, env=env)
            for n in range(6)]
    assert [process.wait(timeout=60) for process in runs] == [0] * 6
    import tomllib

    assert sorted(tomllib.loads(config.read_text())["profiles"]) == [f"r{n}" for n in range(6)]


def test_a_row_wider_than_the_header_is_said_so(run, tmp_path: Path) -> None:
    """A9A-05: a note with an unquoted comma lost its second half without a word."""
    source = write(tmp_path / "in.csv", "email,note\nESIM0042,hello, world\nESIM0105,ok\nESIM0200,a,b,c\n")
    out = tmp_path / "out.csv"
    result = run("--sandbox", "bulk", str(source), "-o", str(out), "-q")
    assert (result.exit_code, result.stderr) == (
        0, "postisupport: warning: 2 rows (the first: row 1) had more fields than the header, and the fields "
        "past the last column are not in the output: a comma or semicolon in a note? Quote such cells\n")
    assert [row[-1] for row in csv_rows(out)] == ["note", "hello", "ok", "a"]


def test_an_api_answering_only_server_errors_stops_the_run_and_the_resume_does_those_rows(
        run, tmp_path: Path) -> None:
    """A10A-01/02: an API down for maintenance (500 to everything) made every row an error row, and
    never stopped the run; a streak that did stop it wrote its rows as errors, which --resume kept."""
    from collections import Counter

    from tests.test_bulk import Flaky, directory, lines_of

    users = 12
    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(users)))
    out = tmp_path / "out.ndjson"
    # user0 and user1 get through; user2..user3 fail alone (their own errors); user5.. all fail (down).
    flaky = Flaky(directory(users, 3), {"user2%40", "user3%40", *(f"user{i}%40" for i in range(5, users))})
    with serving(flaky) as url:
        stopped = run("--api", url, "bulk", str(source), "-o", str(out), "--concurrency", "1", "-q")
        kept = [(r["row"], (r["error"] or {}).get("kind")) for r in lines_of(out)]
        flaky.failing.clear()
        resumed = run("--api", url, "bulk", str(source), "-o", str(out), "--concurrency", "1", "--resume",
                      "-q")
    assert (stopped.exit_code, stopped.stderr.splitlines()[-1]) == (
        ExitStatus.API_ERROR,
        "postisupport: error: the identity API answered HTTP 500 to GET /Users: db down")
    # The two lone failures are rows of their own; the five of the streak are the outage's: not written.
    assert kept == [(1, None), (2, None), (3, "api-error"), (4, "api-error"), (5, None)]
    assert (resumed.exit_code, Counter(r["row"] for r in lines_of(out))) == (
        ExitStatus.ROWS_FAILED, Counter(range(1, users + 1)))


def test_a_planted_pipe_or_a_link_to_a_device_gets_no_results(run, tmp_path: Path) -> None:
    """A10A-03: a named pipe others could read, or a symbolic link to one (or to a device), was written
    to without a word: every row, with names, addresses and administrators, to whoever read it."""
    source = write(tmp_path / "in.txt", "ESIM0042\n")
    planted = tmp_path / "planted.csv"
    os.mkfifo(planted, 0o644)
    linked = tmp_path / "null.csv"
    linked.symlink_to("/dev/null")
    refused = [run("--sandbox", "bulk", str(source), "-o", str(target), "-q") for target in (planted, linked)]
    assert [(r.exit_code, r.stderr) for r in refused] == [
        (ExitStatus.USAGE, f"postisupport: error: {planted}: is a named pipe or socket that others can open "
         "(or another user's), so the results would go to whoever reads it: make it yours alone (chmod 600) "
         "or write to a file\n"),
        (ExitStatus.USAGE, f"postisupport: error: {linked}: is a symbolic link to a device or a pipe, which "
         "is refused for the results: name it itself\n")]
    assert run("--sandbox", "bulk", str(source), "-o", "/dev/null", "-q").exit_code == 0


def test_watching_the_requests_does_not_change_where_they_go(run, monkeypatch: Any, tmp_path: Path,
                                                             environ: dict[str, str]) -> None:
    """A10B-05: with -v or --trace the proxy the environment names was not used: behind a corporate
    proxy the API became unreachable only when the requests were watched."""
    from tests.test_secrets_login import Listening

    environ["POSTISUPPORT_TOKEN"] = "proxied-token-12345678"
    proxy = Listening()
    with serving(proxy) as proxy_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url.removesuffix("/scim/v2"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        codes = [run("--api", "http://idp.example.com/scim/v2", "--allow-insecure-http", *watch, "diagnose",
                     "ESIM0042").exit_code for watch in ([], ["-v"], ["--trace", str(tmp_path / "t.jsonl")])]
    assert (codes, proxy.authorizations) == ([ExitStatus.AUTH] * 3, ["Bearer proxied-token-12345678"] * 3)


class FindingNoOne:
    """The demo sandbox, answering every filter that names `naming` (or every filter) with no one."""

    def __init__(self, naming: str = "") -> None:
        self.app, self.naming = application(), naming

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        from urllib.parse import unquote_plus

        query = unquote_plus(scope.get("query_string", b"").decode())
        if scope["type"] == "http" and "filter=" in query and self.naming in query:
            body = json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                               "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []})
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/scim+json")]})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        await self.app(scope, receive, send)


@pytest.mark.parametrize(("naming", "attribute"), [("legacyUserId", "userName"), ("", "userName")])
def test_doctor_fails_filters_on_a_server_whose_look_ups_find_no_one(run, naming: str,
                                                                     attribute: str) -> None:
    """A10B-03: a server answering a filter on the extension (or any filter) with no one passed every
    check, exit 0, while every diagnosis said "no user has these details"."""
    with serving(FindingNoOne(naming)) as url:
        result = run("--api", url, "doctor", "--json")
        diagnosis = run("--api", url, "diagnose", "aino.korhonen@esimerkki.example.fi", "--json")
    checks = {c["id"]: c for c in json.loads(result.stdout)}
    assert (result.exit_code, checks["filters"], diagnosis.json()["outcome"]) == (
        ExitStatus.DOCTOR_FAILED, {"id": "filters", "status": "fail", "detail": (
            f"the look-up diagnoses send, for a user the server lists, by its {attribute}, finds no one: "
            "every diagnosis would say no user has the caller's details"),
            "consequence": "every diagnosis would say no user has the caller's details"}, "not-found")


@pytest.mark.parametrize("layout", [
    'default_profile = "work"\nprofiles.work.api_url = "https://idp.example.com/scim/v2"\n'
    'profiles.work.timeout = 5\n',
    'default_profile = "work"\n'
    'profiles = { work = { api_url = "https://idp.example.com/scim/v2", timeout = 5 } }\n',
])
def test_auth_login_into_a_layout_it_cannot_edit_in_place_keeps_every_setting(run, env: Any,
                                                                              layout: str) -> None:
    """A10B-11/12: with dotted keys the new table captured the lines after it (no command could read the
    file after); with an inline table, an internal error and a secret left in the keyring."""
    import tomllib

    path = env.config_dir / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(layout)
    login = run("auth", "login", "--profile", "lab", "--api", "http://127.0.0.1:9/scim/v2", "--with-token",
                "--no-check", input="lab-token-12345678")
    assert (login.exit_code, login.stderr.splitlines()[-1], tomllib.loads(path.read_text())) == (
        0, f"postisupport: warning: {path} is laid out in a way that can't be edited in place (dotted keys "
        "or inline tables), so it was written anew: every setting is kept, its comments are not",
        {"default_profile": "work", "profiles": {
            "work": {"api_url": "https://idp.example.com/scim/v2", "timeout": 5},
            "lab": {"api_url": "http://127.0.0.1:9/scim/v2", "auth": "token"}}})
    assert run("--sandbox", "diagnose", "ESIM0042").exit_code == 0


def test_auth_login_keeps_a_config_files_crlf_line_endings(run, env: Any) -> None:
    """A10B-13: a CRLF file came back with LF line endings."""
    path = env.config_dir / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_bytes(b'# kept\r\n[profiles.work]\r\napi_url = "https://idp.example.com/scim/v2"\r\n')
    assert run("auth", "login", "--profile", "work", "--api", "https://idp.example.com/scim/v2",
               "--with-token", "--no-check", input="work-token-12345678").exit_code == 0
    assert path.read_bytes() == (b'# kept\r\ndefault_profile = "work"\r\n\r\n[profiles.work]\r\n'
                                 b'api_url = "https://idp.example.com/scim/v2"\r\nauth = "token"\r\n')


ID_42 = "user ?: id: 42 ignored (not a string)"


@pytest.mark.parametrize(("broken", "rule", "problems"), [
    ({"id": 42}, "login.contact-admin", [ID_42]),
    ({"id": 42, "groups": []}, "login.no-organisation", [
        "the user's id can't be read and User.groups is empty, so its organisations can't be asked for",
        ID_42]),
])
def test_a_user_whose_id_cant_be_read_still_gets_their_organisation(
        run, broken: dict[str, Any], rule: str, problems: list[str]) -> None:
    """A10A-04: a user whose id was a number, their groups naming the organisation, was told the account
    is in no organisation: the groups were never asked for."""
    from tests.test_attacked_sixth import Mutating, verified_json

    def changed(path: str, query: Any, body: Any) -> None:
        if path.endswith("/Users") and query.get("filter", [""])[0].startswith("userName eq \"johanna"):
            body["Resources"][0].update(broken)

    with serving(Mutating(changed)) as url:
        doc = verified_json(run, url, "johanna.makinen@esimerkki.example.fi")
    assert (doc["rule"], doc["data_problems"]) == (rule, problems)


def test_audit_find_tells_two_directories_on_one_host_apart(run, env: Any) -> None:
    """A10B-15: two directories on one host (two ports) were one "api_host": another person with the same
    id in the other was listed as this person's look-up."""
    from postisupport.sandbox.app import SandboxApplication
    from postisupport.sandbox.datafile import build_storage

    other = SandboxApplication(build_storage({"Users": [{"id": "u-1002", "userName": "bob@example.com"}],
                                              "Groups": []}))
    with serving(other) as elsewhere, serving(application()) as url:
        assert run("--api", elsewhere, "diagnose", "bob@example.com").exit_code == 0
        assert run("--api", url, "diagnose", "ESIM0042").exit_code == 0  # Aino: u-1002 here
        found = run("--api", url, "audit", "find", "aino.korhonen@esimerkki.example.fi")
    assert [json.loads(line)["directory"] for line in found.stdout.splitlines()] == [url.lower()]


def test_a_lost_audit_key_is_not_replaced_while_the_trail_holds_records(run, env: Any) -> None:
    """A10B-19: the next look-up made a new key without a word, and the older records could never be
    matched again ("1 look-up", exit 0)."""
    assert run("--sandbox", "diagnose", "ESIM0042").exit_code == 0
    (env.state_dir / "audit.key").unlink()
    result = run("--sandbox", "diagnose", "ESIM0042")
    assert (result.exit_code, result.stdout, result.stderr, (env.state_dir / "audit.key").exists()) == (
        ExitStatus.USAGE, "", f"postisupport: error: the audit trail at {env.state_dir}/audit.key cannot be "
        "used: the key is missing while the trail holds records: restore it, or move the trail's files "
        "aside to start a new trail\n", False)


def test_doctor_does_not_pass_case_insensitivity_it_never_asked_about(run) -> None:
    """A10B-16: a first user without userName or e-mail passed "case-insensitive" with no probe sent."""
    from tests.test_attacked_sixth import Mutating

    def bare(path: str, query: Any, body: Any) -> None:
        if path.endswith("/Users") and query.get("count") == ["1"] and "filter" not in query:
            for user in body.get("Resources", []):
                user.pop("userName", None)
                user.pop("emails", None)

    with serving(Mutating(bare)) as url:
        checks = {c["id"]: c for c in json.loads(run("--api", url, "doctor", "--json").stdout)}
    assert checks["case-insensitive"] == {"id": "case-insensitive", "status": "warn", "detail": (
        "not tested: the user the server lists first has no userName or e-mail address with a letter in it "
        "to ask for in another case"), "consequence": None}


def test_a_config_file_with_a_bom_is_read(run, env: Any) -> None:
    """A10B-21: a config saved with a UTF-8 BOM (Notepad) was "not valid TOML (line 1, column 1)"."""
    path = env.config_dir / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_bytes(b'\xef\xbb\xbfdefault_profile = "s"\n[profiles.s]\ntimeout = 7\n')
    shown = run("config", "show", "--json")
    assert (shown.exit_code, json.loads(shown.stdout)["settings"]["timeout"]["value"]) == (0, 7)


@pytest.mark.parametrize(("before", "flags", "default"), [
    ("", (), "lab"),  # the first profile of a file is its default
    ('[profiles.prod]\napi_url = "https://idp.example.com/scim/v2"\n', (), None),
    ('[profiles.prod]\napi_url = "https://idp.example.com/scim/v2"\n', ("--default",), "lab"),
    ('default_profile = "prod"\n[profiles.prod]\napi_url = "https://idp.example.com/scim/v2"\n', (), "prod"),
])
def test_auth_login_makes_a_default_only_of_a_files_first_profile_or_when_asked(
        run, env: Any, before: str, flags: tuple[str, ...], default: str | None) -> None:
    """A10B-14: a file kept with no default (every command names its profile) got one silently."""
    import tomllib

    path = env.config_dir / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(before)
    login = run("auth", "login", "--profile", "lab", "--api", "http://127.0.0.1:9/scim/v2", "--with-token",
                "--no-check", *flags, input="lab-token-12345678")
    assert (login.exit_code, tomllib.loads(path.read_text()).get("default_profile")) == (0, default)


def test_an_audit_key_that_is_a_symbolic_link_is_refused_in_words(run, env: Any) -> None:
    """A10B-20: the refusal read "Too many levels of symbolic links" (the errno of a link not followed)."""
    assert run("--sandbox", "diagnose", "ESIM0042").exit_code == 0
    key = env.state_dir / "audit.key"
    moved = key.rename(env.state_dir / "key.bak")
    key.symlink_to(moved)
    result = run("--sandbox", "audit", "find", "ESIM0042")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "", f"postisupport: error: the audit trail at {key} cannot be used: the key is a "
        "symbolic link; it must be a file of its own\n")


def test_a_resume_that_meets_the_same_server_errors_first_writes_them_and_goes_on(run, tmp_path: Path
                                                                                   ) -> None:
    """Attack 32, F32-4: an input whose first rows the server answers 500 (it answers the others) stopped as
    an outage, and every --resume printed stopped on the same rows again: the rows after them were never
    done. The resume writes that first streak as its rows' own errors, once, and goes on."""
    from tests.test_bulk import Flaky, directory, lines_of

    users = 9
    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(users)))
    out = tmp_path / "out.ndjson"
    flaky = Flaky(directory(users, 3), {f"user{i}%40" for i in range(7)})
    with serving(flaky) as url:
        stopped = run("--api", url, "bulk", str(source), "-o", str(out), "--concurrency", "1", "-q")
        written = out.exists()
        resumed = run("--api", url, "bulk", str(source), "-o", str(out), "--concurrency", "1", "--resume",
                      "-q")
    assert (stopped.exit_code, written, resumed.exit_code) == (
        ExitStatus.API_ERROR, False, ExitStatus.ROWS_FAILED)
    assert [(r["row"], (r["error"] or {}).get("kind")) for r in lines_of(out)] == [
        *((n, "api-error") for n in range(1, 8)), (8, None), (9, None)]
