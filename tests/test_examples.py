"""Every example in the README, in docs/ and in each command's --help runs as printed.

Each document's examples run in order, as a shell would run them (redirections included), in a
fresh folder with their own home, config and state: what a reader does after a fresh clone. An
example against a real identity API (`https://idp.example.com/scim/v2` and its OAuth2 token
endpoint, or `sandbox serve`'s port) gets the demo sandbox served on a free loopback port in its
place, behind a token endpoint that knows the docs' client; the keyring is a file the test owns;
nothing else is changed. `sandbox serve` itself is started in the background
and stopped after the document.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from postisupport.cli.app import commands
from postisupport.sandbox.app import application
from tests.ldapservers import openldap
from tests.servers import OAuthServer, free_port, serving

ROOT = Path(__file__).parent.parent
DOCUMENTS = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]
# A command line: postisupport itself, or a pipe into it, or the quick start's install.
EXAMPLE = re.compile(r"^ {4,}((?:[a-z][\w.-]* [^|]*\| *)?postisupport .*|python3 -m venv .*)$")
REAL_API = "https://idp.example.com/scim/v2"
# The docs' LDAP directory: a real OpenLDAP (tests/ldapservers) over TLS takes its place, its CA trusted.
REAL_DIRECTORY = "ldaps://ldap.example.fi"
REAL_TOKEN_URL = "https://idp.example.com/oauth2/token"
TOKEN = "example-token-for-the-docs-0123456789"
CLIENT_ID, CLIENT_SECRET = "support-desk", "example-client-secret-0123456789"
# What only a shell does: such an example runs in bash, the others in this process.
SHELL_SYNTAX = re.compile(r"[|<>;&$`*?~(){}\[\]\\]")

pytestmark = pytest.mark.slow


def examples_in(text: str) -> list[str]:
    """Indented command lines, with backslash continuations joined and trailing comments cut."""
    found: list[str] = []
    lines = iter(text.splitlines())
    for line in lines:
        match = EXAMPLE.match(line)
        if not match:
            continue
        command = match.group(1)
        while command.rstrip().endswith("\\"):
            command = command.rstrip()[:-1].rstrip() + " " + next(lines).strip()
        found.append(_without_comment(command).strip())
    return found


def _without_comment(command: str) -> str:
    """The command without a trailing `# comment`; a # inside quotes or a word stays."""
    quote = ""
    for at, char in enumerate(command):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and at > 0 and command[at - 1].isspace():
            return command[:at]
    return command


def help_examples() -> list[str]:
    """The `Example:` line of every command's --help, unwrapped."""
    found = []
    for _, command, ctx in commands(terminal_width=10_000):
        for line in command.get_help(ctx).splitlines():
            if line.strip().startswith("Example: "):
                found.append(line.strip().removeprefix("Example: "))
    return found


KEYRING = '''
import json, os
from keyring.backend import KeyringBackend

class FileKeyring(KeyringBackend):
    priority = 1
    def _load(self):
        try:
            with open(os.environ["EXAMPLE_KEYRING"]) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}
    def get_password(self, service, username):
        return self._load().get(service + "/" + username)
    def set_password(self, service, username, password):
        entries = self._load()
        entries[service + "/" + username] = password
        with open(os.environ["EXAMPLE_KEYRING"], "w") as f:
            json.dump(entries, f)
    def delete_password(self, service, username):
        from keyring.errors import PasswordDeleteError
        entries = self._load()
        if entries.pop(service + "/" + username, None) is None:
            raise PasswordDeleteError(username)
        with open(os.environ["EXAMPLE_KEYRING"], "w") as f:
            json.dump(entries, f)
'''


