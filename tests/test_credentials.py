"""Profiles, secrets in the keyring, OAuth2 client credentials, TLS and the audit trail, end to end."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trustme
from keyring.backend import KeyringBackend

from postisupport.cli.main import ExitStatus
from postisupport.config.settings import resolve
from postisupport.sandbox.app import application
from tests.servers import OAuthServer, serving
from tests.test_cli import assert_error
from tests.test_secrets_echo import EncodedEcho, encoded_forms

TOKEN = "c4nary-bearer-T0KEN"
SECRET = "c4nary-client-S3CRET"


def config_file(env, text: str) -> Path:
    path = env.config_dir / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- profiles and the lookup order ----------------------------------------------------


def test_a_profile_supplies_settings_and_flags_and_environment_outrank_it(run, env, environ) -> None:
    config_file(env, 'default_profile = "work"\n[profiles.work]\napi_url = "https://idp.example.com/scim/v2"\n'
                     'timeout = 3\ndefault_lang = "sv"\n[profiles.other]\napi_url = "https://other.example.com"\n')
    shown = run("config", "show").stdout
    assert "profile              work  (profile)" in shown
    assert "api_url              https://idp.example.com/scim/v2  (profile)" in shown
    assert "timeout              3.0  (profile)" in shown
    environ["POSTISUPPORT_TIMEOUT"] = "4"
    assert "timeout              4.0  (environment POSTISUPPORT_TIMEOUT)" in run("config", "show").stdout
    assert "timeout              5.0  (flag --timeout)" in run("config", "show", "--timeout", "5").stdout
    other = run("config", "show", "--profile", "other").stdout
    assert "api_url              https://other.example.com  (profile)" in other
    environ["POSTISUPPORT_PROFILE"] = "other"
    assert "profile              other  (environment POSTISUPPORT_PROFILE)" in run("config", "show").stdout


def test_the_profiles_default_language_is_used_when_the_user_has_none(run, env, tmp_path: Path) -> None:
    config_file(env, '[profiles.default]\ndefault_lang = "en"\n')
    path = tmp_path / "dir.json"
    path.write_text(json.dumps({"Users": [{"id": "u1", "userName": "solo@example.fi"}]}))
    solo = run("--sandbox-data", str(path), "diagnose", "solo@example.fi", "--json").json()
    karin = run("--sandbox", "diagnose", "karin.holm@exempel.example.fi", "--json").json()
    assert (solo["script"]["lang"], karin["script"]["lang"]) == ("en", "sv")


@pytest.mark.parametrize(("text", "pattern"), [
    ("[profiles.work\n", "not valid TOML"),
    ("colour = 1\n", "unknown key\\(s\\) colour"),
    ("[profiles.work]\npassword = 'x'\n", "profile work: unknown key\\(s\\) password"),
])
def test_a_bad_config_file_is_one_line_naming_it(run, env, text: str, pattern: str) -> None:
    path = config_file(env, text)
    assert_error(run("--sandbox", "diagnose", "ESIM0042"), ExitStatus.USAGE, f"{path}: {pattern}")


def test_an_unknown_profile_is_refused(run, env) -> None:
    path = config_file(env, "[profiles.work]\n")
    assert_error(run("--profile", "play", "--sandbox", "diagnose", "ESIM0042"), ExitStatus.USAGE,
                 f"^postisupport: error: --profile: no profile named 'play' in {path}$")


def test_config_path_follows_postisupport_config(run, environ, tmp_path: Path, env) -> None:
    assert run("config", "path").stdout == f"{env.config_dir / 'config.toml'}\n"
    environ["POSTISUPPORT_CONFIG"] = str(tmp_path / "elsewhere.toml")
    assert run("config", "path").stdout == f"{tmp_path / 'elsewhere.toml'}\n"


# -- bearer tokens in the keyring -------------------------------------------------------


@pytest.fixture
def protected() -> Iterator[str]:
    """The demo sandbox on loopback, demanding TOKEN."""
    with serving(application(token=TOKEN)) as url:
        yield url


def test_login_with_a_token_stores_it_in_the_keyring_and_the_profile_uses_it(
    run, env, protected: str, memory_keyring
) -> None:
    login = run("auth", "login", "--profile", "work", "--api", protected, "--with-token", input=f"{TOKEN}\n")
    assert (login.exit_code, login.stdout) == (0, "")
    assert memory_keyring.entries == {("postisupport", "work:token"): json.dumps(
        {"secret": TOKEN, "api_url": protected, "token_url": None})}
    text = (env.config_dir / "config.toml").read_text()
    assert text == f'default_profile = "work"\n\n[profiles.work]\napi_url = "{protected}"\nauth = "token"\n'
    assert stat.S_IMODE((env.config_dir / "config.toml").stat().st_mode) == 0o600
    assert run("diagnose", "ESIM0042", "--json").json()["outcome"] == "change-password"
    status = run("auth", "status")
    assert status.stdout == (f"profile        work\napi            {protected}\nauth           token\n"
                             "token          keyring\naccepted       yes\n")


def test_the_environment_token_overrides_the_keyring(run, environ, protected: str) -> None:
    run("auth", "login", "--profile", "work", "--api", protected, "--with-token", "--no-check",
        input="wrong-token")
    refused = run("auth", "status")
    assert refused.exit_code == ExitStatus.AUTH
    assert refused.stdout.splitlines()[-1] == "accepted       no"
    environ["POSTISUPPORT_TOKEN"] = TOKEN
    accepted = run("auth", "status")
    assert accepted.stdout.splitlines()[-2:] == ["token          environment (POSTISUPPORT_TOKEN)",
                                                 "accepted       yes"]


def test_logout_removes_the_secret_and_keeps_the_profile(run, env, protected: str, memory_keyring) -> None:
    run("auth", "login", "--profile", "work", "--api", protected, "--with-token", input=TOKEN)
    out = run("auth", "logout", "--profile", "work")
    assert (out.exit_code, out.stderr) == (0, "profile work: removed its token from the keyring\n")
    assert memory_keyring.entries == {}
    assert run("auth", "logout", "--profile", "work").stderr == "profile work: no secret was stored\n"
    assert run("diagnose", "ESIM0042").exit_code == ExitStatus.AUTH


def test_logout_says_a_token_in_the_environment_still_authenticates(
        run, env, environ, protected: str, memory_keyring) -> None:
    run("auth", "login", "--profile", "work", "--api", protected, "--with-token", input=TOKEN)
    environ["POSTISUPPORT_TOKEN"] = TOKEN
    out = run("auth", "logout", "--profile", "work")
    assert (out.exit_code, out.stderr) == (0, "profile work: removed its token from the keyring\n"
                                              "postisupport: warning: POSTISUPPORT_TOKEN is set in this "
                                              "environment and is still used; unset it to stop\n")
    assert run("diagnose", "ESIM0042", "--json").json()["outcome"] == "change-password"


def test_without_a_usable_keyring_login_says_what_to_do_and_writes_nothing(run, env) -> None:
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    result = run("auth", "login", "--api", "https://idp.example.com/scim/v2", "--with-token", "--no-check",
                 input=TOKEN)
    assert_error(result, ExitStatus.USAGE, "^postisupport: error: no usable keyring to store the secret in "
                 "\\(NoKeyringError\\): set the token in POSTISUPPORT_TOKEN instead, or install a keyring "
                 "backend$")
    assert not (env.config_dir / "config.toml").exists()
    assert run("--sandbox", "diagnose", "ESIM0042").exit_code == 0  # reading a missing keyring breaks nothing


def test_without_a_usable_keyring_an_ldap_login_names_the_bind_password_variable(run, env) -> None:
    """What to set instead is the secret's own variable: an LDAP bind password is no bearer token."""
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    result = run("auth", "login", "--api", "ldaps://ldap.example.fi", "--bind-dn",
                 "cn=reader,dc=example,dc=fi", "--with-password", "--no-check", input="reader-pass-0000\n")
    assert (result.exit_code, result.stderr) == (
        ExitStatus.USAGE, "postisupport: error: no usable keyring to store the secret in (NoKeyringError): "
        "set the bind password in POSTISUPPORT_BIND_PASSWORD instead, or install a keyring backend\n")
    assert not (env.config_dir / "config.toml").exists()


