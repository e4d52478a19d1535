"""A bulk input's other fields reach every output (F26-4): an NDJSON object's other keys are its row's other
columns, in CSV as in NDJSON, and a CSV input's other columns are in NDJSON output too."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

from postisupport.cli.main import ExitStatus
from postisupport.output.table import CSV_COLUMNS
from tests.test_bulk import ROOT, lines_of, write
from tests.test_cli import assert_error

HEADER = ",".join(CSV_COLUMNS)
# What the sandbox says of two of its users, in the CSV columns after `row` and `identifier`.
ESIM0042 = ("ESIM0042,,change-password,1,login,login.reset-pending,legacyUserId,"
            "aino.korhonen@esimerkki.example.fi,Esimerkki Oy,2345678-0,"
            "Maija Virtanen <maija.virtanen@esimerkki.example.fi>,")
ESIM0077 = ("ESIM0077,,use-login-email,2,login,login.not-login-email,legacyUserId,"
            "erik.lindqvist@esimerkki.example.fi,Esimerkki Oy,2345678-0,"
            "Maija Virtanen <maija.virtanen@esimerkki.example.fi>,")
OBJECTS = ('{"email": "ESIM0042", "note": "first", "error": "mine"}\n'
           '{"email": "ESIM0077", "ticket": "T-2", "count": -5, "tags": {"a": [1, "ä"]}, "note": null, '
           '"seen": true}\n'
           '{"mail": "ESIM0042", "note": "no identifier key"}\n'
           '{"email": "ESIM0042"}\n')
NO_IDENTIFIER = 'no identifier (a string under a key such as "identifier" or "email")'
# The third object's row: its error, then its other keys, in the columns of OBJECTS' keys.
BROKEN = ('"invalid-input: no identifier (a string under a key such as ""identifier"" or ""email"")",'
          "no identifier key,,,,,,ESIM0042")


def test_an_ndjson_objects_other_keys_are_csv_columns_first_seen_first(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.ndjson", OBJECTS)
    out = tmp_path / "out.csv"
    result = run("--sandbox", "bulk", str(source), "-o", str(out), "-q")
    assert (result.exit_code, result.stderr) == (ExitStatus.ROWS_FAILED, "")
    # A key named as a column of the output's own is named apart; a value that is no string is its JSON
    # (and a leading "-" made text, as in every cell); null, or no such key, is a blank cell.
    assert out.read_text(encoding="utf-8").splitlines() == [
        f"{HEADER},note,input_error,ticket,count,tags,seen,mail",
        f"1,{ESIM0042},first,mine,,,,,",
        f'2,{ESIM0077},,,T-2,\'-5,"{{""a"": [1, ""ä""]}}",true,',
        f"3,,,,,,,,,,,,{BROKEN}",
        f"4,{ESIM0042},,,,,,,",
    ]


def test_an_ndjson_objects_other_keys_are_kept_under_input_fields_as_json_values(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.ndjson", OBJECTS)
    out = tmp_path / "out.ndjson"
    result = run("--sandbox", "bulk", str(source), "-o", str(out), "-q")
    assert (result.exit_code, result.stderr) == (ExitStatus.ROWS_FAILED, "")
    got = [(r["row"], r["input"], r.get("input_fields", "none"), r["error"] and r["error"]["message"])
           for r in lines_of(out)]
    assert got == [
        (1, "ESIM0042", {"note": "first", "error": "mine"}, None),
        (2, "ESIM0077", {"ticket": "T-2", "count": -5, "tags": {"a": [1, "ä"]}, "note": None, "seen": True},
         None),
        (3, "", {"mail": "ESIM0042", "note": "no identifier key"}, NO_IDENTIFIER),
        (4, "ESIM0042", "none", None),
    ]


def test_a_csv_inputs_other_columns_are_kept_in_ndjson_output(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", "email,note,Error\r\nESIM0042,first,mine\r\nESIM0077,,\r\n")
    out = tmp_path / "out.ndjson"
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "-q").exit_code == 0
    assert [(r["row"], r["input_fields"], r["error"]) for r in lines_of(out)] == [
        (1, {"note": "first", "input_Error": "mine"}, None), (2, {"note": "", "input_Error": ""}, None)]


def test_the_demo_csvs_note_is_in_every_ndjson_row(run, tmp_path: Path) -> None:
    demo = run("sandbox", "demo-csv")
    source = write(tmp_path / "users.csv", demo.stdout)
    out = tmp_path / "u.ndjson"
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "-q").exit_code == 0
    notes = [{"note": row["note"]} for row in csv.DictReader(io.StringIO(demo.stdout))]
    assert len(notes) == 16
    assert [r["input_fields"] for r in lines_of(out)] == notes


LATE = '{"email": "ESIM0042"}\n' * 20 + '{"email": "ESIM0077", "ticket": "T-9"}\n'


def test_a_key_only_a_late_object_has_gets_its_column_from_a_file(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.ndjson", LATE)
    out = tmp_path / "out.csv"
    result = run("--sandbox", "bulk", str(source), "-o", str(out), "-q")  # no count: read for the keys
    assert (result.exit_code, result.stderr) == (0, "")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert (lines[0], lines[1], lines[21], len(lines)) == (
        f"{HEADER},ticket", f"1,{ESIM0042},", f"21,{ESIM0077},T-9", 22)


def bulk_on_stdin(data: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "postisupport", "--sandbox", "--no-audit", "bulk", "-", *args]
    return subprocess.run(command, input=data, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_a_key_that_a_pipe_brings_after_its_first_lines_is_warned_of_in_csv_and_kept_in_ndjson(
        tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    done = bulk_on_stdin(LATE, "-o", str(out), "-q")
    assert (done.returncode, done.stderr) == (0, (
        "postisupport: warning: 1 row (the first: row 21) had keys the output has no column for (ticket), "
        "and these are not in it: read from a pipe, which is read once, an input's columns are the keys of "
        "its first lines; give it as a file, or write NDJSON, to keep them\n"))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert (lines[0], lines[21], len(lines)) == (HEADER, f"21,{ESIM0077}", 22)
    kept = tmp_path / "out.ndjson"
    done = bulk_on_stdin(LATE, "-o", str(kept), "-q")
    assert (done.returncode, done.stderr) == (0, "")
    assert [r.get("input_fields") for r in lines_of(kept)] == [None] * 20 + [{"ticket": "T-9"}]


def test_a_csv_of_an_ndjson_input_resumes_with_its_columns(run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.ndjson", OBJECTS)
    whole, out = tmp_path / "whole.csv", tmp_path / "out.csv"
    assert run("--sandbox", "bulk", str(source), "-o", str(whole), "-q").exit_code == ExitStatus.ROWS_FAILED
    out.write_bytes(b"".join(whole.read_bytes().splitlines(keepends=True)[:2]))  # a run stopped after row 1
    resumed = run("--sandbox", "bulk", str(source), "-o", str(out), "-q", "--resume")
    assert (resumed.exit_code, resumed.stderr) == (ExitStatus.ROWS_FAILED, "")
    assert out.read_bytes() == whole.read_bytes()
    assert out.read_text(encoding="utf-8").splitlines()[::3] == [
        f"{HEADER},note,input_error,ticket,count,tags,seen,mail", f"3,,,,,,,,,,,,{BROKEN}"]


def test_a_csv_of_an_ndjson_input_from_before_its_keys_were_kept_is_refused_on_resume(run,
                                                                                     tmp_path: Path) -> None:
    source = write(tmp_path / "in.ndjson", OBJECTS)
    out = write(tmp_path / "out.csv", f"{HEADER}\r\n1,{ESIM0042}\r\n")  # as an older version wrote it
    before = out.read_bytes()
    assert_error(run("--sandbox", "bulk", str(source), "-o", str(out), "-q", "--resume"), ExitStatus.USAGE,
                 "^" + re.escape(f"postisupport: error: {out} has no columns for the input's other keys "
                                 "(note, input_error, ticket, count, tags, seen, mail): was it written by an "
                                 "older version of postisupport, which left them out? Finish it with that "
                                 "version, or start a new output") + "$")
    assert out.read_bytes() == before


def test_a_csv_started_from_a_file_is_refused_when_resumed_from_a_pipe_without_its_late_keys(
        run, tmp_path: Path) -> None:
    source = write(tmp_path / "in.ndjson", LATE)
    out = tmp_path / "out.csv"
    assert run("--sandbox", "bulk", str(source), "-o", str(out), "-q").exit_code == 0
    out.write_bytes(b"".join(out.read_bytes().splitlines(keepends=True)[:2]))
    before = out.read_bytes()
    done = bulk_on_stdin(LATE, "-o", str(out), "-q", "--resume")
    assert (done.returncode, done.stderr) == (ExitStatus.USAGE, (
        f"postisupport: error: the input's other keys (none) are not the columns of {out} (ticket): the "
        "output is from another input, the input has changed since, or it was started with the input read "
        "another way (from a pipe, the keys of its first lines alone are columns; from a file, all its "
        "keys): resume it as it was started\n"))
    assert out.read_bytes() == before
