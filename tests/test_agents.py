"""Agents on calls: what the caller hears is true, the screen speaks the agent's language, nothing
personal is said before verification, and masking leaves nothing to misuse."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.core.language import LANGUAGES
from postisupport.idp import urns
from postisupport.output.messages import catalog, ui_catalog
from tests.test_cli import assert_error

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock(env) -> None:
    env.clock = lambda: NOW


def script(run, *args: str) -> str:
    result = run("--sandbox", "diagnose", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return str(result.json()["script"]["text"])


def screen_lines(run, environ, *args: str) -> list[str]:
    environ["NO_COLOR"] = "1"
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    return [line.rstrip() for line in result.stdout.splitlines()]


def admins_sentence(lang: str, admins: str) -> str:
    return str(catalog(lang)["detail.admins"]["one"]).format(admins=admins)


MAIJA = "Maija Virtanen (maija.virtanen@esimerkki.example.fi, +358 40 123 4567)"


# -- 1. what the caller hears is true ------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("identifier", "key"), [
    ("pekka.nieminen@esimerkki.example.fi", "login.contact-admin.inactive"),
    ("sanna.laine@esimerkki.example.fi", "login.contact-admin.locked"),
])
def test_a_locked_or_unused_account_is_said_as_it_is(run, lang: str, identifier: str, key: str) -> None:
    said = script(run, identifier, "--lang", lang, "--verified")
    assert said == f"{catalog(lang)[key]} {admins_sentence(lang, MAIJA)}"
    assert str(catalog(lang)["login.contact-admin"]) not in said


@pytest.mark.parametrize(("lang", "other"), [("fi", "muuta"), ("sv", "annan"), ("en", "other")])
def test_no_other_administrator_is_said_only_of_an_administrator(run, lang: str, other: str) -> None:
    said = script(run, "karin.holm@exempel.example.fi", "--lang", lang, "--verified")
    assert said == catalog(lang)["login.no-admin"]
    assert other not in said


def two_admins(tmp_path: Path) -> Path:
    users = [
        {"id": "u1", "userName": "staff@example.fi", "entitlements": [{"value": "reports"}]},
        {"id": "a1", "userName": "anna@example.fi", "displayName": "Anna Admin",
         "roles": [{"value": "admin"}]},
        {"id": "a2", "userName": "bo@example.fi", "displayName": "Bo Boss", "roles": [{"value": "admin"}]},
    ]
    org = {"id": "g1", "displayName": "Esimerkki Oy", "members": [{"value": u["id"]} for u in users],
           urns.ORGANISATION_EXTENSION: {"businessId": "2345678-0", "services": [
               {"value": "reports", "display": "Reporting"}, {"value": "invoicing", "display": "E-invoicing"},
               {"value": "tracking", "display": "Shipment tracking"}]}}
    path = tmp_path / "two.json"
    path.write_text(json.dumps({"Users": users, "Groups": [org]}))
    return path


@pytest.mark.parametrize("lang", LANGUAGES)
def test_two_services_and_two_administrators_are_plural_and_a_choice(run, tmp_path: Path, lang: str) -> None:
    path = two_admins(tmp_path)
    result = run("--sandbox-data", str(path), "diagnose", "staff@example.fi", "-s", "invoicing",
                 "-s", "tracking", "--lang", lang, "--verified", "--json")
    words = catalog(lang)
    services = f"E-invoicing {words['and']} Shipment tracking"
    admins = f"Anna Admin (anna@example.fi) {words['or']} Bo Boss (bo@example.fi)"
    assert result.json()["script"]["text"] == " ".join([
        words["service.missing-right"]["other"].format(services=services),
        words["detail.admins"]["other"].format(admins=admins),
    ])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_ambiguous_callers_are_asked_what_fits_them(run, lang: str) -> None:
    # Neither candidate got a reset request, so the caller is not asked about one.
    assert script(run, "toimisto@salo.example.fi", "--lang", lang) == catalog(lang)["lookup.ambiguous"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_reset_request_is_said_with_its_date(run, lang: str) -> None:
    said = script(run, "ESIM0042", "--lang", lang)
    date = "17 January 2021" if lang == "en" else "17.1.2021"
    assert said == catalog(lang)["login.reset-pending.sent"].format(
        sent_at=date, change_url="https://www.posti.fi/changepassword")


@pytest.mark.parametrize(("typed", "meant"), [("reprots", "reports"), ("invoicng", "invoicing"),
                                              ("E-invocing", "E-invoicing")])
def test_a_mistyped_service_is_refused_with_a_suggestion(run, typed: str, meant: str) -> None:
    assert_error(run("--sandbox", "diagnose", "ESIM0105", "-s", typed), ExitStatus.USAGE,
                 f"^postisupport: error: --service '{typed}' is no service of this user or organisation; "
                 f"did you mean '{meant}'\\?$")


def test_an_unknown_service_is_never_repeated_to_the_caller(run, environ) -> None:
    said = script(run, "ESIM0105", "-s", "parcel lockers", "--verified")
    assert "parcel" not in said.lower()
    assert said.startswith(str(catalog("fi")["service.not-subscribed"]["none"]))
    lines = screen_lines(run, environ, "--sandbox", "diagnose", "ESIM0105", "-s", "parcel lockers")
    text = " ".join(" ".join(lines).split())
    assert ("Services parcel lockers (no such service): the organisation does not have the service "
            "The organisation has: Reporting, E-invoicing, Shipment tracking") in text


# -- 2. a screen for agents ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "first"), [("en", "Step 1 — the password must be changed"),
                                             ("fi", "Vaihe 1 — salasana on vaihdettava"),
                                             ("sv", "Steg 1 — lösenordet måste bytas")])
def test_the_first_lines_say_the_step_and_what_to_do_in_the_agents_language(
    run, environ, lang: str, first: str
) -> None:
    lines = screen_lines(run, environ, "--sandbox", "diagnose", "ESIM0042", "--ui-lang", lang)
    ui = ui_catalog(lang)
    assert lines[0] == ui["headline.login.reset-pending"] == first
    assert " ".join(lines[1:3]).replace("  ", " ").startswith(f"{ui['label.do']}: ")


def test_the_agents_language_comes_from_the_environment_or_the_profile(run, env, environ) -> None:
    environ["POSTISUPPORT_UI_LANG"] = "sv"
    first = screen_lines(run, environ, "--sandbox", "diagnose", "ESIM0042")[0]
    assert first == "Steg 1 — lösenordet måste bytas"
    del environ["POSTISUPPORT_UI_LANG"]
    env.config_dir.mkdir(parents=True, exist_ok=True)
    (env.config_dir / "config.toml").write_text('[profiles.default]\nui_lang = "fi"\n')
    first = screen_lines(run, environ, "--sandbox", "diagnose", "ESIM0042")[0]
    assert first == "Vaihe 1 — salasana on vaihdettava"


ENGINEERS_WORDS = ["login.", "service.", "forcePasswordReset", "matchedBy", "otherAdmins", "u-10",
                   "passwordResetSentAt", "isAdmin"]


@pytest.mark.parametrize("identifier", [
    "ESIM0042", "esim0077", "johanna.makinen@esimerkki.example.fi", "maija.virtanen@esimerkki.example.fi",
    "sanna.laine@esimerkki.example.fi"])
def test_the_screen_has_no_engineers_words_unless_explained(run, environ, identifier: str) -> None:
    text = "\n".join(screen_lines(run, environ, "--sandbox", "diagnose", identifier))
    assert [word for word in ENGINEERS_WORDS if word in text] == []
    explained = "\n".join(screen_lines(run, environ, "--sandbox", "diagnose", identifier, "--explain"))
    assert "Rules considered" in explained and "u-10" in explained


def test_explain_lists_every_rule_considered_in_order_with_what_it_read(run, environ) -> None:
    lines = screen_lines(run, environ, "--sandbox", "diagnose", "johanna.makinen@esimerkki.example.fi",
                         "--explain")
    block = lines[lines.index("Rules considered"):lines.index("Evidence")]
    rows = [line.split()[:2] for line in block if line.strip().startswith("login.")]
    assert rows == [["login.reset-pending", "no"], ["login.not-login-email", "no"],
                    ["login.user-is-admin", "no"], ["login.no-organisation", "no"], ["login.no-admin", "no"],
                    ["login.contact-admin", "fired"]]


DEMO_LOGINS = ["ESIM0042", "grace.taylor@sample.example.com", "esim0077", "erik@lindqvist.example.net",
               "johanna.makinen@esimerkki.example.fi", "pekka.nieminen@esimerkki.example.fi",
               "sanna.laine@esimerkki.example.fi", "maija.virtanen@esimerkki.example.fi",
               "karin.holm@exempel.example.fi", "oliver.smith@sample.example.com",
               "timo.lahtinen@example.net"]


@pytest.mark.parametrize("identifier", DEMO_LOGINS)
@pytest.mark.parametrize("verified", [False, True])
def test_the_common_outcomes_fit_a_24_line_80_column_terminal(run, environ, identifier: str,
                                                              verified: bool) -> None:
    lines = screen_lines(run, environ, "--sandbox", "diagnose", identifier, *(["--verified"] * verified))
    assert len(lines) <= 24, "\n".join(lines)
    assert max(len(line) for line in lines) <= 80


def test_times_are_local_with_how_long_ago_in_a_timeline(run, env, environ) -> None:
    lines = screen_lines(run, environ, "--sandbox", "diagnose", "ESIM0042")
    timeline = [line for line in lines if line.split("  ")[0] in (
        "Reset request sent", "Password changed", "Last login")]
    assert timeline == [
        "Reset request sent  17.1.2021 08:00 (5 years ago) to",
        "Password changed    2.5.2019 13:00 (7 years ago)",
        "Last login          never",
    ]
    env.config_dir.mkdir(parents=True, exist_ok=True)
    (env.config_dir / "config.toml").write_text('[profiles.default]\ntimezone = "UTC"\n')
    utc = screen_lines(run, environ, "--sandbox", "diagnose", "ESIM0042")
    assert "Reset request sent  17.1.2021 06:00 (5 years ago) to" in utc


def test_customer_service_cases_give_the_agent_the_next_action(run, environ) -> None:
    for identifier, rule in [("maija.virtanen@esimerkki.example.fi", "login.user-is-admin"),
                             ("karin.holm@exempel.example.fi", "login.no-admin"),
                             ("timo.lahtinen@example.net", "login.no-organisation")]:
        lines = screen_lines(run, environ, "--sandbox", "diagnose", identifier)
        do = " ".join(line.strip() for line in lines[1:4] if line.strip())
        assert do.startswith(f"Do this: {ui_catalog('en')[f'do.{rule}'][:40]}"), do
        assert "ticket" in do


def test_script_prints_only_the_caller_script_unwrapped(run) -> None:
    plain = run("--sandbox", "diagnose", "ESIM0042", "--script", "--verified")
    document = run("--sandbox", "diagnose", "ESIM0042", "--json", "--verified").json()
    assert plain.stdout == document["script"]["text"] + "\n"
    assert (plain.exit_code, plain.stderr) == (0, "")
    assert_error(run("--sandbox", "diagnose", "ESIM0042", "--script", "--json"), ExitStatus.USAGE,
                 r"give one of --json \(or --fields, --jq\) and --script")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_when_the_api_cannot_answer_the_agent_still_has_the_runbook(capsys, env) -> None:
    from postisupport.cli.main import run as run_cli
    from tests.servers import free_port

    env.stdout, env.stderr = Terminal(), io.StringIO()
    code = run_cli(["--api", f"http://127.0.0.1:{free_port()}/scim/v2", "diagnose", "x@example.fi",
                    "--lang", "sv"], env)
    assert code == ExitStatus.UNREACHABLE
    assert env.stdout.getvalue() == (f"{ui_catalog('en')['fallback.title'].format(lang='sv')}\n\n"
                                     f"{catalog('sv')['fallback.runbook']}\n")
    assert env.stderr.getvalue().startswith("postisupport: error: cannot reach the identity API")


# -- 3. verification before revealing, and masking ---------------------------------------------------------


def test_an_unverified_caller_hears_no_address_and_no_administrator(run, environ) -> None:
    for identifier in ("ESIM0042", "esim0077", "johanna.makinen@esimerkki.example.fi"):
        document = run("--sandbox", "diagnose", identifier, "--json").json()
        assert (document["verified"], "@" in document["script"]["text"]) == (False, False), identifier
        assert "Maija" not in document["script"]["text"]
        verified = run("--sandbox", "diagnose", identifier, "--json", "--verified").json()
        assert "@" in verified["script"]["text"]
        assert document["user"] == verified["user"]  # the other fields stay complete for scripts
    lines = screen_lines(run, environ, "--sandbox", "diagnose", "johanna.makinen@esimerkki.example.fi")
    verify = " ".join(line for line in lines if line).split("Verify first: ", 1)[1]
    assert "Johanna Mäkinen · Esimerkki Oy · 2345678-0" in " ".join(verify.split())


PERSONAL = ["johanna.makinen@esimerkki.example.fi", "Johanna Mäkinen", "maija.virtanen@esimerkki.example.fi",
            "Maija Virtanen", "2345678-0", "+358 40 123 4567", "Virtanen", "Mäkinen"]


@pytest.mark.parametrize("output", [[], ["--json"], ["--script"], ["--explain"]])
def test_masked_output_has_no_full_address_name_business_id_or_phone(
    run, environ, output: list[str]
) -> None:
    environ["NO_COLOR"] = "1"
    result = run("--sandbox", "diagnose", "johanna.makinen@esimerkki.example.fi", "--verified", "--mask",
                 *output)
    assert result.exit_code == 0
    assert [p for p in PERSONAL if p in result.stdout] == []
    assert "m***n@e***.fi" in result.stdout  # enough left to recognise


def test_masked_json_says_so_and_masks_every_personal_field(run) -> None:
    document: Any = run("--sandbox", "diagnose", "ESIM0042", "--mask", "--json").json()
    assert document["masked"] is True
    assert (document["user"]["userName"], document["user"]["displayName"], document["user"]["phone"]) == (
        "a***n@e***.fi", "A. K.", "+*** ** *** **01")
    assert document["organisation"]["businessId"] == "*******-0"
    assert document["admins"][0]["displayName"] == "M. V."