def test_a_keyring_that_keeps_nothing_is_no_keyring(run, env) -> None:
    """Attack pass 9, A9B-06: keyring's null backend (`keyring --disable`) took the secret without a word;
    login said it was stored and wrote the profile, and nothing was sent after."""
    import keyring
    from keyring.backends import null

    keyring.set_keyring(null.Keyring())
    result = run("auth", "login", "--api", "https://idp.example.com/scim/v2", "--with-token", "--no-check",
                 input=TOKEN)
    assert (result.exit_code, result.stderr) == (
        ExitStatus.USAGE, "postisupport: error: no usable keyring to store the secret in (it did not keep "
        "what it was given): set the token in POSTISUPPORT_TOKEN instead, or install a keyring backend\n")
    assert not (env.config_dir / "config.toml").exists()


@pytest.mark.parametrize(("args", "pattern"), [
    (["--with-token", "--with-client-secret"],
     "give exactly one of --with-token, --with-client-secret and --with-password"),
    ([], "give exactly one of"),
    (["--with-client-secret"], "need --token-url and --client-id"),
    (["--with-token", "--client-id", "x"], "a bearer token takes no --token-url"),
])
def test_login_refuses_contradictory_options(run, args: list[str], pattern: str) -> None:
    result = run("auth", "login", "--api", "https://idp.example.com/scim/v2", *args, input=TOKEN)
    assert_error(result, ExitStatus.USAGE, pattern)


