"""Issue 12, the fifteenth attack pass (A15A: bulk and the shell; A15B: transport, credentials, config):
each finding's case, as it was found, answered with one line and a documented exit code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.sandbox.app import application
from tests.conftest import MemoryKeyring
from tests.servers import serving


class BrokenGzip:
    """A server whose answers say Content-Encoding: gzip over a body that is no gzip (every answer, or
    those whose path holds `only`; the rest are the demo sandbox's)."""

    def __init__(self, status: int = 200, only: str | None = None) -> None:
        self.status, self.only, self.app = status, only, application()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if self.only is not None and self.only not in scope["path"]:
            await self.app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": self.status, "headers": [
            (b"content-type", b"application/scim+json"), (b"content-encoding", b"gzip")]})
        await send({"type": "http.response.body", "body": b"notgzip"})


def test_a_body_that_cannot_be_decompressed_is_an_api_error_naming_the_request(run) -> None:
    """A15B-3: httpx's DecodingError was an internal error (exit 1) in every command that reads."""
    with serving(BrokenGzip()) as url:
        result = run("--api", url, "diagnose", "ESIM0042", "--no-audit")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.API_ERROR, "", "postisupport: error: the identity API answered GET /Users with a body "
        "that can't be decompressed (gzip)\n")


def test_a_refusal_with_a_broken_body_is_still_a_refusal(run, environ) -> None:
    environ["POSTISUPPORT_TOKEN"] = "tok-12345678"
    with serving(BrokenGzip(401)) as url:
        result = run("--api", url, "diagnose", "ESIM0042", "--no-audit")
    assert (result.exit_code, result.stderr) == (
        ExitStatus.AUTH, "postisupport: error: the identity API rejected the credentials (HTTP 401); check "
        "POSTISUPPORT_TOKEN\n")


def test_doctor_reports_a_broken_body_as_the_check_it_broke(run) -> None:
    with serving(BrokenGzip(only="ServiceProviderConfig")) as url:
        result = run("--api", url, "doctor", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0] == {
        "id": "service-provider-config", "status": "warn", "consequence": None,
        "detail": "the server could not answer: the identity API answered GET /ServiceProviderConfig with a "
                  "body that can't be decompressed (gzip)"}


@pytest.mark.parametrize("proxy", ["http://127.0.0.1:99999", "http://[::1]:65536"])
def test_a_proxy_whose_port_is_out_of_range_is_a_setting_to_mend(run, monkeypatch: pytest.MonkeyPatch,
                                                                  proxy: str) -> None:
    """A15B-1: connect() failed with OverflowError, an internal error."""
    monkeypatch.setenv("HTTPS_PROXY", proxy)  # as httpx and urllib read it: from the process
    result = run("--api", "https://idp.example.com/scim/v2", "diagnose", "ESIM0042", "--no-audit")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "", "postisupport: error: the proxy the environment names (HTTPS_PROXY, HTTP_PROXY "
        "or ALL_PROXY) can't be used: Port out of range 0-65535\n")


def test_a_config_file_nested_too_deeply_is_refused_in_one_line(run, environ, tmp_path: Path) -> None:
    """A15B-5: tomllib's RecursionError was an internal error."""
    config = tmp_path / "deep.toml"
    config.write_text("x=" + "[" * 500 + "]" * 500 + "\n")
    environ["POSTISUPPORT_CONFIG"] = str(config)
    result = run("config", "show")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "", f"postisupport: error: {config}: not valid TOML (nested too deeply)\n")


def test_a_keyring_entry_nested_too_deeply_is_no_secret_of_ours(run, env, memory_keyring) -> None:
    """A15B-5: json's RecursionError on the keyring entry was an internal error."""
    config = env.config_dir / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('default_profile = "w"\n[profiles.w]\napi_url = "https://idp.example.com/scim/v2"\n')
    memory_keyring.entries[("postisupport", "w:token")] = "[" * 100_000 + "]" * 100_000
    result = run("diagnose", "ESIM0042", "--no-audit")
    assert (result.exit_code, result.stdout, len(result.stderr.splitlines())) == (ExitStatus.USAGE, "", 1)
    assert "[[[" not in result.stderr


