"""Issue 13 again, as a second native fi/sv review found the tree: administrators held to the login rules
a caller is held to, the Do-line worded by how the caller was found, the address to give on the change
page, both states of an account that is deactivated and locked, a label for every group of services,
the reason for the script's language, a reset that may not have arrived, and no word of a caller's own
access rights before they are verified."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postisupport.idp import urns
from postisupport.output.messages import catalog, ui_catalog
from tests.test_whole_truth import fixed_clock, said  # noqa: F401  (fixed_clock: an autouse fixture)

LANGS = ("fi", "sv", "en")


def demo(run, lang: str, *args: str) -> str:
    return said(run, "--sandbox", "diagnose", *args, "--lang", lang)


def screen(run, environ, *args: str) -> str:
    """The agent's screen as one line of words (the fold at 80 columns aside)."""
    environ["NO_COLOR"] = "1"
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    return " ".join(result.stdout.split())


L = urns.LOGIN_EXTENSION
LOGGED_IN = {"lastLoginTime": "2021-03-01T08:00:00Z"}  # since the renewal


def own_data(tmp_path: Path) -> Path:
    """Tunturi Oy, whose administrators' accounts are all open but none of whom can log in (a password
    change pending; a last login before the renewal; a failed login since the last one), and Ranta Oy,
    whose one administrator can act: a user there deactivated and locked, and one whose reset request
    went to another address on the account, not the login address."""
    admin = [{"value": "admin"}]
    users = [
        {"id": "a1", "userName": "cecilia@tunturi.example.fi", "displayName": "Cecilia Admin", "roles": admin,
         L: {"forcePasswordReset": True}},
        {"id": "a2", "userName": "daniel@tunturi.example.fi", "displayName": "Daniel Admin", "roles": admin,
         L: {"lastLoginTime": "2020-11-01T08:00:00Z"}},
        {"id": "a3", "userName": "eeva@tunturi.example.fi", "displayName": "Eeva Admin", "roles": admin,
         L: {**LOGGED_IN, "lastFailedLoginTime": "2024-05-02T08:00:00Z"}},
        {"id": "t1", "userName": "vilma@tunturi.example.fi", "displayName": "Vilma Vanha", L: LOGGED_IN},
        {"id": "r1", "userName": "rauni@ranta.example.fi", "displayName": "Rauni Ranta", "roles": admin,
         "phoneNumbers": [{"value": "+358 40 555 0101"}], L: LOGGED_IN},
        {"id": "r2", "userName": "leo@ranta.example.fi", "displayName": "Leo Lukittu", "active": False,
         L: {**LOGGED_IN, "accountLocked": True}},
        {"id": "r3", "userName": "rasmus@ranta.example.fi", "displayName": "Rasmus Reset",
         "emails": [{"value": "rasmus@ranta.example.fi", "primary": True},
                    {"value": "rasmus@koti.example.net"}],
         L: {"passwordResetSentAt": "2021-01-17T06:00:00Z",
             "passwordResetSentTo": "rasmus@koti.example.net"}},
    ]
    services = {"services": [{"value": "reports", "display": "Reporting"}]}
    groups = [
        {"id": "g1", "displayName": "Tunturi Oy", "members": [{"value": i} for i in ("a1", "a2", "a3", "t1")],
         urns.ORGANISATION_EXTENSION: {"businessId": "1212121-3", **services}},
        {"id": "g2", "displayName": "Ranta Oy", "members": [{"value": i} for i in ("r1", "r2", "r3")],
         urns.ORGANISATION_EXTENSION: {"businessId": "2345678-0", **services}},
    ]
    path = tmp_path / "own.json"
    path.write_text(json.dumps({"Users": users, "Groups": groups}))
    return path