# -- OAuth2 client credentials ------------------------------------------------------------


@pytest.fixture
def oauth() -> Iterator[tuple[OAuthServer, str]]:
    server = OAuthServer(application(), "support-desk", SECRET)
    with serving(server) as url:
        yield server, url


def login_oauth(run, url: str, secret: str = SECRET, *extra: str):
    token_url = url.replace("/scim/v2", "/token")
    return run("auth", "login", "--profile", "sso", "--api", url, "--token-url", token_url,
               "--client-id", "support-desk", "--scope", "scim.read", "--with-client-secret", *extra,
               input=secret)


def test_oauth2_fetches_one_token_for_a_whole_diagnosis(run, oauth) -> None:
    server, url = oauth
    assert login_oauth(run, url).exit_code == 0
    doc = run("diagnose", "johanna.makinen@esimerkki.example.fi", "--json").json()
    assert doc["outcome"] == "contact-admin"
    # login's check, then three API requests on one token
    assert server.issued == ["access-token-1", "access-token-2"]
    assert server.token_requests == [{"grant_type": ["client_credentials"], "scope": ["scim.read"]}] * 2


@pytest.mark.parametrize("lifetime", [10**400, float("nan"), 10**12], ids=["past-a-float", "nan", "years"])
def test_an_expires_in_that_is_no_lifetime_is_read_as_unsaid(run, lifetime: object) -> None:
    """Attack 31, F31-7 and F31-8: expires_in past a float's range crashed every diagnosis (exit 1), and NaN
    fetched a new token before each request. Either is no lifetime: the default's."""
    server = OAuthServer(application(), "support-desk", SECRET, expires_in=lifetime)  # type: ignore[arg-type]
    with serving(server) as url:
        assert login_oauth(run, url).exit_code == 0
        result = run("diagnose", "johanna.makinen@esimerkki.example.fi", "--json")
    assert (result.exit_code, result.json()["outcome"], server.issued) == (
        0, "contact-admin", ["access-token-1", "access-token-2"])


def test_oauth2_fetches_a_new_token_once_after_a_401(run, env, oauth) -> None:
    import asyncio

    from postisupport.config import profiles, secrets
    from postisupport.ops.diagnose import DiagnoseOptions, diagnose
    from postisupport.sources import open_directory

    server, url = oauth
    login_oauth(run, url, SECRET, "--no-check")
    settings = resolve({}, {}, profiles.load(env.config_dir / "config.toml"), secrets.get)

    async def twice() -> list[str]:
        async with open_directory(settings) as directory:
            first = await diagnose(directory, DiagnoseOptions("ESIM0042"))
            server.revoked.add("access-token-1")
            second = await diagnose(directory, DiagnoseOptions("ESIM0042"))
            return [first.decision.rule, second.decision.rule]

    assert asyncio.run(twice()) == ["login.reset-pending", "login.reset-pending"]
    assert server.issued == ["access-token-1", "access-token-2"]


