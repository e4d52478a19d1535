"""Shared fixtures: an isolated Environment for every test, the CLI run in-process, a loopback sandbox."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from postisupport.cli.main import run as run_cli
from postisupport.config.environment import Environment
from postisupport.sandbox.app import application
from tests.servers import serving


@pytest.fixture(autouse=True)
def environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """No test sees the developer's API, token or config: the process environment loses every
    POSTISUPPORT_* variable (subprocesses inherit that), and in-process runs get a copy to change."""
    for name in [n for n in os.environ if n.startswith("POSTISUPPORT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("COLUMNS", "80")
    return dict(os.environ)


@pytest.fixture
def env(environ: dict[str, str], tmp_path: Path) -> Environment:
    """The Environment in-process runs use; streams are bound when a command runs."""
    return Environment(environ=environ, config_home=tmp_path / "config" / "postisupport")


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], env: Environment):
    """Run the command line in-process, exactly as `postisupport ARGS` would, in the test's Environment."""

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        # sys.stdout is capsys's capture now; Click's own help output goes there too.
        env.stdin, env.stdout, env.stderr = sys.stdin, sys.stdout, sys.stderr
        code = run_cli(list(args), env)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return invoke


@pytest.fixture
def loopback_sandbox() -> Iterator[str]:
    """The demo sandbox over real HTTP on 127.0.0.1, on a free port: its SCIM base URL."""
    with serving(application()) as url:
        yield url
