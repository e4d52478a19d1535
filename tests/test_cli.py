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


def test_json_has_the_documented_keys(run) -> None:
    doc = run("--sandbox", "diagnose", "johanna.makinen@esimerkki.example.fi", "--json").json()
    assert {"outcome", "step", "problem", "matched_by", "user", "organisation", "admins",
            "candidates", "evidence", "script"} <= set(doc)
    assert {"id", "userName", "displayName", "active", "isAdmin", "resetPending",
            "forcePasswordReset", "passwordResetSentAt", "entitlements"} <= set(doc["user"])
    assert {"id", "name", "businessId", "services"} <= set(doc["organisation"])
    assert doc["admins"] == [{"id": "u-1001", "displayName": "Maija Virtanen",
                              "email": "maija.virtanen@esimerkki.example.fi"}]
    assert all({"rule", "fact", "value"} == set(e) for e in doc["evidence"])
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
    assert "business customer service" in doc["script"]["text"]


def test_screen_shows_step_evidence_admins_and_script_in_80_columns(run, environ) -> None:
    environ["NO_COLOR"] = "1"
    result = run("--sandbox", "diagnose", "ESIM0042")
    assert result.exit_code == 0
    out = result.stdout
    assert "STEP 1 · change-password" in out
    assert "login.reset-pending" in out and "forcePasswordReset" in out
    assert "Maija Virtanen" in out
    assert "https://www.posti.fi/changepassword" in out
    assert "\x1b[" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert result.stderr == ""


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


@pytest.mark.parametrize("identifier", ["a@@example.fi", " ", "ESIM 42"])
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
