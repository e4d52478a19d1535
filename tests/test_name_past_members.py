"""A name asked of an organisation with more members than a look-up reads: who has it can't be told.

Before, the members past those read were never compared: a caller among them was "not found", and a
namesake among those read was taken for them. Now the look-up says it can't search by name there
(lookup.name-unsearchable) and asks for another identifier: in the engine, through the SCIM sandbox with
5,001 members, and against a real OpenLDAP whose own size limit (500 by default) cuts the answer.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from postisupport.core.identifiers import Asked
from postisupport.core.rules import Action, Check, Decision, Evidence, ScriptPart, decide
from postisupport.output.script import script_text
from tests.ldapservers import openldap as openldap_server
from tests.ldapservers.openldap import ESIMERKKI, READER, READER_PASSWORD
from tests.test_rules import a_user, facts

RULE = "lookup.name-unsearchable"
CUT = Asked("Aino Korhonen", "name", "2345678-0", organisation_name="Esimerkki Oy", members_cut=True)
SAID = {
    "en": "Your organisation has so many users in Posti's business services that I can't find you by your "
          "name alone. Could you tell me the e-mail address you log in with, or your old user ID?",
    "fi": "Organisaatiollasi on Postin yrityspalveluissa niin paljon käyttäjiä, etten löydä sinua pelkällä "
          "nimellä. Voisitko kertoa sähköpostiosoitteen, jolla kirjaudut sisään, tai vanhan "
          "asiointitunnuksesi?",
    "sv": "Din organisation har så många användare i Postis företagstjänster att jag inte kan hitta dig "
          "enbart "
          "på namnet. Kan du berätta vilken e-postadress du loggar in med, eller din gamla ärendekod?",
}


@pytest.mark.parametrize("found", [None, a_user()])
def test_a_name_past_the_members_read_is_neither_found_nor_missing(found: Any) -> None:
    """Whether or not one of those read answers: a namesake may be past them."""
    case = replace(facts(found), identifier="Aino Korhonen", matched_by="name" if found else None, asked=CUT)
    evidence = (Evidence(RULE, "identifier", "Aino Korhonen"), Evidence(RULE, "membersReadInPart", True))
    assert decide(case) == Decision(
        RULE, "login", evidence, (ScriptPart(RULE), ScriptPart("lookup.not-found.then")), (),
        (Check(RULE, True, (("identifier", "Aino Korhonen"), ("membersReadInPart", True))),), (Action(RULE),))
    assert decide(case, ["reports"]).rule == RULE
    said = {lang: script_text(decide(case), lang, verified=False) for lang in SAID}
    assert {lang: text.split("? ")[0] + "?" for lang, text in said.items()} == SAID


def test_a_store_that_records_no_old_ids_asks_only_for_the_address() -> None:
    case = replace(facts(), user=None, matched_by=None, asked=CUT, unrecorded=frozenset({"legacy_user_id"}))
    assert [part.key for part in decide(case).script] == [f"{RULE}.no-legacy", "lookup.not-found.then"]
    assert script_text(decide(case), "en", verified=False).split("? ")[0] == (
        "Your organisation has so many users in Posti's business services that I can't find you by your name "
        "alone. Could you tell me the e-mail address you log in with")


def test_a_name_among_all_the_members_is_decided_as_before() -> None:
    whole = replace(CUT, members_cut=False)
    decision = decide(replace(facts(), matched_by="name", asked=whole))
    assert (decision.rule, decision.considered[0]) == ("login.not-login-email", Check(
        RULE, False, (("identifier", "aino@example.fi"), ("membersReadInPart", False))))
    missing = decide(replace(facts(), user=None, matched_by=None, asked=whole))
    assert missing.rule == "lookup.not-found"


def _big(tmp_path: Path) -> Path:
    """The demo directory, Esimerkki Oy with 5,000 more members: 5,011, past the 5,000 a look-up reads."""
    data = json.loads((Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json").read_text())
    group = next(g for g in data["Groups"] if g["id"] == "g-esimerkki")
    for n in range(5000):
        data["Users"].append({"id": f"u-big{n}", "userName": f"staff{n}@esimerkki.example.fi",
                              "name": {"givenName": "Staff", "familyName": f"Member{n}"},
                              "displayName": f"Staff Member{n}", "active": True,
                              "emails": [{"value": f"staff{n}@esimerkki.example.fi", "primary": True}]})
        group["members"].append({"value": f"u-big{n}"})
    path = tmp_path / "big.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.slow
def test_through_scim_a_name_in_an_organisation_past_what_is_read_asks_for_another_identifier(
        run, tmp_path: Path) -> None:
    """Aino Korhonen is among the first members, and still not taken for the caller."""
    path = str(_big(tmp_path))
    said = run("--sandbox-data", path, "diagnose", "Aino Korhonen", "--org", "2345678-0", "--json",
               "--no-audit", "--lang", "en").json()
    assert (said["rule"], said["outcome"], said["user"], said["script"]["text"].split("? ")[0] + "?",
            said["data_problems"]) == (
        RULE, "not-searched", None, SAID["en"], ["the API found 5011 members but sent only 5000"])
    screen = run("--sandbox-data", path, "diagnose", "Aino Korhonen", "--org", "2345678-0", "--no-audit",
                 "--ui-lang", "en").stdout.splitlines()
    assert screen[:4] == [
        "Too many members to tell who has this name — ask for another identifier",
        "Do this: The organisation has more members than one look-up reads, so who has",
        "this name can't be told (anyone found may have a namesake): look the caller up",
        "by their e-mail address or old user ID."]
    assert "aino.korhonen@" not in "\n".join(screen)


@pytest.mark.slow
@pytest.mark.skipif(not openldap_server.available(), reason="slapd is not installed")
def test_through_openldap_its_own_size_limit_cuts_the_members_and_the_name_is_not_searched(
        run, environ, tmp_path: Path) -> None:
    """slapd's default sizelimit (500) stops the members' search for the service account: before, the look-up
    failed ("answered ... with sizeLimitExceeded"); it is a cut answer. A capture replays it as cut."""
    with openldap_server.running(tmp_path / "slapd") as server, server.connection() as ldap:
        for n in range(501):
            ldap.add(f"uid=staff{n},{ESIMERKKI}", ["inetOrgPerson"], {
                "uid": f"staff{n}", "cn": f"Staff Member{n}", "sn": f"Member{n}",
                "mail": f"staff{n}@example.fi"})
        environ.update({"POSTISUPPORT_BIND_DN": READER, "POSTISUPPORT_BIND_PASSWORD": READER_PASSWORD})
        args = ("--api", server.url, "--mapping", "openldap", "--no-audit")
        result = run(*args, "diagnose", "Aino Virtanen", "--org", "Esimerkki Oy", "--json", "--lang", "en")
        cut = ["the directory sent 500 of the organisation's members, and has more"]
        assert (result.exit_code, result.json()["rule"], result.json()["user"],
                result.json()["data_problems"]) == (0, RULE, None, cut), result.stderr
        captured = tmp_path / "ticket.json"
        made = run(*args, "capture", "Aino Virtanen", "--org", "Esimerkki Oy", "-o", str(captured))
        assert made.exit_code == 0, made.stderr
    searches = json.loads(captured.read_text())["Searches"]
    assert [search.get("result") for search in searches if search["scope"] == "LEVEL"] == [4]
    replayed = run("replay", str(captured), "--json")
    assert (replayed.exit_code, replayed.json()["rule"]) == (0, RULE), replayed.stderr
