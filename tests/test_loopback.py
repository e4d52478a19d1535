"""Over real HTTP on 127.0.0.1: the served sandbox, hostile servers, and the round-trip budget."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.idp import urns
from postisupport.sandbox.app import application
from tests.servers import Hostile, Timeline, serving


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`postisupport [ARGS] sandbox serve --port 0` in a subprocess; `param` may set "env" and "args"."""
    param = getattr(request, "param", {})
    env = {**os.environ, **param.get("env", {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "postisupport", *param.get("args", []), "sandbox", "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    yield process, url
    if process.poll() is None:
        process.kill()
        process.wait(10)


def test_sandbox_serve_answers_diagnoses_and_stops_on_sigterm(served, run) -> None:
    process, url = served
    assert url.startswith("http://127.0.0.1:") and url.endswith("/scim/v2")
    result = run("--api", url, "diagnose", "ESIM0042", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["outcome"] == "change-password"
    process.send_signal(signal.SIGTERM)
    assert process.wait(15) == 0
    assert "sandbox stopped" in process.stderr.read()


def test_sandbox_serve_stops_on_ctrl_c(served) -> None:
    process, _ = served
    process.send_signal(signal.SIGINT)
    assert process.wait(15) == 0


@pytest.mark.parametrize("served", [{"env": {"POSTISUPPORT_SANDBOX_TOKEN": "loopback-t0ken"}}], indirect=True)
def test_token_is_sent_and_never_shown(served, run, environ) -> None:
    _, url = served
    refused = run("--api", url, "diagnose", "ESIM0042")
    assert refused.exit_code == ExitStatus.AUTH
    assert "HTTP 401" in refused.stderr and "POSTISUPPORT_TOKEN" in refused.stderr
    environ["POSTISUPPORT_TOKEN"] = "loopback-t0ken"
    accepted = run("--api", url, "diagnose", "ESIM0042", "--json")
    assert accepted.exit_code == 0
    environ["POSTISUPPORT_TOKEN"] = "wrong-token-0123"
    wrong = run("--api", url, "diagnose", "ESIM0042", "--json")
    assert wrong.exit_code == ExitStatus.AUTH
    for result in (refused, accepted, wrong):
        assert "loopback-t0ken" not in result.stdout + result.stderr


SOLO = {"Users": [{"id": "x1", "userName": "solo@example.com",
                   urns.LOGIN_EXTENSION: {"legacyUserId": "SOLO1"}}]}


@pytest.fixture
def solo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "solo.json"
    path.write_text(json.dumps(SOLO))
    return path


@pytest.mark.parametrize("where", ["global", "command"])
def test_sandbox_serve_serves_the_file_given_before_or_after(where: str, solo_file: Path, run) -> None:
    args = (["--sandbox-data", str(solo_file), "sandbox", "serve"] if where == "global"
            else ["sandbox", "serve", "--data", str(solo_file)])
    process = subprocess.Popen([sys.executable, "-m", "postisupport", *args, "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        solo = run("--api", url, "diagnose", "solo1", "--json")
        demo = run("--api", url, "diagnose", "ESIM0042", "--json")
    finally:
        process.terminate()
        process.wait(10)
    assert (solo.exit_code, solo.json()["user"]["id"]) == (0, "x1")
    assert demo.json()["outcome"] == "not-found"


def test_serving_on_a_taken_port_is_a_usage_error(loopback_sandbox, run) -> None:
    port = loopback_sandbox.split(":")[2].split("/")[0]
    result = run("sandbox", "serve", "--port", port)
    assert result.exit_code == ExitStatus.USAGE
    assert "cannot listen on 127.0.0.1" in result.stderr


def test_an_address_that_cant_be_listened_on_is_one_line_without_the_exposure_warning(run) -> None:
    result = run("sandbox", "serve", "--host", "999.1.1.1", "--port", "0")
    assert (result.exit_code, result.stdout) == (ExitStatus.USAGE, "")
    assert result.stderr.startswith("postisupport: error: cannot listen on 999.1.1.1:0: ")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(("app", "code", "message"), [
    (Hostile(200, b"<html>maintenance</html>", b"text/html"), ExitStatus.API_ERROR, "not JSON"),
    (Hostile(200, b'{"Resources": 5}', b"application/json"), ExitStatus.API_ERROR, "malformed list"),
    (Hostile(500, json.dumps({"detail": "db down"}).encode(), b"application/scim+json"),
     ExitStatus.API_ERROR, "HTTP 500 to GET /Users: db down"),
    (Hostile(403, b"{}", b"application/json"), ExitStatus.AUTH, "refused access"),
    (Hostile(200, b"{}", b"application/json", delay=10), ExitStatus.UNREACHABLE, "within 1 s"),
    (Hostile(200, b"\xff\xfe garbage", b"application/json"), ExitStatus.API_ERROR, "not JSON"),
])
def test_broken_servers_get_one_line_and_a_code(app: Hostile, code: int, message: str, run) -> None:
    with serving(app) as url:
        result = run("--api", url, "--timeout", "1", "diagnose", "a@example.fi")
    assert result.exit_code == code
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr


def test_a_diagnosis_is_two_round_trips_deep_over_http(run) -> None:
    timeline = Timeline(application())
    with serving(timeline) as url:
        result = run("--api", url, "diagnose", "johanna.makinen@esimerkki.example.fi", "--json")
    assert result.json()["outcome"] == "contact-admin"
    assert timeline.count == 3
    assert timeline.depth() == 2


def test_a_diagnosis_against_an_api_does_not_load_the_scim2_libraries(loopback_sandbox) -> None:
    code = (
        "import sys\n"
        f"sys.argv = ['postisupport', '--api', '{loopback_sandbox}', 'diagnose', 'ESIM0042', '--json']\n"
        "from postisupport.cli import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in sys.modules if m.startswith('scim2')), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["outcome"] == "change-password"
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_ctrl_c_during_a_lookup_says_interrupted_and_exits_130() -> None:
    import time

    slow = Hostile(200, b"{}", b"application/json", delay=30)
    with serving(slow) as url:
        process = subprocess.Popen(
            [sys.executable, "-m", "postisupport", "--api", url, "--timeout", "60",
             "diagnose", "a@example.fi"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while slow.requests == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert slow.requests == 1, "the look-up never reached the server"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    assert (process.returncode, out, err) == (ExitStatus.INTERRUPTED, "", "postisupport: interrupted\n")
