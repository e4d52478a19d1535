"""Scripting postisupport: options shared by every command that reads (--trace), `diagnose --json
FIELDS`, `--jq`, identifiers on stdin, and shell completion."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from postisupport.cli.main import ExitStatus
from tests.servers import Hostile, serving

LIST = b'{"totalResults": 0, "Resources": []}'


# -- --trace FILE that can't be written --------------------------------------------------------------


@pytest.mark.parametrize(("where", "reason"), [
    ("missing/trace.log", "no such file or folder"),
    ("", "is a folder, not a file"),
])
@pytest.mark.parametrize("command", [["diagnose", "ESIM0042"], ["doctor"]])
def test_a_trace_that_cannot_be_written_is_refused_before_any_request(
    run, tmp_path: Path, where: str, reason: str, command: list[str]
) -> None:
    server = Hostile(200, LIST, b"application/scim+json")
    trace = tmp_path / where
    with serving(server) as url:
        result = run("--api", url, "--trace", str(trace), *command)
    assert (result.exit_code, result.stdout) == (ExitStatus.USAGE, "")
    assert result.stderr == f"postisupport: error: {trace}: {reason}\n"
    assert server.requests == 0


# -- diagnose --fields, --jq ------------------------------------------------------------------------


def test_fields_select_the_documents_keys_in_the_order_asked(run, loopback_sandbox: str) -> None:
    full = run("--api", loopback_sandbox, "diagnose", "ESIM0105", "-s", "invoicing", "--json").json()
    result = run("--api", loopback_sandbox, "diagnose", "ESIM0105", "-s", "invoicing",
                 "--fields", "step,outcome,user,step")
    assert (result.exit_code, result.stderr) == (0, "")
    assert list(result.json().items()) == [("step", full["step"]), ("outcome", "check-service-rights"),
                                           ("user", full["user"])]


def test_json_alone_is_the_whole_document_as_before(run, loopback_sandbox: str) -> None:
    from postisupport.output.document import FIELDS

    result = run("--api", loopback_sandbox, "diagnose", "ESIM0042", "--json")
    assert tuple(result.json()) == FIELDS == (
        "schema_version", "verified", "masked", "identifier", "outcome", "step", "problem", "rule",
        "matched_by", "user", "organisation", "admins", "unable_admins", "organisations",
        "organisation_chosen", "candidates", "candidates_total", "services", "actions", "evidence",
        "considered", "data_problems", "unknown", "script")


def test_jq_filters_the_document_strings_as_they_are(run, loopback_sandbox: str) -> None:
    jq = ".outcome, .step, .user.emails"
    result = run("--api", loopback_sandbox, "diagnose", "ESIM0042", "--jq", jq)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == 'change-password\n1\n["aino.korhonen@esimerkki.example.fi"]\n'
    selected = run("--api", loopback_sandbox, "diagnose", "ESIM0042", "--fields", "outcome,step",
                   "--jq", "keys")
    assert selected.stdout == '["outcome", "step"]\n'


def test_jq_tsv_lines_keep_their_tabs_other_controls_are_escaped(run) -> None:
    """Attack 25 F14: @tsv's tab came out as the six characters \\u0009, so no script could split it."""
    result = run("--sandbox", "diagnose", "ESIM0042", "--no-audit", "--jq",
                 '([.outcome, .rule] | @tsv), "a\\u001bb"')
    assert (result.exit_code, result.stdout) == (0, "change-password\tlogin.reset-pending\na\\u001bb\n")


@pytest.mark.parametrize(("args", "message"), [
    (["--fields", "outcome,stpe"], "--fields 'stpe' is no field of the diagnosis; the fields are "
     "schema_version, verified, masked, identifier, outcome, step, problem, rule, matched_by, user, "
     "organisation, admins, unable_admins, organisations, organisation_chosen, candidates, "
     "candidates_total, services, actions, evidence, considered, data_problems, unknown, script"),
    (["--fields", ","], "--fields needs field names, separated by commas: schema_version, verified, masked, "
     "identifier, outcome, step, problem, rule, matched_by, user, organisation, admins, unable_admins, "
     "organisations, organisation_chosen, candidates, candidates_total, services, actions, evidence, "
     "considered, data_problems, unknown, script"),
    (["--jq", ".["], "--jq cannot be compiled: syntax error, unexpected end of file at <top-level>, line 1, "
     "column 2"),
    (["--jq", ".step", "--script"], "give one of --format, --json (or --fields, --jq) and --script"),
    (["--format", "json", "--script"], "Invalid value for '--format': give one of --format, --json (or "
     "--fields, --jq) and --script"),
    (["--format", "xml"], "Invalid value for '--format': 'xml' is not one of screen, json, script"),
])
def test_a_bad_field_or_jq_expression_is_one_line_exit_2_before_any_request(run, args: list[str],
                                                                            message: str) -> None:
    server = Hostile(200, LIST, b"application/scim+json")
    with serving(server) as url:
        result = run("--api", url, "diagnose", "ESIM0042", *args)
    assert (result.exit_code, result.stdout, server.requests) == (ExitStatus.USAGE, "", 0)
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr


def test_a_jq_expression_failing_on_the_document_is_one_line_exit_2(run, loopback_sandbox: str) -> None:
    result = run("--api", loopback_sandbox, "diagnose", "ESIM0042", "--jq", ".outcome | tonumber")
    assert (result.exit_code, result.stdout) == (ExitStatus.USAGE, "")
    assert result.stderr.startswith("postisupport: error: --jq failed on the diagnosis: ")
    assert len(result.stderr.splitlines()) == 1


