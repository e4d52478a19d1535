"""The command line end to end against the in-process sandbox: outcomes, output contract, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from postisupport.cli.main import ExitStatus

DEMO = [
    ("ESIM0042", "change-password", 1, "legacyUserId"),
    ("grace.taylor@sample.example.com", "change-password", 1, "userName"),
    ("esim0077", "use-login-email", 2, "legacyUserId"),
    ("erik@lindqvist.example.net", "use-login-email", 2, "email"),
    ("johanna.makinen@esimerkki.example.fi", "contact-admin", 3, "userName"),
    ("pekka.nieminen@esimerkki.example.fi", "contact-admin", 3, "userName"),
    ("sanna.laine@esimerkki.example.fi", "contact-admin", 3, "userName"),
    ("maija.virtanen@esimerkki.example.fi", "contact-customer-service", 3, "userName"),
    ("karin.holm@exempel.example.fi", "contact-customer-service", 3, "userName"),
    ("oliver.smith@sample.example.com", "contact-customer-service", 3, "userName"),
    ("timo.lahtinen@example.net", "contact-customer-service", 3, "userName"),
    ("toimisto@salo.example.fi", "ambiguous", None, None),
    ("nobody@example.com", "not-found", 3, None),
]


@pytest.mark.parametrize(("identifier", "outcome", "step", "matched_by"), DEMO)
def test_demo_directory_covers_every_login_outcome(run, identifier, outcome, step, matched_by) -> None:
    result = run("--sandbox", "diagnose", f"  {identifier.upper()} ", "--json")
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert (doc["outcome"], doc["step"], doc["matched_by"], doc["problem"]) == (
        outcome, step, matched_by, "login")


@pytest.mark.parametrize(("services", "outcome"), [
    (["reports"], "no-fault-found"),
    (["E-INVOICING"], "check-service-rights"),
    (["reports", "parcel lockers"], "contact-customer-service"),
])
def test_service_access(run, services: list[str], outcome: str) -> None:
    args = [a for s in services for a in ("--service", s)]
    doc = run("--sandbox", "diagnose", "ESIM0105", *args, "--json").json()
    assert (doc["outcome"], doc["step"], doc["problem"]) == (outcome, None, "service-access")
    assert [s["asked"] for s in doc["services"]] == services


def test_json_has_exactly_the_documented_keys(run) -> None:
    doc = run("--sandbox", "diagnose", "johanna.makinen@esimerkki.example.fi", "--json", "--verified").json()
    assert list(doc) == ["schema_version", "verified", "masked", "identifier", "outcome", "step", "problem",
                         "rule",
                         "matched_by", "user", "organisation", "admins", "unable_admins", "organisations",
                         "organisation_chosen", "candidates", "candidates_total",
                         "services", "actions", "evidence", "considered", "data_problems", "unknown",
                         "script"]
    assert (doc["schema_version"], doc["verified"], doc["masked"], doc["identifier"]) == (
        7, True, False, "johanna.makinen@esimerkki.example.fi")
    assert list(doc["user"]) == [
        "id", "userName", "displayName", "active", "isAdmin", "emails", "preferredLanguage", "legacyUserId",
        "resetPending", "forcePasswordReset", "passwordResetSentAt", "passwordResetSentTo",
        "lastPasswordUpdateTime", "lastLoginTime", "lastFailedLoginTime", "accountLocked", "phone",
        "entitlements"]
    assert list(doc["organisation"]) == ["id", "name", "businessId", "services"]
    maija = {"id": "u-1001", "displayName": "Maija Virtanen", "email": "maija.virtanen@esimerkki.example.fi",
             "phone": "+358 40 123 4567", "state": None}
    ville = {"id": "u-1007", "displayName": "Ville Heikkinen",
             "email": "ville.heikkinen@esimerkki.example.fi", "phone": "+358 50 765 4321",
             "state": "inactive"}
    assert (doc["admins"], doc["unable_admins"]) == ([maija], [ville])
    assert doc["organisations"] == [{**doc["organisation"], "admins": [maija, ville]}]
    assert (doc["organisation_chosen"], doc["actions"]) == (None, [{"rule": "login.contact-admin",
                                                                    "services": []}])
    assert all(list(c) == ["rule", "service", "fired", "read", "unknown"] for c in doc["considered"])
    assert all(list(e) == ["rule", "fact", "value"] for e in doc["evidence"])
    assert (doc["data_problems"], doc["candidates"], doc["candidates_total"], doc["services"]) == (
        [], [], 0, [])
    assert list(doc["script"]) == ["lang", "text"]
    assert doc["script"]["lang"] == "fi"
    assert "Maija Virtanen" in doc["script"]["text"]


def test_ambiguous_lists_the_candidates(run) -> None:
    doc = run("--sandbox", "diagnose", "toimisto@salo.example.fi", "--json").json()
    assert sorted(c["id"] for c in doc["candidates"]) == ["u-1008", "u-1009"]
    assert doc["user"] is None


def test_script_follows_the_users_language_unless_overridden(run) -> None:
    doc = run("--sandbox", "diagnose", "karin.holm@exempel.example.fi", "--json").json()
    assert doc["script"]["lang"] == "sv"
    doc = run("--sandbox", "diagnose", "karin.holm@exempel.example.fi", "--json", "--lang", "en").json()
    assert doc["script"]["lang"] == "en"
    assert doc["script"]["text"] == (
        "Your organisation has no administrator for Posti's services who could help you just now. I'll pass "
        "this on to our e-services support as a support request, and they will get back to you.")


def test_screen_shows_step_admins_and_script_in_80_columns(run, environ) -> None:
    environ["NO_COLOR"] = "1"
    result = run("--sandbox", "diagnose", "ESIM0042")
    assert result.exit_code == 0
    out = result.stdout
    assert out.splitlines()[0] == "Step 1 — the password must be changed"
    lines = [line.rstrip() for line in out.splitlines()]
    at = lines.index("Administrators      Maija Virtanen · +358 40 123 4567")
    assert lines[at + 1] == "                    maija.virtanen@esimerkki.example.fi"
    assert "posti.fi/changepassword" in out and "https://" not in out  # said aloud, not clicked
    assert "\x1b[" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert result.stderr == ""
    explained = run("--sandbox", "diagnose", "ESIM0042", "--explain").stdout
    assert "login.reset-pending" in explained and "forcePasswordReset" in explained


def test_sandbox_data_file(run, tmp_path: Path) -> None:
    data = {"Users": [{"id": "x1", "userName": "solo@example.com",
                       "urn:postisupport:scim:schemas:extension:login:1.0:User": {"legacyUserId": "SOLO1"}}]}
    path = tmp_path / "dir.json"
    path.write_text(json.dumps(data))
    doc = run("--sandbox-data", str(path), "diagnose", "solo1", "--json").json()
    assert (doc["outcome"], doc["user"]["id"]) == ("use-login-email", "x1")


# -- the error contract: one line on stderr, nothing on stdout, one code each ----


def assert_error(result, code: ExitStatus, pattern: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in result.stderr


def test_no_api_configured_explains_how(run) -> None:
    result = run("diagnose", "aino@example.fi")
    assert_error(result, ExitStatus.USAGE, "no identity API configured: pass --api URL .*--sandbox")


@pytest.mark.parametrize("identifier", ["a@@example.fi", " ", "Aino Korhonen"])
def test_malformed_identifier_is_a_usage_error(run, identifier: str) -> None:
    assert_error(run("--sandbox", "diagnose", identifier), ExitStatus.USAGE, "^postisupport: error: ")


def test_blank_service_is_a_usage_error(run) -> None:
    assert_error(run("--sandbox", "diagnose", "ESIM0105", "--service", " "),
                 ExitStatus.USAGE, "--service needs a service id or name")


@pytest.mark.parametrize(("url", "pattern"), [
    ("idp.example.com", "is not an http\\(s\\) URL"),
    ("http://[::1/scim/v2", "is not a valid URL"),
    ("http://idp.example.com:99999/scim/v2", "is not a valid URL"),
    ("http://idp example.com/scim/v2", "contains spaces or control characters"),
    ("http://idp.example.com/\x00scim", "contains spaces or control characters"),
])
def test_bad_api_url_is_a_usage_error(run, url: str, pattern: str) -> None:
    assert_error(run("--api", url, "diagnose", "a@example.fi"), ExitStatus.USAGE, pattern)


def test_bad_sandbox_file_is_a_usage_error(run, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"Users": [{"id": "u1"}]}')
    assert_error(run("--sandbox-data", str(path), "diagnose", "a@example.fi"),
                 ExitStatus.USAGE, "userName is missing")


def test_credentials_in_the_api_url_are_refused_and_not_echoed(run) -> None:
    result = run("--api", "https://agent:hunter2@idp.example.com/scim/v2", "diagnose", "a@example.fi")
    assert_error(result, ExitStatus.USAGE, "holds credentials")
    assert "hunter2" not in result.stderr


def test_unknown_option_is_a_usage_error(run) -> None:
    result = run("--sandbox", "diagnose", "a@example.fi", "--lang", "de")
    assert result.exit_code == ExitStatus.USAGE
    assert result.stdout == ""


def test_unreachable_api(run) -> None:
    from tests.servers import free_port

    url = f"http://127.0.0.1:{free_port()}/scim/v2"
    assert_error(run("--api", url, "diagnose", "a@example.fi"), ExitStatus.UNREACHABLE,
                 "cannot reach the identity API")


def test_version_and_help(run) -> None:
    assert run("--version").stdout.startswith("postisupport ")
    for args in (["--help"], ["diagnose", "--help"], ["sandbox", "serve", "--help"]):
        result = run(*args)
        assert result.exit_code == 0
        assert "Example: postisupport" in result.stdout


def test_internal_errors_are_one_line_without_debug(run, monkeypatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("postisupport.output.document.as_json", broken)
    assert_error(run("--sandbox", "diagnose", "ESIM0042", "--json"), ExitStatus.INTERNAL_ERROR,
                 "internal error: RuntimeError: boom \\(rerun with --debug")


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_do_not_load_heavy_modules(flag: str) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        f"sys.argv = ['postisupport', '{flag}']\n"
        "from postisupport.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('httpx', 'pydantic', 'rich', 'scim2_models', 'scim2_server', 'uvicorn')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_a_diagnosis_over_http_loads_only_what_it_uses(loopback_sandbox: str, tmp_path: Path) -> None:
    """What a cold diagnosis against a real API does not need stays out of it (docs/performance.md):
    the retry machinery until a retry, the audit trail with --no-audit, pydantic's plugin scan,
    a TOML parser without a config file, rich's emoji table, the scim2 libraries."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        f"sys.argv = ['postisupport', '--api', '{loopback_sandbox}', 'diagnose', 'ESIM0042', '--no-audit']\n"
        "from postisupport.cli import main\n"
        "try:\n    main()\nexcept SystemExit as done:\n    assert done.code == 0, done.code\n"
        "unused = ('tenacity', 'postisupport.ops.audit', 'importlib.metadata', 'tomllib', "
        "'rich._emoji_codes', 'scim2_models', 'scim2_server', 'uvicorn', 'postisupport.idp.mapping')\n"
        "print(sorted(m for m in unused if m in sys.modules), file=sys.stderr)\n"
    )
    environ = {name: value for name, value in os.environ.items() if not name.startswith("POSTISUPPORT_")}
    environ.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "state"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env=environ)
    assert "Step 1" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_hostile_values_neither_crash_nor_drive_the_terminal(run, tmp_path: Path, environ) -> None:
    evil = "[/]\x1b[2J[bold]Evil\x07"
    data = {"Users": [
        {"id": "u1", "userName": "victim@example.fi", "displayName": evil},
        {"id": "u2", "userName": "boss@example.fi", "displayName": evil,
         "roles": [{"value": "admin"}]}],
        "Groups": [{"id": "g1", "displayName": evil, "members": [{"value": "u1"}, {"value": "u2"}],
                    "urn:postisupport:scim:schemas:extension:organisation:1.0:Group": {}}]}
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(data))
    environ["NO_COLOR"] = "1"
    result = run("--sandbox-data", str(path), "diagnose", "victim@example.fi")
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "[/]" in result.stdout and "[bold]Evil" in result.stdout


