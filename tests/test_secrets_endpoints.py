"""The OAuth2 token endpoint named when it fails, and the User-Agent every request carries."""

from __future__ import annotations

from typing import Any

from postisupport import __version__
from postisupport.cli.main import ExitStatus
from postisupport.sandbox.app import application
from tests.servers import Hostile, OAuthServer, serving
from tests.test_cli import assert_error

SECRET = "c4nary-client-S3CRET"


def login_oauth(run, url: str, *extra: str):
    return run("auth", "login", "--api", url, "--token-url", url.replace("/scim/v2", "/token"),
               "--client-id", "support-desk", "--with-client-secret", *extra, input=SECRET)


def test_a_token_endpoint_that_never_answers_is_named(run) -> None:
    hang = Hostile(200, b"{}", b"application/json", delay=30)
    with serving(hang) as url:
        assert login_oauth(run, url, "--no-check").exit_code == 0
        result = run("--timeout", "0.3", "diagnose", "ESIM0042")
    token_url = url.replace("/scim/v2", "/token")
    assert_error(result, ExitStatus.UNREACHABLE, "^postisupport: error: the OAuth2 token endpoint at "
                 f"{token_url} did not answer within 0.3 s$")
    assert hang.requests == 1  # only the token endpoint was asked


def test_a_token_endpoint_that_is_not_there_is_named(run, loopback_sandbox: str) -> None:
    from tests.servers import free_port

    gone = f"http://127.0.0.1:{free_port()}/token"
    login = run("auth", "login", "--api", loopback_sandbox, "--token-url", gone,
                "--client-id", "support-desk", "--with-client-secret", "--no-check", input=SECRET)
    assert login.exit_code == 0
    assert_error(run("diagnose", "ESIM0042"), ExitStatus.UNREACHABLE,
                 f"^postisupport: error: cannot reach the OAuth2 token endpoint at {gone}: ")


class Agents:
    """Records the User-Agent of every request, in front of an app."""

    def __init__(self, app: Any) -> None:
        self.app, self.seen = app, []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.seen.append((scope["path"], dict(scope["headers"]).get(b"user-agent", b"").decode()))
        await self.app(scope, receive, send)


def test_every_request_says_it_is_postisupport_and_its_version(run) -> None:
    server = Agents(OAuthServer(application(), "support-desk", SECRET))
    with serving(server) as url:
        assert login_oauth(run, url).exit_code == 0
        assert run("diagnose", "ESIM0042").exit_code == 0
    agent = f"postisupport/{__version__}"
    assert __version__ == "0.1.0"
    assert server.seen == [("/token", agent), ("/scim/v2/Users", agent),  # auth login's check
                           ("/token", agent), ("/scim/v2/Users", agent), ("/scim/v2/Groups", agent),
                           ("/scim/v2/Users", agent)]