TICKET = {
    "fi": "Teen asiasta tukipyynnön sähköisten palveluiden tukeen, ja sieltä ollaan sinuun yhteydessä.",
    "sv": "Jag skickar ett supportärende till e-tjänsternas support, och de kontaktar dig.",
    "en": "I'll pass this on to our e-services support as a support request, and they will get back to you.",
}
NO_ADMIN = {
    "fi": "Organisaatiollasi ei ole Postin palveluiden pääkäyttäjää, joka voisi juuri nyt auttaa sinua.",
    "sv": "Din organisation har ingen administratör för Postis tjänster som kan hjälpa dig just nu.",
    "en": "Your organisation has no administrator for Posti's services who could help you just now.",
}
NO_ADMIN_UNVERIFIED = {  # "your organisation" however many are theirs (N17-2): never Posti's own (N19-5)
    "fi": "Organisaatiollasi ei juuri nyt ole Postin palveluiden pääkäyttäjää, joka voisi auttaa sinua.",
    "sv": "Din organisation har just nu ingen administratör för Postis tjänster som kan hjälpa dig.",
    "en": "Your organisation has no administrator for Posti's services who could help you just now.",
}
NONE_OF_THEM = {  # to a caller in several organisations, none of them with one (N7-18)
    "fi": "Yhdelläkään organisaatiollasi ei ole Postin palveluiden pääkäyttäjää, joka voisi juuri nyt "
          "auttaa sinua.",
    "sv": "Ingen av dina organisationer har just nu någon administratör för Postis tjänster som kan hjälpa "
          "dig.",
    "en": "None of your organisations has an administrator for Posti's services who could help you just now.",
}


# -- U1: an administrator who cannot log in is no help, by the same rules as any caller ------------------


STATES = {
    "fi": ("Cecilia Admin · SALASANA VAIHDETTAVA", "Daniel Admin · EI KIRJAUTUNUT UUDISTUKSEN JÄLKEEN",
           "Eeva Admin · VIIMEISIN KIRJAUTUMISYRITYS EPÄONNISTUI"),
    "sv": ("Cecilia Admin · MÅSTE BYTA LÖSENORD", "Daniel Admin · INTE INLOGGAD SEDAN FÖRNYELSEN",
           "Eeva Admin · SENASTE INLOGGNINGSFÖRSÖKET MISSLYCKADES"),
    "en": ("Cecilia Admin · MUST CHANGE PASSWORD", "Daniel Admin · NOT LOGGED IN SINCE THE RENEWAL",
           "Eeva Admin · LAST LOGIN ATTEMPT FAILED"),
}


@pytest.mark.parametrize("lang", LANGS)
def test_u1_administrators_who_cannot_log_in_are_shown_with_why_and_the_step_is_ours(
        run, environ, tmp_path: Path, lang: str) -> None:
    path = str(own_data(tmp_path))
    text = said(run, "--sandbox-data", path, "diagnose", "vilma@tunturi.example.fi", "--lang", lang,
                "--verified")
    assert text == f"{NO_ADMIN[lang]} {TICKET[lang]}"
    shown = screen(run, environ, "--sandbox-data", path, "diagnose", "vilma@tunturi.example.fi", "--ui-lang",
                   lang, "--verified")
    assert " ".join(STATES[lang]) in shown
    assert "cecilia@tunturi.example.fi" not in shown  # no contacts for one who cannot act
    document = run("--sandbox-data", path, "diagnose", "vilma@tunturi.example.fi", "--json").json()
    assert (document["rule"], document["admins"], [a["state"] for a in document["unable_admins"]]) == (
        "login.no-admin", [], ["reset-pending", "not-logged-in", "failed-login"])
    assert {"fact": "adminsNotLoggingIn", "rule": "login.no-admin", "value": 3} in document["evidence"]


@pytest.mark.parametrize("lang", LANGS)
def test_u1_oliver_smith_has_not_logged_in_since_the_renewal_so_is_offered_to_no_one(run, lang: str) -> None:
    # kaisa.koski is in Exempel Ab (no administrator) and Sample Trading Ltd (only Oliver Smith).
    kaisa = demo(run, lang, "kaisa.koski@exempel.example.fi", "--verified")
    assert kaisa == f"{NONE_OF_THEM[lang]} {TICKET[lang]}"
    # Unverified, the same whatever the number of organisations (N17-2).
    assert demo(run, lang, "kaisa.koski@exempel.example.fi") == f"{NO_ADMIN_UNVERIFIED[lang]} {TICKET[lang]}"
    here = {"fi": "joten selvitämme asian täällä Postilla.", "sv": "så vi reder ut det här på Posti.",
            "en": "so we'll sort it out here at Posti."}[lang]
    assert demo(run, lang, "1234567-1", "--verified") == f"{NO_ADMIN[lang][:-1]}, {here} {TICKET[lang]}"
    grace = demo(run, lang, "grace.taylor@sample.example.com", "-s", "reports", "--verified")
    assert "Oliver" not in grace and grace.endswith({
        "fi": "Sinulla ei ole käyttöoikeutta palveluun Raportointi, eikä organisaatiollasi ole Postin "
              "palveluiden "
              "pääkäyttäjää, joka voisi juuri nyt antaa oikeuden.",
        "sv": "Du har inte rätt att använda tjänsten Rapportering, och din organisation har ingen "
              "administratör "
              "för Postis tjänster som kan ge dig rätten just nu.",
        "en": "You don't have access to Reporting, and your organisation has no administrator for Posti's "
              "services who could grant it just now.",
    }[lang] + " " + TICKET[lang])


