"""`postisupport shell`: the session's state machine (ops/session.py), the shell fed from a pipe, and
the shell on a real pseudo-terminal, driven as an agent would drive it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from postisupport.config.settings import resolve
from postisupport.core.facts import Service
from postisupport.core.report import Report
from postisupport.errors import InvalidInput
from postisupport.ops import session as machine
from postisupport.ops.audit import AuditTrail
from postisupport.ops.diagnose import DiagnoseOptions
from postisupport.ops.diagnose import run as diagnose_once
from postisupport.ops.session import (
    Diagnose,
    End,
    Explain,
    Help,
    Json,
    LookUp,
    Mask,
    Notice,
    Quit,
    ScreenLanguage,
    Script,
    ScriptLanguage,
    Session,
    Show,
    ShowHelp,
    ShowScript,
    Verified,
    caller_state,
    completions,
    diagnosed,
    parse,
    step,
)
from postisupport.output.messages import ui_catalog
from postisupport.sandbox.app import application
from tests.servers import serving

PROMPT = "postisupport [sandbox]> "  # before any caller
UNVERIFIED = "postisupport [sandbox] not verified> "
VERIFIED = "postisupport [sandbox] verified> "
NEXT_VERIFIED = "postisupport [sandbox] next caller verified> "
ANY_PROMPT = re.compile(r"postisupport \[[^\]]+\][^>\n]*> ")
ROOT = Path(__file__).parent.parent
CONTROL_REFUSED = ("the line holds a control character (an escape sequence typed or pasted?); nothing was "
                   "done: type it again")


def demo_report(identifier: str, *services: str) -> Report:
    return diagnose_once(resolve({"sandbox": True}, {}), DiagnoseOptions(identifier, services))


# -- (a) the state machine: parsing a line ---------------------------------------------------


@pytest.mark.parametrize(("line", "command"), [
    ("ESIM0042", LookUp("ESIM0042")),
    ("  olof@example.fi  ", LookUp("olof@example.fi")),
    ("olof@example.fi -s reports -s invoicing", LookUp("olof@example.fi", ("reports", "invoicing"))),
    ("ESIM0105 --service reports --service=E-invoicing", LookUp("ESIM0105", ("reports", "E-invoicing"))),
    ('ESIM0105 -s "parcel lockers"', LookUp("ESIM0105", ("parcel lockers",))),
    ("ESIM 0042", LookUp("ESIM 0042")),  # read out in groups
    ("esim 00 42 -s reports", LookUp("esim 00 42", ("reports",))),
    # A name within an organisation, as a business ID's screen tells the agent to look the caller up.
    ('"Aino Korhonen" --org 2345678-0', LookUp("Aino Korhonen", (), "2345678-0")),
    ("Aino Korhonen -o 2345678-0 -s reports", LookUp("Aino Korhonen", ("reports",), "2345678-0")),
    ('"Aino Korhonen" --org="Esimerkki Oy"', LookUp("Aino Korhonen", (), "Esimerkki Oy")),
    ("verified", Verified()),
    ("VERIFIED", Verified()),
    ("lang sv", ScriptLanguage("sv")),
    ("lang EN", ScriptLanguage("en")),
    ("lang", ScriptLanguage(None)),
    ("ui fi", ScreenLanguage("fi")),
    ("mask on", Mask(True)),
    ("mask off", Mask(False)),
    ("json on", Json(True)),
    ("json OFF", Json(False)),
    ("explain", Explain()),
    ("script", Script()),
    ("help", Help()),
    ("quit", Quit()),
    ("exit", Quit()),  # attack pass 9, A9A-04: it was looked up as an old user ID, and audited
    ("EXIT", Quit()),
])
def test_a_line_is_parsed_into_its_command(line: str, command: machine.Command) -> None:
    assert parse(line) == command


@pytest.mark.parametrize("line", ["", "   ", "\n", "\t \n"])
def test_a_blank_line_is_no_command(line: str) -> None:
    assert parse(line) is None


@pytest.mark.parametrize(("line", "field", "reason"), [
    ("verifed", "command", "unknown command 'verifed'; did you mean 'verified'?"),
    ("exlpain", "command", "unknown command 'exlpain'; did you mean 'explain'?"),
    ("--verified", "command", "'--verified': give an identifier first, then its services; type help for the "
                              "commands"),
    ("foo@bar", "identifier", "'foo@bar' is not a valid e-mail address"),
    ("a@b@example.fi", "identifier", "'a@b@example.fi' is not a valid e-mail address"),
    ("ESIM0042 -s", "service", "needs a service id or name, not an empty value"),
    ('"Aino Korhonen" --org', "organisation", "needs the organisation's name or business ID, not an empty "
                                              "value"),
    ("ESIM0042 --service ' '", "service", "needs a service id or name, not an empty value"),
    ("ESIM0042 reports", "command", "'reports' is neither a service option nor a command; services go after "
                                    "-s or --service"),
    ("ESIM0042 --verified", "command", "'--verified' is neither a service option nor a command; services go "
                                       "after -s or --service"),
    ('ESIM0105 -s "parcel', "command", "cannot read the line: no closing quotation"),
    ("lang de", "command", "lang: 'de' is not one of fi, sv, en"),
    ("lang sv fi", "command", "lang takes one language, not 'sv fi'"),
    ("ui", "command", "ui needs a language: one of fi, sv, en"),
    ("mask", "command", "mask takes on or off"),
    ("json yes", "command", "json takes on or off"),
    ("verified now", "command", "verified takes nothing after it, not 'now'"),
    ("quit now", "command", "quit takes nothing after it, not 'now'"),
    ("ESIM\x1b[1;5Z0042", "command", CONTROL_REFUSED),
    ("lang sv\x1b", "command", CONTROL_REFUSED),
    ("ESIM0042\u202e", "command", CONTROL_REFUSED),
    ("x" * 1001, "command", "the line is longer than 1000 characters; nothing was done"),
    ("ESIM0042 -s " + "a" * 100_000, "command", "the line is longer than 1000 characters; nothing was done"),
])
def test_bad_input_is_refused_with_the_input_it_concerns(line: str, field: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(line)
    assert (caught.value.field, caught.value.reason) == (field, reason)


# -- (a) the state machine: what each command changes ----------------------------------------


def test_a_new_caller_starts_unverified() -> None:
    report = demo_report("ESIM0042")
    session, effect = step(Session(), LookUp("ESIM0042"))
    assert effect == Diagnose(LookUp("ESIM0042")) and not session.verified
    session = diagnosed(session, report)
    session, effect = step(session, Verified())
    assert (session.verified, effect) == (True, Show())
    session, effect = step(session, LookUp("karin.holm@exempel.example.fi"))
    assert (session.verified, session.current) == (False, None)


def test_the_verified_caller_looked_up_again_stays_verified() -> None:
    """Attack pass 10, A10A-07: the same caller asking about another service had to be verified again."""
    session = diagnosed(step(Session(), LookUp("ESIM0042"))[0], demo_report("ESIM0042"))
    session, _ = step(session, Verified())
    again, effect = step(session, LookUp("esim0042", ("invoicing",)))
    assert (again.verified, again.caller, effect) == (True, "esim0042", Diagnose(LookUp("esim0042",
                                                                                      ("invoicing",))))
    # Once another caller has been looked up, the first one's identifier is a new caller again.
    other = diagnosed(step(diagnosed(again, demo_report("ESIM0042")), LookUp("ESIM0077"))[0],
                      demo_report("ESIM0077"))
    assert (other.verified, step(other, LookUp("ESIM0042"))[0].verified) == (False, False)
    # An unverified caller looked up again is not verified by it.
    unverified = diagnosed(step(Session(), LookUp("ESIM0042"))[0], demo_report("ESIM0042"))
    assert step(unverified, LookUp("ESIM0042"))[0].verified is False


def test_verified_before_the_look_up_marks_the_next_caller() -> None:
    session, effect = step(Session(), Verified())
    assert (session.verified, effect) == (True, Notice("shell.notice.verified-next"))
    session, effect = step(session, LookUp("ESIM0042"))
    assert session.verified
    session = diagnosed(session, demo_report("ESIM0042"))
    session, _ = step(session, LookUp("ESIM0077"))
    assert not session.verified


def test_a_failed_look_up_leaves_no_diagnosis_to_show() -> None:
    session = diagnosed(Session(), demo_report("ESIM0042"))
    session, _ = step(session, LookUp("ESIM0077"))  # ... and the look-up fails: no `diagnosed`
    assert session.current is None
    for command in (Explain(), Script()):
        with pytest.raises(InvalidInput) as caught:
            step(session, command)
        assert caught.value.reason == ("no current caller: the last look-up was refused or failed; type the "
                                       "caller's identifier")
    session, effect = step(session, Verified())
    assert (effect, session.verified) == (Notice("shell.notice.verified-next-no-caller"), True)


def test_a_verification_carried_into_a_failed_look_up_holds_for_that_identifier_only() -> None:
    session, _ = step(Session(), Verified())
    session, _ = step(session, LookUp("ESIM0105", ("invocing",)))  # ... and the look-up fails
    assert (session.verified, session.verified_for, session.current) == (True, "esim0105", None)
    other, effect = step(session, LookUp("ESIM0042"))
    assert (other.verified, other.verified_for, effect) == (False, None, Diagnose(LookUp("ESIM0042")))
    # ... and not later either: the other caller's verification is gone for good.
    assert step(other, LookUp("ESIM0105"))[0].verified is False
    retyped, _ = step(session, LookUp("esim0105", ("invoicing",)))
    assert (retyped.verified, retyped.verified_for) == (True, "esim0105")
    assert diagnosed(retyped, demo_report("ESIM0105")).verified_for is None
    # `verified` typed again after the failure marks whoever comes next.
    again, _ = step(session, Verified())
    assert step(again, LookUp("ESIM0042"))[0].verified is True


def test_explain_and_script_show_the_current_diagnosis() -> None:
    session = diagnosed(Session(), demo_report("ESIM0042"))
    assert step(session, Explain()) == (session, Show(explain=True))
    assert step(session, Script()) == (session, ShowScript())
    assert step(session, Help()) == (session, ShowHelp())
    assert step(session, Quit()) == (session, End())


def test_settings_hold_for_the_rest_of_the_session() -> None:
    session = Session()
    for command in (ScriptLanguage("sv"), ScreenLanguage("fi"), Mask(True), Json(True)):
        session, effect = step(session, command)
        assert isinstance(effect, Notice)
    session, _ = step(session, LookUp("ESIM0042"))
    assert (session.lang, session.ui_lang, session.masked, session.as_json) == ("sv", "fi", True, True)
    assert step(session, Mask(False))[0].masked is False
    assert step(session, ScriptLanguage(None))[0].lang is None


def test_the_script_language_changes_the_current_diagnosis_without_asking_again() -> None:
    session = diagnosed(Session(default_lang="en"), demo_report("ESIM0042"))
    assert session.current is not None and session.current.lang == "fi"  # Aino prefers Finnish
    swedish, effect = step(session, ScriptLanguage("sv"))
    assert swedish.current is not None and swedish.current.lang == "sv"
    assert swedish.current.decision == session.current.decision
    assert effect == Notice("shell.notice.script-lang", {"lang": "sv"})
    back, effect = step(swedish, ScriptLanguage(None))
    assert back.current is not None and back.current.lang == "fi"
    assert effect == Notice("shell.notice.script-own")


def test_the_services_to_complete_are_the_current_callers_organisations() -> None:
    session = diagnosed(Session(), demo_report("ESIM0105"))
    assert session.services == ("reports", "Reporting", "invoicing", "E-invoicing", "tracking",
                                "Shipment tracking")
    # Karin's organisation has reporting only: Esimerkki's invoicing is no service of hers to offer.
    karin = diagnosed(session, demo_report("karin.holm@exempel.example.fi"))
    assert karin.services == ("reports", "Reporting")
    assert completions("karin.holm@exempel.example.fi -s inv", karin) == (3, [])
    # One who is not found, or has no organisation, has none: not the caller's before.
    assert diagnosed(session, demo_report("nobody@example.com")).services == ()
    assert diagnosed(session, demo_report("timo.lahtinen@example.net")).services == ()
    # A failed look-up (no diagnosis) leaves them, for the same caller retyped.
    assert step(session, LookUp("ESIM0105", ("invocing",)))[0].services == session.services


def test_a_right_the_user_has_from_elsewhere_is_not_offered() -> None:
    """A user's own rights may name a service their organisation doesn't subscribe to (granted
    through another organisation): the caller can't be missing it from this one."""
    rep = demo_report("karin.holm@exempel.example.fi")
    assert rep.facts.user is not None
    user = replace(rep.facts.user, entitlements=(*rep.facts.user.entitlements,
                                                 Service("lockers", "Parcel lockers")))
    facts = replace(rep.facts, user=user)
    session = diagnosed(Session(), replace(rep, facts=facts))
    assert session.services == ("reports", "Reporting")
    assert completions("karin.holm@exempel.example.fi -s p", session) == (1, [])