class Reader:
    """A reader's fresh folder and shell, and a sandbox served where the docs name a real API."""

    def __init__(self, folder: Path, configured: bool = False) -> None:
        self.folder = folder
        self.configured = configured  # the desk's API always set up in the environment
        self.port = free_port()
        self.background: list[subprocess.Popen[bytes]] = []
        (folder / "token.txt").write_text(TOKEN + "\n")
        (folder / "client-secret.txt").write_text(CLIENT_SECRET + "\n")
        (folder / "password.txt").write_text(openldap.READER_PASSWORD + "\n")
        (folder / "example_keyring.py").write_text(KEYRING)
        bin_folder = str(Path(sys.executable).parent)
        self.environ = {
            **{k: v for k, v in os.environ.items() if not k.startswith("POSTISUPPORT_")},
            "PATH": bin_folder + os.pathsep + os.environ.get("PATH", ""),
            "HOME": str(folder / "home"), "XDG_CONFIG_HOME": str(folder / "config"),
            "XDG_STATE_HOME": str(folder / "state"), "NO_COLOR": "1", "COLUMNS": "80",
            "PYTHONPATH": str(folder), "PYTHON_KEYRING_BACKEND": "example_keyring.FileKeyring",
            "EXAMPLE_KEYRING": str(folder / "keyring.json"),
        }
        self.api: str | None = None
        self.directory: str | None = None
        self.serving: contextlib.ExitStack = contextlib.ExitStack()

    def as_run_here(self, command: str) -> str:
        command = command.replace("--port 8080", f"--port {self.port}")
        command = command.replace("127.0.0.1:8080", f"127.0.0.1:{self.port}")
        if REAL_API in command or REAL_TOKEN_URL in command:
            api = self.served()
            token_url = api.removesuffix("/scim/v2") + "/token"
            command = command.replace(REAL_API, api).replace(REAL_TOKEN_URL, token_url)
        if REAL_DIRECTORY in command:
            command = command.replace(REAL_DIRECTORY, self.directory_served())
        return command

    def directory_served(self) -> str:
        """The docs' LDAP directory: a real slapd over TLS, started on first need, its CA trusted as a
        reader's system would trust the real one's (SSL_CERT_FILE)."""
        if self.directory is None:
            server = self.serving.enter_context(openldap.running(self.folder.parent / "slapd"))
            self.environ["SSL_CERT_FILE"] = str(server.ca_file)
            self.directory = server.ldaps_url
        return self.directory

    def environ_for(self, command: str) -> dict[str, str]:
        """A command that names no directory runs against the desk's configured one: until an
        example has run `auth login`, the reader's desk is set up in the environment."""
        names_one = re.search(r"--sandbox\b|--sandbox-data\b|--api\b|--profile\b|sandbox serve", command)
        logged_in = (self.folder / "config" / "postisupport" / "config.toml").exists()
        if not self.configured and (names_one or logged_in):
            return self.environ
        return {**self.environ, "POSTISUPPORT_API_URL": self.served(), "POSTISUPPORT_TOKEN": TOKEN}

    def served(self) -> str:
        """The demo sandbox on a loopback port, started on first need: it takes the docs' bearer
        token, and tokens its OAuth2 endpoint (`/token`) issues to the docs' client."""
        if self.api is None:
            desk = OAuthServer(application(), CLIENT_ID, CLIENT_SECRET)
            desk.issued.append(TOKEN)
            self.api = self.serving.enter_context(serving(desk))
        return self.api

    def start(self, command: str, port: int) -> None:
        process = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=self.folder, env=self.environ,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.background.append(process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                import socket

                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return
            except OSError:
                assert process.poll() is None, f"{command!r} ended: {process.stderr.read()!r}"  # type: ignore[union-attr]
                time.sleep(0.1)
        raise AssertionError(f"{command!r} never listened on {port}")

    def run(self, command: str) -> subprocess.CompletedProcess[str]:
        if re.search(r"sandbox serve\b", command):
            port = re.search(r"--port (\d+)", command)
            self.stop_background()  # the same port, served again
            self.start(command, int(port.group(1)) if port else 8080)
            return subprocess.CompletedProcess(command, 0, "", "")
        if command.startswith("postisupport ") and not SHELL_SYNTAX.search(command):
            return self.run_here(command)
        return subprocess.run(["bash", "-c", command], cwd=self.folder, env=self.environ_for(command),
                              text=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=120)

    def run_here(self, command: str) -> subprocess.CompletedProcess[str]:
        """A plain `postisupport ARGS` run in this process, in the world a shell would give it: the
        reader's folder, environment and keyring, no stdin. A process of its own costs a second of
        imports each (the sandbox's SCIM models), and the examples are many; what a shell adds
        (pipes, redirections) runs in bash."""
        import io
        from contextlib import redirect_stderr, redirect_stdout

        import keyring

        from postisupport.cli.main import run as run_cli
        from postisupport.config.environment import Environment

        namespace: dict[str, object] = {}
        exec(KEYRING, namespace)  # the backend subprocesses load by PYTHON_KEYRING_BACKEND
        saved_environ, saved_folder, saved_keyring = dict(os.environ), os.getcwd(), keyring.get_keyring()
        out, err = io.StringIO(), io.StringIO()
        try:
            os.environ.clear()
            os.environ.update(self.environ_for(command))
            os.chdir(self.folder)
            keyring.set_keyring(namespace["FileKeyring"]())  # type: ignore[operator]
            with redirect_stdout(out), redirect_stderr(err):
                code = run_cli(shlex.split(command)[1:], Environment(stdin=io.StringIO(""), stdout=out,
                                                                     stderr=err))
        finally:
            os.environ.clear()
            os.environ.update(saved_environ)
            os.chdir(saved_folder)
            keyring.set_keyring(saved_keyring)
        return subprocess.CompletedProcess(command, code, out.getvalue(), err.getvalue())

    def stop(self) -> None:
        self.serving.close()
        self.stop_background()

    def stop_background(self) -> None:
        for process in self.background:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
        self.background.clear()


@pytest.fixture
def reader(tmp_path: Path) -> Iterator[Reader]:
    folder = tmp_path / "reader"
    folder.mkdir()
    reading = Reader(folder)
    yield reading
    reading.stop()


def _runs_as_printed(reader: Reader, examples: list[str]) -> None:
    assert _failures(reader, examples) == []


def _failures(reader: Reader, examples: list[str]) -> list[str]:
    failures = []
    for example in examples:
        if example.startswith("python3 -m venv"):
            continue  # the quick start's install, which CI itself has just done
        done = reader.run(reader.as_run_here(example))
        if done.returncode != 0:
            failures.append(f"{example}\n  exit {done.returncode}: {done.stderr.strip()[-400:]}")
    return failures


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_example_in_a_document_runs_as_printed(document: str, reader: Reader) -> None:
    examples = examples_in((ROOT / document).read_text(encoding="utf-8"))
    _runs_as_printed(reader, examples)


def test_every_example_in_the_help_runs_as_printed(reader: Reader) -> None:
    # Help examples are no story told in order: each runs on a desk whose API is set up.
    reader.configured = True
    _runs_as_printed(reader, help_examples())


def test_the_example_reader_finds_commands_joins_continuations_and_cuts_comments() -> None:
    text = ("Run it:\n\n    postisupport --sandbox diagnose ESIM0042   # the screen\n"
            "    postisupport auth login --api URL \\\n        --with-token < token.txt\n"
            "    postisupport --sandbox diagnose 'a#b@example.com'\n"
            "    cut -d, -f1 users.csv | postisupport bulk -\n\nnot postisupport here\n")
    assert examples_in(text) == ["postisupport --sandbox diagnose ESIM0042",
                                 "postisupport auth login --api URL --with-token < token.txt",
                                 "postisupport --sandbox diagnose 'a#b@example.com'",
                                 "cut -d, -f1 users.csv | postisupport bulk -"]


def test_the_reader_has_a_postisupport_to_run() -> None:
    assert shutil.which("postisupport", path=str(Path(sys.executable).parent))


@pytest.mark.parametrize("broken", ["postisupport --sandbox diagnose foo@bar",
                                    "echo x | postisupport --sandbox diagnose foo@bar"])
def test_the_reader_fails_an_example_that_fails_here_or_in_bash(reader: Reader, broken: str) -> None:
    assert _failures(reader, [broken, "postisupport --sandbox diagnose ESIM0042"]) == [
        f"{broken}\n  exit 2: postisupport: error: 'foo@bar' is not a valid e-mail address"]


# A line of a code block that starts a command a reader would paste into a shell.
COMMAND_LINE = re.compile(r"^ {4,}(?:postisupport|printf|echo|cat|python3?|pip|cut|head|jq) ")


@pytest.mark.parametrize("document", DOCUMENTS)
def test_no_command_in_a_document_leaves_a_quote_open_to_the_next_line(document: str) -> None:
    """F26-1: `printf 'ESIM0042` with the \\n escapes written as real line breaks broke the code block in
    two and was never run as an example: only its last line named postisupport."""
    text = (ROOT / document).read_text(encoding="utf-8")
    open_quoted = []
    for number, line in enumerate(text.splitlines(), 1):
        if COMMAND_LINE.match(line):
            try:
                shlex.split(_without_comment(line).rstrip().rstrip("\\"))
            except ValueError:
                open_quoted.append(f"{document}:{number}: {line.strip()}")
    assert open_quoted == []