def test_u1_the_business_id_screen_shows_the_administrators_state(run, environ) -> None:
    shown = screen(run, environ, "--sandbox", "diagnose", "1234567-1", "--verified", "--ui-lang", "fi")
    assert shown.startswith("Organisaatio — ei pääkäyttäjää, joka voisi auttaa: ratkaistaan täällä Tee näin: "
                            "Varmista, että soittaja voi asioida organisaation puolesta, ja tee tukipyyntö "
                            "pääkäyttäjän nimeämisestä tai pääkäyttäjän tunnuksen avaamisesta "
                            "(Kirjautuminen / "
                            "ei pääkäyttäjää).")
    assert "Pääkäyttäjä Oliver Smith · EI KIRJAUTUNUT UUDISTUKSEN JÄLKEEN" in shown


# -- U2: the Do-line says how the caller was found ------------------------------------------------------


ANOTHER_ADDRESS_DO = {
    "fi": "Tee näin: Kerro soittajalle, että hänen antamansa osoite ei käy kirjautumiseen: kirjautumisosoite "
          "on vain yksi.",
    "sv": "Gör så här: Säg att adressen hen gav inte fungerar för inloggning: det finns bara en "
          "inloggningsadress.",
    "en": "Do this: Tell the caller that the address they gave doesn't work for logging in: there is only "
          "one login address.",
}


@pytest.mark.parametrize("lang", LANGS)
def test_u2_another_address_on_the_account_is_no_old_user_id_on_the_do_line(run, environ, lang: str) -> None:
    for verified in ((), ("--verified",)):
        shown = screen(run, environ, "--sandbox", "diagnose", "erik@lindqvist.example.net", "--ui-lang", lang,
                       *verified)
        assert ANOTHER_ADDRESS_DO[lang] in shown
    old_id = screen(run, environ, "--sandbox", "diagnose", "ESIM0077", "--ui-lang", "en")
    assert "Do this: Tell the caller to log in with their e-mail address, not the old user ID." in old_id


# -- U3: a reset sent to another address on the account: which address to give -------------------------


