"""Regression tests for what a third attacker's pass found in capture, data files, masking, doctor,
auth and --jq (findings H3, M4, M5, M6, M9, M10, M11, M14, M16).

Servers are the demo sandbox on loopback, its JSON answers changed on the way out by `Mutating`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.idp import urns
from postisupport.sandbox.app import application
from postisupport.sandbox.datafile import demo_data
from tests.servers import answer_of, send_answer, serving
from tests.test_cli import assert_error

AINO = "aino.korhonen@esimerkki.example.fi"  # ESIM0042, user u-1002: her reset request is pending
LOGIN = urns.LOGIN_EXTENSION
Change = Callable[[str, Any], Any]  # (request path, JSON answer) -> the answer sent


class Mutating:
    """The wrapped SCIM app, with every JSON answer passed through `change(path, body)` first."""

    def __init__(self, app: Any, change: Change) -> None:
        self.app, self.change = app, change

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, content = await answer_of(self.app, scope, receive)
        await send_answer(send, start, json.dumps(self.change(scope["path"], json.loads(content))).encode())


def users_changed(user_name: str, change: Callable[[dict[str, Any]], None]) -> Change:
    """A Change applying `change` to the user `user_name` wherever an answer holds her."""

    def changed(path: str, body: Any) -> Any:
        resources = body.get("Resources") if isinstance(body.get("Resources"), list) else [body]
        for item in resources:
            if isinstance(item, dict) and item.get("userName") == user_name:
                change(item)
        return body

    return changed


def api_run(run, change: Change, *args: str):
    with serving(Mutating(application(), change)) as url:
        return run("--api", url, "--allow-insecure-http", *args)


def demo_with(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    data = demo_data()
    change(next(u for u in data["Users"] if u["userName"] == AINO))
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data))
    return path


# -- H3: a pseudonymised capture keeps only the flags of the ServiceProviderConfig ----------------------


def talkative_config(path: str, body: Any) -> Any:
    if path.endswith("/ServiceProviderConfig"):
        body["documentationUri"] = "mailto:aino.korhonen@esimerkki.example.fi"
        body["x-owner"] = {"name": "Aino Korhonen", "phone": "+358 40 999 8888"}
        body["meta"]["location"] = "http://idp-internal.esimerkki.example.fi/scim/v2/ServiceProviderConfig"
        body["FILTER"] = body.pop("filter")  # attribute names in any case (RFC 7643 section 2.1)
        body["etag"]["supported"] = "Aino"  # of the wrong type: left out
        body["authenticationSchemes"] = [
            {"type": "oauthbearertoken", "name": "Ask Aino Korhonen", "description": "+358 40 999 8888",
             "documentationUri": "mailto:aino.korhonen@esimerkki.example.fi", "primary": True},
            {"type": "aino.korhonen@esimerkki.example.fi"}]
    return body


def test_a_pseudonymised_capture_keeps_only_the_supported_flags_of_the_service_provider_config(
    run, tmp_path: Path
) -> None:
    ticket = tmp_path / "ticket.json"
    made = api_run(run, talkative_config, "capture", "ESIM0042", "--pseudonymise", "-o", str(ticket))
    assert (made.exit_code, made.stdout) == (0, ""), made.stderr
    text = ticket.read_text()
    assert json.loads(text)["capture"]["service_provider_config"] == {
        "patch": {"supported": True},
        "bulk": {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576},
        "filter": {"supported": True, "maxResults": 1000},
        "changePassword": {"supported": True},
        "sort": {"supported": True},
        "authenticationSchemes": [{"type": "oauthbearertoken"}],
    }
    assert re.findall(r"(?i)aino|999 8888|idp-internal", text) == []
    replayed = run("replay", str(ticket))
    assert replayed.exit_code == 0, replayed.stderr


def test_a_capture_not_pseudonymised_keeps_the_service_provider_config_as_sent(run, tmp_path: Path) -> None:
    ticket = tmp_path / "ticket.json"
    made = api_run(run, talkative_config, "capture", "ESIM0042", "-o", str(ticket))
    assert made.exit_code == 0, made.stderr
    kept = json.loads(ticket.read_text())["capture"]["service_provider_config"]
    assert (kept["documentationUri"], kept["x-owner"]) == (
        "mailto:aino.korhonen@esimerkki.example.fi", {"name": "Aino Korhonen", "phone": "+358 40 999 8888"})


# -- M14: only the admin role is kept; any other role value gets a stand-in -----------------------------


MAIJA = "maija.virtanen@esimerkki.example.fi"  # Aino's organisation's administrator


def personal_roles(user: dict[str, Any]) -> None:
    user["roles"] = [{"value": "admin:Esimerkki Oy"}, {"value": " ADMIN "},
                     {"value": "maija.private@home.example.fi"}]


def test_a_pseudonymised_capture_keeps_the_admin_role_and_replaces_every_other_role(
    run, tmp_path: Path
) -> None:
    ticket = tmp_path / "ticket.json"
    made = api_run(run, users_changed(MAIJA, personal_roles), "capture", "ESIM0042", "--pseudonymise",
                   "-o", str(ticket))
    assert (made.exit_code, made.stdout) == (0, ""), made.stderr
    text = ticket.read_text()
    roles = [[r["value"] for r in u.get("roles", [])] for u in json.loads(text)["Users"]]
    [maija] = [values for values in roles if len(values) == 3]
    stand_in = re.compile(r"role-[0-9a-f]{8}")
    assert [maija[1], bool(stand_in.fullmatch(maija[0])), bool(stand_in.fullmatch(maija[2])),
            maija[0] != maija[2]] == ["admin", True, True, True]
    assert re.findall(r"(?i)esimerkki oy|maija\.private", text) == []
    # The administrator is still one: the stand-ins decide as the real directory did.
    replayed = run("replay", str(ticket), "--json")
    assert replayed.exit_code == 0, replayed.stderr
    assert len(replayed.json()["admins"]) == 1


def test_a_preferred_language_that_is_a_name_is_not_kept_by_a_pseudonymised_capture(
    run, tmp_path: Path
) -> None:
    ticket = tmp_path / "ticket.json"

    def named(user: dict[str, Any]) -> None:
        user["preferredLanguage"] = "Aino-Korhonen"

    made = api_run(run, users_changed(AINO, named), "capture", "ESIM0042", "--pseudonymise",
                   "-o", str(ticket))
    assert made.exit_code == 0, made.stderr
    assert re.findall(r"(?i)korhonen", ticket.read_text()) == []


# -- M4: a number Python won't read is a broken file, not an internal error ---------------------------


def huge_number_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.json"
    path.write_text('{"Users": [{"id": "u1", "userName": "a@b.example.fi", "x": ' + "9" * 5000
                    + '}], "Groups": []}')
    return path


def test_a_data_file_with_a_5000_digit_number_is_refused_naming_the_file(run, tmp_path: Path) -> None:
    path = huge_number_file(tmp_path)
    expected = re.escape(f"postisupport: error: sandbox data {path} is not valid JSON: a number in it "
                         "has more than 4300 digits")
    assert_error(run("--sandbox-data", str(path), "diagnose", "a@b.example.fi"), ExitStatus.USAGE,
                 f"^{expected}$")
    assert_error(run("sandbox", "serve", "--data", str(path), "--port", "0"), ExitStatus.USAGE,
                 f"^{expected}$")


def test_a_capture_file_with_a_5000_digit_step_is_no_capture_file(run, tmp_path: Path) -> None:
    ticket = tmp_path / "ticket.json"
    assert run("--sandbox", "capture", "ESIM0042", "-o", str(ticket)).exit_code == 0
    ticket.write_text(re.sub(r'"step": \d+', '"step": ' + "9" * 5000, ticket.read_text(), count=1))
    assert_error(run("replay", str(ticket)), ExitStatus.USAGE, "^" + re.escape(
        f"postisupport: error: {ticket} is not a capture file (made by `capture`): not valid JSON: a "
        "number in it has more than 4300 digits") + "$")


# -- M16: a moment at the edge of the calendar is a data problem, not a crash --------------------------


EDGE = "the edge of the calendar: no real moment"


@pytest.mark.parametrize(("sent", "read"), [
    ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59+00:00"),
    ("0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00+14:00"),
])
def test_a_moment_at_the_edge_of_the_calendar_from_the_api_is_a_data_problem(
    run, sent: str, read: str
) -> None:
    def edge(user: dict[str, Any]) -> None:
        user[LOGIN]["passwordResetSentAt"] = sent

    result = api_run(run, users_changed(AINO, edge), "diagnose", "ESIM0042", "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    document = result.json()
    assert document["user"]["passwordResetSentAt"] is None
    assert document["data_problems"] == [f"user u-1002: passwordResetSentAt: '{read}' ignored (at {EDGE})"]
    screen = api_run(run, users_changed(AINO, edge), "diagnose", "ESIM0042", "--explain")
    assert (screen.exit_code, screen.stderr) == (0, "")
    assert "- user u-1002: passwordResetSentAt: " in screen.stdout


def test_a_moment_at_the_edge_of_the_calendar_in_a_data_file_is_a_data_problem_everywhere(
    run, tmp_path: Path
) -> None:
    def edge(user: dict[str, Any]) -> None:
        user[LOGIN]["lastLoginTime"] = "9999-12-31T23:59:59Z"

    data = str(demo_with(tmp_path, edge))
    problem = f"user u-1002: lastLoginTime: '9999-12-31T23:59:59+00:00' ignored (at {EDGE})"
    diagnosed = run("--sandbox-data", data, "diagnose", "ESIM0042", "--json")
    assert (diagnosed.exit_code, diagnosed.stderr) == (0, "")
    assert (diagnosed.json()["user"]["lastLoginTime"], diagnosed.json()["data_problems"]) == (None, [problem])
    ticket = tmp_path / "ticket.json"
    captured = run("--sandbox-data", data, "capture", "ESIM0042", "-o", str(ticket))
    assert (captured.exit_code, captured.stdout) == (0, ""), captured.stderr
    assert json.loads(ticket.read_text())["capture"]["diagnosis"]["data_problems"] == [problem]
    shell = run("--sandbox-data", data, "shell", input="ESIM0042\nquit\n")
    assert (shell.exit_code, "Traceback" in shell.stdout + shell.stderr) == (0, False), shell.stderr
    assert "internal error" not in shell.stdout + shell.stderr


# -- M10, M11: --mask shows no personal value a directory put where it does not belong --------------------


def address_as_language(user: dict[str, Any]) -> None:
    user["preferredLanguage"] = "aino.private3@home.example.fi"


def test_mask_does_not_show_an_address_given_as_the_preferred_language(run) -> None:
    change = users_changed(AINO, address_as_language)
    document = api_run(run, change, "diagnose", "ESIM0042", "--mask", "--json").json()
    assert document["user"]["preferredLanguage"] == "a***3@h***.fi"
    screen = api_run(run, change, "diagnose", "ESIM0042", "--mask")
    assert screen.exit_code == 0
    assert "The directory gives the caller's language as a***3@h***.fi," in screen.stdout
    assert "private3" not in screen.stdout
    # Unmasked it is shown as the directory has it; a real tag is shown masked or not.
    assert api_run(run, change, "diagnose", "ESIM0042", "--json").json()["user"]["preferredLanguage"] == (
        "aino.private3@home.example.fi")
    assert run("--sandbox", "diagnose", "ESIM0042", "--mask", "--json").json()["user"][
        "preferredLanguage"] == "fi"


def named_addresses(user: dict[str, Any]) -> None:
    user["emails"] = [{"value": AINO, "primary": True},
                      {"value": "Aino Private <aino.private2@home.example.fi>"}]
    user["phoneNumbers"] = [{"value": 358401234567}]
    user[LOGIN]["lastLoginTime"] = "2021-13-01"


def test_mask_masks_the_personal_values_data_problems_quote(run) -> None:
    change = users_changed(AINO, named_addresses)
    document = api_run(run, change, "diagnose", "ESIM0042", "--mask", "--json").json()
    assert document["data_problems"] == [
        "user u-1002: phoneNumbers.value: **********67 ignored (not a string)",
        "user u-1002: lastLoginTime: '2021-13-01' ignored (not a dateTime (YYYY-MM-DDThh:mm:ss))",
        "user u-1002: emails: 'A. P. <a***2@h***.fi>' is not an e-mail address",
    ]
    explained = api_run(run, change, "diagnose", "ESIM0042", "--mask", "--explain")
    assert "- user u-1002: emails: 'A. P. <a***2@h***.fi>' is not an e-mail address" in explained.stdout
    assert re.findall(r"Private|358401234567", explained.stdout) == []
    # Unmasked, the problem quotes the value as the directory has it.
    assert api_run(run, change, "diagnose", "ESIM0042", "--json").json()["data_problems"][2] == (
        "user u-1002: emails: 'Aino Private <aino.private2@home.example.fi>' is not an e-mail address")


# -- M6: an unexpected extra argument is never repeated: it may be a secret ------------------------------


SECRET = "Tk-secret-0123456789abcdef"


def test_auth_login_does_not_echo_a_secret_given_as_an_argument(run) -> None:
    result = run("auth", "login", "--profile", "w", "--api", "https://idp.example.com/scim/v2",
                 "--with-token", SECRET)
    assert_error(result, ExitStatus.USAGE, "^" + re.escape(
        "postisupport: error: an unexpected extra argument (not shown: it may be a secret); a token or "
        "client secret is read from stdin only (see 'postisupport auth login --help')") + "$")
    assert SECRET not in result.stderr


def test_no_command_repeats_unexpected_extra_arguments(run) -> None:
    result = run("--sandbox", "diagnose", "ESIM0042", SECRET, "second")
    assert_error(result, ExitStatus.USAGE, "^" + re.escape(
        "postisupport: error: an unexpected extra argument (not shown: it may be a secret) "
        "(see 'postisupport diagnose --help')") + "$")


# -- M5: a rate-limiting server refuses nothing ----------------------------------------------------------


class RateLimiting:
    """Every request answered 429 Too Many Requests, to be asked again at once."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 429,
                    "headers": [(b"content-type", b"application/scim+json"), (b"retry-after", b"0")]})
        await send({"type": "http.response.body", "body": b'{"status": "429", "detail": "slow down"}'})