def test_candidates_sharing_a_language_get_their_script_in_it(run, tmp_path: Path) -> None:
    users = [{"id": f"u{i}", "userName": f"p{i}@example.fi", "preferredLanguage": "sv-FI",
              "emails": [{"value": "shared@example.fi"}]} for i in (1, 2)]
    path = tmp_path / "dir.json"
    path.write_text(json.dumps({"Users": users}))
    doc = run("--sandbox-data", str(path), "diagnose", "shared@example.fi", "--json").json()
    assert (doc["outcome"], doc["script"]["lang"]) == ("ambiguous", "sv")
    users[1]["preferredLanguage"] = "en"
    path.write_text(json.dumps({"Users": users}))
    doc = run("--sandbox-data", str(path), "diagnose", "shared@example.fi", "--json").json()
    assert doc["script"]["lang"] == "fi"


# -- options, settings and the wording of errors ---------------------------------


def test_connection_options_work_before_and_after_the_command(run) -> None:
    before = run("--sandbox", "diagnose", "ESIM0042", "--json")
    after = run("diagnose", "ESIM0042", "--json", "--sandbox")
    assert (before.exit_code, after.exit_code) == (0, 0)
    assert before.stdout == after.stdout


def test_the_same_option_twice_with_different_values_is_refused(run) -> None:
    assert_error(run("--timeout", "3", "diagnose", "ESIM0042", "--sandbox", "--timeout", "5"),
                 ExitStatus.USAGE, "'--timeout': given twice with different values \\(3.0 and 5.0\\)")
    assert run("--timeout", "3", "diagnose", "ESIM0042", "--sandbox", "--timeout", "3").exit_code == 0