class ReadBackFails(MemoryKeyring):
    """A keyring that stores, then can't read (locked, a D-Bus error): `readable` until the store."""

    def __init__(self, undoable: bool = True) -> None:
        super().__init__()
        self.readable, self.undoable = True, undoable

    def get_password(self, service: str, username: str) -> str | None:
        if not self.readable:
            raise RuntimeError("locked")
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        super().set_password(service, username, password)
        self.readable = False

    def delete_password(self, service: str, username: str) -> None:
        if not self.undoable:
            raise RuntimeError("locked")
        super().delete_password(service, username)


@pytest.mark.parametrize(("undoable", "said"), [
    (True, "set the token in POSTISUPPORT_TOKEN instead, or install a keyring backend"),
    (False, "the keyring may still hold what it was given; remove it with auth logout once the keyring "
            "works, and set the token in POSTISUPPORT_TOKEN meanwhile"),
])
def test_a_store_that_cannot_be_read_back_is_taken_out_again_or_said_to_remain(
        run, env, undoable: bool, said: str) -> None:
    """A15B-4: the message said nothing was stored while the secret stayed in the keyring."""
    import keyring

    backend = ReadBackFails(undoable)
    keyring.set_keyring(backend)
    result = run("auth", "login", "--profile", "k", "--api", "https://idp.example.com/scim/v2",
                 "--with-token", "--no-check", input="KrSecret-abcdefgh-123456\n")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "",
        f"postisupport: error: no usable keyring to store the secret in (RuntimeError): {said}\n")
    assert (bool(backend.entries), (env.config_dir / "config.toml").exists()) == (not undoable, False)


def test_an_answer_that_holds_back_users_is_no_step_for_the_one_it_sent(run) -> None:
    """A15B-2: the API said two users match and sent one: the diagnosis went ahead about that one."""
    from tests.test_attacked_sixth import Mutating

    def two_said(path: str, query: Any, body: Any) -> None:
        if path.endswith("/Users") and "esim0042" in str(query.get("filter", [""])[0]).lower():
            body["totalResults"] = 2

    with serving(Mutating(two_said)) as url:
        result = run("--api", url, "diagnose", "ESIM0042", "--no-audit", "--json")
    assert (result.exit_code, result.stdout, result.stderr) == (ExitStatus.API_ERROR, "", (
        "postisupport: error: the identity API found 2 Users for the look-up but sent only 1, so more than "
        "the one it sent may answer to the identifier: it seems not to apply the look-up's filter or its "
        "paging (postisupport doctor checks it)\n"))


@pytest.mark.parametrize(("args", "stdin"), [(["bulk", "-"], "ESIM0042\n"), (["shell"], "ESIM0042\nquit\n")])
def test_started_with_stderr_closed_bulk_and_the_shell_run_without_their_messages(
        args: list[str], stdin: str, tmp_path: Path) -> None:
    """A15A-1: `2>&-` made bulk (without -q) and the shell end in an internal error, told on stdout."""
    import os
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "postisupport", "--sandbox", *args], input=stdin,
                            capture_output=False, stdout=subprocess.PIPE, text=True, timeout=60,
                            preexec_fn=lambda: os.close(2), cwd=tmp_path)
    assert (result.returncode, "internal error" in result.stdout) == (0, False)
    if args[0] == "bulk":
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert [(row["input"], row["outcome"], row["error"]) for row in rows] == [
            ("ESIM0042", "change-password", None)]
    else:
        assert result.stdout.startswith("Step 1 — the password must be changed\n")


def test_a_workbook_of_more_columns_than_excel_holds_is_refused_before_anything(run, tmp_path: Path) -> None:
    """A15A-3: openpyxl's ValueError was an internal error, and an empty .parts folder was left."""
    columns = ["email", *(f"c{i}" for i in range(16_400))]
    source = tmp_path / "wide.csv"
    source.write_text(",".join(columns) + "\n" + ",".join(["ESIM0042", *["x"] * 16_400]) + "\n")
    out = tmp_path / "wide.xlsx"
    result = run("--sandbox", "bulk", str(source), "-o", str(out), "-q")
    assert (result.exit_code, result.stderr) == (
        ExitStatus.USAGE,
        "postisupport: error: a workbook holds at most 16,384 columns, and this input's rows need 16,413: "
        "write CSV or NDJSON\n")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "state") == ["wide.csv"]


