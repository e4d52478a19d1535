"""Bulk output files (issue 12): spreadsheet-safe cells, private files, the input never overwritten, one
run at a time, resumes that keep every record and notice another input, and file faults told in one line."""

from __future__ import annotations

import csv
import json
import os
import resource
import shlex
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.idp import urns
from postisupport.output.table import CSV_COLUMNS
from postisupport.sandbox.app import SandboxApplication
from postisupport.sandbox.datafile import build_storage
from tests.servers import LOGGED_IN, serving
from tests.test_bulk import ROOT, Flaky, Slow, bulk_process, directory, lines_of, write
from tests.test_cli import assert_error


def csv_rows(path: Path, delimiter: str = ",") -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file, delimiter=delimiter))


def identifiers(count: int) -> str:
    return "".join(f"user{i}@example.com\n" for i in range(count))


def files_in(folder: Path) -> list[str]:
    """The files a test made, not the audit trail of its in-process runs."""
    return sorted(p.name for p in folder.iterdir() if p.name != "state")


# -- 3: formulas never reach a spreadsheet --------------------------------------------------------------

HOSTILE = {
    "Users": [
        {"id": "u1", "userName": "aino@example.fi", "displayName": "Aino",
         "emails": [{"value": "aino@example.fi"}], urns.LOGIN_EXTENSION: {"legacyUserId": "X1"}},
        {"id": "u2", "userName": "boss@example.fi", "displayName": "+SUM(A1:A9)",
         "emails": [{"value": "boss@example.fi"}], "roles": [{"value": "admin"}],
         urns.LOGIN_EXTENSION: {"lastLoginTime": LOGGED_IN}},
    ],
    "Groups": [{"id": "g1", "displayName": "=cmd|' /C calc'!A0",
                "members": [{"value": "u1"}, {"value": "u2"}],
                urns.ORGANISATION_EXTENSION: {"businessId": "2345678-0", "services": []}}],
}
HOSTILE_INPUT = ('email,Note\r\naino@example.fi,@SUM(1)\r\n'
                 '"=HYPERLINK(""http://evil.example.com"",""x"")",-1+2\r\n'
                 'aino@example.fi,"\tx"\r\naino@example.fi,"\rx"\r\n')


