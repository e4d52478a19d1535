"""Attack pass 13: capture, trace, doctor, auth and audit against hostile servers (A13B-*)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from postisupport.cli.main import ExitStatus
from postisupport.sandbox.app import application
from tests.servers import OAuthServer, serving
from tests.test_secrets_login import Listening

SECRET = "c4nary-client-S3CRET"


def test_watching_the_requests_never_sends_the_client_secret_to_the_apis_proxy(
        run, monkeypatch: Any, tmp_path: Path) -> None:
    """A13B-8: with -v or --trace the token endpoint on this machine was asked through the proxy the
    API needs, in plain http: the client secret went to another machine."""
    proxy = Listening()
    desk = OAuthServer(application(), "support-desk", SECRET)
    with serving(proxy) as proxy_url, serving(desk) as desk_url:
        api = "http://idp.example.com/scim/v2"
        assert run("auth", "login", "--api", api, "--allow-insecure-http", "--token-url",
                   desk_url.replace("/scim/v2", "/token"), "--client-id", "support-desk",
                   "--with-client-secret", "--no-check", input=SECRET).exit_code == 0
        monkeypatch.setenv("HTTP_PROXY", proxy_url.removesuffix("/scim/v2"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        codes = [run("--allow-insecure-http", *watch, "diagnose", "ESIM0042").exit_code
                 for watch in ([], ["-v"], ["--trace", str(tmp_path / "t.jsonl")])]
    assert codes == [ExitStatus.AUTH] * 3
    # The token endpoint was asked directly each time (twice: a refused token is fetched anew once);
    # the proxy saw only the API's requests.
    assert (len(desk.token_requests), proxy.authorizations) == (
        6, [f"Bearer access-token-{n}" for n in range(1, 7)])