def _with_a_failed_row(run, tmp_path: Path, name: str, *options: str) -> tuple[Path, Path, Any]:
    from tests.test_bulk import Flaky, directory

    source = tmp_path / "in.txt"
    source.write_text("".join(f"user{i}@example.com\n" for i in range(3)))
    out = tmp_path / name
    flaky = Flaky(directory(3, 1), {"user1%40"})
    with serving(flaky) as url:
        assert run("--api", url, "bulk", str(source), "-o", str(out), "-q", *options).exit_code == \
            ExitStatus.ROWS_FAILED
    return source, out, flaky


def test_retry_failed_keeps_the_bom_of_a_comma_csv_excel_saved(run, tmp_path: Path) -> None:
    """A15A-4: an output Excel saved as "CSV UTF-8 (comma delimited)" lost its BOM on --retry-failed."""
    from tests.test_bulk import directory

    source, out, _ = _with_a_failed_row(run, tmp_path, "out.csv", "--no-excel")
    out.write_bytes(b"\xef\xbb\xbf" + out.read_bytes())
    with serving(directory(3, 1)) as url:
        again = run("--api", url, "bulk", str(source), "-o", str(out), "--retry-failed", "-q")
    assert again.exit_code == 0, again.stderr
    data = out.read_bytes()
    assert (data[:3], data.count(b"\xef\xbb\xbf"), data[3:].split(b"\r\n")[0].count(b",") > 5) == (
        b"\xef\xbb\xbf", 1, True)


def test_retry_failed_reads_an_ndjson_record_holding_a_bare_cr_as_one(run, tmp_path: Path) -> None:
    """A15A-5: the copy split records at a CR, as text mode does, and json.loads failed: exit 1."""
    from tests.test_bulk import directory

    source, out, _ = _with_a_failed_row(run, tmp_path, "out.ndjson")
    out.write_bytes(out.read_bytes().replace(b', "input"', b',\r"input"', 1))
    with serving(directory(3, 1)) as url:
        again = run("--api", url, "bulk", str(source), "-o", str(out), "--retry-failed", "-q")
    assert again.exit_code == 0, again.stderr
    rows = [json.loads(line) for line in out.read_bytes().split(b"\n") if line]
    assert sorted((row["row"], row["error"]) for row in rows) == [(1, None), (2, None), (3, None)]


class Ordered:
    """The app, each request's path recorded in the order it came."""

    def __init__(self, app: Any) -> None:
        self.app, self.paths = app, []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"].rsplit("/", 1)[-1])
        await self.app(scope, receive, send)


@pytest.mark.slow
def test_under_a_rate_rows_are_done_as_they_go_and_the_run_says_it_goes_on(
        run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A15A-2: under --rate no row was done until every row of the read-ahead window (8 x concurrency)
    had had its first request: minutes without a line written or a progress line, an estimate 500
    times too long, and a stop threw every answer away."""
    from postisupport.cli import bulk as cli_bulk
    from postisupport.ops import bulk
    from tests.test_bulk import directory

    monkeypatch.setattr(bulk, "TICK", 0.2)
    monkeypatch.setattr(cli_bulk._Watcher, "EVERY", 0.2)
    source = tmp_path / "in.txt"
    source.write_text("".join(f"user{i}@example.com\n" for i in range(40)))
    server = Ordered(directory(40, 4))
    with serving(server) as url:
        result = run("--api", url, "bulk", str(source), "-o", str(tmp_path / "out.ndjson"), "--rate", "10",
                     "--concurrency", "64")
    assert result.exit_code == 0, result.stderr
    # Rows started ahead: what ten requests a second let through in two seconds, not 512.
    # (Before, all 40 rows had their first request before any row's second round: Groups at 40.)
    assert (server.paths.index("Groups") <= 21, len(server.paths)) == (True, 40 + 4 + 4)
    progress = [line for line in result.stderr.splitlines() if " done" in line]
    assert progress[0].startswith("postisupport: 0 rows done of 40 (0 %), 0 errors, 0.0 rows/s")
