"""Issue 13, the seventeenth native review (N17): whole calls where several things are wrong."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_native_sixteenth import LOGIN, _kivi


def _do_line(run, path: Path, identifier: str, lang: str) -> str:
    shown = run("--sandbox-data", str(path), "diagnose", identifier, "--verified", "--no-audit", "--ui-lang",
                lang).stdout.splitlines()
    return " ".join(shown[1:shown.index("")])


def test_a_locked_only_administrator_is_escalated_with_the_unlock_asked(run, tmp_path: Path) -> None:
    """N17-12: the Do line for a locked sole administrator never asked for the unlock, though the
    script told her the account would be opened."""
    data = json.loads(_kivi(tmp_path).read_text())
    kalle = next(user for user in data["Users"] if user["id"] == "kalle")
    kalle[LOGIN]["accountLocked"] = True
    path = tmp_path / "locked-admin.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert {lang: _do_line(run, path, "kalle@kivi.example.fi", lang) for lang in ("en", "fi", "sv")} == {
        "en": "Do this: Escalate to e-services support (ticket: Login / administrator). In the same ticket, "
              "ask for the caller's own account to be unlocked.",
        "fi": "Tee näin: Tee tukipyyntö sähköisten palveluiden tukeen (Kirjautuminen / pääkäyttäjä). Pyydä "
              "samassa tukipyynnössä myös soittajan oman tunnuksen lukituksen avaamista.",
        "sv": "Gör så här: Eskalera till e-tjänsternas support (supportärende: Inloggning / administratör). "
              "Be i samma supportärende också om att kontot för den som ringer låses upp."}


def test_an_unverified_closed_caller_is_told_to_change_the_password_once_they_can_log_in(
        run, tmp_path: Path) -> None:
    """N17-10: unverified, "change your password" now; verified, once the account is open: the same
    account given two instructions. Unverified it is now "once the administrator has sorted out your
    account", which holds whatever stops them and tells no one what that is ("once you can log in again"
    was circular, N18-1; "once that is sorted out" took the nearest sentence, the login address or "the
    old user ID no longer works", for what is sorted out, N19-1; "once what stops you logging in is put
    right" said the opening's words again, N20-4)."""
    data = _kivi(tmp_path)
    said = {lang: run("--sandbox-data", str(data), "diagnose", "riikka@koti.example.net", "--script",
                      "--no-audit", "--lang", lang).stdout for lang in ("fi", "sv")}
    assert ("Kun tunnuksesi on saatu kuntoon, sinun täytyy vielä vaihtaa salasanasi: mene "
            "sivulle https://www.posti.fi/changepassword ja anna sähköpostiosoite, jolla kirjaudut sisään, "
            "niin saat "
            "ohjeet sähköpostiisi.") in said["fi"]
    assert ("När ditt konto är i ordning igen behöver du också byta lösenord: gå till "
            "https://www.posti.fi/changepassword och ange den e-postadress du loggar in med, så får du "
            "anvisningar per e-post.") in said["sv"]


def _screen_lines(found, asked: list[str], lang: str) -> list[str]:
    from rich.console import Console

    from postisupport.core.report import report
    from postisupport.core.rules import decide
    from postisupport.output.screen import screen
    from postisupport.output.view import View

    console = Console(width=200, record=True, color_system=None)
    console.print(screen(report(found, decide(found, asked), lang), View(verified=True, ui_lang=lang)))
    return [" ".join(line.split()) for line in console.export_text().splitlines()]


def test_a_right_lacked_where_the_organisations_services_are_unrecorded_is_checked_not_promised() -> None:
    """N17-14: where the directory records no organisation's services (LDAP's presets), the screen said
    "the administrator can grant the right": only if the organisation has the service, which no one
    can see. The headline, the service's row and the Do line say it is checked, and on what it rests."""
    from dataclasses import replace

    from postisupport.core.facts import OrganisationFacts
    from tests.test_rules import a_user, facts

    found = replace(facts(a_user(entitlements=())), unrecorded=frozenset({"organisation_services"}),
                    organisation=OrganisationFacts("g-1", "Esimerkki Oy", "2345678-0", ()))
    shown = {lang: _screen_lines(found, ["invoicing"], lang) for lang in ("en", "fi", "sv")}
    assert {lang: (lines[0], " ".join(lines[1:lines.index("")]),
                   next(line for line in lines if line.startswith(("Services", "Palvelut", "Tjänster"))))
            for lang, lines in shown.items()} == {
        "en": ("Service access — the administrator checks the right",
               "Do this: The directory doesn't record the organisation's services; give the caller the "
               "administrator's contact details; the administrator grants the right if the organisation has "
               "the service.",
               "Services E-invoicing: the administrator checks the right"),
        "fi": ("Palvelun käyttöoikeus — pääkäyttäjä tarkistaa oikeuden",
               "Tee näin: Hakemisto ei kirjaa organisaation palveluita; anna soittajalle pääkäyttäjän "
               "yhteystiedot; pääkäyttäjä antaa oikeuden, jos palvelu on organisaation käytössä.",
               "Palvelut E-laskutus: pääkäyttäjä tarkistaa oikeuden"),
        "sv": ("Tjänsteåtkomst — administratören kontrollerar rätten",
               "Gör så här: Katalogen registrerar inte organisationens tjänster; ge den som ringer "
               "administratörens kontaktuppgifter; administratören ger rätten om organisationen har "
               "tjänsten.",
               "Tjänster E-fakturering: administratören kontrollerar rätten")}
    recorded = replace(found, unrecorded=frozenset(),
                       organisation=OrganisationFacts("g-1", "Esimerkki Oy", "2345678-0", ()))
    assert _screen_lines(recorded, ["invoicing"], "en")[0] == \
        "Service access — not among the organisation's services"