OTHER_ADDRESS_RESET = {
    "fi": "Lähetimme 17.1.2021 salasanan vaihtopyynnön osoitteeseesi rasmus@koti.example.net, mutta "
          "salasanaa "
          "ei ole vielä vaihdettu. Voit kuitenkin kirjautua vain osoitteella rasmus@ranta.example.fi. Mene "
          "sivulle https://www.posti.fi/changepassword ja anna siellä sähköpostiosoitteeksi "
          "rasmus@ranta.example.fi, niin saat ohjeet sähköpostiisi. "
          "Kun olet vaihtanut salasanan, kirjaudu sisään osoitteella rasmus@ranta.example.fi.",
    "sv": "Den 17.1.2021 skickade vi en begäran om att byta lösenord till din adress "
          "rasmus@koti.example.net, "
          "men lösenordet har inte bytts ännu. Du kan dock bara logga in med rasmus@ranta.example.fi: "
          "gå till "
          "https://www.posti.fi/changepassword och ange den adressen, så får du anvisningar per e-post. "
          "När du "
          "har bytt lösenordet loggar du in med rasmus@ranta.example.fi.",
    "en": "On 17 January 2021 we sent a password-change request to your address rasmus@koti.example.net, but "
          "the password hasn't been changed yet. You can only log in with rasmus@ranta.example.fi, though: "
          "please go to https://www.posti.fi/changepassword and enter that address, and you'll get "
          "instructions by e-mail. Once you've changed the password, log in with rasmus@ranta.example.fi.",
}
LOGIN_ADDRESS_RESET = {
    "fi": "Lähetimme sinulle salasanan vaihtopyynnön, mutta salasanaa ei ole vielä vaihdettu. Mene sivulle "
          "https://www.posti.fi/changepassword ja anna sähköpostiosoite, jolla kirjaudut "
          "sisään, "
          "niin saat ohjeet sähköpostiisi. Kun olet vaihtanut salasanan, kirjaudu uudelleen sisään sillä "
          "osoitteella.",
    "sv": "Vi skickade dig en begäran om att byta lösenord, men lösenordet har inte bytts "
          "ännu. "
          "Gå till https://www.posti.fi/changepassword och ange den e-postadress du loggar in med, så får du "
          "anvisningar per e-post. När du har bytt lösenordet loggar du in igen med den adressen.",
    "en": "We sent you a request to change your password, but it hasn't been changed yet. "
          "Please go to https://www.posti.fi/changepassword and enter the e-mail address you log in with; "
          "you'll get instructions by e-mail. Once you've changed the password, log in again with that "
          "address.",
}
# Until verified, nothing said names the address the change page asks for: who can tell it (N21-1).
ASK_ADMIN = {
    "fi": "Jos et tiedä, millä osoitteella kirjaudut, organisaatiosi Postin palveluiden pääkäyttäjä voi "
          "kertoa sen ja tarkistaa tunnuksesi. Kun olen tarkistanut henkilöllisyytesi, voin kertoa osoitteen "
          "myös "
          "itse.",
    "sv": "Om du inte vet vilken adress du loggar in med kan din organisations administratör för Postis "
          "tjänster berätta det och kontrollera ditt konto. När jag har kontrollerat din identitet kan jag "
          "också "
          "säga adressen själv.",
    "en": "If you don't know which address you log in with, your organisation's administrator for Posti's "
          "services can tell you and check your account. Once I've checked who you are, I can tell you the "
          "address myself.",
}
ONLY_LOGIN = {
    "fi": "Antamallasi osoitteella et pääse kirjautumaan: tunnukseesi on liitetty useampi sähköpostiosoite, "
          "mutta kirjautumiseen käy niistä vain yksi.",
    "sv": "Med adressen du gav kan du inte logga in: ditt konto har flera e-postadresser, men bara en av dem "
          "fungerar för inloggning.",
    "en": "You can't log in with the address you gave: your account has more than one e-mail address, but "
          "only one of them works for logging in.",
}


@pytest.mark.parametrize("lang", LANGS)
def test_u3_a_reset_to_another_address_on_the_account_says_to_give_the_login_address(
        run, environ, tmp_path: Path, lang: str) -> None:
    path = str(own_data(tmp_path))
    verified = said(run, "--sandbox-data", path, "diagnose", "rasmus@koti.example.net", "--lang", lang,
                    "--verified")
    # Which address logs in comes before the change page that asks for it (N16-2).
    assert verified == f"{ONLY_LOGIN[lang]} {OTHER_ADDRESS_RESET[lang]}"
    unverified = said(run, "--sandbox-data", path, "diagnose", "rasmus@koti.example.net", "--lang", lang)
    # Who can tell the login address comes before the change page that asks for it too (N22-1).
    assert unverified == f"{ONLY_LOGIN[lang]} {ASK_ADMIN[lang]} {LOGIN_ADDRESS_RESET[lang]}"
    flag = {"fi": "osoitteeseen rasmus@koti.example.net · EI KIRJAUTUMISOSOITE",
            "sv": "till rasmus@koti.example.net · INTE INLOGGNINGSADRESSEN",
            "en": "to rasmus@koti.example.net · NOT THE LOGIN ADDRESS"}[lang]
    assert flag in screen(run, environ, "--sandbox-data", path, "diagnose", "rasmus@koti.example.net",
                          "--ui-lang", lang, "--verified")


# -- U4: deactivated and locked: both -------------------------------------------------------------------


BOTH = {
    "fi": "Käyttäjätunnuksesi on poistettu käytöstä, ja se on myös lukittu. Organisaatiosi Postin "
          "palveluiden "
          "pääkäyttäjä voi ottaa sen uudelleen käyttöön ja avata lukituksen.",
    "sv": "Ditt konto har inaktiverats och är dessutom låst. Din organisations administratör för Postis "
          "tjänster kan aktivera det igen och låsa upp det.",
    "en": "Your account has been deactivated, and it is also locked. Your organisation's administrator for "
          "Posti's services can reactivate it and unlock it.",
}