@pytest.mark.parametrize("args", [
    ["--api", "https://idp.example.com/scim/v2", "--sandbox", "diagnose", "ESIM0042"],
    ["--api", "https://idp.example.com/scim/v2", "diagnose", "ESIM0042", "--sandbox"],
    ["diagnose", "ESIM0042", "--sandbox-data", "x.json", "--api", "https://idp.example.com/scim/v2"],
])
def test_api_and_sandbox_together_are_refused(run, args: list[str]) -> None:
    assert_error(run(*args), ExitStatus.USAGE,
                 "^postisupport: error: --api and --sandbox contradict each other; give one of them$")


def test_a_sandbox_flag_outranks_an_api_in_the_environment(run, environ) -> None:
    environ["POSTISUPPORT_API_URL"] = "https://idp.example.com/scim/v2"
    assert run("--sandbox", "diagnose", "ESIM0042", "--json").json()["outcome"] == "change-password"


def test_the_sandbox_is_read_through_its_own_mapping_not_a_default_directory_profiles(run, env) -> None:
    """Attack 25 F7: a default profile for a directory (its mapping "openldap") stopped every --sandbox
    demo with "no such mapping file, nor a preset": the profile's mapping went on without its API. A
    mapping named on the command line still holds."""
    config = env.config_dir / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('default_profile = "ad"\n[profiles.ad]\napi_url = "ldaps://dc.example.fi"\n'
                      'mapping = "openldap"\n', encoding="utf-8")
    demo = run("--sandbox", "diagnose", "ESIM0042", "--json", "--no-audit")
    named = run("--sandbox", "--mapping", "openldap", "diagnose", "ESIM0042", "--no-audit")
    assert (demo.exit_code, demo.json()["outcome"], named.exit_code, named.stderr) == (
        0, "change-password", 2,
        "postisupport: error: --mapping: openldap: no such mapping file, nor a preset (postisupport, "
        "scim-core, wso2)\n")


