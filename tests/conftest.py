"""Shared fixtures: an isolated environment, the CLI run in-process, and real sandbox servers."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from postisupport import cli, sandbox


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's API, token, config or keyring."""
    for name in ("POSTISUPPORT_API_URL", "POSTISUPPORT_TOKEN", "POSTISUPPORT_DEBUG",
                 "POSTISUPPORT_SANDBOX_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.setenv("COLUMNS", "80")


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run the console script in-process, exactly as `postisupport ARGS` would."""

    def invoke(*args: str) -> Result:
        monkeypatch.setattr(sys, "argv", ["postisupport", *args])
        capsys.readouterr()
        try:
            cli.main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return invoke


@dataclass
class Server:
    url: str
    app: sandbox.SandboxApplication


def start_server(app: Any) -> tuple[Any, threading.Thread, str]:
    import uvicorn

    sock, url = sandbox.bind("127.0.0.1", 0)
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    return server, thread, url


@pytest.fixture
def loopback_sandbox() -> Iterator[Server]:
    """The demo sandbox over real HTTP on 127.0.0.1, on a free port."""
    app = sandbox.application()
    server, thread, url = start_server(app)
    yield Server(url, app)
    server.should_exit = True
    thread.join(10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