@pytest.mark.parametrize(("lifetime", "fresh_for"), [
    (60, 60 - 30),  # renewed REFRESH_MARGIN (30 s) before it expires
    # A9B-21: one that lives less than twice the margin, at half its life (with expires_in 5, under the
    # margin, every request fetched a token).
    (10, 5),
])
def test_oauth2_renews_a_token_before_it_expires(lifetime: int, fresh_for: float) -> None:
    import asyncio

    import httpx

    from postisupport.scim.oauth2 import ClientCredentials

    server = OAuthServer(application(), "support-desk", SECRET, expires_in=lifetime)
    now = [1000.0]
    flow = ClientCredentials("http://sandbox.invalid/token", "support-desk", SECRET,
                             transport=httpx.ASGITransport(app=server), clock=lambda: now[0])

    async def ask() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=server), auth=flow) as http:
            response = await http.get("http://sandbox.invalid/scim/v2/Users?count=0")
            assert response.status_code == 200

    asyncio.run(ask())
    now[0] += fresh_for - 0.1
    asyncio.run(ask())
    assert server.issued == ["access-token-1"]
    now[0] += 0.2
    asyncio.run(ask())
    assert server.issued == ["access-token-1", "access-token-2"]
    assert SECRET not in repr(flow)


def test_a_failing_token_endpoint_is_asked_again_only_after_a_pause() -> None:
    import asyncio

    import httpx

    from postisupport.errors import ApiError
    from postisupport.scim.oauth2 import FAILURE_HOLD, ClientCredentials

    server = OAuthServer(application(), "support-desk", SECRET)
    server.down = True
    now = [1000.0]
    flow = ClientCredentials("http://sandbox.invalid/token", "support-desk", SECRET,
                             transport=httpx.ASGITransport(app=server), clock=lambda: now[0])

    async def ask() -> str:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=server), auth=flow) as http:
            try:
                response = await http.get("http://sandbox.invalid/scim/v2/Users?count=0")
            except ApiError as error:
                return str(error)
            return str(response.status_code)

    failed = "the token endpoint answered HTTP 500 without a token"
    # A bulk run's rows, one after another: the endpoint that is down is asked once, not each time.
    assert [asyncio.run(ask()) for _ in range(3)] == [failed] * 3
    assert len(server.token_requests) == 1
    now[0] += FAILURE_HOLD + 0.1
    server.down = False
    assert (asyncio.run(ask()), asyncio.run(ask()), len(server.token_requests)) == ("200", "200", 2)


def test_a_wrong_client_secret_is_an_auth_error_without_the_secret(run, env, oauth, memory_keyring) -> None:
    _, url = oauth
    login = login_oauth(run, url, "not-the-S3CRET")
    assert_error(login, ExitStatus.AUTH, "^postisupport: error: the OAuth2 token endpoint rejected the "
                 "credentials \\(HTTP 401\\): invalid_client unknown client; the client secret given to "
                 "auth login was not stored \\(--no-check stores it without trying it\\)$")
    assert not (env.config_dir / "config.toml").exists() and memory_keyring.entries == {}
    login_oauth(run, url, "not-the-S3CRET", "--no-check")
    result = run("diagnose", "ESIM0042")
    assert_error(result, ExitStatus.AUTH, "^postisupport: error: the OAuth2 token endpoint rejected the "
                 "credentials \\(HTTP 401\\): invalid_client unknown client; check the client id and secret "
                 "of profile sso \\(in the keyring; auth login --profile sso\\)$")
    assert "S3CRET" not in login.stderr + result.stderr


# -- TLS --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The demo sandbox over HTTPS on loopback, with a certificate from a local CA; (URL, CA file)."""
    ca = trustme.CA()
    folder = tmp_path_factory.mktemp("tls")
    cert, key, ca_file = folder / "server.pem", folder / "server.key", folder / "ca.pem"
    issued = ca.issue_cert("127.0.0.1", "localhost")
    issued.cert_chain_pems[0].write_to_path(cert)
    for blob in issued.cert_chain_pems[1:]:
        blob.write_to_path(cert, append=True)
    issued.private_key_pem.write_to_path(key)
    ca.cert_pem.write_to_path(ca_file)
    with serving(application(), tls=(cert, key)) as url:
        yield url, ca_file


