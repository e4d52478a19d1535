"""Regressions from the third attack pass (/tmp/attack/findings.md) on the shell and the trace: a
refused look-up ends the previous caller (M7), stdout failures end the session as what they are
(M13), and a trace that is another file of the command or of the audit trail, or no regular file,
is refused before anything is asked (M18, the FIFO Low)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from postisupport.ops.session import Session, Verified, diagnosed, meant_as_look_up, refused, step
from tests.test_shell import NEXT_VERIFIED, PROMPT, ROOT, UNVERIFIED, demo_report, in_session, shell, words

NO_CALLER_VERIFIED = ("no current caller (the last look-up was refused or failed): the next caller looked up "
                      "is marked verified\n")
NO_CALLER = ("postisupport: error: no current caller: the last look-up was refused or failed; type the "
             "caller's identifier\n")


# -- M7: a refused look-up of a new caller ends the previous one -----------------------------


def test_a_malformed_identifier_ends_the_previous_caller(run) -> None:
    done = shell("ESIM0042", "karin..holm@exempel", "verified", "explain", "script", "quit")
    assert done.returncode == 0, done.stderr
    # Aino's screen once, unverified; nothing of her after the agent moved on to the next caller.
    first = run("--sandbox", "diagnose", "ESIM0042", "--no-audit")
    assert words(done.stdout) == in_session(first.stdout)
    assert done.stderr == (
        PROMPT + UNVERIFIED + "postisupport: error: 'karin..holm@exempel' is not a valid e-mail address\n"
        + PROMPT + NO_CALLER_VERIFIED + NEXT_VERIFIED + NO_CALLER + NEXT_VERIFIED + NO_CALLER + NEXT_VERIFIED)


def test_a_look_up_with_a_mistyped_option_ends_the_previous_caller_too(run) -> None:
    done = shell("ESIM0042", "verified", "ESIM0105 reports", "explain", "quit")
    assert done.returncode == 0, done.stderr
    first = run("--sandbox", "diagnose", "ESIM0042", "--no-audit")
    verified = run("--sandbox", "diagnose", "ESIM0042", "--no-audit", "--verified")
    assert words(done.stdout) == in_session(first.stdout, verified.stdout)
    assert done.stderr == (
        PROMPT + UNVERIFIED + VERIFIED_PROMPT
        + "postisupport: error: 'reports' is neither a service option nor a command; services go after -s or "
          "--service\n" + PROMPT + NO_CALLER + PROMPT)


VERIFIED_PROMPT = "postisupport [sandbox] verified> "


@pytest.mark.parametrize(("ui", "lines"), [
    ("fi", ["postisupport [sandbox]> postisupport [sandbox] ei tunnistettu> postisupport: virhe: "
            "'karin..holm@exempel' ei ole kelvollinen sähköpostiosoite",
            "postisupport [sandbox]> postisupport: virhe: nykyistä soittajaa ei ole: edellinen haku "
            "hylättiin tai epäonnistui; kirjoita soittajan sähköpostiosoite tai asiointitunnus",
            "postisupport [sandbox]> nykyistä soittajaa ei ole (edellinen haku hylättiin tai epäonnistui): "
            "seuraava haettu soittaja merkitään tunnistetuksi",
            "postisupport [sandbox] seuraava soittaja tunnistettu> "]),
    ("sv", ["postisupport [sandbox]> postisupport [sandbox] inte identifierad> postisupport: fel: "
            "'karin..holm@exempel' är inte en giltig e-postadress",
            "postisupport [sandbox]> postisupport: fel: ingen som ringer just nu: den senaste sökningen "
            "avvisades eller misslyckades; skriv e-postadressen eller ärendekoden för den som ringer",
            "postisupport [sandbox]> ingen som ringer just nu (den senaste sökningen avvisades eller "
            "misslyckades): nästa som ringer och som du slår upp markeras som identifierad",
            "postisupport [sandbox] nästa som ringer: identifierad> "]),
])
def test_no_current_caller_is_said_in_the_agents_language(ui: str, lines: list[str]) -> None:
    done = shell("ESIM0042", "karin..holm@exempel", "script", "verified", "quit",
                 args=("--sandbox", "shell", "--ui-lang", ui, "--no-audit"))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == lines


@pytest.mark.parametrize(("line", "meant"), [
    ("karin..holm@exempel", True),
    ("ESIM0105 reports", True),
    ("ESIM0105 -s", True),
    ('ESIM0105 -s "parcel', True),
    ("ESIM0077\x1b[A", True),
    ("x" * 1001, True),
    ("verifed", False),
    ("explain\x1b[A", False),
    ("lang de", False),
    ("verified now", False),
    ("-s reports", False),
    ("", False),
])
def test_a_refused_line_is_a_look_up_unless_it_is_a_command_word_or_an_option(line: str, meant: bool) -> None:
    assert meant_as_look_up(line) is meant
    session = diagnosed(Session(), demo_report("ESIM0042"))
    after = refused(session, line)
    assert (after.current is None, after.looked_up) == (meant, True)
    assert after == (replace_current(session) if meant else session)


def replace_current(session: Session) -> Session:
    from dataclasses import replace

    return replace(session, current=None, verified=False, verified_for=None)


def test_a_verification_carried_into_a_refused_look_up_holds_for_a_well_formed_identifier_only() -> None:
    ahead, _ = step(Session(), Verified())
    kept = refused(ahead, "ESIM0105 -s")
    assert (kept.verified, kept.verified_for, kept.current, kept.looked_up) == (True, "esim0105", None, True)
    dropped = refused(ahead, "karin..holm@exempel")
    assert (dropped.verified, dropped.verified_for, dropped.current, dropped.looked_up) == (
        False, None, None, True)
    # A mistyped command word is no look-up: the verification carried is left as it was.
    assert refused(ahead, "verifed") == ahead


# -- M13: stdout closed or full ---------------------------------------------------------------


def shell_to(stdout: int, *lines: str, args: tuple[str, ...] = ("--sandbox", "shell")) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "postisupport", *args],
                          input="".join(f"{line}\n" for line in lines).encode(), stdout=stdout,
                          stderr=subprocess.PIPE, timeout=30, cwd=ROOT,
                          env={**os.environ, "NO_COLOR": "1", "TERM": "xterm"})
    return done.returncode, done.stderr.decode()


def test_a_closed_stdout_ends_the_session_quietly(tmp_path: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written: the first write fails (EPIPE)
    try:
        code, stderr = shell_to(write, "ESIM0042", "ESIM0077", "ESIM0105")
    finally:
        os.close(write)
    assert (code, stderr) == (0, PROMPT)
    # The session ended at the first look-up: the others were never looked up, nor recorded.
    trail = tmp_path / "state" / "postisupport" / "audit.jsonl"
    assert len(trail.read_text(encoding="utf-8").splitlines()) == 1


def test_a_full_disk_on_stdout_is_one_line_exit_2_and_the_end_of_the_session(tmp_path: Path) -> None:
    with open("/dev/full", "wb") as full:
        code, stderr = shell_to(full.fileno(), "ESIM0042", "ESIM0077", "ESIM0105")
    assert (code, stderr) == (
        2, PROMPT + "postisupport: error: output: no space left on the device (disk full)\n")
    trail = tmp_path / "state" / "postisupport" / "audit.jsonl"
    assert len(trail.read_text(encoding="utf-8").splitlines()) == 1


# -- M18: a trace that is another file -------------------------------------------------------


@pytest.fixture
def users(run, tmp_path: Path) -> Path:
    path = tmp_path / "users.csv"
    path.write_text(run("sandbox", "demo-csv").stdout, encoding="utf-8")
    return path


def test_a_trace_that_is_the_bulk_output_is_refused(run, users: Path, tmp_path: Path) -> None:
    both = tmp_path / "tt.ndjson"
    done = run("--sandbox", "--trace", str(both), "bulk", str(users), "-o", str(both), "-q")
    assert (done.exit_code, done.stdout, done.stderr) == (
        2, "", f"postisupport: error: {both}: is this command's output too: name another file for the "
               "trace\n")
    assert not both.exists()


@pytest.mark.parametrize("linked", [False, True])
def test_a_trace_that_is_the_bulk_input_is_refused(run, users: Path, tmp_path: Path, linked: bool) -> None:
    before = users.read_bytes()
    trace = tmp_path / "hard-link.csv" if linked else users
    if linked:
        os.link(users, trace)
    done = run("--sandbox", "--trace", str(trace), "bulk", str(users), "-o", str(tmp_path / "out.ndjson"),
               "-q")
    assert (done.exit_code, done.stderr) == (
        2, f"postisupport: error: {trace}: is this command's input too: name another file for the trace\n")
    assert users.read_bytes() == before
    assert not (tmp_path / "out.ndjson").exists()


def test_a_trace_that_is_the_capture_output_is_refused(run, tmp_path: Path) -> None:
    both = tmp_path / "cap.json"
    done = run("--sandbox", "--trace", str(both), "capture", "ESIM0042", "-o", str(both))
    assert (done.exit_code, done.stderr) == (
        2, f"postisupport: error: {both}: is this command's output too: name another file for the trace\n")
    assert not both.exists()


def test_a_trace_into_the_audit_trail_or_its_key_is_refused(run, tmp_path: Path) -> None:
    assert run("--sandbox", "diagnose", "ESIM0042").exit_code == 0
    state = tmp_path / "state" / "postisupport"
    trail, key = state / "audit.jsonl", state / "audit.key"
    kept = (trail.read_bytes(), key.read_bytes())
    assert len(kept[1]) == 32
    linked = tmp_path / "innocent.jsonl"
    os.link(key, linked)
    for trace, reason in [
        (trail, "is the audit trail's audit.jsonl: the trace holds the exchanges in clear; name another file "
                "for it"),
        (key, "is the audit trail's audit.key: the trace holds the exchanges in clear; name another file "
              "for it"),
        (linked, "is the audit trail's audit.key: the trace holds the exchanges in clear; name another file "
                 "for it"),
        (state / "audit.jsonl.1", f"is a name of the audit trail's files in {state}: name another file for "
                                  "the trace"),
    ]:
        done = run("--sandbox", "--trace", str(trace), "diagnose", "ESIM0042")
        assert (done.exit_code, done.stdout, done.stderr) == (
            2, "", f"postisupport: error: {trace}: {reason}\n")
    assert (trail.read_bytes(), key.read_bytes()) == kept
    assert sorted(p.name for p in state.iterdir()) == ["audit.jsonl", "audit.key"]
    assert len(trail.read_text(encoding="utf-8").splitlines()) == 1
    # The key still works: a look-up afterwards is recorded as before.
    assert run("--sandbox", "diagnose", "ESIM0042").exit_code == 0
    # Another name in the folder is no file of the trail: a trace may go there.
    assert run("--sandbox", "--trace", str(state / "trace.jsonl"), "diagnose", "ESIM0042").exit_code == 0
    assert len((state / "trace.jsonl").read_text(encoding="utf-8").splitlines()) == 3


def test_a_trace_that_is_stdout_is_refused(tmp_path: Path) -> None:
    trace = tmp_path / "out.txt"
    with trace.open("ab") as out:
        done = subprocess.run([sys.executable, "-m", "postisupport", "--sandbox", "--trace", str(trace),
                               "diagnose", "ESIM0042"], stdout=out, stderr=subprocess.PIPE, text=True,
                              timeout=30, cwd=ROOT)
    assert (done.returncode, done.stderr) == (
        2, f"postisupport: error: {trace}: is this command's stdout too: name another file for the trace\n")
    assert trace.read_bytes() == b""


def test_a_trace_that_is_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "trace.fifo"
    os.mkfifo(fifo)
    done = subprocess.run([sys.executable, "-m", "postisupport", "--sandbox", "--trace", str(fifo),
                           "diagnose", "ESIM0042"], capture_output=True, text=True, timeout=20, cwd=ROOT)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"postisupport: error: {fifo}: is not a regular file\n")


def test_a_trace_of_its_own_still_gets_every_exchange_of_a_bulk_run(run, users: Path, tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    output = tmp_path / "out.ndjson"
    done = run("--sandbox", "--trace", str(trace), "bulk", str(users), "-o", str(output), "-q")
    assert done.exit_code == 0, done.stderr
    rows = output.read_text(encoding="utf-8").splitlines()
    assert (len(rows), len(trace.read_text(encoding="utf-8").splitlines())) == (16, 28)
