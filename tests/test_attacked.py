"""Regression tests for what an attacker's pass over credentials, profiles, TLS and the audit trail found."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.sandbox.app import application
from tests.servers import Hostile, OAuthServer, Redirecting, serving
from tests.test_cli import assert_error

TOKEN = "c4nary-bearer-T0KEN"
SECRET = "c4nary-client-S3CRET"


@pytest.fixture
def protected() -> Iterator[str]:
    with serving(application(token=TOKEN)) as url:
        yield url


def config_file(env, text: str) -> Path:
    path = env.config_dir / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- a profile's secret goes to the profile's API and nowhere else ----------------------------------


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_a_stored_token_is_never_sent_to_another_api(run, environ, protected: str, how: str) -> None:
    assert run("auth", "login", "--api", protected, "--with-token", input=TOKEN).exit_code == 0
    other = Redirecting(200, "")
    with serving(other) as elsewhere:
        if how == "flag":
            run("--api", elsewhere, "diagnose", "ESIM0042")
        else:
            environ["POSTISUPPORT_API_URL"] = elsewhere
            run("diagnose", "ESIM0042")
    assert len(other.requests) == 1
    assert "authorization" not in other.requests[0]
    assert run("--api", protected + "/", "diagnose", "ESIM0042", "--json").exit_code == 0  # the same API


def test_an_oauth2_profile_is_not_used_for_another_api(run) -> None:
    server = OAuthServer(application(), "support-desk", SECRET)
    with serving(server) as url:
        run("auth", "login", "--api", url, "--token-url", url.replace("/scim/v2", "/token"),
            "--client-id", "support-desk", "--with-client-secret", "--no-check", input=SECRET)
        other = Redirecting(200, "")
        with serving(other) as elsewhere:
            run("--api", elsewhere, "diagnose", "ESIM0042")
    assert (server.token_requests, len(other.requests)) == ([], 1)
    assert "authorization" not in other.requests[0]


def test_a_stale_keyring_token_does_not_beat_the_profiles_oauth2(run, memory_keyring) -> None:
    server = OAuthServer(application(), "support-desk", SECRET)
    with serving(server) as url:
        run("auth", "login", "--api", url, "--token-url", url.replace("/scim/v2", "/token"),
            "--client-id", "support-desk", "--with-client-secret", "--no-check", input=SECRET)
        memory_keyring.entries[("postisupport", "default:token")] = "stale-token"
        assert run("diagnose", "ESIM0042", "--json").exit_code == 0
    assert server.issued == ["access-token-1"]


# -- what a server echoes of our credentials is cut out --------------------------------------------


class Echo:
    """An API that answers with our Authorization header in its error detail and content type."""

    def __init__(self, status: int) -> None:
        self.status = status

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        header = dict(scope["headers"]).get(b"authorization", b"").decode()
        body = json.dumps({"detail": f"token {header} is revoked"}).encode() if self.status != 200 else b"<x>"
        await send({"type": "http.response.start", "status": self.status,
                    "headers": [(b"content-type", f"text/html; echo={header}".encode())]})
        await send({"type": "http.response.body", "body": body})


@pytest.mark.parametrize("status", [401, 500, 200])
def test_a_server_echoing_the_token_is_redacted(run, environ, status: int) -> None:
    environ["POSTISUPPORT_TOKEN"] = TOKEN
    with serving(Echo(status)) as url:
        result = run("--api", url, "diagnose", "ESIM0042")
    assert result.exit_code in (ExitStatus.AUTH, ExitStatus.API_ERROR)
    assert TOKEN not in result.stderr
    assert "[redacted]" in result.stderr


def test_a_token_endpoint_echoing_the_client_secret_is_redacted(run) -> None:
    import base64

    class EchoingTokens:
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return
            basic = dict(scope["headers"]).get(b"authorization", b"").decode().removeprefix("Basic ")
            said = base64.b64decode(basic).decode()
            body = json.dumps({"error": "invalid_client", "error_description": f"bad {said} ({basic})"})
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body.encode()})

    with serving(EchoingTokens()) as url:
        run("auth", "login", "--api", url, "--token-url", url.replace("/scim/v2", "/token"),
            "--client-id", "cid", "--with-client-secret", "--no-check", input=SECRET)
        result = run("diagnose", "ESIM0042")
    assert_error(result, ExitStatus.AUTH, "^postisupport: error: the OAuth2 token endpoint refused access "
                 "\\(HTTP 400\\): invalid_client bad cid:\\[redacted\\] \\(\\[redacted\\]\\)")
    assert SECRET not in result.stderr


def test_a_huge_token_endpoint_answer_is_refused(run) -> None:
    with serving(Hostile(200, b" " * 300_000, b"application/json")) as url:
        run("auth", "login", "--api", url, "--token-url", url.replace("/scim/v2", "/token"),
            "--client-id", "cid", "--with-client-secret", "--no-check", input=SECRET)
        result = run("diagnose", "ESIM0042")
    assert_error(result, ExitStatus.API_ERROR, "the token endpoint's answer is larger than 100 KB; refused$")


# -- URLs: credentials never echoed, plain http always warned about -----------------------------------


@pytest.mark.parametrize("url", ["https://user:S3CRETPW@idp.example.com:99999/scim",
                                 "https://user:S3CRETPW@idp.example.com:port/scim",
                                 "https://user:S3CRETPW@[::1/scim", "ftp://user:S3CRETPW@idp.example.com/"])
def test_credentials_in_a_malformed_url_are_never_echoed(run, url: str) -> None:
    result = run("--api", url, "diagnose", "ESIM0042")
    assert_error(result, ExitStatus.USAGE, "^postisupport: error: --api: the URL holds credentials; put the "
                 "token in POSTISUPPORT_TOKEN or the keyring \\(auth login\\) instead$")
    assert "S3CRETPW" not in result.stderr


def test_an_uppercase_http_scheme_is_plain_http(run) -> None:
    assert_error(run("--api", "HTTP://idp.example.com/scim/v2", "diagnose", "ESIM0042"), ExitStatus.USAGE,
                 "is plain http")
    result = run("--api", "HTTP://idp.example.com:1/scim/v2", "--allow-insecure-http", "--timeout", "0.3",
                 "diagnose", "ESIM0042")
    assert result.stderr.splitlines()[0].startswith("postisupport: warning: HTTP://idp.example.com:1/scim/v2")


def test_a_plain_http_token_endpoint_is_warned_about(run, env) -> None:
    config_file(env, '[profiles.default]\napi_url = "https://127.0.0.1:1/scim/v2"\nauth = "oauth2"\n'
                     'token_url = "http://tokens.example.com/token"\nclient_id = "c"\n'
                     'allow_insecure_http = true\n')
    result = run("config", "show")
    assert result.stderr == ("postisupport: warning: http://tokens.example.com/token is plain http: "
                             "credentials and personal data travel unencrypted\n")


# -- profiles: values of the wrong type, names and languages ----------------------------------------


@pytest.mark.parametrize(("line", "message"), [
    ('allow_insecure_http = "false"', "allow_insecure_http must be true or false"),
    ("api_url = 5", "api_url must be a string"),
    ("timeout = true", "timeout must be a number"),
    ("ca_bundle = 5", "ca_bundle must be a string"),
    ("default_lang = 5", "default_lang must be a string"),
])
def test_a_profile_value_of_the_wrong_type_is_refused(run, env, line: str, message: str) -> None:
    path = config_file(env, f"[profiles.default]\n{line}\n")
    assert_error(run("--sandbox", "diagnose", "ESIM0042"), ExitStatus.USAGE,
                 f"^postisupport: error: {path}: profile default: {message}$")


def test_an_unknown_default_language_is_refused(run, env) -> None:
    config_file(env, '[profiles.default]\ndefault_lang = "xx"\n')
    assert_error(run("--sandbox", "diagnose", "ESIM0042"), ExitStatus.USAGE,
                 "^postisupport: error: the profile's default_lang: 'xx' is not one of fi, sv, en$")


@pytest.mark.parametrize("name", ["we\x1b[2Jird", "a/b", "x" * 65])
def test_odd_profile_names_are_refused(run, name: str) -> None:
    result = run("auth", "login", "--profile", name, "--api", "https://idp.example.com/scim/v2",
                 "--with-token", input=TOKEN)
    assert result.exit_code == ExitStatus.USAGE
    assert "\x1b" not in result.stderr


def test_a_missing_oauth2_setting_is_named_plainly(run, env) -> None:
    config_file(env, '[profiles.default]\napi_url = "https://idp.example.com/scim/v2"\nauth = "oauth2"\n')
    assert_error(run("diagnose", "ESIM0042"), ExitStatus.USAGE,
                 "^postisupport: error: token url: OAuth2 needs token_url, client_id, client_secret; "
                 "set them with auth login$")


# -- auth login is all or nothing, and reads stdin with care ----------------------------------------


def test_a_login_that_cannot_write_its_config_changes_nothing(run, environ, tmp_path, memory_keyring) -> None:
    memory_keyring.entries[("postisupport", "o:client_secret")] = "old-secret"
    environ["POSTISUPPORT_CONFIG"] = str(tmp_path / "bad.toml")
    (tmp_path / "bad.toml").write_text("[profiles\n")
    result = run("auth", "login", "--profile", "o", "--api", "https://idp.example.com/scim/v2",
                 "--with-token", "--no-check", input="NEW-T0KEN")
    assert result.exit_code == ExitStatus.USAGE
    (tmp_path / "bad.toml").unlink()
    # A link to a file in a folder that is not there: read as no config, written beside its target: fails.
    (tmp_path / "bad.toml").symlink_to(tmp_path / "gone" / "config.toml")
    result = run("auth", "login", "--profile", "o", "--api", "https://idp.example.com/scim/v2",
                 "--with-token", "--no-check", input="NEW-T0KEN")
    assert_error(result, ExitStatus.USAGE, "cannot write it .*; nothing was changed$")
    assert memory_keyring.entries == {("postisupport", "o:client_secret"): "old-secret"}


@pytest.mark.parametrize(("stdin", "pattern"), [
    ("", "^postisupport: error: the token given to auth login: the secret is empty$"),
    ("x" * 20_000, "the secret on stdin is longer than 16000 characters"),
])
def test_login_refuses_an_empty_or_endless_stdin(run, stdin: str, pattern: str) -> None:
    result = run("auth", "login", "--api", "https://idp.example.com/scim/v2", "--with-token", input=stdin)
    assert_error(result, ExitStatus.USAGE, pattern)


def test_a_config_path_to_an_endless_file_is_refused(run, environ) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("needs /dev/zero")
    environ["POSTISUPPORT_CONFIG"] = "/dev/zero"
    assert_error(run("--sandbox", "diagnose", "ESIM0042"), ExitStatus.USAGE, "larger than 1 MB; not a config")


# -- redirects with hostile locations -----------------------------------------------------------------


@pytest.mark.parametrize(("location", "named"), [
    ("javascript:alert(1)", "an unnamed place"), ("http://u:x@[::1/x", "an unnamed place"),
    ("http://" + "a" * 60_000 + ".example.com/", "a" * 97 + "..."),
])
def test_a_hostile_redirect_is_an_api_error(run, location: str, named: str) -> None:
    with serving(Redirecting(302, location)) as url:
        result = run("--api", url, "diagnose", "ESIM0042")
    assert_error(result, ExitStatus.API_ERROR, f"a redirect to {named}; redirects are not followed$")


# -- the audit trail: damaged, unwritable, corrupt, too open ---------------------------------------------


def test_a_damaged_audit_key_stops_the_lookup_before_anything_is_shown(run, env) -> None:
    env.state_dir.mkdir(parents=True)
    (env.state_dir / "audit.key").write_bytes(b"")
    result = run("--sandbox", "diagnose", "ESIM0042")
    assert_error(result, ExitStatus.USAGE, "audit.key cannot be used: the key is 0 bytes, not 32: damaged; "
                 "move it away")
    assert run("--sandbox", "diagnose", "ESIM0042", "--no-audit").exit_code == 0


def test_an_unwritable_audit_trail_shows_nothing(run, env) -> None:
    env.state_dir.parent.mkdir(parents=True)
    env.state_dir.write_text("a file where the folder should be")
    result = run("--sandbox", "diagnose", "ESIM0042", "--json")
    assert_error(result, ExitStatus.USAGE, "^postisupport: error: the audit trail at .* cannot be used")


def test_audit_find_reads_past_corrupt_bytes_and_creates_no_key(run, env) -> None:
    assert run("audit", "find", "ESIM0042").stdout == ""
    assert not env.state_dir.exists()
    run("--sandbox", "diagnose", "ESIM0042")
    with (env.state_dir / "audit.jsonl").open("ab") as trail:
        trail.write(b"\xff\xfe garbage\n")
    run("--sandbox", "diagnose", "ESIM0042")
    assert len(run("audit", "find", "esim0042").stdout.splitlines()) == 2


def test_an_audit_trail_left_readable_is_made_private(run, env) -> None:
    env.state_dir.mkdir(parents=True, mode=0o755)
    (env.state_dir / "audit.jsonl").write_text("")
    (env.state_dir / "audit.jsonl").chmod(0o644)
    run("--sandbox", "diagnose", "ESIM0042")
    assert stat.S_IMODE((env.state_dir / "audit.jsonl").stat().st_mode) == 0o600
    assert stat.S_IMODE(env.state_dir.stat().st_mode) == 0o700