def test_an_untrusted_certificate_is_unreachable_with_a_word_on_why(run, tls) -> None:
    url, _ = tls
    assert_error(run("--api", url, "diagnose", "ESIM0042"), ExitStatus.UNREACHABLE,
                 "its TLS certificate is not trusted .*CERTIFICATE_VERIFY_FAILED")


def test_a_private_ca_is_trusted_through_ca_bundle(run, tls) -> None:
    url, ca_file = tls
    assert run("--api", url, "--ca-bundle", str(ca_file), "diagnose", "ESIM0042", "--json").json()[
        "outcome"] == "change-password"


def test_a_private_ca_is_trusted_through_ssl_cert_file(run, environ, tls) -> None:
    url, ca_file = tls
    environ["SSL_CERT_FILE"] = str(ca_file)
    assert run("--api", url, "diagnose", "ESIM0042", "--json").exit_code == 0


def test_a_private_ca_is_trusted_through_the_profile(run, env, tls) -> None:
    url, ca_file = tls
    config_file(env, f'[profiles.default]\napi_url = "{url}"\nca_bundle = "{ca_file}"\n')
    assert run("diagnose", "ESIM0042", "--json").exit_code == 0


def test_a_ca_bundle_that_is_missing_or_no_certificate_is_named(run, tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"
    api = ["--api", "https://idp.example.com/scim/v2"]
    assert_error(run(*api, "--ca-bundle", str(missing), "diagnose", "x"),
                 ExitStatus.USAGE, f"^postisupport: error: --ca-bundle: {missing}: no such file$")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    assert_error(run(*api, "--ca-bundle", str(junk), "diagnose", "x"),
                 ExitStatus.USAGE, f"--ca-bundle: {junk}: not usable as CA certificates")


# -- the audit trail ---------------------------------------------------------------------------


def audit_lines(env) -> list[dict[str, object]]:
    path = env.state_dir / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_each_lookup_leaves_one_private_line_without_personal_data(run, env) -> None:
    env.clock = lambda: datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    run("--sandbox", "diagnose", "Aino.Korhonen@Esimerkki.example.fi")
    run("--sandbox", "diagnose", "ESIM0042", "-s", "reports")
    lines = audit_lines(env)
    assert [list(line) for line in lines] == [
        ["time", "os_user", "profile", "api_host", "directory", "identifier_hmac", "user_hmac", "shown_hmacs",
         "outcome", "rule"]] * 2
    assert (lines[0]["time"], lines[0]["api_host"], lines[0]["outcome"], lines[0]["rule"]) == (
        "2026-11-20T09:30:00Z", "sandbox", "change-password", "login.reset-pending")
    assert lines[1]["rule"] == "login.reset-pending"  # the login comes before the service asked
    assert lines[0]["identifier_hmac"] != lines[1]["identifier_hmac"]
    assert lines[0]["user_hmac"] == lines[1]["user_hmac"]  # one person, found by two identifiers
    text = (env.state_dir / "audit.jsonl").read_text().casefold()
    for clear in ("aino", "korhonen", "esim0042", "esimerkki"):
        assert clear not in text
    for name in ("audit.jsonl", "audit.key"):
        assert stat.S_IMODE((env.state_dir / name).stat().st_mode) == 0o600


def test_audit_find_answers_whether_someone_was_looked_up(run, env) -> None:
    run("--sandbox", "diagnose", "aino.korhonen@esimerkki.example.fi")
    run("--sandbox", "diagnose", "karin.holm@exempel.example.fi")
    found = run("audit", "find", "  AINO.KORHONEN@esimerkki.example.fi ")
    assert [json.loads(line)["outcome"] for line in found.stdout.splitlines()] == ["change-password"]
    assert found.stderr == (
        "postisupport: warning: matching the identifier only, not the person's other addresses or legacy "
        "ID: no identity API configured (--api, --profile or --sandbox) to resolve it to the user\n"
        f"1 look-up(s) of this identifier in {env.state_dir / 'audit.jsonl'}\n")
    assert run("audit", "find", "nobody@example.com").stdout == ""


def test_no_audit_flag_and_config_turn_it_off(run, env) -> None:
    run("--sandbox", "diagnose", "ESIM0042", "--no-audit")
    assert audit_lines(env) == []
    config_file(env, "audit = false\n")
    run("--sandbox", "diagnose", "ESIM0042")
    assert audit_lines(env) == []


def test_the_trail_rotates_by_size(run, env, monkeypatch) -> None:
    monkeypatch.setattr("postisupport.ops.audit.RECORD_BYTES", 1600)
    monkeypatch.setattr("postisupport.ops.audit.BACKUPS", 2)
    for _ in range(12):
        run("--sandbox", "diagnose", "ESIM0042", "--json")
    names = sorted(p.name for p in env.state_dir.iterdir())
    assert names == ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2", "audit.key"]
    assert all(p.stat().st_size <= 1600 for p in env.state_dir.glob("audit.jsonl*"))
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in env.state_dir.iterdir())
    assert len(run("audit", "find", "esim0042").stdout.splitlines()) == 9