@pytest.mark.parametrize("lang", LANGS)
def test_u4_an_account_deactivated_and_locked_is_said_to_be_both(run, tmp_path: Path, lang: str) -> None:
    text = said(run, "--sandbox-data", str(own_data(tmp_path)), "diagnose", "leo@ranta.example.fi", "--lang",
                lang, "--verified")
    assert text.startswith(BOTH[lang] + " ")
    assert catalog(lang)["account.inactive-locked"] == BOTH[lang].split(". ")[0] + "."


# -- U5: the order check has its own label among several services ---------------------------------------


ORDER_CHECK_DO = {
    "fi": "parcel lockers: tarkista organisaation palvelutilaukset; jos palvelu on tilattu, tee tukipyyntö "
          "(Palvelut / tilaus). Muuten ohjaa myyntiin.",
    "sv": "parcel lockers: kontrollera organisationens beställningar av tjänsten; om den har beställts, "
          "eskalera (supportärende: Tjänster / abonnemang). Annars hänvisa till försäljningen.",
    "en": "parcel lockers: check the organisation's orders for the service; if it was ordered, escalate "
          "(ticket: Services / subscription). Otherwise offer sales.",
}


@pytest.mark.parametrize("lang", LANGS)
def test_u5_the_order_check_is_labelled_with_the_service_it_is_for(run, environ, lang: str) -> None:
    for services in (("invoicing", "tracking"), ("invoicing", "reports")):
        asked = [arg for s in (*services, "parcel lockers") for arg in ("-s", s)]
        shown = screen(run, environ, "--sandbox", "diagnose", "ESIM0105", *asked, "--ui-lang", lang,
                       "--verified")
        assert ORDER_CHECK_DO[lang] in shown


# -- U6: the script's language, and why -----------------------------------------------------------------


SAMI = {
    ("en", "en"): "The directory gives the caller's language as Northern Sámi (se), which has no script; the "
                  "script is in English, the language chosen for the scripts.",
    ("sv", "fi"): "Hakemiston mukaan soittajan kieli on pohjoissaame (se), jolle ei ole valmista ohjetta; "
                  "ohje on ruotsiksi, koska se on valittu ohjeiden kieleksi.",
    ("en", "sv"): "Enligt katalogen talar den som ringer nordsamiska (se), och på det språket finns "
                  "inget manus; "
                  "manuset är på engelska, det språk som valts för manusen.",
    ("fi", "en"): "The directory gives the caller's language as Northern Sámi (se), which has no "
                  "script, so the "
                  "script is in Finnish.",
}


@pytest.mark.parametrize(("lang", "ui"), list(SAMI))
def test_u6_a_chosen_language_is_not_said_to_follow_from_the_missing_script(run, environ, lang: str,
                                                                           ui: str) -> None:
    shown = screen(run, environ, "--sandbox", "diagnose", "aile.cuoppa@esimerkki.example.fi", "--lang", lang,
                   "--ui-lang", ui)
    assert SAMI[lang, ui] in shown


# -- U7: a reset to an address no longer on the account, to an unverified caller -------------------------


ASKED = {
    "fi": "Sinua on pyydetty vaihtamaan salasanasi, mutta sitä ei ole vielä vaihdettu. Jos et "
          "saanut "
          "viestiä, voit pyytää uuden: mene sivulle https://www.posti.fi/changepassword ja anna "
          "sähköpostiosoite, jolla kirjaudut sisään, niin saat ohjeet sähköpostiisi. Kun olet vaihtanut "
          "salasanan, kirjaudu sisään sillä osoitteella.",
    "sv": "Du har ombetts att byta lösenord, men lösenordet har inte bytts ännu. Om du inte fick "
          "meddelandet kan du be om ett nytt: gå till https://www.posti.fi/changepassword och ange den "
          "e-postadress du loggar in med, så får du anvisningar per e-post. När du har bytt lösenordet "
          "loggar "
          "du in med den adressen.",
    "en": "You've been asked to change your password, but it hasn't been changed yet. If you "
          "didn't get the message, you can ask for a new one: go to https://www.posti.fi/changepassword and "
          "enter the e-mail address you log in with, and you'll get instructions by e-mail. Once you've "
          "changed the password, log in with that address.",
}