# -- diagnose - : identifiers on stdin --------------------------------------------------------------


def test_identifiers_on_stdin_are_one_diagnosis_each_one_document_a_line(run, env,
                                                                          loopback_sandbox: str) -> None:
    people = ["ESIM0042", "karin.holm@exempel.example.fi", "nobody@example.com"]
    result = run("--api", loopback_sandbox, "diagnose", "-", "--json", input="\n".join(people) + "\n\n")
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    one_by_one = [run("--api", loopback_sandbox, "diagnose", who, "--json", "--no-audit").json()
                  for who in people]
    assert [json.loads(line) for line in lines] == one_by_one
    assert len((env.state_dir / "audit.jsonl").read_text().splitlines()) == 3  # each look-up recorded


def test_a_failing_line_on_stdin_says_so_and_the_others_go_on(run, loopback_sandbox: str) -> None:
    result = run("--api", loopback_sandbox, "diagnose", "-", "--jq", ".outcome",
                 input="ESIM0042\nfoo@bar\n\nESIM0105\n")
    assert (result.exit_code, result.stdout) == (ExitStatus.USAGE,
                                                 "change-password\nuse-login-email\n")
    assert result.stderr == "postisupport: error: line 2: 'foo@bar' is not a valid e-mail address\n"


def test_identifiers_on_stdin_on_the_screen_are_one_screen_after_another(run, loopback_sandbox: str) -> None:
    result = run("--api", loopback_sandbox, "diagnose", "-", "--no-audit", input="ESIM0042\nESIM0105\n")
    first = run("--api", loopback_sandbox, "diagnose", "ESIM0042", "--no-audit")
    second = run("--api", loopback_sandbox, "diagnose", "ESIM0105", "--no-audit")
    assert (result.exit_code, result.stdout) == (0, first.stdout + second.stdout)


def test_jq_is_imported_only_when_asked_for() -> None:
    code = (
        "import sys\n"
        "from postisupport.cli.main import run\n"
        "from postisupport.config.environment import Environment\n"
        "run(['--help'], Environment())\n"
        "run(['--sandbox', 'diagnose', 'ESIM0042', '--fields', 'outcome', '--no-audit'], Environment())\n"
        "print('jq' in sys.modules, file=sys.stderr)\n"
        "run(['--sandbox', 'diagnose', 'ESIM0042', '--jq', '.step', '--no-audit'], Environment())\n"
        "print('jq' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.splitlines()[-2:] == ["False", "True"]


# -- shell completion -----------------------------------------------------------------------------

ROOT = Path(__file__).parent.parent


def postisupport(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "postisupport", *args], capture_output=True, text=True,
                          timeout=30, cwd=ROOT, env={**os.environ, **environ})


@pytest.mark.parametrize(("shell", "start"), [
    ("bash", "_postisupport_completion() {"), ("zsh", "#compdef postisupport"),
    ("fish", "complete --command postisupport --no-files"),
])
def test_completion_prints_the_shells_script(shell: str, start: str) -> None:
    done = postisupport("completion", shell)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(start) and "_POSTISUPPORT_COMPLETE=complete_" + shell in done.stdout


def test_completion_of_an_unknown_shell_is_a_usage_error(run) -> None:
    result = run("completion", "tcsh")
    assert (result.exit_code, result.stdout) == (ExitStatus.USAGE, "")
    assert result.stderr == ("postisupport: error: Invalid value for 'SHELL': Value error, 'tcsh' is not one "
                             "of 'bash', 'zsh', 'fish'. (see 'postisupport completion --help')\n")


COMMANDS = ["diagnose", "auth", "config", "audit", "sandbox", "mapping", "capture", "replay", "bulk",
            "doctor", "shell", "completion"]


def test_the_completion_protocol_lists_the_commands_and_their_options() -> None:
    bash = postisupport(COMP_WORDS="postisupport ", COMP_CWORD="1", _POSTISUPPORT_COMPLETE="complete_bash")
    assert (bash.returncode, bash.stdout.split()) == (0, COMMANDS)
    group = postisupport(COMP_WORDS="postisupport audit ", COMP_CWORD="2",
                         _POSTISUPPORT_COMPLETE="complete_bash")
    assert group.stdout.split() == ["find"]
    zsh = postisupport(_TYPER_COMPLETE_ARGS="postisupport diagnose --fi",
                       _POSTISUPPORT_COMPLETE="complete_zsh")
    assert zsh.stdout.startswith("_arguments '*: :((\"--fields\":\"JSON with only these fields")
    fish = postisupport(_TYPER_COMPLETE_ARGS="postisupport sh", _TYPER_COMPLETE_FISH_ACTION="get-args",
                        _POSTISUPPORT_COMPLETE="complete_fish")
    assert [line.split("\t")[0] for line in fish.stdout.splitlines()] == ["shell"]


@pytest.mark.parametrize(("format_name", "alias"), [("json", "--json"), ("script", "--script")])
def test_format_names_what_its_alias_prints(run, format_name: str, alias: str) -> None:
    """One registry of formats (issue 14): --json and --script are --format json and --format script."""
    named = run("--sandbox", "diagnose", "ESIM0042", "--no-audit", "--format", format_name)
    aliased = run("--sandbox", "diagnose", "ESIM0042", "--no-audit", alias)
    assert (named.exit_code, named.stdout, named.stderr) == (0, aliased.stdout, "")
    screen = run("--sandbox", "diagnose", "ESIM0042", "--no-audit", "--format", "screen")
    assert screen.stdout == run("--sandbox", "diagnose", "ESIM0042", "--no-audit").stdout