def test_doctor_says_a_rate_limiting_server_is_rate_limiting_not_refusing(run) -> None:
    with serving(RateLimiting()) as url:
        result = run("--api", url, "doctor", "--json")
    # N6: not tested is no failure: exit 5 (run again later), never 8 (can't be trusted).
    assert result.exit_code == ExitStatus.API_ERROR, result.stderr
    checks = {c["id"]: c for c in json.loads(result.stdout)}
    said = ("not tested: the server is rate limiting (the identity API answered HTTP 429 to GET /Users: "
            "slow down); rate limited: run doctor again later")
    assert checks["refusals"] == {"id": "refusals", "status": "warn", "detail": said, "consequence": None}
    assert checks["filters"] == {"id": "filters", "status": "warn", "detail": said, "consequence": None}
    assert [c["id"] for c in checks.values() if "refuses" in c["detail"]] == []


# -- M9: Ctrl-C stops a runaway --jq --------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_ctrl_c_stops_a_runaway_jq_program_and_its_worker() -> None:
    command = [sys.executable, "-m", "postisupport", "--sandbox", "diagnose", "ESIM0042",
               "--jq", "repeat(.)|empty"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            deadline = time.monotonic() + 30
            while not children(process.pid):  # the program runs once its worker is there
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
            worker = children(process.pid)
            time.sleep(0.5)  # well into the runaway program
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=10)
        finally:
            process.kill()  # whatever went wrong, no runaway is left behind
    assert (process.returncode, out, err) == (ExitStatus.INTERRUPTED, "", "postisupport: interrupted\n")
    assert [pid for pid in worker if Path(f"/proc/{pid}").exists()] == []


