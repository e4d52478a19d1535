"""Shared fixtures: an isolated Environment for every test, the CLI run in-process, a loopback sandbox."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from postisupport.cli.main import run as run_cli
from postisupport.config.environment import Environment
from postisupport.sandbox.app import application
from tests.servers import serving


class MemoryKeyring(KeyringBackend):
    """A keyring in memory, so no test reads or writes the developer's real one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """No test sees the developer's API, token or config: the process environment loses every
    POSTISUPPORT_* variable (subprocesses inherit that), and in-process runs get a copy to change."""
    for name in [n for n in os.environ if n.startswith("POSTISUPPORT_") or n == "SSL_CERT_FILE"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("COLUMNS", "80")
    # Subprocesses get a keyring that has nothing and stores nothing, never the developer's real one.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return dict(os.environ)


@pytest.fixture
def env(environ: dict[str, str], tmp_path: Path) -> Environment:
    """The Environment in-process runs use; streams are bound when a command runs."""
    return Environment(environ=environ, config_home=tmp_path / "config" / "postisupport",
                       state_home=tmp_path / "state" / "postisupport")


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

    def invoke(*args: str, input: str | None = None) -> Result:
        capsys.readouterr()
        # sys.stdout is capsys's capture now; Click's own help output goes there too.
        env.stdin = io.StringIO(input) if input is not None else sys.stdin
        env.stdout, env.stderr = sys.stdout, sys.stderr
        code = run_cli(list(args), env)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return invoke


@pytest.fixture
def loopback_sandbox() -> Iterator[str]:
    """The demo sandbox over real HTTP on 127.0.0.1, on a free port: its SCIM base URL."""
    with serving(application()) as url:
        yield url


@pytest.fixture(autouse=True)
def fresh_redaction() -> Iterator[None]:
    """Each test folds the secrets' forms anew: cached from another test (or from the run a mutation
    test forks from), a change to how they are made would go untested."""
    from postisupport.core import text

    text._folded_forms.cache_clear()
    text._forms.cache_clear()
    yield