def test_a_bad_url_from_the_environment_is_blamed_on_the_variable(run, environ) -> None:
    environ["POSTISUPPORT_API_URL"] = "idp.example.com"
    assert_error(run("diagnose", "a@example.fi"), ExitStatus.USAGE,
                 "^postisupport: error: POSTISUPPORT_API_URL: 'idp.example.com' is not an http\\(s\\) URL")


@pytest.mark.parametrize(("where", "value", "pattern"), [
    ("flag", "inf", "--timeout: 'inf' is not a finite number of seconds$"),
    ("flag", "0", "--timeout: '0.0' is under the shortest timeout, 0.1 s$"),
    ("flag", "-1", "--timeout: '-1.0' is under the shortest timeout, 0.1 s$"),
    ("environment", "soon", "POSTISUPPORT_TIMEOUT: 'soon' is not a number of seconds$"),
    ("environment", "nan", "POSTISUPPORT_TIMEOUT: 'nan' is not a finite number of seconds$"),
])
def test_a_bad_timeout_names_where_it_came_from(run, environ, where: str, value: str, pattern: str) -> None:
    if where == "flag":
        result = run("--sandbox", "--timeout", value, "diagnose", "ESIM0042")
    else:
        environ["POSTISUPPORT_TIMEOUT"] = value
        result = run("--sandbox", "diagnose", "ESIM0042")
    assert_error(result, ExitStatus.USAGE, pattern)


