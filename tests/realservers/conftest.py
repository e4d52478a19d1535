"""Real SCIM servers, as they come, for the tests of issue 14: each is started once per session (per
xdist worker: each worker that needs one starts its own) on 127.0.0.1 on a free port, waited for
until it answers, seeded over its own API (tests/realservers/seed.py) and stopped at the end."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.realservers.seed import seed
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SERVERS = ROOT / "tests" / "servers"
TOKEN = "realservers-token"
START_TIMEOUT = 30.0


@dataclass
class Server:
    name: str
    url: str  # the SCIM base URL
    ids: dict[str, str]  # the server's ids of the seed's users and groups, by seed key
    process: subprocess.Popen[str]

    def get(self, path: str, **params: str) -> httpx.Response:
        return httpx.get(
            f"{self.url}/{path}",
            params=params,
            timeout=10,
            headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/scim+json"},
        )

    def users(self, scim_filter: str) -> httpx.Response:
        return self.get("Users", filter=scim_filter)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def _answers(url: str) -> bool:
    try:
        response = httpx.get(
            f"{url}/ServiceProviderConfig", timeout=2, headers={"Authorization": f"Bearer {TOKEN}"}
        )
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def _wait(process: subprocess.Popen[str], url: str | None, name: str) -> str:
    """Until the server answers /ServiceProviderConfig; its URL (read from its first line when None)."""
    deadline = time.monotonic() + START_TIMEOUT
    assert process.stdout is not None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read() if process.stderr else ""
            raise RuntimeError(f"{name} exited with {process.returncode} before it answered: {err[-2000:]}")
        if url is None:
            ready, _, _ = select.select([process.stdout], [], [], 0.1)
            if ready:
                line = process.stdout.readline()
                if line.startswith("listening on "):
                    url = line.removeprefix("listening on ").strip()
            continue
        if _answers(url):
            return url
        time.sleep(0.1)
    _stop(process)
    raise RuntimeError(f"{name} did not answer within {START_TIMEOUT:.0f} s")


def _start(
    name: str,
    command: list[str],
    *,
    url: str | None = None,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[str], str]:
    # stderr to a pipe is read only if the server dies; a server that logs much would fill it, so the
    # ones that log each request go quiet (their own options) or to DEVNULL.
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        text=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        return process, _wait(process, url, name)
    except BaseException:
        _stop(process)
        raise


def _scim2_server(name: str, *options: str, wso2: bool = False) -> Iterator[Server]:
    executable = Path(sys.executable).with_name("scim2-server")
    for attempt in range(3):  # a free port may be taken by another worker before the server binds it
        port = free_port()
        try:
            process, url = _start(
                name,
                [str(executable), "--hostname", "127.0.0.1", "--port", str(port), *options],
                url=f"http://127.0.0.1:{port}/v2",
            )
            break
        except RuntimeError:
            if attempt == 2:
                raise
    try:
        yield Server(name, url, seed(url, wso2=wso2, token=TOKEN), process)
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def scim2_server() -> Iterator[Server]:
    """Stock scim2-server: its own CLI, the standard schemas only (core User with EnterpriseUser, Group)."""
    yield from _scim2_server("scim2-server")


@pytest.fixture(scope="session")
def wso2_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """scim2-server with WSO2's `urn:scim:wso2:schema` User extension loaded beside RFC 7643's schemas."""
    import scim2_server

    defaults = Path(scim2_server.__file__).parent / "resources" / "default-schemas.json"
    wso2 = json.loads((SERVERS / "wso2" / "wso2-schema.json").read_text())
    schemas = [*json.loads(defaults.read_text()), wso2]
    path = tmp_path_factory.mktemp("wso2") / "schemas.json"
    path.write_text(json.dumps(schemas))
    yield from _scim2_server(
        "wso2-shaped scim2-server",
        "--schema",
        str(path),
        "--resource-type",
        str(SERVERS / "wso2" / "resource-types.json"),
        wso2=True,
    )


def _npm_ci(folder: Path) -> None:
    """The app's packages, from its lockfile, when they are not there yet: the README's test command
    is complete wherever node is. One xdist worker installs them while the others wait."""
    import fcntl

    with open(folder / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "node_modules" / "scimmy-routers").is_dir():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder,
                           check=False, capture_output=True, timeout=300)


@pytest.fixture(scope="session")
def scimmy_server() -> Iterator[Server]:
    """SCIMMY with scimmy-routers on express (tests/servers/scimmy/server.js)."""
    node = shutil.which("node")
    folder = SERVERS / "scimmy"
    if node is not None and shutil.which("npm") is not None:
        _npm_ci(folder)
    missing = (
        "node is not installed"
        if node is None or shutil.which("npm") is None
        else "its packages are not installed: npm ci --prefix tests/servers/scimmy"
        if not (folder / "node_modules" / "scimmy-routers").is_dir()
        else None
    )
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"SCIMMY server: {missing} (.ci/run installs it)")
        pytest.skip(f"SCIMMY server: {missing}")
    assert node is not None
    process, url = _start("SCIMMY", [node, "server.js", "0"], cwd=folder)
    try:
        yield Server("SCIMMY", url, seed(url, token=TOKEN), process)
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def django_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """django-scim2 with its default adapters and filter map (tests/servers/django_scim2/), sqlite."""
    data = tmp_path_factory.mktemp("django-scim2")
    process, url = _start(
        "django-scim2", [sys.executable, "serve.py", str(data)], cwd=SERVERS / "django_scim2"
    )
    try:
        yield Server("django-scim2", url, seed(url, token=TOKEN), process)
    finally:
        _stop(process)