def at_most_4_gb() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))


def test_a_jq_program_that_wants_all_the_memory_is_stopped() -> None:
    # In a process of its own, bounded too: without the worker's bound it would take the machine's. The
    # worker's bound made smaller, or filling 1 GB takes most of a minute.
    smaller = ("import sys; from postisupport.output import document; document.JQ_MEMORY = 256 * 2**20; "
               "from postisupport.cli.main import main; sys.argv[0] = 'postisupport'; main()")
    result = subprocess.run(
        [sys.executable, "-c", smaller, "--sandbox", "diagnose", "ESIM0042", "--jq", "[range(1e9)] | length"],
        capture_output=True, text=True, timeout=120, preexec_fn=at_most_4_gb)
    assert (result.returncode, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "",
        "postisupport: error: --jq failed on the diagnosis: jq stopped: it needed more than 256 MB of "
        "memory\n")


def test_jq_still_streams_results_and_reports_its_own_errors(run) -> None:
    assert run("--sandbox", "diagnose", "ESIM0042", "--jq", ".step, .user.id, [1, \"a\"]").stdout == (
        '1\nu-1002\n[1, "a"]\n')
    assert_error(run("--sandbox", "diagnose", "ESIM0042", "--jq", 'error("no")'), ExitStatus.USAGE,
                 r"^postisupport: error: --jq failed on the diagnosis: no$")