@pytest.mark.parametrize("lang", LANGS)
def test_u7_a_request_that_may_not_have_arrived_is_no_we_sent_you(run, lang: str) -> None:
    assert demo(run, lang, "mikael.aalto@esimerkki.example.fi") == ASKED[lang]
    verified = demo(run, lang, "mikael.aalto@esimerkki.example.fi", "--verified")
    # The login address first (N17-1), then where the request went.
    login = str(catalog(lang)["detail.login-email"]).format(login_email="mikael.aalto@esimerkki.example.fi")
    assert verified.startswith(f"{login} {str(catalog(lang)['login.reset-pending.elsewhere']).split('{')[0]}")


# -- P1: a caller's own access rights are theirs to hear once verified -----------------------------------


RIGHTS_LATER = {
    "fi": "Kun olen tarkistanut henkilöllisyytesi, voin kertoa käyttöoikeuksistasi.",
    "sv": "När jag har kontrollerat din identitet kan jag berätta om dina rättigheter.",
    "en": "Once I've checked who you are, I can tell you about your access rights.",
}
OLD_ID = {
    "fi": "Postin yrityspalveluihin kirjaudutaan nykyään sähköpostiosoitteella: vanha asiointitunnus ei "
          "enää käy.",
    "sv": "Numera loggar du in i Postis företagstjänster med din e-postadress: den gamla ärendekoden "
          "fungerar "
          "inte längre.",
    "en": "You now log in to Posti's business services with your e-mail address: the old user ID no "
          "longer works.",
}


@pytest.mark.parametrize("lang", LANGS)
def test_p1_an_unverified_caller_hears_nothing_of_their_own_rights(run, environ, lang: str) -> None:
    three = demo(run, lang, "ESIM0105", "-s", "invoicing", "-s", "reports", "-s", "tracking")
    assert three == f"{OLD_ID[lang]} {RIGHTS_LATER[lang]}"
    karin = demo(run, lang, "karin.holm@exempel.example.fi", "-s", "reports")
    # The rights come last: after them, the login's ticket sounded like one about the rights (N16-3).
    assert karin == f"{NO_ADMIN_UNVERIFIED[lang]} {TICKET[lang]} {RIGHTS_LATER[lang]}"
    oliver = demo(run, lang, "oliver.smith@sample.example.com", "-s", "reports")
    assert oliver.endswith(f"{TICKET[lang]} {RIGHTS_LATER[lang]}")
    for args in (("ESIM0105", "-s", "reports"), ("ESIM0105", "-s", "invoicing"),
                 ("maija.virtanen@esimerkki.example.fi", "-s", "invoicing")):
        assert demo(run, lang, *args).endswith(RIGHTS_LATER[lang])
    # Verified, the rights are said.
    assert "Raportointi" in demo(run, "fi", "ESIM0105", "-s", "reports", "--verified")
    do = screen(run, environ, "--sandbox", "diagnose", "ESIM0105", "-s", "invoicing", "--ui-lang", "en")
    assert ("Do this: Verify the caller before you say whether they have the right or name anyone; the "
            "administrator grants it.") in do


# -- the words: grammar and one term for one thing --------------------------------------------------------


def test_the_swedish_do_lines_have_their_objects() -> None:
    ui = ui_catalog("sv")
    assert ui["do.login.reset-pending"] == ("Hänvisa den som ringer till posti.fi/changepassword för "
                                            "att byta lösenord och sedan logga in igen.")
    assert "sök upp hen i organisationen" in ui["do.lookup.organisation.unverified"]["one"]
    assert "sök hen " not in json.dumps(ui, ensure_ascii=False)


def test_the_finnish_plural_is_nekin() -> None:
    forms = catalog("fi")["service.granted.retry.ticketed"]
    assert forms["other"].endswith("lisään nekin samaan tukipyyntöön.")
    assert forms["one"].endswith("lisään senkin samaan tukipyyntöön.")


def test_finnish_says_tukipyynto_and_one_headline_for_no_administrator() -> None:
    ui = ui_catalog("fi")
    assert "tiketti" not in json.dumps(ui, ensure_ascii=False).lower()
    assert "eteenpäin" not in json.dumps(ui, ensure_ascii=False)
    no_admin = "ei pääkäyttäjää, joka voisi auttaa: ratkaistaan täällä"
    assert ui["headline.login.no-admin"] == f"Vaihe 3 — {no_admin}"
    assert ui["headline.lookup.organisation.no-admin"] == f"Organisaatio — {no_admin}"