def test_a_timeout_from_the_environment_is_used(run, environ) -> None:
    from tests.servers import Hostile, serving

    environ["POSTISUPPORT_TIMEOUT"] = "0.2"
    with serving(Hostile(200, b"{}", b"application/json", delay=2)) as url:
        result = run("--api", url, "diagnose", "a@example.fi")
    assert_error(result, ExitStatus.UNREACHABLE, "did not answer within 0.2 s$")


@pytest.mark.parametrize(("args", "pattern"), [
    (["--sandbox", "diagnose", "ESIM0042", "--wobble"],
     "^postisupport: error: No such option: --wobble \\(see 'postisupport diagnose --help'\\)$"),
    (["--sandbox", "diagnose"],
     "^postisupport: error: Missing argument 'IDENTIFIER'. \\(see 'postisupport diagnose --help'\\)$"),
    (["--sandbox", "diagnose", "ESIM0042", "--lang", "de"],
     "^postisupport: error: Invalid value for '--lang': 'de' is not one of fi, sv, en "),
    (["frobnicate"], "^postisupport: error: No such command 'frobnicate'. \\(see 'postisupport --help'\\)$"),
    (["sandbox", "serve", "--port", "70000"], "^postisupport: error: Invalid value for '--port'"),
])
def test_usage_errors_are_one_line(run, args: list[str], pattern: str) -> None:
    assert_error(run(*args), ExitStatus.USAGE, pattern)


def test_a_group_without_a_command_shows_its_help(run) -> None:
    result = run("sandbox")
    assert (result.exit_code, result.stdout) == (ExitStatus.USAGE, "")
    assert result.stderr.startswith("Usage: postisupport sandbox [OPTIONS] COMMAND [ARGS]...")