def hostile_rows(run: Any, tmp_path: Path, out: Path) -> list[list[str]]:
    source = write(tmp_path / "in.csv", HOSTILE_INPUT)
    with serving(SandboxApplication(build_storage(HOSTILE))) as url:
        result = run("--api", url, "bulk", str(source), "-o", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    if out.suffix == ".csv":
        return csv_rows(out)
    from openpyxl import load_workbook

    sheet = load_workbook(out)["Results"]
    assert {cell.data_type for row in sheet.iter_rows() for cell in row if cell.value is not None} == {"s"}
    return [["" if cell.value is None else cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("name", ["out.csv", "out.xlsx"])
def test_cells_that_start_like_a_formula_are_neutralised_in_every_column(run, tmp_path: Path,
                                                                         name: str) -> None:
    rows = hostile_rows(run, tmp_path, tmp_path / name)
    last = "'\nx" if name.endswith(".xlsx") else "'\rx"  # XML keeps no bare CR: it reads back as LF
    diagnosed = ["contact-admin", "3", "login", "login.contact-admin", "userName",
                 "aino@example.fi", "'=cmd|' /C calc'!A0", "2345678-0", "'+SUM(A1:A9) <boss@example.fi>", ""]
    assert rows == [
        [*CSV_COLUMNS, "Note"],
        ["1", "aino@example.fi", "", *diagnosed, "'@SUM(1)"],
        ["2", "'=HYPERLINK(\"http://evil.example.com\",\"x\")", "", "not-found", "3", "login",
         "lookup.not-found", "", "", "", "", "", "", "'-1+2"],
        ["3", "aino@example.fi", "", *diagnosed, "'\tx"],
        ["4", "aino@example.fi", "", *diagnosed, last],
    ]


def test_ndjson_is_data_and_keeps_what_the_input_said(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "=1+1@example.com\n")
    run("--sandbox", "bulk", str(source), "-o", str(tmp_path / "out.ndjson"), "-q")
    assert [r["input"] for r in lines_of(tmp_path / "out.ndjson")] == ["=1+1@example.com"]


# -- 4: private files, no planted link followed ---------------------------------------------------------


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.parametrize("name", ["out.csv", "out.ndjson", "out.xlsx"])
def test_outputs_are_private_whatever_the_umask(run, tmp_path: Path, name: str) -> None:
    source = write(tmp_path / "in.txt", "ESIM0042\n")
    old = os.umask(0o022)
    try:
        assert run("--sandbox", "bulk", str(source), "-o", str(tmp_path / name), "-q").exit_code == 0
    finally:
        os.umask(old)
    assert mode_of(tmp_path / name) == 0o600


def test_retry_failed_keeps_the_output_private_and_follows_no_planted_link(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", identifiers(4))
    out = tmp_path / "out.ndjson"
    victim = write(tmp_path / "victim.txt", "someone else's\n")
    flaky = Flaky(directory(4, 2), {"user2%40"})
    with serving(flaky) as url:
        first = run("--api", url, "bulk", str(source), "-o", str(out), "-q")
        assert first.exit_code == ExitStatus.ROWS_FAILED
        (tmp_path / "out.ndjson.tmp").symlink_to(victim)
        flaky.failing.clear()
        old = os.umask(0o022)
        try:
            again = run("--api", url, "bulk", str(source), "-o", str(out), "--retry-failed", "-q")
        finally:
            os.umask(old)
    assert again.exit_code == 0, again.stderr
    assert (mode_of(out), victim.read_text(), files_in(tmp_path)) == (
        0o600, "someone else's\n", ["in.txt", "out.ndjson", "out.ndjson.tmp", "victim.txt"])
    assert [(r["row"], r["error"]) for r in lines_of(out)] == [(1, None), (2, None), (4, None), (3, None)]


# -- 10: the input is never the output ------------------------------------------------------------------


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
def test_an_output_that_is_the_input_is_refused(run, tmp_path: Path, how: str) -> None:
    source = write(tmp_path / "in.ndjson", '{"email": "ESIM0042"}\n')
    out = {"same": source, "symlink": tmp_path / "out.ndjson", "hardlink": tmp_path / "out.ndjson"}[how]
    if how == "symlink":
        out.symlink_to(source)
    elif how == "hardlink":
        os.link(source, out)
    assert_error(run("--sandbox", "bulk", str(source), "-o", str(out), "--force", "-q"), ExitStatus.USAGE,
                 f"^postisupport: error: {out}: is the input itself: the results must go to another file$")
    assert source.read_text() == '{"email": "ESIM0042"}\n'


def test_force_replaces_the_output_only_when_the_run_ends(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "ESIM0042\nESIM0105\n")
    out = write(tmp_path / "out.ndjson", "precious\n")
    bad = write(tmp_path / "bad.csv", "who,note\r\nESIM0042,x\r\n")  # no identifier column: stops at once
    assert run("--sandbox", "bulk", str(bad), "-o", str(out), "--force", "-q").exit_code == ExitStatus.USAGE
    assert out.read_text() == "precious\n"
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "--force", "-q").exit_code == 0
    assert [r["row"] for r in lines_of(out)] == [1, 2]
    assert files_in(tmp_path) == ["bad.csv", "in.txt", "out.ndjson"]


# -- 11: one row's unexpected error is that row's -------------------------------------------------------


def test_an_unexpected_error_of_one_row_is_that_rows_error(tmp_path: Path, env: Any) -> None:
    from postisupport.cli.main import error_object
    from postisupport.cli.options import ConnectionOptions, State
    from postisupport.cli.render import view_for
    from postisupport.ops.bulk import BulkOptions
    from postisupport.ops.bulk import run as run_bulk

    source = write(tmp_path / "in.txt", identifiers(4))
    out = tmp_path / "out.ndjson"

    def observe(exchange: dict[str, Any]) -> None:
        if "user2%40" in exchange["url"]:
            raise TypeError("'NoneType' object is not subscriptable")

    with serving(directory(4, 2)) as url:
        settings = State(env).settings(ConnectionOptions(api=url, no_audit=True))
        view = view_for(env, settings, verified=True, masked=False, explain=False)
        summary = run_bulk(settings, BulkOptions(source, out), view, error_object, observe=observe)
    assert (summary.rows, dict(summary.errors)) == (4, {"internal-error": 1})
    assert [(r["row"], r["error"]) for r in lines_of(out)] == [
        (1, None), (2, None),
        (3, {"kind": "internal-error", "exit_code": 1,
             "message": "internal error: TypeError: 'NoneType' object is not subscriptable"}),
        (4, None)]


# -- 14: a resumed CSV keeps every whole record and only those ------------------------------------------


def test_resuming_a_csv_cut_inside_a_multi_line_cell_keeps_only_whole_records(run, tmp_path: Path) -> None:
    from tests.servers import generated_directory

    users = 6
    data = generated_directory(users, 3)
    for group in data["Groups"]:  # names with line breaks and blank lines, as a server may send them
        group["displayName"] = f"Organisation\n\n{group['id']}\r\nOy"
    notes = [f"note {i}\r\nsecond line" for i in range(users)]
    source = write(tmp_path / "in.csv", "email,Note\r\n" + "".join(
        f'user{i}@example.com,"{note}"\r\n' for i, note in enumerate(notes)))
    whole, cut = tmp_path / "whole.csv", tmp_path / "cut.csv"
    with serving(SandboxApplication(build_storage(data))) as url:
        assert run("--api", url, "bulk", str(source), "-o", str(whole), "-q").exit_code == 0
        written = whole.read_bytes()
        row5 = written.index(b"\r\n5,")
        at = written.index(b"Organisation\n\n", row5) + len(b"Organisation\n\n")  # after the blank line
        cut.write_bytes(written[:at])
        resumed = run("--api", url, "bulk", str(source), "-o", str(cut), "--resume")
    assert resumed.exit_code == 0, resumed.stderr
    assert cut.read_bytes() == written
    assert [(r[0], r[9], r[-1]) for r in csv_rows(cut)[1:]] == [
        (str(i + 1), f"Organisation\n\ng{i % 3}\r\nOy", notes[i]) for i in range(users)]
    assert "postisupport: 2 rows (4 done before) in " in resumed.stderr


# -- 15: one run at a time ------------------------------------------------------------------------------


def _second_run_refused(run, tmp_path: Path, name: str, started: Callable[[Path], bool],
                        *again: str) -> Path:
    """A second run on the output a first is writing (`started`: once it is under way): refused, exit 2,
    and the first finishes whole."""
    users = 60
    source = write(tmp_path / "in.txt", identifiers(users))
    out = tmp_path / name
    with serving(Slow(directory(users, 3), 0.05)) as url:
        first = bulk_process(url, str(source), "-o", str(out), "--concurrency", "2")
        deadline = time.monotonic() + 30
        while not started(out) and time.monotonic() < deadline:
            time.sleep(0.02)
        second = run("--api", url, "bulk", str(source), "-o", str(out), *again, "-q")
        assert first.poll() is None, "the first run ended before the second was tried"
        assert first.wait(60) == 0
    assert_error(second, ExitStatus.USAGE, f"^postisupport: error: {out}: is being written by another bulk "
                 "run right now; let it finish, or stop it first$")
    return out


def test_a_second_run_on_the_same_output_is_refused_while_the_first_runs(run, tmp_path: Path) -> None:
    out = _second_run_refused(run, tmp_path, "out.ndjson",
                              lambda out: out.exists() and out.read_text().count("\n") >= 2, "--resume")
    assert [r["row"] for r in lines_of(out)] == list(range(1, 61))


def test_a_second_workbook_run_on_the_same_output_is_refused_while_the_first_runs(run, tmp_path: Path
                                                                                  ) -> None:
    """F30-6: a workbook run locks a file of its own beside the output, which the second run finds locked."""
    _second_run_refused(run, tmp_path, "out.xlsx", lambda out: out.with_name(".out.xlsx.lock").exists())
    assert sorted(p.name for p in tmp_path.iterdir() if "out" in p.name) == ["out.xlsx"]


# -- 16: a resume counts the rows it read back ----------------------------------------------------------


def test_a_resume_counts_the_error_rows_it_kept(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", identifiers(3))
    out = tmp_path / "out.ndjson"
    with serving(Flaky(directory(3, 1), {"user1%40"})) as url:
        first = run("--api", url, "bulk", str(source), "-o", str(out), "-q")
        assert first.exit_code == ExitStatus.ROWS_FAILED
        again = run("--api", url, "bulk", str(source), "-o", str(out), "--resume")
    assert again.exit_code == ExitStatus.ROWS_FAILED
    summary = again.stderr.strip().splitlines()[-1]
    assert summary.startswith("postisupport: 0 rows (3 done before) in ")
    assert summary.endswith("; outcomes: 1 contact-admin, 1 contact-customer-service; errors: 1 api-error")


# -- 17: Ctrl-C tells a command that finishes the run, as printed ---------------------------------------


def finish(err: str) -> list[str]:
    """The command a stopped run printed, to run it as the user would (the console script by its module)."""
    [line] = [line for line in err.splitlines() if "to finish: " in line]
    words = shlex.split(line.split("to finish: ", 1)[1])
    assert words[0] == "postisupport"
    return [sys.executable, "-m", "postisupport", *words[1:]]


def interrupted(url: str, out: Path, *args: str, rows: int = 3) -> str:
    process = subprocess.Popen([sys.executable, "-m", "postisupport", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.monotonic() + 30
    start = out.read_text().count("\n") if out.exists() else 0
    while time.monotonic() < deadline:
        temporary = [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
        written = sum(p.read_text().count("\n") for p in temporary) if temporary else (
            out.read_text().count("\n") - start if out.exists() else 0)
        if written >= rows:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == ExitStatus.INTERRUPTED, err
    return err


def test_ctrl_c_prints_a_command_that_finishes_the_run_with_every_option(tmp_path: Path) -> None:
    users = 80
    source = write(tmp_path / "my input.csv", "email;Team\r\n" + "".join(
        f"user{i}@example.com;T{i}\r\n" for i in range(users)))
    out = tmp_path / "my results.csv"
    with serving(Slow(directory(users, 4), 0.05)) as url:
        err = interrupted(url, out, "--api", url, "--no-audit", "bulk", str(source), "-o", str(out),
                          "--concurrency", "2", "--rate", "100", "--column", "email", "--format", "csv",
                          "--no-excel", "-q")
        command = finish(err)
        assert shlex.join(command[3:]) == shlex.join([
            "--api", url, "--no-audit", "bulk", str(source), "-o", str(out), "--format", "csv", "--column",
            "email", "--concurrency", "2", "--rate", "100", "--no-excel", "--quiet", "--resume"])
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = csv_rows(out)
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, users + 1)]
    assert rows[0][-1] == "Team" and rows[1][-1] == "T0"


def test_ctrl_c_during_a_retry_keeps_what_it_redid_and_tells_how_to_finish_the_retry(tmp_path: Path,
                                                                                     run: Any) -> None:
    users = 40
    source = write(tmp_path / "in.txt", identifiers(users))
    out = tmp_path / "out.ndjson"
    failing = {f"user{i}%40" for i in range(users) if i % 2}
    flaky = Flaky(Slow(directory(users, 4), 0.05), failing)
    with serving(flaky) as url:
        first = run("--api", url, "bulk", str(source), "-o", str(out), "-q")
        assert first.exit_code == ExitStatus.ROWS_FAILED
        flaky.failing.clear()
        err = interrupted(url, out, "--api", url, "bulk", str(source), "-o", str(out), "--retry-failed",
                          "--concurrency", "1", "-q", rows=users // 2 + 3)
        assert err.splitlines()[0] == (
            f"postisupport: stopped; to finish: postisupport --api {url} bulk {source} -o {out} "
            "--concurrency 1 --quiet --retry-failed")
        after = lines_of(out)
        # Every row still there once; some errors redone; no temporary file left; still private.
        assert sorted(r["row"] for r in after) == list(range(1, users + 1))
        assert 0 < sum(1 for r in after if r["error"]) < users // 2
        assert (files_in(tmp_path), mode_of(out)) == (["in.txt", "out.ndjson"], 0o600)
        done = subprocess.run(finish(err), capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted((r["row"], r["error"]) for r in lines_of(out)) == [(i, None) for i in range(1, users + 1)]


# -- 18: a resume from another input is refused ---------------------------------------------------------


@pytest.mark.parametrize("name", ["out.ndjson", "out.csv"])
def test_resuming_with_another_input_is_refused(run, tmp_path: Path, name: str) -> None:
    first = write(tmp_path / "first.txt", "ESIM0042\nESIM0105\n")
    other = write(tmp_path / "other.txt", "ESIM0042\nESIM0077\nESIM0105\n")
    out = tmp_path / name
    assert run("--sandbox", "bulk", str(first), "-o", str(out), "-q").exit_code == 0
    before = out.read_bytes()
    assert_error(run("--sandbox", "bulk", str(other), "-o", str(out), "--resume", "-q"), ExitStatus.USAGE,
                 f"^postisupport: error: row 2 of the input is 'ESIM0077', but row 2 of {out} was another "
                 "identifier: the output is from another input$")
    shorter = write(tmp_path / "shorter.txt", "ESIM0042\n")
    assert_error(run("--sandbox", "bulk", str(shorter), "-o", str(out), "--resume", "-q"), ExitStatus.USAGE,
                 f"^postisupport: error: {out} has row 2, but the input has only 1 row: the output is from "
                 "another input$")
    assert out.read_bytes() == before


@pytest.mark.parametrize("mode", ["--resume", "--retry-failed"])
@pytest.mark.parametrize(("name", "header"), [("out.ndjson", 0), ("out.csv", 1)])
def test_an_output_that_holds_a_row_twice_is_refused(run, tmp_path: Path, name: str, header: int,
                                                     mode: str) -> None:
    """F26-11: a resume kept both records of a row an output held twice, and a retry wrote both again."""
    source = write(tmp_path / "in.txt", "ESIM0042\nESIM0001\nESIM0200\n" * 10)
    out = tmp_path / name
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "-q").exit_code == 0
    records = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join([*records[:header + 5], records[header + 2]]))  # rows 1-5, then row 3 again
    before = out.read_bytes()
    assert_error(run("--sandbox", "bulk", str(source), "-o", str(out), mode, "-q"), ExitStatus.USAGE,
                 f"^postisupport: error: line {header + 6} of {out} is row 3 again, and bulk writes each row "
                 "once: was it edited, or put together from two outputs\\? Keep one of the two records, or "
                 "start a new output$")
    assert out.read_bytes() == before


@pytest.mark.parametrize(("name", "header"), [("out.ndjson", 0), ("out.csv", 1)])
def test_an_output_holding_a_row_numbered_0_is_refused(run, tmp_path: Path, name: str, header: int) -> None:
    """F27-13: a record of row 0 was kept, and the run then counted 32 outcomes for a 31-row input."""
    source = write(tmp_path / "in.txt", "ESIM0042\nESIM0001\nESIM0200\n" * 10)
    out = tmp_path / name
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "-q").exit_code == 0
    records = out.read_text().splitlines(keepends=True)
    third = records[header + 2]
    zero = third.replace('"row": 3,', '"row": 0,') if header == 0 else "0" + third[1:]
    out.write_text("".join([*records[:header + 5], zero]))
    before = out.read_bytes()
    assert_error(run("--sandbox", "bulk", str(source), "-o", str(out), "--resume", "-q"), ExitStatus.USAGE,
                 f"^postisupport: error: line {header + 6} of {out} is row 0, and an input's rows are "
                 "numbered from 1: was it edited\\? Mend or remove that record, or start a new output$")
    assert out.read_bytes() == before


# -- 19: memory stays flat however many organisations ---------------------------------------------------


def test_organisation_answers_kept_are_bounded_and_still_shared(run, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from postisupport.sources.scim import directory as fetch

    users, organisations = 24, 6
    source = write(tmp_path / "in.txt", identifiers(users))
    monkeypatch.setattr(fetch, "SHARED_ANSWERS", 3)
    counting = Slow(directory(users, organisations), 0.0)
    with serving(counting) as url:
        result = run("--api", url, "bulk", str(source), "-o", str(tmp_path / "o.ndjson"),
                     "--concurrency", "1", "-q")
    assert result.exit_code == 0
    # Rows cycle through six organisations and three are kept: each row asks for its organisation again.
    assert counting.requests == users + 2 * users


def test_shared_answers_stay_within_their_capacity_and_single_flight() -> None:
    import asyncio

    from postisupport.scim.client import Page
    from postisupport.sources.scim.directory import Shared

    calls: list[tuple[str, ...]] = []

    class Answers:
        async def groups_by_id(self, ids: tuple[str, ...]) -> Page:
            calls.append(ids)
            await asyncio.sleep(0.01)
            return Page([], 0)

        async def admins_of(self, ids: Any) -> Page:
            return Page([], 0)

    async def main() -> int:
        shared, client = Shared(capacity=10), Answers()
        await asyncio.gather(*(shared.groups_and_admins(client, ("g0",)) for _ in range(5)))  # type: ignore[arg-type]
        for k in range(100):
            await shared.groups_and_admins(client, (f"g{k}",))  # type: ignore[arg-type]
        return len(shared)

    assert asyncio.run(main()) == 10
    assert len(calls) == 100  # g0 once for the five at once, then each of the hundred once


# -- 20: file faults, one line each ---------------------------------------------------------------------


def test_input_faults_are_one_line(run, tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    assert_error(run("--sandbox", "bulk", str(missing), "-q"), ExitStatus.USAGE,
                 f"^postisupport: error: {missing}: no such file or folder$")
    assert_error(run("--sandbox", "bulk", str(tmp_path), "-q"), ExitStatus.USAGE,
                 f"^postisupport: error: {tmp_path}: is a folder, not a file$")


def test_output_faults_are_one_line(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "ESIM0042\n")
    nowhere = tmp_path / "no such folder" / "out.csv"
    assert_error(run("--sandbox", "bulk", str(source), "-o", str(nowhere), "-q"), ExitStatus.USAGE,
                 f"^postisupport: error: {nowhere}: the folder {nowhere.parent} does not exist$")
    assert_error(run("--sandbox", "bulk", str(source), "-o", str(tmp_path), "-q"), ExitStatus.USAGE,
                 f"^postisupport: error: {tmp_path}: is a folder, not a file: name a file for the results$")
    assert_error(run("--sandbox", "bulk", str(source), "-o", "/dev/full", "--format", "csv", "-q"),
                 ExitStatus.USAGE,
                 "^postisupport: error: /dev/full: no space left on the device \\(disk full\\)$")
    assert_error(run("--sandbox", "bulk", str(source), "-o", str(tmp_path / "out.txt"), "-q"),
                 ExitStatus.USAGE, "^postisupport: error: Invalid value for '--output': no format is known "
                 "by the name 'out.txt': name the file .csv, .xlsx, .ndjson or .jsonl, or give --format")
    assert not (tmp_path / "out.txt").exists()


@pytest.mark.parametrize("name", ["out.ndjson", "out.xlsx"])
def test_a_file_size_limit_is_one_line(tmp_path: Path, name: str) -> None:
    """A workbook's rows wait in openpyxl's own temporary file, whose fault named no file ("output")."""
    source = write(tmp_path / "in.txt", "bad@@x\n" * 2000)
    out = tmp_path / name

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    command = [sys.executable, "-m", "postisupport", "--sandbox", "--no-audit", "bulk", str(source),
               "-o", str(out), "-q"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60, preexec_fn=limited)
    assert (done.returncode, done.stdout, done.stderr) == (
        ExitStatus.USAGE, "",
        f"postisupport: error: {out}: the file is too large (a file size limit, ulimit -f?)\n")


def test_a_trace_over_a_file_size_limit_is_one_line_naming_the_trace(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    command = [sys.executable, "-m", "postisupport", "--sandbox", "--no-audit", "--trace", str(trace),
               "diagnose", "ESIM0042"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60, preexec_fn=limited)
    assert (done.returncode, done.stdout, done.stderr) == (
        ExitStatus.USAGE, "",
        f"postisupport: error: {trace}: the file is too large (a file size limit, ulimit -f?)\n")


@pytest.mark.parametrize("content", [None, ""])
def test_retry_failed_without_an_output_yet_does_every_row(run, tmp_path: Path, content: str | None) -> None:
    source = write(tmp_path / "in.txt", "ESIM0042\nESIM0105\n")
    out = tmp_path / "out.ndjson"
    if content is not None:
        write(out, content)
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "--retry-failed", "-q").exit_code == 0
    assert [r["row"] for r in lines_of(out)] == [1, 2]


# -- 24: stdout, a BOM there too ------------------------------------------------------------------------


def test_a_dash_is_stdout_and_excel_csv_there_has_its_bom(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "ESIM0042\n")
    dashed = run("--sandbox", "bulk", str(source), "-o", "-", "-q")
    assert [json.loads(line)["row"] for line in dashed.stdout.splitlines()] == [1]
    assert not (ROOT / "-").exists() and not Path("-").exists()
    excel = run("--sandbox", "bulk", str(source), "--format", "csv", "--excel", "-q")
    assert excel.stdout.startswith("\ufeffrow;identifier;service;outcome;")


# -- output that suits the input ------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "encoding", "excel"), [
    ("email;Team\r\nESIM0042;North\r\n", "utf-8", True),
    ("\ufeffemail,Team\r\nESIM0042,North\r\n", "utf-8", True),
    ("email,Team\r\nESIM0042,Pohjoinen ä\r\n", "cp1252", True),
    ("email,Team\r\nESIM0042,North\r\n", "utf-8", False),
    # A bare CR inside a cell, or ending the rows (old Mac files), hides no delimiter.
    ("email;Team\nESIM0042;No\rrth\nESIM0105;South\n", "utf-8", True),
    ("email;Team\rESIM0042;North\rESIM0105;South\r", "utf-8", True),
    ("email,Team\nESIM0042,No\rrth\nESIM0105,South\n", "utf-8", False),
])
def test_excel_style_input_gives_excel_style_output(run, tmp_path: Path, data: str, encoding: str,
                                                   excel: bool) -> None:
    source = write(tmp_path / "in.csv", data, encoding)
    out = tmp_path / "out.csv"
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "-q").exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfrow;identifier;") == excel
    assert raw.startswith(b"row,identifier,") == (not excel)


def test_a_workbook_has_the_results_and_a_summary_by_organisation_with_a_chart(run, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    source = write(tmp_path / "in.csv", "email,service\r\nESIM0042,\r\nESIM0105,invoicing\r\n"
                   "karin.holm@exempel.example.fi,\r\nbad@@x,\r\n")
    out = tmp_path / "results.xlsx"
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "-q").exit_code == ExitStatus.ROWS_FAILED
    book = load_workbook(out)
    assert book.sheetnames == ["Results", "Summary"]
    results = [[c.value for c in row] for row in book["Results"].iter_rows()]
    assert [r[:4] for r in results] == [
        ["row", "identifier", "service", "outcome"], ["1", "ESIM0042", None, "change-password"],
        ["2", "ESIM0105", "invoicing", "check-service-rights"],
        ["3", "karin.holm@exempel.example.fi", None, "contact-customer-service"], ["4", "bad@@x", None, None]]
    summary = [[c.value for c in row] for row in book["Summary"].iter_rows()]
    assert summary == [
        ["organisation", "change-password", "check-service-rights", "contact-customer-service",
         "error: invalid-input", "rows"],
        ["Esimerkki Oy", 1, 1, 0, 0, 2], ["(no single user)", 0, 0, 0, 1, 1],
        ["Exempel Ab", 0, 0, 1, 0, 1]]
    assert len(book["Summary"]._charts) == 1
    assert_error(run("--sandbox", "bulk", str(source), "-o", str(out), "--resume", "-q"), ExitStatus.USAGE,
                 f"{out}: a workbook is written whole when the run ends, so there is nothing to resume in it")


# -- the demo input -------------------------------------------------------------------------------------


def test_the_readme_bulk_example_runs_after_writing_the_demo_csv(run, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    demo = run("sandbox", "demo-csv")
    assert demo.exit_code == 0
    packaged = (ROOT / "postisupport" / "sandbox" / "data" / "users.csv").read_text(encoding="utf-8")
    assert demo.stdout == packaged
    Path("users.csv").write_text(demo.stdout, encoding="utf-8")
    result = run("--sandbox", "bulk", "users.csv", "-o", "results.csv", "-q")
    assert result.exit_code == 0, result.stderr
    rows = csv_rows(tmp_path / "results.csv")
    assert len(rows) == len(packaged.splitlines())
    assert [r[CSV_COLUMNS.index("error")] for r in rows[1:]] == [""] * (len(rows) - 1)


# -- progress -------------------------------------------------------------------------------------------


def test_progress_tells_the_total_the_share_and_the_time_left(run, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from postisupport.cli import bulk

    monkeypatch.setattr(bulk._Watcher, "EVERY", 0.0)
    source = write(tmp_path / "in.txt", "ESIM0042\n\nESIM0105\nESIM0077\nESIM0042\n" * 5)
    result = run("--sandbox", "bulk", str(source), "-o", str(tmp_path / "o.ndjson"))
    lines = result.stderr.splitlines()
    # The time left once ten rows are done (A15A-2: the first ones wait the longest).
    assert [re.sub(r"about \d+ s left|\d+\.\d rows/s", "...", line) for line in lines[:-1]] == [
        f"postisupport: {n} row{'' if n == 1 else 's'} done of 20 ({5 * n} %{', ...' if n >= 10 else ''}), "
        "0 errors, ..." for n in range(1, 21)]
    assert lines[-1].startswith("postisupport: 20 rows in ")


def test_a_retry_stopped_on_an_output_that_did_not_exist_keeps_the_rows_it_did(tmp_path: Path) -> None:
    """Attack pass 14, A14A-15: the stopped retry renamed its rows into place, then the empty output it had
    locked was unlinked by its path: the new file went, every row done with it."""
    users = 40
    source = write(tmp_path / "in.txt", identifiers(users))
    out = tmp_path / "out.ndjson"
    with serving(Slow(directory(users, 4), 0.05)) as url:
        err = interrupted(url, out, "--api", url, "bulk", str(source), "-o", str(out), "--retry-failed",
                          "--concurrency", "1", "-q", rows=5)
        kept = lines_of(out)
        assert 5 <= len(kept) < users and sorted(r["row"] for r in kept) == list(range(1, len(kept) + 1))
        done = subprocess.run(finish(err), capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(r["row"] for r in lines_of(out)) == list(range(1, users + 1))