# -- no secret anywhere ---------------------------------------------------------------------------


def test_no_command_ever_shows_or_writes_a_secret(run, env, environ, oauth, protected: str, tmp_path) -> None:
    """Every command's main paths with a canary token and client secret; then every output and file."""
    _, url = oauth
    results = [
        login_oauth(run, url),
        run("diagnose", "ESIM0042"),
        run("diagnose", "ESIM0042", "--json"),
        run("auth", "status"),
        run("config", "show"),
        run("config", "path"),
        run("audit", "find", "ESIM0042"),
        run("auth", "login", "--profile", "plain", "--api", protected, "--with-token", input=TOKEN),
        run("--profile", "plain", "diagnose", "ESIM0042", "--json"),
        run("auth", "status", "--profile", "plain"),
        run("config", "show", "--profile", "plain"),
        run("--api", protected + "?token=" + TOKEN, "diagnose", "ESIM0042"),
        run("--api", "https://user:" + TOKEN + "@idp.example.com/scim/v2", "diagnose", "ESIM0042"),
        run("--api", "http://idp.example.com/scim/v2", "diagnose", "ESIM0042"),
        run("auth", "logout", "--profile", "plain"),
        run("auth", "logout", "--profile", "sso"),
    ]
    environ["POSTISUPPORT_TOKEN"] = TOKEN + "\n"
    results += [run("--api", protected, "diagnose", "ESIM0042"), run("config", "show"), run("auth", "status")]
    environ["POSTISUPPORT_TOKEN"] = TOKEN + "\x01"
    results += [run("--api", protected, "diagnose", "ESIM0042"), run("config", "show")]
    # A server that says the token back percent-encoded and in base64, to every command that reads.
    environ["POSTISUPPORT_TOKEN"] = TOKEN
    (tmp_path / "who.txt").write_text("ESIM0042\n")
    with serving(EncodedEcho()) as echo:
        results += [run("--api", echo, "--trace", str(tmp_path / "trace.jsonl"), "diagnose", "ESIM0042"),
                    run("--api", echo, "bulk", str(tmp_path / "who.txt"), "-q"),
                    run("--api", echo, "auth", "status", "--json")]
    assert [r.exit_code for r in results][:3] == [0, 0, 0]
    forms = [TOKEN, SECRET, *encoded_forms(TOKEN), *encoded_forms(SECRET)]
    for result in results:
        for form in forms:
            assert form not in result.stdout + result.stderr, form
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"config.toml", "audit.jsonl", "audit.key", "trace.jsonl"}
    for path in written:
        data = path.read_bytes()
        for form in forms:
            assert form.encode() not in data, (path, form)


def test_logout_on_a_keyring_that_deletes_nothing_silently_says_nothing_was_stored(
        run, memory_keyring, monkeypatch: pytest.MonkeyPatch) -> None:
    # Some backends (files, some Secret Service versions) don't raise for an entry that isn't there.
    monkeypatch.setattr(memory_keyring, "delete_password",
                        lambda service, username: memory_keyring.entries.pop((service, username), None))
    assert run("auth", "logout", "--profile", "work").stderr == "profile work: no secret was stored\n"