def test_the_prompt_says_whether_the_current_caller_is_verified() -> None:
    assert caller_state(Session()) is None
    session, _ = step(Session(), Verified())
    assert caller_state(session) == "shell.state.next-verified"
    session = diagnosed(step(session, LookUp("ESIM0042"))[0], demo_report("ESIM0042"))
    assert caller_state(session) == "shell.state.verified"
    session = diagnosed(step(session, LookUp("ESIM0105"))[0], demo_report("ESIM0105"))
    assert caller_state(session) == "shell.state.not-verified"
    # A failed look-up leaves no caller: nothing to say until the next diagnosis.
    assert caller_state(step(session, LookUp("ESIM0077"))[0]) is None


@pytest.mark.parametrize(("identifier", "state"), [
    ("toimisto@salo.example.fi", None),  # two accounts: no one person to verify
    ("ESIM9999", None),  # no one
    ("2345678-0", "shell.state.not-verified"),  # verified opens the administrators' contacts
])
def test_the_prompt_has_no_verified_state_when_no_one_was_found(identifier: str, state: str | None) -> None:
    session = diagnosed(step(Session(), LookUp(identifier))[0], demo_report(identifier))
    assert caller_state(session) == state


@pytest.mark.parametrize(("text", "expected"), [
    ("", (0, list(machine.WORDS))),
    ("v", (1, ["verified"])),
    ("QU", (2, ["quit"])),
    ("lang ", (0, ["fi", "sv", "en"])),
    ("ui s", (1, ["sv"])),
    ("mask o", (1, ["on", "off"])),
    ("json of", (2, ["off"])),
    ("explain ", (0, [])),
    ("ESIM0105 -s inv", (3, ["invoicing"])),
    ("ESIM0105 -s INV", (3, ["invoicing"])),
    ("ESIM0105 --service e", (1, ["E-invoicing"])),
    ("ESIM0105 -s reports -s ", (0, ["reports", "Reporting", "invoicing", "E-invoicing", "tracking",
                                     "'Shipment tracking'"])),
    ("ESIM0105 -s Shi", (3, ["'Shipment tracking'"])),
    ("ESIM0105 -s 'Shi", (4, ["'Shipment tracking'"])),
    ("ESIM0105 --se", (4, ["--service"])),
    ("ESIM0105 ", (0, [])),
    ("ESIM01", (6, [])),
])
def test_tab_completes_commands_and_the_organisations_services(text: str, expected: Any) -> None:
    session = diagnosed(Session(), demo_report("ESIM0105"))
    assert completions(text, session) == expected


