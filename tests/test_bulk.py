"""Bulk checks: what Excel writes comes in, one output row per input row goes out, politely, and a
killed run resumes to exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.output.table import CSV_COLUMNS
from postisupport.sandbox.app import SandboxApplication
from postisupport.sandbox.datafile import build_storage
from tests.servers import generated_directory, serving
from tests.test_cli import assert_error

ROOT = Path(__file__).parent.parent


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# -- input as Excel and people write it ----------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "encoding"), [
    ("excel-fi.csv",
     "Nimi;Sähköposti;Palvelu\r\nÄijä;ESIM0042;\r\n\r\n\"Salo; Laura\";ESIM0105;invoicing|reports\r\n",
     "cp1252"),
    ("bom.csv", "\ufeffemail,lang\r\nESIM0042,sv\r\n\r\nESIM0105,\r\n", "utf-8"),
    ("tabs.tsv", "käyttäjätunnus\tkieli\nESIM0042\t\nESIM0105\ten\n", "utf-8"),
    ("plain.txt", "ESIM0042\n\nESIM0105\n", "utf-8"),
    ("header.txt", "E-mail\nESIM0042\nESIM0105\n", "utf-8"),
    ("rows.ndjson", '{"email": "ESIM0042"}\n\n{"identifier": "ESIM0105", "service": ["invoicing"]}\n',
     "utf-8"),
])
def test_what_excel_and_people_write_is_read(
    run, tmp_path: Path, name: str, data: str, encoding: str
) -> None:
    source = write(tmp_path / name, data, encoding)
    result = run("--sandbox", "bulk", str(source), "-o", str(tmp_path / "out.ndjson"), "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    out = lines_of(tmp_path / "out.ndjson")
    assert [(r["row"], r["input"], r["error"]) for r in out] == [
        (1, "ESIM0042", None), (2, "ESIM0105", None)]
    assert out[0]["outcome"] == "change-password"


def test_services_and_languages_come_from_their_columns(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", "user;service;lang\r\nESIM0105;invoicing|reports;sv\r\n")
    run("--sandbox", "bulk", str(source), "-o", str(tmp_path / "out.ndjson"), "-q")
    [row] = lines_of(tmp_path / "out.ndjson")
    assert ([s["asked"] for s in row["services"]], row["script"]["lang"], row["outcome"]) == (
        ["invoicing", "reports"], "sv", "check-service-rights")


def test_a_named_column_and_a_missing_one(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", "who,note\r\nESIM0042,first\r\n")
    assert_error(run("--sandbox", "bulk", str(source), "-q"), ExitStatus.USAGE,
                 "no identifier column in the header \\(who, note\\); name it with the column option")
    ok = run("--sandbox", "bulk", str(source), "--column", "WHO", "-o", str(tmp_path / "o.ndjson"), "-q")
    assert ok.exit_code == 0
    assert_error(run("--sandbox", "bulk", str(source), "--column", "whom", "-q"), ExitStatus.USAGE,
                 "the input has no column 'whom'; it has who, note")


# -- output: one row per input row ------------------------------------------------------------------------


def test_each_ndjson_line_is_the_diagnose_document_plus_row_input_and_error(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "  ESIM0042 \nbad@@example.fi\nESIM0105\n")
    result = run("--sandbox", "bulk", str(source), "-q")  # stdout: NDJSON
    assert result.exit_code == ExitStatus.ROWS_FAILED
    first, bad, third = (json.loads(line) for line in result.stdout.splitlines())
    diagnosed = run("--sandbox", "diagnose", "  ESIM0042 ", "--json", "--verified").json()
    nothing_asked = {"services": [], "lang": None}
    assert first == {**diagnosed, "row": 1, "input": "  ESIM0042 ", "asked": nothing_asked, "error": None}
    assert bad == {"row": 2, "input": "bad@@example.fi", "asked": nothing_asked, "error": {
        "kind": "invalid-input", "exit_code": 2,
        "message": "'bad@@example.fi' is not a valid e-mail address"}}
    assert (third["row"], third["identifier"]) == (3, "ESIM0105")


def test_csv_has_the_documented_columns_then_the_inputs_own(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", "Name,Email,Team,Service\r\nAino,ESIM0042,North,\r\n"
                   "X,,South,invoicing|reports\r\n")
    result = run("--sandbox", "bulk", str(source), "-o", str(tmp_path / "out.csv"), "-q")
    assert result.exit_code == ExitStatus.ROWS_FAILED
    text = (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert text.splitlines() == [
        ",".join([*CSV_COLUMNS, "Name", "Team"]),
        "1,ESIM0042,,change-password,1,login,login.reset-pending,legacyUserId,"
        "aino.korhonen@esimerkki.example.fi,Esimerkki Oy,2345678-0,"
        "Maija Virtanen <maija.virtanen@esimerkki.example.fi>,,Aino,North",
        "2,,invoicing|reports,,,,,,,,,,invalid-input: the identifier is empty,X,South",
    ]


def test_excel_output_has_a_bom_and_semicolons(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "ESIM0042\n")
    run("--sandbox", "bulk", str(source), "-o", str(tmp_path / "out.csv"), "--excel", "-q")
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfrow;identifier;service;outcome;")


def test_an_existing_output_is_not_overwritten_by_accident(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "ESIM0042\n")
    out = write(tmp_path / "out.ndjson", "precious\n")
    assert_error(run("--sandbox", "bulk", str(source), "-o", str(out), "-q"), ExitStatus.USAGE,
                 f"the output {out} exists already: add --resume to finish it, --retry-failed to redo its "
                 "errors, or --force")
    assert out.read_text() == "precious\n"
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "--force", "-q").exit_code == 0
    assert [r["row"] for r in lines_of(out)] == [1]


def test_the_summary_counts_outcomes_errors_and_requests(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "ESIM0042\n\nbad@@x\nkarin.holm@exempel.example.fi\n")
    result = run("--sandbox", "bulk", str(source), "-o", str(tmp_path / "o.ndjson"))
    summary = result.stderr.strip().splitlines()[-1]
    assert summary.startswith("postisupport: 3 rows in ")
    assert summary.endswith("; outcomes: 1 change-password, 1 contact-customer-service; "
                            "errors: 1 invalid-input; 1 blank line skipped")


# -- resume and retry ---------------------------------------------------------------------------------------


class Slow:
    """ASGI middleware: every request waits `delay` seconds, and the requests are counted."""

    def __init__(self, app: Any, delay: float) -> None:
        self.app, self.delay, self.requests = app, delay, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.requests += 1
            await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)


def directory(users: int, organisations: int) -> SandboxApplication:
    return SandboxApplication(build_storage(generated_directory(users, organisations)))


def bulk_process(url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "postisupport", "--api", url, "bulk", *args, "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def test_a_run_killed_with_sigkill_resumes_to_every_row_exactly_once(tmp_path: Path) -> None:
    users = 150
    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(users)))
    killed, whole = tmp_path / "killed.ndjson", tmp_path / "whole.ndjson"
    with serving(Slow(directory(users, 5), 0.02)) as url:
        process = bulk_process(url, str(source), "-o", str(killed), "--concurrency", "4")
        deadline = time.monotonic() + 30
        while (not killed.exists() or killed.read_text().count("\n") < 20) and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        cut = killed.read_text().count("\n")
        assert 20 <= cut < users
        with killed.open("a") as half:
            half.write('{"row": 9999, "outcome": "half-writ')  # a line cut in half by the kill
        resumed = bulk_process(url, str(source), "-o", str(killed), "--resume")
        assert resumed.wait(60) == 0, resumed.stderr.read() if resumed.stderr else ""
        uninterrupted = bulk_process(url, str(source), "-o", str(whole))
        assert uninterrupted.wait(60) == 0
    rows = [r["row"] for r in lines_of(killed)]
    assert sorted(rows) == list(range(1, users + 1))
    outcomes = {r["row"]: r["outcome"] for r in lines_of(killed)}
    assert outcomes == {r["row"]: r["outcome"] for r in lines_of(whole)}


class Flaky:
    """Answers 500 to the look-up of any identifier in `failing`, until `failing` is emptied."""

    def __init__(self, app: Any, failing: set[str]) -> None:
        self.app, self.failing = app, failing

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        query = scope.get("query_string", b"").decode()
        if scope["type"] == "http" and any(f in query for f in self.failing):
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b'{"detail": "db down"}'})
            return
        await self.app(scope, receive, send)


def test_retry_failed_reruns_only_the_errors_and_rewrites_atomically(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(6)))
    out = tmp_path / "out.ndjson"
    flaky = Flaky(directory(6, 2), {"user2%40", "user4%40"})
    with serving(flaky) as url:
        first = run("--api", url, "bulk", str(source), "-o", str(out), "-q")
        assert first.exit_code == ExitStatus.ROWS_FAILED
        assert [(r["row"], r["error"]["kind"] if r["error"] else None) for r in lines_of(out)] == [
            (1, None), (2, None), (3, "api-error"), (4, None), (5, "api-error"), (6, None)]
        flaky.failing.clear()
        again = run("--api", url, "bulk", str(source), "-o", str(out), "--retry-failed", "-q")
    assert again.exit_code == 0
    rows = lines_of(out)
    assert sorted(r["row"] for r in rows) == [1, 2, 3, 4, 5, 6]
    assert all(r["error"] is None for r in rows)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("out")] == ["out.ndjson"]  # no temp left


# -- politeness: rate limits, retries, a shared pause ------------------------------------------------


class Rude:
    """A server that rejects, stalls and drops: 429 with Retry-After now and then, bursts of 503,
    slow answers, a dropped connection. Every look-up eventually gets through."""

    def __init__(self, app: Any) -> None:
        self.app, self.seen = app, 0
        self.times: list[float] = []
        self.told: set[tuple[str, bytes]] = set()  # a request told to wait once goes through when tried again

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        self.seen += 1
        self.times.append(time.monotonic())
        n = self.seen
        request = (scope["path"], scope["query_string"])
        if n % 7 == 1 and request not in self.told:
            # Only one in seven and never the same request twice: with every request waiting in
            # step, the same row could otherwise come seventh each time and run out of tries.
            self.told.add(request)
            return await _answer(send, 429, {"Retry-After": "0.2"})
        if n % 11 == 2:
            return await _answer(send, 503, {})
        if n % 13 == 3:  # the connection drops half-way: fewer bytes than the length promised
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"500")]})
            await send({"type": "http.response.body", "body": b'{"totalRes'})
            return None
        if n % 5 == 0:
            await asyncio.sleep(0.3)
        await self.app(scope, receive, send)


async def _answer(send: Any, status: int, headers: dict[str, str]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]})
    await send({"type": "http.response.body", "body": b"{}"})


def test_a_rude_server_is_waited_out_and_every_row_gets_through(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(40)))
    out = tmp_path / "out.ndjson"
    with serving(Rude(directory(40, 4))) as url:
        result = run("--api", url, "--timeout", "2", "bulk", str(source), "-o", str(out),
                     "--concurrency", "8", "-q")
    assert result.exit_code == 0, result.stderr
    rows = lines_of(out)
    assert (len(rows), [r for r in rows if r["error"]]) == (40, [])


def test_the_rate_limit_is_shared_by_all_workers(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(12)))
    slow = Slow(directory(12, 12), 0.0)
    with serving(slow) as url:
        started = time.monotonic()
        result = run("--api", url, "bulk", str(source), "-o", str(tmp_path / "o.ndjson"),
                     "--concurrency", "8", "--rate", "20", "-q")
        took = time.monotonic() - started
    assert result.exit_code == 0
    # 12 rows of about 2 requests each at 20 per second take about a second, whatever the concurrency.
    assert slow.requests >= 24 and took >= (slow.requests - 20) / 20


def test_a_rate_under_one_request_a_second_paces_instead_of_failing_every_row(run, tmp_path: Path) -> None:
    """aiolimiter refuses to acquire more than its capacity: a capacity of 0.9 failed every row."""
    source = write(tmp_path / "in.txt", "nobody1@example.com\nnobody2@example.com\n")
    slow = Slow(directory(2, 1), 0.0)
    with serving(slow) as url:
        started = time.monotonic()
        result = run("--api", url, "bulk", str(source), "-o", str(tmp_path / "o.ndjson"), "--rate", "0.9",
                     "-q", "--no-audit")
        took = time.monotonic() - started
    assert (result.exit_code, [r["error"] for r in lines_of(tmp_path / "o.ndjson")]) == (0, [None, None])
    assert (slow.requests, took >= 1.0) == (2, True)  # the second a 1/0.9 s after the first


def test_organisations_are_asked_once_each(run, tmp_path: Path) -> None:
    users, organisations = 120, 6
    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(users)))
    counting = Slow(directory(users, organisations), 0.0)
    with serving(counting) as url:
        result = run("--api", url, "bulk", str(source), "-o", str(tmp_path / "o.ndjson"), "-q")
    assert result.exit_code == 0
    assert counting.requests == users + 2 * organisations  # a look-up each, groups and admins per org


def test_an_unreachable_api_stops_the_run_early_and_it_can_resume(run, tmp_path: Path) -> None:
    from tests.servers import free_port

    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(50)))
    out = tmp_path / "out.ndjson"
    nowhere = f"http://127.0.0.1:{free_port()}/scim/v2"
    result = run("--api", nowhere, "--timeout", "0.5", "bulk", str(source), "-o", str(out), "-q")
    assert result.exit_code == ExitStatus.UNREACHABLE
    # Connection refused, tried again with backoff until the look-up's deadline: then the run stops.
    assert result.stderr == (
        f"postisupport: stopped; to finish: postisupport --api {nowhere} --timeout 0.5 bulk {source} "
        f"-o {out} --concurrency 8 --quiet --resume\n"
        f"postisupport: error: the identity API at {nowhere} did not answer within 1.5 s\n")
    assert not out.exists()  # nothing written: no empty file left
    with serving(directory(50, 5)) as url:
        resumed = run("--api", url, "bulk", str(source), "-o", str(out), "--resume", "-q")
    assert resumed.exit_code == 0
    assert Counter(r["row"] for r in lines_of(out)) == Counter(range(1, 51))


def test_stdin_is_read_with_a_dash(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "postisupport", "--sandbox", "bulk", "-", "-q"],
                          input="ESIM0042\nESIM0105\n", capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["row"] for line in done.stdout.splitlines()] == [1, 2]


class TellsToWait:
    """Answers the first request with 429 and Retry-After: 1; records when every request starts."""

    def __init__(self, app: Any) -> None:
        self.app, self.starts = app, []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        self.starts.append(time.monotonic())
        if len(self.starts) == 1:
            return await _answer(send, 429, {"Retry-After": "1"})
        await self.app(scope, receive, send)


def test_a_retry_after_pauses_every_worker_not_only_the_one_told(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(8)))
    server = TellsToWait(directory(8, 8))
    with serving(server) as url:
        result = run("--api", url, "bulk", str(source), "-o", str(tmp_path / "o.ndjson"),
                     "--concurrency", "4", "-q")
    assert result.exit_code == 0
    told = server.starts[0]
    # Requests already on their way may arrive just after (0.4 s later seen on a machine loaded with
    # two test runs); none may start in the rest of the second everyone waits. Without the shared
    # pause, the three other workers would send a dozen requests in that window.
    assert [t - told for t in server.starts if told + 0.6 < t < told + 0.95] == []


def test_ctrl_c_stops_cleanly_and_says_how_to_finish(tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(100)))
    out = tmp_path / "out.ndjson"
    with serving(Slow(directory(100, 5), 0.05)) as url:
        process = bulk_process(url, str(source), "-o", str(out), "--concurrency", "2")
        deadline = time.monotonic() + 20
        while (not out.exists() or out.read_text().count("\n") < 5) and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert process.returncode == ExitStatus.INTERRUPTED
    assert err.splitlines() == [
        f"postisupport: stopped; to finish: postisupport --api {url} bulk {source} -o {out} --concurrency 2 "
        "--quiet --resume",
        "postisupport: interrupted"]
    assert all(line.endswith("}") for line in out.read_text().splitlines())


@pytest.mark.parametrize(("name", "content"), [("out.ndjson", "not json\n"), ("out.csv", "a,b\r\n1,2\r\n"),
                                               ("out.ndjson", '{"no": "row"}\n')])
def test_resuming_into_a_file_that_is_no_bulk_output_is_refused(run, tmp_path: Path, name: str,
                                                               content: str) -> None:
    source = write(tmp_path / "in.txt", "ESIM0042\n")
    out = write(tmp_path / name, content)
    assert_error(run("--sandbox", "bulk", str(source), "-o", str(out), "--resume", "-q"), ExitStatus.USAGE,
                 f"line 1 of {out} is not a result of a bulk run; is it the right file, and the right "
                 "format\\?$")
    assert out.read_bytes() == content.encode()


def test_resuming_an_empty_output_does_every_row(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "ESIM0042\nESIM0105\n")
    out = write(tmp_path / "out.csv", "")
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "--resume", "-q").exit_code == 0
    assert out.read_text().count("\n") == 3  # the header and two rows


class Hangs:
    """Never answers a look-up of `stuck`; everything else goes through."""

    def __init__(self, app: Any, stuck: str) -> None:
        self.app, self.stuck = app, stuck

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.stuck in scope.get("query_string", b"").decode():
            await asyncio.sleep(30)
        await self.app(scope, receive, send)


def test_one_row_the_api_never_answers_is_that_rows_error_not_the_runs_end(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(6)))
    out = tmp_path / "out.ndjson"
    with serving(Hangs(directory(6, 2), "user3%40")) as url:
        result = run("--api", url, "--timeout", "1", "bulk", str(source), "-o", str(out), "-q")
    assert result.exit_code == ExitStatus.ROWS_FAILED
    errors = {r["row"]: r["error"]["kind"] for r in lines_of(out) if r["error"]}
    assert (len(lines_of(out)), errors) == (6, {4: "unreachable"})


def test_a_workbook_run_killed_with_sigkill_leaves_no_rows_in_the_temp_folder(tmp_path: Path) -> None:
    """openpyxl keeps the rows in temporary files until the save: in the system's temp folder they
    outlived a kill for good. Beside the output, the next run on it removes them."""
    users = 150
    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(users)))
    out, temp = tmp_path / "out.xlsx", tmp_path / "tmp"
    parts = tmp_path / ".out.xlsx.parts"
    temp.mkdir()
    with serving(Slow(directory(users, 5), 0.02)) as url:
        command = [sys.executable, "-m", "postisupport", "--api", url, "bulk", str(source), "-o", str(out),
                   "-q", "--concurrency", "2", "--no-audit"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   cwd=ROOT, env={**os.environ, "TMPDIR": str(temp)})
        deadline = time.monotonic() + 30
        while not any(parts.glob("openpyxl.*")) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # rows on their way into it
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        assert (list(temp.iterdir()), stat.S_IMODE(parts.stat().st_mode)) == ([], 0o700)
        # No empty out.xlsx, named as the results, that Excel refuses (attack 30, F30-6): the run's lock is
        # a file of its own, and the next run needs no --force.
        assert sorted(p.name for p in tmp_path.iterdir()) == [".out.xlsx.lock", ".out.xlsx.parts", "in.txt",
                                                               "tmp"]
        again = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120,
                               env={**os.environ, "TMPDIR": str(temp)})
    assert (again.returncode, again.stderr) == (0, "")
    assert (parts.exists(), list(temp.iterdir())) == (False, [])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "out.xlsx", "tmp"]


class NeverLetsIn:
    """Answers every look-up of `refused` with 429 and a short Retry-After, for ever; the rest go through."""

    def __init__(self, app: Any, refused: str) -> None:
        self.app, self.refused = app, refused

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.refused in scope.get("query_string", b"").decode():
            return await _answer(send, 429, {"Retry-After": "0.1"})
        await self.app(scope, receive, send)


def test_a_row_that_gives_up_on_a_retry_after_lets_the_others_go_on(tmp_path: Path) -> None:
    """Tenacity asks for the wait before it stops: the row's last try shut every request's gate for the
    server's wait, then stopped without waiting, and the run hung for ever behind it."""
    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(12)))
    out = tmp_path / "out.ndjson"
    with serving(NeverLetsIn(directory(12, 2), "user3%40")) as url:
        process = bulk_process(url, str(source), "-o", str(out), "--concurrency", "1")
        try:
            process.communicate(timeout=30)
        finally:
            process.kill()
    assert process.returncode == ExitStatus.ROWS_FAILED
    assert [(r["row"], r["error"]["kind"] if r["error"] else None) for r in lines_of(out)] == [
        (n, "api-error" if n == 4 else None) for n in range(1, 13)]


def test_a_stopped_run_that_read_stdin_says_the_same_input_is_needed_again(tmp_path: Path) -> None:
    """Attack pass 10, A10A-08: the printed command, run as it was, waited for input on the terminal."""
    from tests.servers import free_port

    out = tmp_path / "out.ndjson"
    nowhere = f"http://127.0.0.1:{free_port()}/scim/v2"
    done = subprocess.run([sys.executable, "-m", "postisupport", "--api", nowhere, "--timeout", "0.5",
                           "bulk", "-", "-o", str(out), "-q"], input="user1@example.com\n",
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "HOME": str(tmp_path)},
                          timeout=60)
    assert (done.returncode, done.stderr.splitlines()[0]) == (
        ExitStatus.UNREACHABLE, "postisupport: stopped; to finish, with the same input on stdin: "
        f"postisupport --api {nowhere} --timeout 0.5 bulk - -o {out} --concurrency 8 --quiet --resume")