# -- N5: the --jq worker dies with postisupport, however postisupport dies ------------------------------


def running(pid: int) -> bool:
    """Whether `pid` still runs: a zombie (dead, waiting for a reaper that may never come) does not."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def gone_within(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [pid for pid in pids if running(pid)]


def runaway(command: list[str]) -> tuple[subprocess.Popen[str], list[int]]:
    """`command` started, once its jq worker is there and well into its runaway program."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not children(process.pid):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    return process, children(process.pid)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_the_jq_worker_dies_with_postisupport(number: signal.Signals) -> None:
    process, workers = runaway([sys.executable, "-m", "postisupport", "--sandbox", "diagnose", "ESIM0042",
                                "--jq", "repeat(.)|empty"])
    try:
        assert len(workers) == 1
        process.send_signal(number)
        out, err = process.communicate(timeout=10)
        left = gone_within(workers, 5)
    finally:
        process.kill()
        for pid in workers:  # whatever went wrong, no runaway is left behind
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    assert (process.returncode, out, err, left) == (-number, "", "", [])


WATCHED = """
import sys
from postisupport.output import document
document.DEATH_WATCH = "watch"  # as where there is no PR_SET_PDEATHSIG
for _ in document.JqProgram("repeat(.)|empty").results({}):
    pass
"""


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_without_pdeathsig_the_jq_worker_is_watched_and_dies_with_its_parent_too() -> None:
    process, workers = runaway([sys.executable, "-c", WATCHED])
    try:
        watchers = [pid for worker in workers for pid in children(worker)]
        assert (len(workers), len(watchers)) == (1, 1)
        process.kill()  # nothing of ours runs after this: only the watcher can stop the worker
        process.communicate(timeout=10)
        left = gone_within(workers + watchers, 5)
    finally:
        process.kill()
        for pid in workers:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    assert (process.returncode, left) == (-signal.SIGKILL, [])


@pytest.mark.parametrize(("expression", "said"), [
    ('"boom\\n" | halt_error(5)', "boom"),
    ('.step | halt_error(3)', "1"),
    ('{a: 1} | halt_error', '{"a": 1}'),
    ('"" | halt_error', None),
])
def test_halt_error_says_its_message_on_stderr_and_exits_2(run, expression: str, said: str | None) -> None:
    result = run("--sandbox", "diagnose", "ESIM0042", "--jq", expression)
    message = "postisupport: error: --jq stopped with halt_error" + (f": {said}" if said else "")
    assert (result.exit_code, result.stdout, result.stderr) == (ExitStatus.USAGE, "", message + "\n")


def test_results_before_halt_error_are_printed_and_a_plain_halt_is_a_quiet_end(run) -> None:
    result = run("--sandbox", "diagnose", "ESIM0042", "--jq", '.step, ("done" | halt_error), 9')
    assert (result.exit_code, result.stdout, result.stderr) == (
        ExitStatus.USAGE, "1\n", "postisupport: error: --jq stopped with halt_error: done\n")
    result = run("--sandbox", "diagnose", "ESIM0042", "--jq", ".step, halt, 9")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "1\n", "")

