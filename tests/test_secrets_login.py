"""A stored secret goes only where it was stored for; auth login checks what it stores, and where."""

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
from tests.servers import OAuthServer, serving
from tests.test_cli import assert_error

TOKEN = "c4nary-bearer-T0KEN"
SECRET = "c4nary-client-S3CRET"


class Listening:
    """Any server: records the Authorization header of every request, answers 401."""

    def __init__(self) -> None:
        self.authorizations: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.authorizations.append(dict(scope["headers"]).get(b"authorization", b"").decode())
        await send({"type": "http.response.start", "status": 401, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def protected() -> Iterator[str]:
    with serving(application(token=TOKEN)) as url:
        yield url


@pytest.fixture
def elsewhere() -> Iterator[tuple[Listening, str]]:
    server = Listening()
    with serving(server) as url:
        yield server, url


def config_path(env) -> Path:
    return env.config_dir / "config.toml"


def login(run, api: str, secret: str = TOKEN, *extra: str):
    return run("auth", "login", "--profile", "work", "--api", api, "--with-token", *extra, input=secret)


def profile_file(env, api: str) -> None:
    config_path(env).parent.mkdir(parents=True)
    config_path(env).write_text(f'default_profile = "work"\n[profiles.work]\napi_url = "{api}"\n'
                                'auth = "token"\n')


def edit_config(env, old: str, new: str) -> None:
    path = config_path(env)
    path.write_text(path.read_text().replace(old, new))


# -- 9: the secret is bound to the URLs it was stored for ----------------------------------------------


def test_a_token_is_not_sent_to_an_api_the_config_names_after_login(run, env, protected, elsewhere) -> None:
    server, other = elsewhere
    assert login(run, protected).exit_code == 0
    edit_config(env, protected, other)
    result = run("diagnose", "ESIM0042")
    assert_error(result, ExitStatus.USAGE, "^postisupport: error: profile work: its token in the keyring "
                 f"was stored for {protected}, not for {other}, and is not sent there; run auth login "
                 "--profile work again to store it for the URLs the profile names$")
    assert server.authorizations == []
    assert run("auth", "status").exit_code == ExitStatus.USAGE
    assert server.authorizations == []
    edit_config(env, other, protected)
    assert run("diagnose", "ESIM0042", "--json").json()["outcome"] == "change-password"


def test_a_client_secret_is_not_sent_to_a_token_endpoint_the_config_names_after_login(
    run, env, elsewhere
) -> None:
    server, other = elsewhere
    with serving(OAuthServer(application(), "support-desk", SECRET)) as url:
        token_url = url.replace("/scim/v2", "/token")
        assert run("auth", "login", "--profile", "sso", "--api", url, "--token-url", token_url,
                   "--client-id", "support-desk", "--with-client-secret", input=SECRET).exit_code == 0
        edit_config(env, token_url, other + "/token")
        result = run("diagnose", "ESIM0042")
    assert_error(result, ExitStatus.USAGE, "^postisupport: error: profile sso: its client secret in the "
                 f"keyring was stored for {token_url}, not for {other}/token, and is not sent there; "
                 "run auth login --profile sso again to store it for the URLs the profile names$")
    assert server.authorizations == []


def test_a_secret_stored_by_an_older_version_is_bound_to_nothing_and_never_sent(
    run, env, memory_keyring, elsewhere
) -> None:
    server, other = elsewhere
    profile_file(env, other)
    memory_keyring.entries[("postisupport", "work:token")] = TOKEN  # the bare secret, as 0.1 stored it
    result = run("diagnose", "ESIM0042")
    assert_error(result, ExitStatus.USAGE, "^postisupport: error: profile work: its token in the keyring was "
                 "stored by an older version, for no API in particular, and is not sent anywhere; run auth "
                 "login --profile work again to store it for the URLs the profile names$")
    assert server.authorizations == []
    shown = run("config", "show").stdout
    assert "token                not set  (keyring: stored for other URLs; auth login again)\n" in shown
    settings = run("config", "show", "--json").json()["settings"]
    assert settings["token"] == {"value": "not set", "origin": "keyring", "from": None,
                                 "refused": result.stderr.split("error: ")[1].split("; run")[0]}


def test_the_environments_token_outranks_a_refused_one(run, env, environ, protected, memory_keyring) -> None:
    profile_file(env, protected)
    memory_keyring.entries[("postisupport", "work:token")] = "an-old-bare-token"
    environ["POSTISUPPORT_TOKEN"] = TOKEN
    assert run("diagnose", "ESIM0042", "--json").json()["outcome"] == "change-password"


def test_a_config_file_others_can_write_is_warned_about(run, env, protected) -> None:
    login(run, protected)
    path = config_path(env)
    os.chmod(path, 0o620)
    result = run("config", "path")
    assert (result.exit_code, result.stdout) == (0, f"{path}\n")
    assert result.stderr == (f"postisupport: warning: {path} can be changed by other users, who could "
                             "send your stored credentials' requests elsewhere; make it yours alone "
                             "(chown to you, chmod go-w)\n")
    os.chmod(path, 0o600)
    assert run("config", "path").stderr == ""


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user takes root (CI runs as root)")
@pytest.mark.parametrize("given", ["file", "folder"])
def test_a_config_file_or_folder_another_user_owns_is_warned_about(run, env, protected, given: str) -> None:
    """Attack pass 7, F11: only the mode bits were looked at; the owner may rewrite or replace the file."""
    login(run, protected)
    path = config_path(env)
    os.chown(path if given == "file" else path.parent, 65534, 65534)  # nobody
    result = run("config", "path")
    what = "" if given == "file" else f"a folder above {path}, "
    shown = path if given == "file" else path.parent
    assert result.stderr == (f"postisupport: warning: {what}{shown} can be changed by other users, who could "
                             "send your stored credentials' requests elsewhere; make it yours alone "
                             "(chown to you, chmod go-w)\n")


# -- auth login: what it refuses, checks and writes ------------------------------------------------------


@pytest.mark.parametrize("secret", ["t", "1234567"])
def test_login_refuses_a_secret_too_short_to_keep_out_of_messages(
    run, env, secret: str, memory_keyring
) -> None:
    result = run("auth", "login", "--api", "https://idp.example.com/scim/v2", "--with-token", "--no-check",
                 input=secret + "\n")
    assert_error(result, ExitStatus.USAGE, "^postisupport: error: the token given to auth login: only "
                 f"{len(secret)} character\\(s\\); a real one has at least 8$")
    assert memory_keyring.entries == {} and not config_path(env).exists()


def test_login_checks_the_token_against_the_api_and_stores_nothing_it_refuses(
    run, env, protected, memory_keyring
) -> None:
    result = login(run, protected, "not-the-T0KEN")
    assert_error(result, ExitStatus.AUTH, "^postisupport: error: the identity API rejected the credentials "
                 "\\(HTTP 401\\).*; the token given to auth login was not stored \\(--no-check stores it "
                 "without trying it\\)$")
    assert memory_keyring.entries == {} and not config_path(env).exists()
    unchecked = login(run, protected, "not-the-T0KEN", "--no-check")
    assert unchecked.stderr == (f"profile work saved in {config_path(env)}; its secret is in the keyring "
                                "(not checked)\n")
    assert login(run, protected).stderr == (f"profile work saved in {config_path(env)}; its secret is in the "
                                            "keyring (the API accepts it)\n")


def test_a_refused_token_is_named_by_where_it_came_from(run, env, environ, protected) -> None:
    login(run, protected, "not-the-T0KEN", "--no-check")
    keyring = run("diagnose", "ESIM0042")
    assert_error(keyring, ExitStatus.AUTH, "; check the token of profile work \\(in the keyring; auth login "
                 "--profile work\\)$")
    environ["POSTISUPPORT_TOKEN"] = "also-not-the-T0KEN"
    assert_error(run("diagnose", "ESIM0042"), ExitStatus.AUTH, "; check POSTISUPPORT_TOKEN$")


def test_login_writes_through_a_symbolic_link_to_the_config(run, env, protected, tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "postisupport.toml"
    target.parent.mkdir()
    target.write_text('[profiles.old]\napi_url = "https://old.example.com/scim/v2"\n')
    config_path(env).parent.mkdir(parents=True)
    config_path(env).symlink_to(target)
    assert login(run, protected).exit_code == 0
    assert config_path(env).is_symlink() and os.readlink(config_path(env)) == str(target)
    # A file with another profile and no default keeps none (A10B-14).
    assert target.read_text() == ('[profiles.old]\napi_url = '
                                  '"https://old.example.com/scim/v2"\n\n[profiles.work]\n'
                                  f'api_url = "{protected}"\nauth = "token"\n')
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["postisupport.toml"]  # no temporary left


# -- --json ------------------------------------------------------------------------------------------------


def test_auth_status_json(run, environ, protected) -> None:
    login(run, protected)
    accepted = run("auth", "status", "--json")
    assert (accepted.exit_code, accepted.json()) == (0, {
        "profile": "work", "api_url": protected, "auth": "token",
        "secret": {"name": "token", "set": True, "origin": "keyring", "variable": None}, "accepted": True})
    environ["POSTISUPPORT_TOKEN"] = "not-the-T0KEN"
    refused = run("auth", "status", "--json")
    assert (refused.exit_code, refused.json()) == (ExitStatus.AUTH, {
        "profile": "work", "api_url": protected, "auth": "token",
        "secret": {"name": "token", "set": True, "origin": "environment", "variable": "POSTISUPPORT_TOKEN"},
        "accepted": False})
    assert TOKEN not in accepted.stdout + refused.stdout and "not-the-T0KEN" not in refused.stdout


def test_config_show_json(run, env, environ, protected) -> None:
    login(run, protected)
    environ["POSTISUPPORT_TIMEOUT"] = "4"
    result = run("config", "show", "--json", "--ca-bundle", "/etc/ssl/private-ca.pem")
    document = result.json()
    assert document["config_file"] == str(config_path(env))
    settings = document["settings"]
    assert list(settings) == ["profile", "api_url", "auth", "token", "token_url", "client_id", "scope",
                              "client_secret", "base_dn", "bind_dn", "bind_password", "timeout", "ca_bundle",
                              "ssl_cert_file", "allow_insecure_http", "starttls",
                              "default_lang", "ui_lang", "timezone", "audit", "trace", "verbose", "sandbox",
                              "sandbox_data", "sandbox_token",
                              "mapping"]
    assert {k: settings[k] for k in ("profile", "api_url", "token", "client_secret", "timeout", "ca_bundle",
                                     "ui_lang", "mapping")} == {
        "profile": {"value": "work", "origin": "profile", "from": None},
        "api_url": {"value": protected, "origin": "profile", "from": None},
        "token": {"value": "set", "origin": "keyring", "from": None},
        "client_secret": {"value": "not set", "origin": "default", "from": None},
        "timeout": {"value": 4.0, "origin": "environment", "from": "POSTISUPPORT_TIMEOUT"},
        "ca_bundle": {"value": "/etc/ssl/private-ca.pem", "origin": "flag", "from": "--ca-bundle"},
        "ui_lang": {"value": "en", "origin": "default", "from": None},
        "mapping": {"value": "postisupport", "origin": "default", "from": None},
    }
    assert TOKEN not in result.stdout
    assert json.loads(result.stdout) == document


def test_a_config_folder_others_can_write_is_warned_about_unless_sticky(run, env, protected) -> None:
    login(run, protected)
    path = config_path(env)
    os.chmod(path.parent, 0o777)
    result = run("config", "path")
    assert result.stderr == (f"postisupport: warning: a folder above {path}, {path.parent} can be changed by "
                             "other users, who could send your stored credentials' requests elsewhere; "
                             "make it yours alone (chown to you, chmod go-w)\n")
    os.chmod(path.parent, 0o1777)  # sticky, as /tmp: others can't replace a file that is not theirs
    assert run("config", "path").stderr == ""
    os.chmod(path.parent, 0o700)
    assert run("config", "path").stderr == ""


def test_a_default_profile_that_is_not_there_is_named_as_the_config_files(run, env) -> None:
    path = config_path(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('default_profile = "nope"\n\n[profiles.work]\napi_url = "https://idp.example.com/scim/v2"\n')
    os.chmod(path, 0o600)
    assert_error(run("diagnose", "ESIM0042"), ExitStatus.USAGE,
                 "^postisupport: error: the config file's default_profile: no profile named 'nope' "
                 f"in {path}$")
