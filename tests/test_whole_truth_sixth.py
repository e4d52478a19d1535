"""Issue 13, as the tenth native-level review heard the scripts (N10): a fact the API sent in a form that
can't be read is unknown, never none. Rights, an organisation's services and an administrator's roles
sent unreadable are not "you don't have access", "not among your organisation's services" or "no
administrator"; an unknown pending change is asked on a service question too; the agent's line asks what
the script asks; and the counts the sentences name agree with who is named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.servers import serving
from tests.test_attacked_sixth import Mutating, resources
from tests.test_whole_truth_fifth import LOGIN, ORGANISATION, RECENT, organisation, user


def mangling(users: dict[str, dict[str, Any]], groups: dict[str, dict[str, Any]] | None = None) -> Mutating:
    """The demo sandbox whose answers carry, for the users and groups named by id, these values in place
    of theirs: what a server that garbles an attribute sends."""

    def change(path: str, query: Any, body: Any) -> None:
        for resource in resources(body) if "Resources" in body else [body]:
            for name, value in users.get(resource.get("id"), {}).items():
                if name == LOGIN:
                    resource.setdefault(LOGIN, {}).update(value)
                else:
                    resource[name] = value
            for name, value in (groups or {}).get(resource.get("id"), {}).items():
                resource.setdefault(ORGANISATION, {})[name] = value

    return Mutating(change)


def diagnosis(run, server: Mutating, *args: str) -> Any:
    with serving(server) as url:
        result = run("--api", url, "diagnose", *args, "--no-audit")
    assert (result.exit_code, result.stderr) == (0, "")
    return result


# -- N10-6: access rights sent unreadable ------------------------------------------------------------------


def test_rights_that_cannot_be_read_are_not_told_as_missing_and_the_administrator_checks_them(run) -> None:
    server = mangling({"u-1004": {"entitlements": "yes"}})
    said = diagnosis(run, server, "johanna.makinen@esimerkki.example.fi", "-s", "invoicing", "--verified",
                     "--script", "--lang", "en").stdout
    assert said == (
        "I can't see here whether you have access to E-invoicing. Your organisation's administrator for "
        "Posti's services can check your access rights. The administrator is Maija Virtanen. Contact "
        "details: "
        "e-mail address maija.virtanen@esimerkki.example.fi and phone number +358 40 123 4567.\n")
    document = diagnosis(run, server, "johanna.makinen@esimerkki.example.fi", "-s", "invoicing",
                         "--json").json()
    assert (document["rule"], document["unknown"], document["services"][0]["rule"]) == (
        "service.missing-right", ["services"], "service.missing-right")


def test_rights_that_cannot_be_read_are_not_told_as_missing_where_no_one_can_check_them(run) -> None:
    server = mangling({"u-6001": {"entitlements": "yes"}}, {"g-exempel": {"services": "all of them"}})
    said = diagnosis(run, server, "kaisa.koski@exempel.example.fi", "-s", "reports", "--verified", "--script",
                     "--lang", "fi").stdout
    assert said == (
        "En näe täältä, onko sinulla käyttöoikeutta palveluun Raportointi. Yhdelläkään organisaatiollasi ei "
        "ole Postin palveluiden pääkäyttäjää, joka voisi juuri nyt auttaa sinua. Teen asiasta tukipyynnön "
        "sähköisten palveluiden tukeen, ja sieltä ollaan sinuun yhteydessä.\n")


def test_the_agent_is_told_the_rights_cannot_be_read(run) -> None:
    server = mangling({"u-1004": {"entitlements": [{"value": 5}]}})
    screen = diagnosis(run, server, "johanna.makinen@esimerkki.example.fi", "-s", "invoicing", "--verified",
                       "--ui-lang", "en").stdout
    assert screen.splitlines()[1:3] == [
        "Do this: The directory can't tell the caller's access rights; give them the",
        "administrator's contact details; the administrator checks the rights."]


# -- N10-7: an organisation's services sent unreadable -----------------------------------------------------


@pytest.mark.parametrize("services", ["all of them", [{"value": 3}]])
def test_services_that_cannot_be_read_are_not_told_as_not_among_the_organisations(run, services: Any) -> None:
    server = mangling({}, {"g-esimerkki": {"services": services}})
    result = diagnosis(run, server, "johanna.makinen@esimerkki.example.fi", "-s", "parcel-lockers",
                       "--verified", "--json")
    document = result.json()
    assert ([v["rule"] for v in document["services"]], document["unknown"]) == (
        ["service.missing-right"], ["organisation_services"])
    assert document["script"]["text"].startswith(
        "Sinulla ei ole vielä käyttöoikeutta kysymääsi palveluun. Pyydä organisaatiosi Postin palveluiden "
        "pääkäyttäjää")


# -- N10-8: a pending change the directory can't tell, on a service question -------------------------------


def test_a_service_question_asks_first_about_a_change_the_directory_cannot_tell(run) -> None:
    server = mangling({"u-1004": {LOGIN: {"forcePasswordReset": "sometimes"}}})
    said = diagnosis(run, server, "johanna.makinen@esimerkki.example.fi", "-s", "reports", "--verified",
                     "--script", "--lang", "en").stdout
    assert said == (
        "Have you had an e-mail asking you to change your password? If you have, change it first: go to "
        "https://www.posti.fi/changepassword and enter the e-mail address you log in with, and you'll get "
        "instructions by e-mail; then log in again. If you haven't, you don't need to change it. You do "
        "have access to Reporting. Nothing else I can see on your account stops you. Please log out, then "
        "log "
        "in again with your login e-mail address. If it still doesn't work, I'll open a support request for "
        "you.\n")
    document = diagnosis(run, server, "johanna.makinen@esimerkki.example.fi", "-s", "reports",
                         "--json").json()
    assert (document["rule"], document["unknown"], document["considered"][0]["rule"],
            document["considered"][0]["fired"]) == ("service.granted", ["reset_requested"],
                                                    "login.reset-pending", None)


# -- N10-9: a request sent to an address no longer on the account, the change time unknown ------------------


@pytest.mark.parametrize(("verified", "said"), [
    (True, "The password-change request we sent on 17 January 2021 went to an address that is no longer on "
           "your account, so it may never have reached you. If you haven't changed your password since then, "
           "please do it first: "),
    # Unverified, without the renewal's date, which by the seed page's test names the address it went to.
    (False, "We sent you a request to change your password. If you didn't get the "
            "message, or haven't changed the password since, please change it first: "),
])
def test_a_request_to_an_address_no_longer_on_the_account_is_flagged_when_the_change_time_is_unknown(
        run, verified: bool, said: str) -> None:
    server = mangling({"u-1010": {LOGIN: {"lastPasswordUpdateTime": "n/a"}}})
    text = diagnosis(run, server, "mikael.aalto@esimerkki.example.fi", "--script", "--lang", "en",
                     *(["--verified"] if verified else [])).stdout
    assert text.startswith(said)
    assert "vanha.example.fi" not in text


# -- N10-10: an administrator whose roles can't be read ----------------------------------------------------


@pytest.mark.parametrize("roles", ["admin-ish", [{"value": 5}]])
def test_an_administrator_whose_roles_cannot_be_read_is_not_told_as_none(run, roles: Any) -> None:
    server = mangling({"u-1001": {"roles": roles}})
    result = diagnosis(run, server, "johanna.makinen@esimerkki.example.fi", "--verified", "--script",
                       "--lang", "sv")
    assert result.stdout == (
        "Jag kan inte se härifrån om din organisation just nu har en administratör för Postis tjänster som "
        "kan hjälpa dig. Jag skickar ett supportärende till e-tjänsternas support, och de kontaktar dig.\n")
    document = diagnosis(run, server, "johanna.makinen@esimerkki.example.fi", "--json").json()
    assert (document["rule"], document["unknown"], document["considered"][-1]) == (
        "login.no-admin", ["administrators"],
        {"rule": "login.no-admin", "service": None, "fired": None,
         "read": {"otherAdmins": 0, "unableAdmins": 1}, "unknown": ["administrators"]})


def test_a_business_id_whose_administrators_cannot_be_read_is_not_told_as_having_none(run) -> None:
    server = mangling({"u-1001": {"roles": "admin-ish"}})
    said = diagnosis(run, server, "2345678-0", "--script", "--lang", "en").stdout
    assert said == (
        "I can't see whether your organisation has an administrator for Posti's services who can help you "
        "just now, so we'll sort it out here at Posti. I'll pass this on to our e-services support as a "
        "support request, and they will get back to you.\n")
    screen = diagnosis(run, server, "2345678-0", "--ui-lang", "en").stdout
    assert screen.splitlines()[1] == ("Do this: The directory can't tell whether the organisation has an "
                                      "administrator")


# -- N10-11: the agent's line asks what the script asks ----------------------------------------------------


@pytest.mark.parametrize(("uid", "login", "mangled", "line"), [
    ("u-1003", "erik.lindqvist@esimerkki.example.fi", {"lastPasswordUpdateTime": "n/a"},
     "Do this: First ask whether they have changed the password since the request of 17 Jan 2021 08:00 "
     "(the directory can't tell when it was changed); if not, they change it at "
     "posti.fi/changepassword."),
    ("u-1010", "mikael.aalto@esimerkki.example.fi", {"lastPasswordUpdateTime": "n/a"},
     "Do this: First ask whether they got the password-change request of 17 Jan 2021 08:00: it "
     "went to an address no longer on the account. If they didn't, or haven't changed the password since "
     "(the directory can't tell), they change it at posti.fi/changepassword."),
])
def test_the_agents_line_asks_about_the_request_the_script_names(run, uid: str, login: str,
                                                                 mangled: dict[str, Any], line: str) -> None:
    server = mangling({uid: {LOGIN: mangled}})
    screen = diagnosis(run, server, login, "--verified", "--ui-lang", "en").stdout
    lines = screen.splitlines()
    start = next(n for n, text in enumerate(lines) if text.startswith("Do this:"))
    told = " ".join(lines[start:lines.index("", start)])
    assert told.startswith(line)


# -- N10-1, N10-2, N10-3: counts that agree with who is named ----------------------------------------------


DIRECTORY = {
    "Users": [
        user("u-anna", "anna.admin@alfa.example.fi", "Anna Admin", admin=True),
        user("u-bertta", "bertta.admin@alfa.example.fi", "Bertta Admin", admin=True),
        user("u-cecilia", "cecilia.admin@alfa.example.fi", "Cecilia Admin", admin=True),
        user("u-dan", "dan.user@alfa.example.fi", "Dan User", extension=RECENT),
    ],
    "Groups": [organisation("g-alfa", "Alfa Oy", "1111111-8", [("invoicing", "E-invoicing")],
                            ["u-anna", "u-bertta", "u-cecilia", "u-dan"])],
}


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(DIRECTORY), encoding="utf-8")
    return path


@pytest.mark.parametrize(("lang", "said"), [
    ("en", "You don't have access to E-invoicing yet. You are one of your organisation's administrators for "
           "Posti's services, and any of the other administrators can grant it. Any of these administrators "
           "can help you: Anna Admin and Bertta Admin. I'll read you their contact details one at a time."),
    ("fi", "Sinulla ei ole vielä käyttöoikeutta palveluun E-laskutus. Olet yksi organisaatiosi Postin "
           "palveluiden pääkäyttäjistä, ja kuka vain muista pääkäyttäjistä voi antaa sinulle oikeuden. "
           "Kuka vain näistä pääkäyttäjistä voi auttaa sinua: Anna Admin ja Bertta Admin. Luen heidän "
           "yhteystietonsa yksi kerrallaan."),
    ("sv", "Du har ännu inte rätt att använda tjänsten E-fakturering. Du är en av din organisations "
           "administratörer för Postis tjänster, och någon av de andra administratörerna kan ge "
           "dig rätten. Någon av de här administratörerna kan hjälpa dig: Anna Admin och Bertta "
           "Admin. "
           "Jag läser upp deras kontaktuppgifter en i taget."),
])
def test_an_administrator_with_two_others_hears_of_any_of_them_not_another(run, directory: Path, lang: str,
                                                                           said: str) -> None:
    result = run("--sandbox-data", str(directory), "diagnose", "cecilia.admin@alfa.example.fi", "-s",
                 "invoicing", "--verified", "--script", "--lang", lang, "--no-audit")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(said + " ")


@pytest.mark.parametrize(("lang", "said"), [
    ("en", "You don't have access to Reporting, and none of your organisations has an administrator for "
           "Posti's services who could grant it just now."),
    ("fi", "Sinulla ei ole käyttöoikeutta palveluun Raportointi, eikä yhdelläkään organisaatiollasi ole "
           "Postin "
           "palveluiden pääkäyttäjää, joka voisi juuri nyt antaa oikeuden."),
    ("sv", "Du har inte rätt att använda tjänsten Rapportering, och ingen av dina organisationer har just nu "
           "någon administratör för Postis tjänster som kan ge dig rätten."),
])
def test_a_caller_in_two_organisations_neither_able_to_grant_hears_none_of_them(run, lang: str,
                                                                                said: str) -> None:
    result = run("--sandbox", "diagnose", "kaisa.koski@exempel.example.fi", "-s", "reports", "--verified",
                 "--script", "--lang", lang, "--no-audit")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(said + " ")


# -- N10-12: the shell's own words ------------------------------------------------------------------------


def test_the_shell_names_its_explain_command_and_a_finnish_refusal_reads_naturally(run) -> None:
    server = mangling({"u-1004": {"entitlements": "yes"}})
    with serving(server) as url:
        result = run("--api", url, "--no-audit", "shell", input=(
            "ui fi\njohanna.makinen@esimerkki.example.fi\nlang xx\nquit\n"))
    assert result.exit_code == 0, result.stderr
    assert "Rajapinnan vastauksessa on 1 tieto-ongelma: komento explain näyttää sen" in result.stdout
    assert "--explain" not in result.stdout
    # The prompts go to stderr too, unended by a newline when the input is piped.
    assert [line.rpartition("> ")[2] for line in result.stderr.splitlines() if "virhe" in line] == [
        "postisupport: virhe: lang: 'xx' ei kelpaa; valitse jokin näistä: fi, sv, en"]


def test_the_old_id_rule_comes_before_the_unknown_change_question_not_run_on_after_it(
        run, tmp_path: Path) -> None:
    """A step after the unknown-change question ran on in lower case after a colon, two colons in one
    sentence ("Jos et ole, ...: Postin yrityspalveluihin ...: vanha ..."); the old ID's rule holds
    whatever the answer, so it comes first (N19-3)."""
    enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    data = {"Users": [{"id": "u-1", "userName": "aino@esimerkki.example.fi", "active": True,
                       "preferredLanguage": "fi", enterprise: {"employeeNumber": "ESIM0101"}}], "Groups": []}
    path = tmp_path / "core.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run("--sandbox-data", str(path), "--mapping", "scim-core", "diagnose", "ESIM0101", "--script",
                 "--no-audit")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "Postin yrityspalveluihin kirjaudutaan nykyään sähköpostiosoitteella: vanha asiointitunnus ei enää "
        "käy. Oletko saanut sähköpostiviestin, jossa sinua pyydetään vaihtamaan salasanasi? Jos olet, "
        "kirjautumisosoitteesi on se, johon viesti tuli. Vaihda salasana ensin: mene sivulle "
        "https://www.posti.fi/changepassword ja anna siellä se sähköpostiosoite, niin saat ohjeet "
        "sähköpostiisi; kirjaudu sitten uudelleen. Jos et ole saanut viestiä ja tiedät "
        "kirjautumisosoitteesi, kirjaudu sillä ja nykyisellä salasanallasi. Jos et tiedä, millä osoitteella "
        "kirjaudut, voin kertoa "
        "sen, kun olen tarkistanut henkilöllisyytesi. Jos kirjautuminen ei vieläkään onnistu, soita meille "
        "uudelleen, niin välitämme asian sähköisten palveluiden tukeen.\n")
