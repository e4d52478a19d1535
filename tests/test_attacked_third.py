"""Regression tests for what the third attacker's pass found in bulk: workbook cells that XML or Excel
can't hold, signals that left personal data behind, stray quotes, outputs that are the input (on stdin,
on stdout) or the audit trail, and resumes that did not notice a changed input."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.output.table import WORKBOOK_CELL
from postisupport.sandbox.datafile import demo_data
from tests.servers import serving
from tests.test_bulk import ROOT, Slow, directory, lines_of, write
from tests.test_bulk_input import brief, read

MAIJA = "maija.virtanen@esimerkki.example.fi"
REPLACED = ("postisupport: warning: 1 workbook cell held characters a workbook can't (control characters, "
            "U+FFFE, U+FFFF), shown as U+FFFD (\ufffd) instead; CSV and NDJSON keep them\n")


def sheet(path: Path, name: str = "Results") -> list[tuple[Any, ...]]:
    import openpyxl

    return list(openpyxl.load_workbook(path, read_only=True)[name].iter_rows(values_only=True))


def column(rows: list[tuple[Any, ...]], name: str) -> list[Any]:
    at = rows[0].index(name)
    return [row[at] for row in rows[1:]]


def data_with_maija_named(tmp_path: Path, name: str) -> Path:
    """The demo directory, with its administrator Maija's name as a directory might hold it."""
    data = demo_data()
    [maija] = [user for user in data["Users"] if user["userName"] == MAIJA]
    maija["displayName"] = name
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- H1, H2: what XML can't hold is replaced in every workbook cell, and the run ends --------------------


def test_a_control_character_in_an_input_cell_is_replaced_and_the_workbook_is_written(
        run, tmp_path: Path) -> None:
    source = write(tmp_path / "ctrl.csv", "email,note\nESIM0042,a\x01b\nESIM0077,ok\n")
    out = tmp_path / "ctrl.xlsx"
    result = run("--sandbox", "bulk", str(source), "-o", str(out), "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", REPLACED)
    rows = sheet(out)
    assert (column(rows, "identifier"), column(rows, "note")) == (
        ["ESIM0042", "ESIM0077"], ["a\ufffdb", "ok"])


@pytest.mark.parametrize(("name", "shown"), [
    ("Maija\x0bVirtanen", "Maija\ufffdVirtanen"),  # a vertical tab, pasted from Word: openpyxl refuses it
    ("Maija\uffffVirtanen", "Maija\ufffdVirtanen"),  # a noncharacter: openpyxl writes a sheet that won't open
])
def test_what_xml_cant_hold_in_an_api_name_is_replaced_and_the_workbook_opens(
        run, tmp_path: Path, name: str, shown: str) -> None:
    data = data_with_maija_named(tmp_path, name)
    source = write(tmp_path / "in.txt", "ESIM0042\nESIM0105\n")
    out = tmp_path / "api.xlsx"
    result = run("--sandbox-data", str(data), "bulk", str(source), "-o", str(out), "-q")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == REPLACED.replace("1 workbook cell held", "2 workbook cells held")
    rows = sheet(out)
    assert column(rows, "admins") == [f"{shown} <{MAIJA}>"] * 2
    assert sheet(out, "Summary")[1][0] == "Esimerkki Oy"


def test_a_noncharacter_in_an_input_cell_is_replaced_and_the_workbook_opens(run, tmp_path: Path) -> None:
    source = write(tmp_path / "ffff.csv", "email,note\nESIM0105,a\uffffb\ufffec\n")
    out = tmp_path / "ffff.xlsx"
    result = run("--sandbox", "bulk", str(source), "-o", str(out), "-q")
    assert (result.exit_code, result.stderr) == (0, REPLACED)
    assert column(sheet(out), "note") == ["a\ufffdb\ufffdc"]


def test_a_lone_surrogate_from_the_api_is_replaced_in_csv_and_the_run_ends(run, tmp_path: Path) -> None:
    data = data_with_maija_named(tmp_path, "Maija\ud800Virtanen")  # "\ud800" in the JSON: no UTF-8 holds it
    source = write(tmp_path / "in.txt", "ESIM0042\n")
    out = tmp_path / "out.csv"
    result = run("--sandbox-data", str(data), "bulk", str(source), "-o", str(out), "-q")
    assert (result.exit_code, result.stderr) == (0, "")
    with out.open(encoding="utf-8", newline="") as written:
        assert [r["admins"] for r in csv.DictReader(written)] == [f"Maija\ufffdVirtanen <{MAIJA}>"]