def test_with_no_user_diagnosed_there_are_no_services_to_complete() -> None:
    assert completions("ESIM0105 -s inv", Session()) == (3, [])


# -- (b) the shell fed from a pipe -------------------------------------------------------------


def shell(*lines: str, args: tuple[str, ...] = ("--sandbox", "shell"),
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A session fed `lines` from a pipe, in this process (the pseudo-terminal tests below start a
    process of their own): its exit status, stdout and stderr, as a shell's pipe would see them."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from postisupport.cli.main import run as run_cli
    from postisupport.config.environment import Environment

    out, err = io.StringIO(), io.StringIO()
    world = Environment(stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=out, stderr=err,
                        environ={**os.environ, "NO_COLOR": "1", "TERM": "xterm", **(env or {})})
    with redirect_stdout(out), redirect_stderr(err):
        code = run_cli(list(args), world)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def words(text: str) -> str:
    return " ".join(text.split())


def in_session(*screens: str) -> str:
    """What `diagnose` printed, as the session prints it: the same, but for the verify hint, which in
    the session says to type `verified` (compared word by word, as the hint wraps differently), and
    the look-ups a Do-line suggests."""
    ui = ui_catalog("en")
    said = words("".join(screens))
    # ... and for another look-up, typed as the session takes it: without "diagnose".
    said = said.replace('diagnose "NAME"', '"NAME"').replace("diagnose BUSINESS-ID", "BUSINESS-ID")
    return said.replace(words(ui["label.verify.how"]), words(ui["label.verify.how.session"]))


def test_a_piped_session_prints_what_diagnose_prints(run) -> None:
    done = shell("ESIM0042", "verified", "lang sv", "script", "quit")
    assert done.returncode == 0, done.stderr
    screen = run("--sandbox", "diagnose", "ESIM0042", "--no-audit")
    verified = run("--sandbox", "diagnose", "ESIM0042", "--no-audit", "--verified")
    script = run("--sandbox", "diagnose", "ESIM0042", "--no-audit", "--verified", "--lang", "sv", "--script")
    assert "Step 1 — the password must be changed" in screen.stdout
    assert "aino.korhonen@esimerkki.example.fi," in verified.stdout.split("Say to the caller")[1]
    assert words(done.stdout) == in_session(screen.stdout, verified.stdout, script.stdout)
    # The prompt and the notices go to stderr, so stdout carries only the diagnoses. The prompt says
    # where the look-ups go, and whether the caller on the line is verified.
    assert done.stderr == (PROMPT + UNVERIFIED + VERIFIED + "caller scripts in Swedish from now on\n"
                           + VERIFIED * 2)


def test_a_caller_looked_up_by_name_in_the_shell_is_the_one_diagnose_finds(run) -> None:
    """The business ID's screen says to look the caller up by name in the organisation: the shell
    refused the very line it suggests."""
    done = shell("2345678-0", '"Aino Korhonen" --org 2345678-0', "verified")
    assert done.returncode == 0, done.stderr
    organisation = run("--sandbox", "diagnose", "2345678-0", "--no-audit")
    by_name = run("--sandbox", "diagnose", "Aino Korhonen", "--org", "2345678-0", "--no-audit")
    verified = run("--sandbox", "diagnose", "Aino Korhonen", "--org", "2345678-0", "--no-audit", "--verified")
    assert "aino.korhonen@esimerkki.example.fi" in verified.stdout
    assert words(done.stdout) == in_session(organisation.stdout, by_name.stdout, verified.stdout)


def test_a_new_identifier_is_a_new_unverified_caller(run) -> None:
    done = shell("verified", "ESIM0105", "karin.holm@exempel.example.fi", "script")
    assert done.returncode == 0, done.stderr
    first = run("--sandbox", "diagnose", "ESIM0105", "--no-audit", "--verified")
    second = run("--sandbox", "diagnose", "karin.holm@exempel.example.fi", "--no-audit")
    script = run("--sandbox", "diagnose", "karin.holm@exempel.example.fi", "--no-audit", "--script")
    assert words(done.stdout) == in_session(first.stdout, second.stdout, script.stdout)
    assert done.stderr == (PROMPT + "the next caller looked up is marked verified\n" + NEXT_VERIFIED
                           + VERIFIED + UNVERIFIED * 2 + "\n")


def test_json_on_prints_one_diagnose_json_document_per_look_up(run) -> None:
    done = shell("json on", "ESIM0042", "ESIM0105 -s invoicing", "verified", "json off", "quit")
    assert done.returncode == 0, done.stderr
    expected = [run("--sandbox", "diagnose", *args, "--json", "--no-audit").stdout for args in (
        ["ESIM0042"], ["ESIM0105", "-s", "invoicing"], ["ESIM0105", "-s", "invoicing", "--verified"])]
    assert words(done.stdout) == in_session(*expected)
    documents = [json.loads(d) for d in done.stdout.replace("}\n{", "}\x00{").split("\x00")]
    assert [(d["outcome"], d["verified"]) for d in documents] == [
        ("change-password", False), ("check-service-rights", False), ("check-service-rights", True)]
    assert done.stderr == (PROMPT + "JSON on: one document per look-up\n" + PROMPT + UNVERIFIED * 2
                           + VERIFIED + "JSON off\n" + VERIFIED)


def test_mask_on_masks_as_diagnose_does(run) -> None:
    done = shell("mask on", "johanna.makinen@esimerkki.example.fi", "mask off", "explain")
    assert done.returncode == 0, done.stderr
    johanna = "johanna.makinen@esimerkki.example.fi"
    masked = run("--sandbox", "diagnose", johanna, "--mask", "--no-audit")
    explained = run("--sandbox", "diagnose", johanna, "--explain", "--no-audit")
    assert words(done.stdout) == in_session(masked.stdout, explained.stdout)
    assert "maija.virtanen@esimerkki.example.fi" not in masked.stdout
    assert done.stderr == (PROMPT + "masking on: no full e-mail address, name, business ID or phone number\n"
                           + PROMPT + UNVERIFIED + "masking off\n" + UNVERIFIED * 2 + "\n")


def test_errors_are_one_line_each_and_the_session_goes_on(run) -> None:
    done = shell("verifed", "foo@bar", "ESIM0105 -s invocing", "explain", "lang de", "ESIM0105 -s invoicing",
                 "quit")
    assert done.returncode == 0
    diagnosis = run("--sandbox", "diagnose", "ESIM0105", "-s", "invoicing", "--no-audit")
    assert words(done.stdout) == in_session(diagnosis.stdout)
    # Worded as the command line words them: `diagnose ESIM0105 -s invocing` says the same.
    mistyped = run("--sandbox", "diagnose", "ESIM0105", "-s", "invocing", "--no-audit")
    assert mistyped.stderr.splitlines() == [
        "postisupport: error: --service 'invocing' is no service of this user or organisation; did you mean "
        "'invoicing'?"]
    assert ANY_PROMPT.split(done.stderr) == [
        "",
        "postisupport: error: unknown command 'verifed'; did you mean 'verified'?\n",
        "postisupport: error: 'foo@bar' is not a valid e-mail address\n",
        mistyped.stderr,
        "postisupport: error: no current caller: the last look-up was refused or failed; type the caller's "
        "identifier\n",
        "postisupport: error: lang: 'de' is not one of fi, sv, en\n",
        "",
        "",
    ]


def test_a_failed_look_up_carries_no_verification_to_another_caller(run) -> None:
    done = shell("verified", "ESIM0105 -s invocing", "ESIM0042", "quit")
    assert done.returncode == 0, done.stderr
    unverified = run("--sandbox", "diagnose", "ESIM0042", "--no-audit")
    assert words(done.stdout) == in_session(unverified.stdout)
    assert "aino.korhonen@esimerkki.example.fi," not in done.stdout.split("Say to the caller")[1]
    # The same caller, the identifier retyped with the service right, is still verified.
    retyped = shell("verified", "ESIM0105 -s invocing", "ESIM0105 -s invoicing", "quit")
    verified = run("--sandbox", "diagnose", "ESIM0105", "-s", "invoicing", "--verified", "--no-audit")
    assert words(retyped.stdout) == in_session(verified.stdout)


def test_a_line_with_an_escape_sequence_or_too_long_is_refused_unread(tmp_path: Path) -> None:
    done = shell("ESIM\x1b[1;5Z0042", "x" * 100_000, "ESIM0042 -s " + "y" * 2000, "quit")
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr.split(PROMPT) == [
        "", f"postisupport: error: {CONTROL_REFUSED}\n",
        "postisupport: error: the line is longer than 1000 characters; nothing was done\n",
        "postisupport: error: the line is longer than 1000 characters; nothing was done\n", ""]
    assert not (tmp_path / "state" / "postisupport" / "audit.jsonl").exists()
    # The rest of an over-long line is skipped, not read as the next command.
    after = shell("x" * 5000, "ESIM0042", args=("--sandbox", "shell", "--no-audit"))
    assert "Step 1 — the password must be changed" in after.stdout


def test_help_and_the_end_of_input(run) -> None:
    done = shell("help")
    assert done.returncode == 0
    assert done.stdout.startswith("Type what the caller gives")
    assert "json on|off" in done.stdout and "quit" in done.stdout
    assert done.stderr == PROMPT * 2 + "\n"


def test_each_look_up_is_recorded_in_the_audit_trail(tmp_path: Path) -> None:
    done = shell("ESIM0042", "verified", "explain", "foo@bar", "nobody@example.com", "quit")
    assert done.returncode == 0, done.stderr
    trail = AuditTrail(tmp_path / "state" / "postisupport")
    records = list(trail.find("esim0042")) + list(trail.find("nobody@example.com"))
    assert [(r["api_host"], r["outcome"], r["rule"]) for r in records] == [
        ("sandbox", "change-password", "login.reset-pending"), ("sandbox", "not-found", "lookup.not-found")]
    lines = trail.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2  # re-showing (verified, explain) reads nothing new; a refused line is no look-up
    assert "esim0042" not in trail.path.read_text(encoding="utf-8").casefold()


def test_no_audit_records_nothing(tmp_path: Path) -> None:
    assert shell("ESIM0042", args=("--sandbox", "shell", "--no-audit")).returncode == 0
    assert not (tmp_path / "state" / "postisupport" / "audit.jsonl").exists()


def test_connection_options_work_before_and_after_shell() -> None:
    before = shell("ESIM0042", args=("--sandbox", "shell", "--no-audit"))
    after = shell("ESIM0042", args=("shell", "--sandbox", "--no-audit"))
    assert (before.returncode, after.returncode) == (0, 0)
    assert before.stdout == after.stdout and "Step 1" in before.stdout


def test_the_shells_own_options_set_the_session_going(run) -> None:
    done = shell("karin.holm@exempel.example.fi", args=("--sandbox", "shell", "--json", "--lang", "en",
                                                         "--mask", "--ui-lang", "fi"))
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert (document["script"]["lang"], document["masked"]) == ("en", True)
    assert done.stdout == run("--sandbox", "diagnose", "karin.holm@exempel.example.fi", "--json",
                              "--lang", "en", "--mask", "--no-audit").stdout


def test_a_shell_without_an_api_does_not_start() -> None:
    done = shell("ESIM0042", args=("shell",))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("postisupport: error: no identity API configured: pass --api URL")


def test_an_unreachable_api_is_one_line_and_the_session_goes_on() -> None:
    from tests.servers import free_port

    url = f"http://127.0.0.1:{free_port()}/scim/v2"
    done = shell("ESIM0042", "ESIM0042", "quit", args=("--api", url, "shell"))
    assert done.returncode == 0
    errors = [line for line in ANY_PROMPT.split(done.stderr) if line]
    assert len(errors) == 2
    assert all(e.startswith(f"postisupport: error: cannot reach the identity API at {url}") for e in errors)


def test_the_shell_module_loads_no_heavy_module_until_it_runs() -> None:
    code = (
        "import sys\n"
        "import postisupport.cli.shell\n"
        "heavy = ('httpx', 'pydantic', 'rich', 'prompt_toolkit', 'scim2_models', 'scim2_server')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"


# -- (c) the shell on a terminal ---------------------------------------------------------------


# Any prompt, as prompt_toolkit draws it on a terminal (the space after it is a cursor move).
TERMINAL_PROMPT = r"postisupport \[[^\]\r\n]+\][^>\r\n]*>"
LATE = 1.0  # seconds "late@example.fi" takes to look up: well beyond the shell's SIGN_AFTER


class SlowWhenAsked:
    """The demo sandbox, except that a look-up of "slow@example.fi" hangs until it is given up on, and
    one of "late@example.fi" (no such user) answers LATE seconds late."""

    def __init__(self) -> None:
        self.app = application()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        query = scope.get("query_string", b"") if scope["type"] == "http" else b""
        if b"slow%40example.fi" in query:
            await asyncio.sleep(30)
        if b"late%40example.fi" in query:
            await asyncio.sleep(LATE)
        await self.app(scope, receive, send)


@pytest.fixture
def slow_sandbox() -> Iterator[str]:
    with serving(SlowWhenAsked()) as url:
        yield url


def test_an_agent_on_a_terminal(slow_sandbox: str, tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    # A terminal as an agent has it, but one that answers no cursor position requests (CPR): tell
    # prompt_toolkit so rather than have it wait for the answer.
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1"}
    env.pop("COLUMNS")
    child = pexpect.spawn(sys.executable, ["-m", "postisupport", "--api", slow_sandbox, "shell"],
                          cwd=str(ROOT), env=env, dimensions=(40, 100), encoding="utf-8", timeout=10)
    prompt = TERMINAL_PROMPT
    try:
        child.expect(prompt)
        child.sendline("ESIM0042")
        child.expect_exact("Step 1 — the password must be changed")
        child.expect_exact("Say to the caller (fi)")
        child.expect(prompt)
        assert "aino.korhonen@esimerkki.example.fi," not in child.before  # not verified: not read out

        child.sendline("verified")
        child.expect_exact("Say to the caller (fi)")
        child.expect_exact("aino.korhonen@esimerkki.example.fi,")
        child.expect(prompt)

        # Tab completes the service from the organisation of the last user diagnosed.
        child.send("ESIM0105 -s inv")
        child.expect_exact("ESIM0105 -s inv")
        child.send("\t")
        child.expect_exact("oicing")
        child.send("\r")
        child.expect_exact("E-invoicing: the administrator can grant the right")
        child.expect(prompt)

        # Ctrl-C drops a half-typed line ...
        child.send("johanna.mak")
        child.expect_exact("johanna.mak")
        child.sendintr()
        child.expect(prompt)
        # ... and cancels a look-up in flight; the session, and its client, go on.
        child.sendline("slow@example.fi")
        time.sleep(0.3)
        child.sendintr()
        child.expect_exact("postisupport: interrupted")
        child.expect(prompt)
        child.sendline("karin.holm@exempel.example.fi")
        child.expect_exact("Say to the caller (sv)")
        child.expect(prompt)
        assert child.isalive()

        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    # The history held people's addresses: nothing but the audit trail may have reached the disk.
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["state/postisupport/audit.jsonl", "state/postisupport/audit.key"]


def spawn(*args: str) -> Any:
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1"}
    env.pop("COLUMNS")
    return pexpect.spawn(sys.executable, ["-m", "postisupport", *args],
                         cwd=str(ROOT), env=env, dimensions=(40, 100), encoding="utf-8", timeout=10)


def spawn_shell(url: str, *options: str) -> Any:
    return spawn("--api", url, "shell", *options)


def host_of(url: str) -> str:
    """What the prompt calls an API given by its URL: its host and port."""
    return url.split("/")[2]


@pytest.mark.parametrize("typed", [
    "ESIM\x1b[1;5Z0042",  # a sequence prompt_toolkit does not know: it dropped the escape
    "ESIM\x1b[<0;1;1M0042",  # a mouse report: it took it whole, leaving ESIM0042
    "ESIM\x1b[1;5R0042",  # a cursor-position answer nobody asked for: the same
    "\x1b[200~ESIM\x1b[1;5Z0042\x1b[201~",  # pasted
])
def test_an_escape_sequence_typed_on_a_terminal_is_refused_whole(loopback_sandbox: str, tmp_path: Path,
                                                                 typed: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    child = spawn_shell(loopback_sandbox)
    try:
        child.expect(TERMINAL_PROMPT)
        child.send(typed)
        child.send("\r")
        child.expect_exact("postisupport: error: the line holds a control character")
        assert "Step" not in child.before and "Traceback" not in child.before
        child.expect(TERMINAL_PROMPT)
        assert "Traceback" not in child.before
        child.sendline("karin.holm@exempel.example.fi")  # the session goes on
        child.expect_exact("Say to the caller (sv)")
        child.expect(TERMINAL_PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    trail = AuditTrail(tmp_path / "state" / "postisupport")
    assert len(trail.path.read_text(encoding="utf-8").splitlines()) == 1  # Karin only
    assert list(trail.find("ESIM0042")) == []


def test_an_over_long_line_on_a_terminal_is_refused(loopback_sandbox: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    child = spawn_shell(loopback_sandbox)
    try:
        child.expect(TERMINAL_PROMPT)
        line = "x" * 5000
        for start in range(0, len(line), 1000):
            child.send(line[start:start + 1000])
        child.send("\r")
        child.expect_exact("postisupport: error: the line is longer than 1000 characters; nothing was done")
        child.expect(TERMINAL_PROMPT)
        child.sendline("ESIM0042")
        child.expect_exact("Step 1 — the password must be changed")
        child.expect(TERMINAL_PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


# -- (d) the shell tells the agent where they are, who is on the line, and what it is doing ---------


def test_on_a_terminal_the_banner_and_prompt_name_the_api_and_the_callers_state(slow_sandbox: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    host = host_of(slow_sandbox)
    child = spawn_shell(slow_sandbox)
    try:
        child.expect_exact(f"The identity API at {slow_sandbox}.")
        child.expect_exact("Type help for the commands; quit or Ctrl-D ends the session.")
        child.expect_exact(f"postisupport [{host}]>")
        child.sendline("ESIM0042")
        child.expect_exact("Step 1 — the password must be changed")
        child.expect_exact(f"postisupport [{host}] not verified>")
        child.sendline("verified")
        child.expect_exact("aino.korhonen@esimerkki.example.fi,")
        child.expect_exact(f"postisupport [{host}] verified>")
        # A look-up that waits says so, and the sign is wiped before the screen is drawn.
        child.sendline("late@example.fi")
        child.expect_exact("looking up…")
        child.expect_exact("\r\x1b[K")
        child.expect_exact("Step 3 — no user has these details")
        assert "looking up" not in child.before
        child.expect_exact(f"postisupport [{host}]>")  # no one found: no one to verify
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0


def test_a_quick_look_up_shows_no_sign(loopback_sandbox: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    child = spawn_shell(loopback_sandbox)
    try:
        child.expect(TERMINAL_PROMPT)
        child.sendline("ESIM0042")
        child.expect_exact("Step 1 — the password must be changed")
        child.expect(TERMINAL_PROMPT)
        assert "looking up" not in child.before
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_on_a_terminal_the_sandbox_is_marked_and_the_shell_speaks_the_agents_language(
        slow_sandbox: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    child = spawn("--sandbox", "shell", "--ui-lang", "fi", "--no-audit")
    try:
        # Wrapped at the terminal's 100 columns.
        child.expect_exact("Hiekkalaatikko (--sandbox): kuvitteellisten henkilöiden esittelyhakemisto, "
                           "ei oikea\r\ntunnistuspalvelu.")
        child.expect_exact("Kirjoita help, niin näet komennot; quit tai Ctrl-D lopettaa istunnon.")
        child.expect_exact("postisupport [sandbox]>")
        child.sendline("ESIM0042")
        child.expect_exact("Vaihe 1 — salasana on vaihdettava")
        child.expect_exact("postisupport [sandbox] ei tunnistettu>")
        child.sendline("verifed")
        child.expect_exact("postisupport: virhe: tuntematon komento 'verifed'; tarkoititko 'verified'?")
        child.expect_exact("postisupport [sandbox] ei tunnistettu>")
        child.sendline("verified")
        child.expect_exact("postisupport [sandbox] tunnistettu>")
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    # The sign and the interruption in the agent's language, against an API that keeps them waiting.
    child = spawn_shell(slow_sandbox, "--ui-lang", "sv")
    try:
        child.expect(TERMINAL_PROMPT)
        child.sendline("slow@example.fi")
        child.expect_exact("söker…")
        child.sendintr()
        child.expect_exact("postisupport: avbrutet")
        child.expect(TERMINAL_PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_up_finds_the_earlier_line_that_starts_as_typed(loopback_sandbox: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    child = spawn_shell(loopback_sandbox)
    try:
        child.expect(TERMINAL_PROMPT)
        child.sendline("ESIM0042")
        child.expect_exact("Step 1 — the password must be changed")
        child.expect(TERMINAL_PROMPT)
        child.sendline("karin.holm@exempel.example.fi")
        child.expect_exact("Say to the caller (sv)")
        child.expect(TERMINAL_PROMPT)
        # Up alone brings the last line back (Karin); after "ES" it brings the last that starts so.
        child.send("ES")
        child.expect_exact("ES")
        child.send("\x1b[A")
        child.expect_exact("IM0042")
        child.send("\r")
        child.expect_exact("Step 1 — the password must be changed")
        child.expect(TERMINAL_PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


@pytest.mark.parametrize(("ui_lang", "cause"), [
    ("en", "The identity API can't be reached, so the caller's account can't be looked up."),
    ("fi", "Tunnistuspalveluun ei saada yhteyttä, joten soittajan tunnusta ei voi tarkistaa."),
])
def test_on_a_terminal_an_api_that_cannot_answer_is_said_cause_first(ui_lang: str, cause: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    from tests.servers import free_port

    url = f"http://127.0.0.1:{free_port()}/scim/v2"
    child = spawn_shell(url, "--ui-lang", ui_lang)
    try:
        child.expect(TERMINAL_PROMPT)
        child.sendline("ESIM0042")
        child.expect_exact(cause)
        assert "Traceback" not in child.before and "1. " not in child.before
        child.expect_exact("1. ")  # ... then the runbook, step by step
        child.expect_exact(f"postisupport: error: cannot reach the identity API at {url}")
        child.expect(TERMINAL_PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_a_piped_session_shows_no_sign_while_it_waits(slow_sandbox: str, run) -> None:
    host = host_of(slow_sandbox)
    done = shell("late@example.fi", "quit", args=("--api", slow_sandbox, "shell", "--no-audit"))
    assert done.returncode == 0, done.stderr
    assert words(done.stdout) == in_session(run("--api", slow_sandbox, "diagnose", "late@example.fi",
                                                "--no-audit").stdout)
    assert done.stderr == f"postisupport [{host}]> postisupport [{host}]> "


def test_the_prompt_names_the_profile(loopback_sandbox: str, tmp_path: Path) -> None:
    config = tmp_path / "config" / "postisupport" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[profiles.work]\napi_url = "{loopback_sandbox}"\n', encoding="utf-8")
    config.chmod(0o600)
    done = shell("ESIM0042", args=("--profile", "work", "shell", "--no-audit"))
    assert done.returncode == 0, done.stderr
    assert "Step 1 — the password must be changed" in done.stdout
    assert done.stderr == "postisupport [work]> postisupport [work] not verified> \n"
    # An API given on the command line is not the profile's: the prompt names where the look-ups go.
    other = shell("quit", args=("--profile", "work", "--api", loopback_sandbox, "shell"))
    assert other.stderr == f"postisupport [{host_of(loopback_sandbox)}]> "


def test_notices_errors_and_the_prompt_in_the_agents_language() -> None:
    done = shell("verified", "ESIM0042 -s", "explain", "lang sv", "mask on", "json on", "json off",
                 "ESIM0042", "lang", "ui sv", "verified now", "lang de", "quit",
                 args=("--sandbox", "shell", "--ui-lang", "fi", "--no-audit"))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "postisupport [sandbox]> seuraava haettu soittaja merkitään tunnistetuksi",
        "postisupport [sandbox] seuraava soittaja tunnistettu> postisupport: virhe: --service vaatii "
        "palvelun tunnuksen tai nimen, ei tyhjää arvoa",
        "postisupport [sandbox] seuraava soittaja tunnistettu> postisupport: virhe: nykyistä soittajaa ei "
        "ole: edellinen haku hylättiin tai epäonnistui; kirjoita soittajan sähköpostiosoite tai "
        "asiointitunnus",
        "postisupport [sandbox] seuraava soittaja tunnistettu> ohjeet soittajalle tästä lähtien ruotsiksi",
        "postisupport [sandbox] seuraava soittaja tunnistettu> peitto päällä: ei kokonaisia "
        "sähköpostiosoitteita, nimiä, Y-tunnuksia eikä puhelinnumeroita",
        "postisupport [sandbox] seuraava soittaja tunnistettu> JSON päällä: yksi dokumentti kustakin hausta",
        "postisupport [sandbox] seuraava soittaja tunnistettu> JSON pois",
        "postisupport [sandbox] seuraava soittaja tunnistettu> postisupport [sandbox] tunnistettu> ohjeet "
        "soittajalle tästä lähtien kunkin käyttäjän omalla kielellä",
        "postisupport [sandbox] tunnistettu> din vy på svenska från och med nu",
        "postisupport [sandbox] identifierad> postisupport: fel: efter verified skrivs ingenting (nu: 'now')",
        "postisupport [sandbox] identifierad> postisupport: fel: lang: 'de' är inte något av fi, sv, en",
        "postisupport [sandbox] identifierad> ",
    ]


def test_a_malformed_identifier_or_service_is_refused_in_the_agents_language() -> None:
    done = shell("bad@@x", "2345678-1", "ESIM0105 -s invocing", "2345678-0 -s reports", "ui sv", "bad@@x",
                 "quit", args=("--sandbox", "shell", "--ui-lang", "fi", "--no-audit"))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "postisupport [sandbox]> postisupport: virhe: 'bad@@x' ei ole kelvollinen sähköpostiosoite",
        "postisupport [sandbox]> postisupport: virhe: 2345678-1 ei ole kelvollinen Y-tunnus: sen "
        "tarkistusnumero ei täsmää muihin numeroihin; tarkista numero soittajalta",
        "postisupport [sandbox]> postisupport: virhe: --service 'invocing' ei ole tämän käyttäjän eikä "
        "organisaation palvelu; tarkoititko 'invoicing'?",
        "postisupport [sandbox]> postisupport: virhe: --service ei voi tarkistaa Y-tunnukselle: "
        "Y-tunnuksella löytyy organisaatio, ei soittaja; hae soittaja nimellä organisaation sisältä "
        "(\"NIMI\" --org 2345678-0) tai sähköpostiosoitteella",
        "postisupport [sandbox]> din vy på svenska från och med nu",
        "postisupport [sandbox]> postisupport: fel: 'bad@@x' är inte en giltig e-postadress",
        "postisupport [sandbox]> ",
    ]


def test_the_screen_language_from_the_settings_speaks_the_shell_too() -> None:
    done = shell("help", "ui en", "exlpain", env={"POSTISUPPORT_UI_LANG": "sv"},
                 args=("--sandbox", "shell", "--no-audit"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:4] == [
        "Skriv det som den som ringer uppger, och de tjänster som hen inte kommer åt, om",
        "några:",
        "  ESIM0042      en e-postadress eller den gamla ärendekoden",
        "  olof@example.fi -s reports -s invoicing",
    ]
    assert done.stderr.splitlines() == [
        "postisupport [sandbox]> postisupport [sandbox]> your screen in English from now on",
        "postisupport [sandbox]> postisupport: error: unknown command 'exlpain'; did you mean 'explain'?",
        "postisupport [sandbox]> ",
    ]


def test_help_in_english_is_worded_as_before_and_fits_the_width() -> None:
    done = shell("help", args=("--sandbox", "shell", "--no-audit"))
    lines = done.stdout.splitlines()
    assert lines[:6] == [
        "Type what the caller gives, and the services they cannot reach, if any:",
        "  ESIM0042      an e-mail address or old legacy user ID",
        "  olof@example.fi -s reports -s invoicing",
        "                ... and the services (-s or --service)",
        '  "Aino Korhonen" --org 2345678-0',
        "                the caller by name within an organisation (name or business ID)",
    ]
    assert lines[6] == "A new identifier is a new caller, unverified until you type verified."
    assert lines[-2:] == [
        "Tab completes the commands, and after -s the services of the current caller's",
        "organisation. Type the start of an earlier line and press Up to find it again.",
    ]
    assert max(len(line) for line in lines) <= 80 and all(line == line.rstrip() for line in lines)