class BrokenKeyring(KeyringBackend):
    """A keyring backend whose store cannot be read or written: a keyring file it may not open."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise PermissionError(13, "Permission denied", "/home/agent/.local/share/keyring.cfg")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise OSError(5, "Input/output error")

    def delete_password(self, service: str, username: str) -> None:
        raise OSError(5, "Input/output error")


@pytest.fixture
def broken_keyring() -> Iterator[None]:
    import keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    yield
    keyring.set_keyring(previous)


def test_a_keyring_that_fails_to_read_finds_no_secret_and_fails_no_command(
        run, environ, broken_keyring: None, loopback_sandbox: str, tmp_path: Path) -> None:
    config = tmp_path / "config" / "postisupport" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[profiles.p]\napi_url = "{loopback_sandbox}"\n', encoding="utf-8")
    environ["POSTISUPPORT_TOKEN"] = "sandbox-token-0123"
    result = run("--profile", "p", "diagnose", "ESIM0042", "--json", "--no-audit")
    assert (result.exit_code, result.json()["outcome"]) == (0, "change-password")
    login = run("auth", "login", "--profile", "q", "--api", loopback_sandbox, "--with-token", "--no-check",
                input="sandbox-token-0123\n")
    logout = run("auth", "logout", "--profile", "p")
    assert [(r.exit_code, r.stderr) for r in (login, logout)] == [
        # The entry there is read first (to put back if the store fails): that read fails first.
        (ExitStatus.USAGE, "postisupport: error: no usable keyring to store the secret in (PermissionError): "
         "set the token in POSTISUPPORT_TOKEN instead, or install a keyring backend\n"),
        # Logging out stores nothing: "set the token in POSTISUPPORT_TOKEN instead" was no remedy for it.
        (ExitStatus.USAGE, "postisupport: error: no usable keyring to remove the secret from "
         "(PermissionError): nothing was removed; a secret stored there stays until the keyring works "
         "again\n")]


def test_a_keyring_backend_not_installed_fails_no_command(loopback_sandbox: str, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.p]\napi_url = "{loopback_sandbox}"\n', encoding="utf-8")
    environment = {**os.environ, "PYTHON_KEYRING_BACKEND": "nosuch.Backend",
                   "POSTISUPPORT_CONFIG": str(config), "POSTISUPPORT_TOKEN": "sandbox-token-0123"}
    done = subprocess.run([sys.executable, "-m", "postisupport", "--profile", "p", "diagnose", "ESIM0042",
                           "--json", "--no-audit"], capture_output=True, text=True, env=environment,
                          timeout=60)
    assert (done.returncode, json.loads(done.stdout)["outcome"], done.stderr) == (0, "change-password", "")


def test_a_token_endpoint_that_redirects_is_not_followed_and_says_where_it_pointed(run) -> None:
    """Attack pass 9, A9B-20: it said only "answered HTTP 302 without a token"."""
    from tests.test_attacked_ninth import Redirecting
    with serving(Redirecting(application(), "/token", "https://elsewhere.example.net/steal")) as url:
        run("auth", "login", "--api", url, "--token-url", url.replace("/scim/v2", "/token"),
            "--client-id", "support-desk", "--with-client-secret", "--no-check", input=SECRET)
        result = run("diagnose", "ESIM0042")
    assert (result.exit_code, result.stderr) == (
        ExitStatus.API_ERROR, "postisupport: error: the token endpoint answered HTTP 302, a redirect to "
        "elsewhere.example.net, which is not followed\n")


def test_an_api_refusing_the_tokens_issued_does_not_blame_the_client_secret(run) -> None:
    """Attack pass 9, A9B-31: "check the client secret", which the token endpoint had just accepted."""

    class Everything(set):  # type: ignore[type-arg]
        def __contains__(self, item: object) -> bool:
            return True

    server = OAuthServer(application(), "support-desk", SECRET)
    server.revoked = Everything()
    with serving(server) as url:
        run("auth", "login", "--api", url, "--token-url", url.replace("/scim/v2", "/token"),
            "--client-id", "support-desk", "--with-client-secret", "--no-check", input=SECRET)
        result = run("diagnose", "ESIM0042")
    assert (result.exit_code, result.stderr.split("; ", 1)[1]) == (
        ExitStatus.AUTH, "the token endpoint accepted the client secret, so check that the tokens it issues "
        "are for this API (the scope, the audience, the token URL)\n")