# -- M8: a cell longer than a workbook holds is cut visibly, and the run says so ---------------------------


def test_a_cell_longer_than_a_workbook_holds_is_cut_with_a_note_and_a_warning(run, tmp_path: Path) -> None:
    source = write(tmp_path / "long.csv", f"email,note\nESIM0077,{'n' * 40_000}\nESIM0105,short\n")
    out = tmp_path / "long.xlsx"
    result = run("--sandbox", "bulk", str(source), "-o", str(out), "-q")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        "postisupport: warning: 1 workbook cell was longer than the 32,767 characters a workbook cell holds, "
        "and was cut (marked \"[cut: ...]\" at the end); CSV and NDJSON keep them whole\n")
    note = " [cut: 40,000 characters, a workbook cell holds 32,767]"
    assert column(sheet(out), "note") == ["n" * (WORKBOOK_CELL - len(note)) + note, "short"]


# -- M17: SIGTERM and SIGHUP stop a run as Ctrl-C does ------------------------------------------------------


def stopped(url: str, slow: Slow, signum: int, *args: str, env: dict[str, str] | None = None,
            ignore_sigint: bool = False, written: Path | None = None) -> tuple[int, str]:
    """A bulk run against `url`, sent `signum` once it has made some requests (and, given `written`,
    once that file holds some rows)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "postisupport", "--api", url, "bulk", *args, "--concurrency", "2", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env,
        # A background job of a script runs with SIGINT ignored: a SIGTERM must stop it all the same.
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignore_sigint else None)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (slow.requests < 12 or (
            written is not None and (not written.exists() or written.read_text().count("\n") < 3))):
        time.sleep(0.02)
    time.sleep(0.3)
    process.send_signal(signum)
    _, err = process.communicate(timeout=30)
    return process.returncode, err


def test_sigterm_during_a_workbook_run_leaves_no_rows_in_temporary_files(tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(200)))
    out, scratch = tmp_path / "r.xlsx", tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    slow = Slow(directory(200, 4), 0.05)
    with serving(slow) as url:
        code, err = stopped(url, slow, signal.SIGTERM, str(source), "-o", str(out), env=env)
    assert (code, err.splitlines()) == (ExitStatus.INTERRUPTED, [
        f"postisupport: stopped; to start again: postisupport --api {url} bulk {source} -o {out} "
        "--concurrency 2 --quiet", "postisupport: interrupted"])
    assert (list(scratch.iterdir()), out.exists()) == ([], False)


def test_sighup_during_a_forced_run_keeps_the_old_output_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(200)))
    out = write(tmp_path / "old.csv", "the old results\n")
    slow = Slow(directory(200, 4), 0.05)
    with serving(slow) as url:
        code, err = stopped(url, slow, signal.SIGHUP, str(source), "-o", str(out), "--force",
                            ignore_sigint=True)
    assert (code, err.splitlines()) == (ExitStatus.INTERRUPTED, [
        "postisupport: stopped; the output was left as it was; to start again: postisupport --api "
        f"{url} bulk {source} -o {out} --concurrency 2 --quiet --force", "postisupport: interrupted"])
    assert (sorted(p.name for p in tmp_path.glob(".*")), out.read_text()) == ([], "the old results\n")


def test_sigterm_during_a_run_prints_the_resume_that_finishes_it(tmp_path: Path) -> None:
    users = 60
    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(users)))
    out = tmp_path / "out.ndjson"
    slow = Slow(directory(users, 4), 0.05)
    with serving(slow) as url:
        code, err = stopped(url, slow, signal.SIGTERM, str(source), "-o", str(out), written=out)
        assert (code, err.splitlines()[0]) == (
            ExitStatus.INTERRUPTED, f"postisupport: stopped; to finish: postisupport --api {url} bulk "
            f"{source} -o {out} --concurrency 2 --quiet --resume")
        assert 0 < len(lines_of(out)) < users
        done = subprocess.run([sys.executable, "-m", "postisupport", "--api", url, "bulk", str(source), "-o",
                               str(out), "--concurrency", "2", "--quiet", "--resume"], capture_output=True,
                              text=True, cwd=ROOT, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert [r["row"] for r in lines_of(out)] == list(range(1, users + 1))


# -- M1, N2, N3: a quote that may be stray is a row error naming its lines, and none of them is looked up --
# A stray quote and a note typed with Alt+Enter can be the same bytes: the record is one row, an error
# when one of its lines reads as a row, and its lines are never read again as rows (N3: they were
# looked up, a note's text sent to the API); so no row vanishes silently into a note (N2), and no line
# of a note is looked up.

def maybe(lines: int, first: int, why: str) -> str:
    return (f"a quoted cell runs over {lines} lines (lines {first}-{first + lines - 1}), and {why}: a stray "
            "quote? nothing in it was looked up: fix the quote, or look the identifier up on its own")


def outputs(run, tmp_path: Path, data: str) -> tuple[int, list[tuple[int, str, str | None, str | None]]]:
    out = tmp_path / "out.ndjson"
    result = run("--sandbox", "bulk", str(write(tmp_path / "in.csv", data)), "-o", str(out), "-q")
    rows = [(r["row"], r["input"], r.get("outcome"), r["error"] and r["error"]["message"])
            for r in lines_of(out)]
    out.unlink()
    return result.exit_code, rows


def test_a_stray_quote_in_another_column_is_a_row_error_naming_the_lines_it_took(
        run, tmp_path: Path) -> None:
    data = 'email,note\nESIM0042,"oops\nESIM0077,fine\nESIM0105,note"\nESIM0020,last\n'
    found, _ = read(data.encode())
    took = maybe(3, 2, "lines 3, 4 read as rows of their own")
    assert [(r.number, r.identifier, r.extra, r.problem) for r in found] == [
        (1, 'ESIM0042,"oops', {}, took), (2, "ESIM0020", {"note": "last"}, None)]
    assert outputs(run, tmp_path, data) == (ExitStatus.ROWS_FAILED, [
        (1, 'ESIM0042,"oops', None, took), (2, "ESIM0020", "not-found", None)])


def test_rows_of_business_ids_or_letter_only_ids_a_stray_quote_took_are_named_not_lost(
        run, tmp_path: Path) -> None:
    took = maybe(3, 2, "lines 3, 4 read as rows of their own")
    assert outputs(run, tmp_path, 'email,note\n2345678-0,"oops\n3456789-5,fine\n1234567-1,note"\n'
                   '2345678-0,last\n') == (ExitStatus.ROWS_FAILED, [
                       (1, '2345678-0,"oops', None, took), (2, "2345678-0", "organisation", None)])
    assert outputs(run, tmp_path, 'email,note\nESIM0042,"oops\nainok,fine\nerikl,note"\nESIM0020,last\n') == (
        ExitStatus.ROWS_FAILED, [(1, 'ESIM0042,"oops', None, took), (2, "ESIM0020", "not-found", None)])


def test_a_note_line_that_reads_as_a_row_makes_an_error_and_is_never_looked_up(run, tmp_path: Path) -> None:
    # Valid CSV, but the same bytes as a stray quote: the admin is told, and AB12 is not sent to the API.
    assert outputs(run, tmp_path, 'email,note\r\nESIM0042,"ticket:\r\n\r\nAB12, asked twice"\r\n'
                   'ESIM0077,x\r\n') == (ExitStatus.ROWS_FAILED, [
                       (1, 'ESIM0042,"ticket:', None, maybe(3, 2, "line 4 reads as a row of its own")),
                       (2, "ESIM0077", "use-login-email", None)])


def test_a_short_row_a_long_note_and_a_note_line_unlike_a_row_stay_one_cell(run, tmp_path: Path) -> None:
    found, _ = read(b'email,service,note\nESIM0042,"reports\ninvoicing"\nESIM0077\n')
    assert [(r.number, r.identifier, r.services, r.extra, r.problem) for r in found] == [
        (1, "ESIM0042", ("reports\ninvoicing",), {"note": ""}, None), (2, "ESIM0077", (), {"note": ""}, None)]
    # A note's lines are words; a line that is one code of letters and digits reads as an old ID.
    note = "\n".join(f"line {i} of the note" for i in range(150))
    found, _ = read(f'email,note\nESIM0042,"{note}"\nESIM0077,x\n'.encode())
    assert [(r.number, r.identifier, r.extra, r.problem) for r in found] == [
        (1, "ESIM0042", {"note": note}, None), (2, "ESIM0077", {"note": "x"}, None)]
    assert outputs(run, tmp_path, f'email,note\nESIM0042,"{note}"\nESIM0077,x\n') == (0, [
        (1, "ESIM0042", "change-password", None), (2, "ESIM0077", "use-login-email", None)])


def test_a_short_line_with_an_address_or_a_business_id_reads_as_a_row() -> None:
    found, _ = read(b'email,note\nESIM0042,"oops\naino@example.fi\n2345678-0\nend"\nESIM0105,b\n')
    assert brief(found) == [
        (1, 'ESIM0042,"oops', maybe(4, 2, "lines 3, 4 read as rows of their own")), (2, "ESIM0105", None)]


def test_a_quoted_cell_over_lines_that_leaves_more_fields_than_the_header_is_a_row_error() -> None:
    found, _ = read(b'email,note,team\nESIM0042,"oops,North\nnot an id,x",South,extra\nESIM0105,b,c\n')
    assert brief(found) == [
        (1, 'ESIM0042,"oops,North', "a quoted cell runs over 2 lines (lines 2-3) and leaves 4 fields, "
         "not 3: a stray quote? nothing in it was looked up: fix the quote, or look the identifier up on "
         "its own"),
        (2, "ESIM0105", None)]


def test_a_note_typed_over_a_few_lines_stays_one_cell() -> None:
    found, _ = read(b'email,note\r\nESIM0042,"Called Monday, no answer\r\nTried again, reset sent"\r\n'
                    b'ESIM0105,b\r\n')
    assert [(r.number, r.identifier, r.extra, r.problem) for r in found] == [
        (1, "ESIM0042", {"note": "Called Monday, no answer\r\nTried again, reset sent"}, None),
        (2, "ESIM0105", {"note": "b"}, None)]


# -- M2, M3: the input on stdin, and stdout appended to the input ------------------------------------------


def cli(*args: str, timeout: float = 60, **streams: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "postisupport", "--sandbox", *args], text=True, cwd=ROOT,
                          timeout=timeout, **streams)


def test_the_input_given_on_stdin_is_never_the_output(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", "email,note\nESIM0042,first\n")
    with source.open("rb") as stdin:
        done = cli("bulk", "-", "-o", str(source), "--force", "-q", stdin=stdin, capture_output=True)
    assert (done.returncode, done.stdout, done.stderr) == (
        ExitStatus.USAGE, "", f"postisupport: error: {source}: is the input itself: the results must go to "
        "another file\n")
    assert source.read_text() == "email,note\nESIM0042,first\n"


@pytest.mark.parametrize("how", ["named", "dash", "stdin"])
def test_results_on_stdout_appended_to_the_input_are_refused(tmp_path: Path, how: str) -> None:
    source = write(tmp_path / "loop.csv", "email,note\nESIM0042,first\nESIM0105,second\n")
    args = {"named": [str(source)], "dash": [str(source), "-o", "-"], "stdin": ["-"]}[how]
    with source.open("ab") as stdout, source.open("rb") as stdin:
        done = cli("bulk", *args, "-q", stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
    assert (done.returncode, done.stderr) == (
        ExitStatus.USAGE, "postisupport: error: stdout: is the input itself (appended to it?), so the run "
        "would read its own results back without end: send the results to another file\n")
    assert source.read_text() == "email,note\nESIM0042,first\nESIM0105,second\n"


def test_stdin_and_stdout_on_other_files_still_run(tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "ESIM0042\n")
    out = tmp_path / "out.ndjson"
    with source.open("rb") as stdin, out.open("w") as stdout:
        done = cli("bulk", "-", "-q", stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
    assert (done.returncode, done.stderr) == (0, "")
    assert [(r["row"], r["input"], r["outcome"]) for r in lines_of(out)] == [
        (1, "ESIM0042", "change-password")]


# -- M12: a resume after Excel saved the CSV output again, in cp1252 --------------------------------------


def test_a_resume_reads_back_an_output_excel_saved_again_in_cp1252(run, tmp_path: Path) -> None:
    source = write(tmp_path / "na.csv", "email,note\n" + "".join(
        f"käyttäjä{i}@esimerkki.example.fi,n{i}\n" for i in range(1, 41)))
    first = tmp_path / "first.csv"
    assert run("--sandbox", "bulk", str(source), "-o", str(first), "-q").exit_code == 0
    with first.open(encoding="utf-8", newline="") as written:
        records = list(csv.reader(written))
    again = tmp_path / "again.csv"
    with again.open("w", encoding="cp1252", newline="") as saved:  # Excel's "CSV (semicolon)", half done
        csv.writer(saved, delimiter=";").writerows(records[:21])
    result = run("--sandbox", "bulk", str(source), "-o", str(again), "--resume", "-q")
    assert (result.exit_code, result.stderr) == (0, "")
    lines = again.read_bytes().splitlines()
    assert len(lines) == 41
    assert lines[20].decode("cp1252").split(";")[:2] == ["20", "käyttäjä20@esimerkki.example.fi"]
    assert lines[21].decode("utf-8").split(";")[:2] == ["21", "käyttäjä21@esimerkki.example.fi"]


# -- M15: a resume holds the input to the services (and in NDJSON the language) of each kept row ----------


@pytest.mark.parametrize(("name", "what"), [("out.ndjson", "other services or another language"),
                                            ("out.csv", "other services")])
def test_a_resume_with_changed_services_is_refused(run, tmp_path: Path, name: str, what: str) -> None:
    first = write(tmp_path / "a.csv", "email,service,note\n" + "ESIM0042,reports,n\n" * 6)
    changed = write(tmp_path / "b.csv", "email,service,note\n" + "ESIM0042,invoicing,n\n" * 6)
    out = tmp_path / name
    run("--sandbox", "bulk", str(first), "-o", str(out), "-q")
    out.write_bytes(b"".join(out.read_bytes().splitlines(keepends=True)[:3]))
    before = out.read_bytes()
    result = run("--sandbox", "bulk", str(changed), "-o", str(out), "--resume", "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "", f"postisupport: error: row 1 of the input ('ESIM0042') asks for {what} than "
        f"row 1 of {out} was done for: the output is from another input, or the input has changed since\n")
    assert out.read_bytes() == before
    assert run("--sandbox", "bulk", str(first), "-o", str(out), "--resume", "-q").exit_code == 0


@pytest.mark.parametrize("name", ["out.ndjson", "out.csv"])
def test_a_retry_after_mending_a_mistyped_service_redoes_its_row(run, tmp_path: Path, name: str) -> None:
    source = write(tmp_path / "in.csv", "email,service\nESIM0105,invoicng\nESIM0042,\n")
    out = tmp_path / name
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "-q").exit_code == ExitStatus.ROWS_FAILED
    write(source, "email,service\nESIM0105,invoicing\nESIM0042,\n")
    result = run("--sandbox", "bulk", str(source), "-o", str(out), "--retry-failed", "-q")
    assert (result.exit_code, result.stderr) == (0, "")
    if name == "out.csv":
        with out.open(encoding="utf-8", newline="") as written:
            done = [(r["row"], r["service"], r["outcome"], r["error"]) for r in csv.DictReader(written)]
        assert done == [("2", "", "change-password", ""), ("1", "invoicing", "check-service-rights", "")]
    else:
        assert [(r["row"], r["asked"]["services"], r["outcome"], r["error"]) for r in lines_of(out)] == [
            (2, [], "change-password", None), (1, ["invoicing"], "check-service-rights", None)]


def test_a_resume_with_a_changed_language_is_refused_in_ndjson(run, tmp_path: Path) -> None:
    first = write(tmp_path / "a.csv", "email,lang\n" + "ESIM0042,sv\n" * 4)
    changed = write(tmp_path / "b.csv", "email,lang\n" + "ESIM0042,fi\n" * 4)
    out = tmp_path / "out.ndjson"
    run("--sandbox", "bulk", str(first), "-o", str(out), "-q")
    [kept, *_] = lines_of(out)
    assert kept["asked"] == {"services": [], "lang": "sv"}
    out.write_text(json.dumps(kept) + "\n", encoding="utf-8")
    result = run("--sandbox", "bulk", str(changed), "-o", str(out), "--resume", "-q")
    assert result.exit_code == ExitStatus.USAGE
    assert "asks for other services or another language than row 1" in result.stderr


def test_a_resume_of_an_ndjson_output_without_asked_holds_it_to_the_identifier(run, tmp_path: Path) -> None:
    source = write(tmp_path / "a.csv", "email,service\nESIM0042,reports\nESIM0105,\n")
    out = tmp_path / "out.ndjson"
    run("--sandbox", "bulk", str(source), "-o", str(out), "-q")
    [kept, _] = lines_of(out)
    del kept["asked"]  # as an older version wrote it
    out.write_text(json.dumps(kept) + "\n", encoding="utf-8")
    result = run("--sandbox", "bulk", str(source), "-o", str(out), "--resume", "-q")
    assert (result.exit_code, [r["row"] for r in lines_of(out)]) == (0, [1, 2])


# -- M18: the audit trail and its key are never an output -------------------------------------------------


@pytest.mark.parametrize("name", ["audit.jsonl", "audit.key", "audit.jsonl.2"])
def test_the_audit_trail_and_its_key_are_never_a_bulk_output(run, tmp_path: Path, name: str) -> None:
    assert run("--sandbox", "diagnose", "ESIM0042").exit_code == 0  # the trail and its key now exist
    state = tmp_path / "state" / "postisupport"
    before = {path.name: path.read_bytes() for path in state.iterdir()}
    assert sorted(before) == ["audit.jsonl", "audit.key"]
    source = write(tmp_path / "in.txt", "ESIM0042\n")
    target = state / name
    result = run("--sandbox", "bulk", str(source), "-o", str(target), "--format", "ndjson", "--force", "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "", f"postisupport: error: {target}: is one of postisupport's own files (the "
        "audit trail or its key, the config file, or the data this run reads), never an output: the results "
        "must go to another file\n")
    assert {path.name: path.read_bytes() for path in state.iterdir()} == before


# -- Lows: leftovers of a killed run, a null service --------------------------------------------------------


def test_the_next_run_removes_the_temporary_files_a_killed_run_left_beside_its_output(
        run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "ESIM0042\nESIM0105\n")
    out = tmp_path / "out.csv"
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "-q").exit_code == 0
    leftover = write(tmp_path / ".out.csv.k2_x9abc.tmp", "1,ESIM0042,rows of a killed run\n")
    other = write(tmp_path / ".out.csv.notes.tmp", "not ours\n")
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "--resume", "-q").exit_code == 0
    assert (leftover.exists(), other.exists()) == (False, True)


def test_a_null_service_in_ndjson_input_is_no_service() -> None:
    found, _ = read(b'{"email": "ESIM0105", "service": [null, "invoicing"]}\n{"email": "ESIM0042", '
                    b'"service": null}\n')
    assert [(r.identifier, r.services) for r in found] == [("ESIM0105", ("invoicing",)), ("ESIM0042", ())]


def test_a_csv_output_whose_row_cell_is_no_ascii_number_is_not_a_result(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.txt", "ESIM0042\nESIM0105\nESIM0077\n")
    out = tmp_path / "out.csv"
    run("--sandbox", "bulk", str(source), "-o", str(out), "-q")
    text = out.read_bytes()
    out.write_bytes(text.replace(b"\r\n1,", "\r\n\u00b2,".encode(), 1))  # "²": isdigit, yet no int
    result = run("--sandbox", "bulk", str(source), "-o", str(out), "--resume", "-q")
    assert (result.exit_code, result.stderr) == (
        ExitStatus.USAGE, f"postisupport: error: line 2 of {out} is not a result of a bulk run; is it the "
        "right file, and the right format?\n")


def test_a_named_pipe_as_input_is_read_once(tmp_path: Path) -> None:
    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("w") as pipe:
            pipe.write("email\nESIM0042\nESIM0105\n")

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    out = tmp_path / "out.ndjson"
    # Not --quiet: an input file's rows are counted first, which a pipe can't give twice.
    done = cli("bulk", str(fifo), "-o", str(out), capture_output=True, timeout=20)
    feeder.join(5)
    assert (done.returncode, done.stderr.count("\n")) == (0, 1), done.stderr
    assert [(r["row"], r["input"]) for r in lines_of(out)] == [(1, "ESIM0042"), (2, "ESIM0105")]