def test_bad_input_and_bad_configuration_are_different_errors() -> None:
    from postisupport.config.settings import resolve
    from postisupport.core.identifiers import normalise
    from postisupport.errors import ConfigurationError, InvalidInput

    with pytest.raises(InvalidInput) as bad_row:
        normalise("a@@example.fi")
    with pytest.raises(ConfigurationError) as bad_setup:
        resolve({"api_url": "ftp://idp.example.com"}, {})
    assert (bad_row.value.field, isinstance(bad_row.value, ConfigurationError)) == ("identifier", False)
    assert (bad_setup.value.setting, bad_setup.value.origin) == ("api_url", "flag")  # type: ignore[attr-defined]


def test_debug_shows_the_traceback_of_an_internal_error(run, monkeypatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("postisupport.output.document.as_json", broken)
    with pytest.raises(RuntimeError, match="boom"):
        run("--debug", "--sandbox", "diagnose", "ESIM0042", "--json")


def test_debug_leaves_the_process_environment_alone(run) -> None:
    import os

    run("--debug", "--sandbox", "diagnose", "ESIM0042", "--json")
    assert [name for name in os.environ if name.startswith("POSTISUPPORT_")] == []


def test_the_screen_lists_data_problems(run, tmp_path: Path, environ) -> None:
    environ["NO_COLOR"] = "1"
    data = {"Users": [{"id": "u1", "userName": "solo@example.fi", "preferredLanguage": "en",
                       "emails": [{"value": "solo@example.fi"}, {"value": "not-an-address"}]}]}
    path = tmp_path / "dir.json"
    path.write_text(json.dumps(data))
    plain = run("--sandbox-data", str(path), "diagnose", "solo@example.fi").stdout
    assert plain.splitlines()[-1].strip() == "1 data problem in the API's answer: --explain shows it"
    out = run("--sandbox-data", str(path), "diagnose", "solo@example.fi", "--explain").stdout
    lines = [line.strip() for line in out.splitlines()]
    start = lines.index("Data problems")
    assert lines[start + 1:] == ["- user u1: emails: 'not-an-address' is not an e-mail address"]


def test_a_truncated_answer_is_noted(run, tmp_path: Path) -> None:
    from postisupport.idp import urns

    users = [{"id": f"u{i}", "userName": f"p{i}@example.fi", "emails": [{"value": "shared@example.fi"}]}
             for i in range(25)]
    path = tmp_path / "dir.json"
    path.write_text(json.dumps({"Users": users}))
    doc = run("--sandbox-data", str(path), "diagnose", "shared@example.fi", "--json").json()
    assert (doc["outcome"], len(doc["candidates"])) == ("ambiguous", 20)
    assert doc["data_problems"] == ["the API found 25 Users but sent only 20"]
    assert urns.LOGIN_EXTENSION  # the file needs no extension to be served


def test_sandbox_serve_refuses_api_options(run) -> None:
    assert_error(run("--api", "https://idp.example.com/scim/v2", "sandbox", "serve"), ExitStatus.USAGE,
                 "'--api': sandbox serve serves the sandbox; it reads no identity API")
    assert_error(run("--timeout", "3", "sandbox", "serve"), ExitStatus.USAGE, "'--timeout': sandbox serve")


def test_the_apps_listing_of_each_lazy_command_is_its_own_line() -> None:
    import typer

    from postisupport.cli.app import LAZY, app

    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="postisupport")
    for name, (_, line) in LAZY.items():
        assert root.get_command(ctx, name).get_short_help_str(200) == line


def test_version_and_diagnose_do_not_load_the_command_groups() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from postisupport.cli.main import run\n"
        "from postisupport.config.environment import Environment\n"
        "run(['--version'], Environment())\n"
        "run(['--sandbox', 'diagnose', 'ESIM0042', '--json', '--no-audit'], Environment())\n"
        "print(sorted(m for m in sys.modules if m.startswith('postisupport.cli.')), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == str(
        ["postisupport.cli.app", "postisupport.cli.diagnose", "postisupport.cli.main",
         "postisupport.cli.options", "postisupport.cli.render", "postisupport.cli.stdout"])
