"""The nineteenth native-speaker review's findings (fi, sv, en), each as the behaviour it found wrong."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from postisupport.core.facts import Contact, Membership, OrganisationFacts
from postisupport.core.rules import decide
from postisupport.output.script import script_text
from tests.test_native_sixteenth import LOGIN, _kivi
from tests.test_rules import ADMIN, INVOICING, REPORTS, a_user, facts


def _kalle_with(tmp_path: Path, name: str, facts: list[str]) -> Path:
    """The Kivi directory with `name` (unknownFacts, unreadableFacts) set for the administrator Kalle."""
    data = json.loads(_kivi(tmp_path).read_text())
    kalle = next(user for user in data["Users"] if user["id"] == "kalle")
    kalle[LOGIN][name] = facts
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "said"), [
    ("unknownFacts", {"en": "Kalle · STATE UNKNOWN: THE DIRECTORY DOESN'T SAY",
                      "fi": "Kalle · TILA EI TIEDOSSA: HAKEMISTO EI KERRO SITÄ",
                      "sv": "Kalle · LÄGET OKÄNT: KATALOGEN UPPGER DET INTE"}),
    ("unreadableFacts", {"en": "Kalle · STATE CAN'T BE READ", "fi": "Kalle · TILA EI LUETTAVISSA",
                         "sv": "Kalle · LÄGET GÅR INTE ATT LÄSA"}),
])
def test_an_administrators_state_the_store_doesnt_tell_is_unknown_not_unreadable(
        run, tmp_path: Path, name: str, said: dict[str, str]) -> None:
    """N19-7: a lock the store told it doesn't record for the administrator was "STATE CAN'T BE READ" on a
    colleague's screen, which sends the agent to look for a data problem there is none of (her own screen
    says "unknown: the directory doesn't say"). Sent unreadable, it still can't be read."""
    path = _kalle_with(tmp_path, name, ["locked"])
    rows = {}
    for lang in ("en", "fi", "sv"):
        screen = run("--sandbox-data", str(path), "diagnose", "riikka@kivi.example.fi", "--verified",
                     "--no-audit", "--ui-lang", lang).stdout
        rows[lang] = next(line.split(maxsplit=1)[1].strip() for line in screen.splitlines()
                          if "Kalle" in line)
    assert rows == said


def test_a_closed_account_with_a_change_pending_says_so_on_the_screen_as_in_the_script(
        run, tmp_path: Path) -> None:
    """N19-2: locked with a password change pending, the script told the caller to change it once the
    account is open; the headline, the Do line and the User row said only "locked", so an agent reading
    the top lines didn't know a second step follows."""
    data = json.loads((Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json").read_text())
    aino = next(user for user in data["Users"] if user["id"] == "u-1002")
    aino[LOGIN]["accountLocked"] = True
    path = tmp_path / "locked.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    shown = {}
    for lang in ("en", "fi", "sv"):
        lines = run("--sandbox-data", str(path), "diagnose", "aino.korhonen@esimerkki.example.fi",
                    "--verified", "--no-audit", "--ui-lang", lang).stdout.splitlines()
        user = next(n for n, line in enumerate(lines) if "<" in line)
        folded = [lines[user], *itertools.takewhile(lambda line: line.startswith(" "), lines[user + 1:])]
        shown[lang] = (" ".join(lines[1:lines.index("")]),
                       " ".join(line.strip() for line in folded).split("<", 1)[1])
    assert shown == {
        "en": ("Do this: Give the caller the administrator's contact details. Then the caller changes the "
               "password at posti.fi/changepassword.",
               "aino.korhonen@esimerkki.example.fi> · matched by the login address · LOCKED · MUST CHANGE "
               "PASSWORD"),
        "fi": ("Tee näin: Anna soittajalle pääkäyttäjän yhteystiedot. Sen jälkeen soittaja vaihtaa "
               "salasanansa osoitteessa posti.fi/changepassword.",
               "aino.korhonen@esimerkki.example.fi> · löytyi kirjautumisosoitteella · LUKITTU · SALASANA "
               "VAIHDETTAVA"),
        "sv": ("Gör så här: Ge den som ringer administratörens kontaktuppgifter. Därefter byter den som "
               "ringer lösenord på posti.fi/changepassword.",
               "aino.korhonen@esimerkki.example.fi> · hittad med inloggningsadressen · LÅST · MÅSTE BYTA "
               "LÖSENORD")}


def _maija_untold(tmp_path: Path) -> Path:
    """The demo's Maija, logging in by the old ID, in a store that can't tell a reset request or change."""
    data = json.loads((Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json").read_text())
    login = next(user for user in data["Users"] if user["id"] == "u-1001")[LOGIN]
    for name in ("lastPasswordUpdateTime", "passwordResetSentAt", "passwordResetSentTo"):
        del login[name]
    login["unknownFacts"] = ["reset_requested", "reset_sent_at", "reset_sent_to", "password_changed_at"]
    path = tmp_path / "untold.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_caller_with_the_old_id_hears_the_login_address_before_the_change_page_asks_for_it(
        run, tmp_path: Path) -> None:
    """N19-3: the store can't tell a reset; the caller gave the old user ID. The change page was sent
    "the address you log in with" before the caller heard that logins are by e-mail and which address,
    and the old-ID rule came inside "if you haven't, or ...: ...", two colons in one spoken sentence.
    Now the rule and the address come first, then the question, then logging in as before."""
    path = _maija_untold(tmp_path)
    said = {lang: run("--sandbox-data", str(path), "diagnose", "ESIM0001", "--verified", "--script",
                      "--no-audit", "--lang", lang).stdout for lang in ("en", "fi", "sv")}
    said["en-unverified"] = run("--sandbox-data", str(path), "diagnose", "ESIM0001", "--script",
                                "--no-audit", "--lang", "en").stdout
    assert said == {
        "en": "You now log in to Posti's business services with your e-mail address: the old user ID no "
              "longer works. The e-mail address you log in with is maija.virtanen@esimerkki.example.fi. "
              "Have you had an e-mail asking you to change your password? If you have, change it first: go "
              "to https://www.posti.fi/changepassword and enter that address, and you'll get instructions "
              "by e-mail; then log in again. Otherwise, log in with that address and your current password. "
              "If that doesn't work either, call us again and we'll pass it on to our e-services support.\n",
        "fi": "Postin yrityspalveluihin kirjaudutaan nykyään sähköpostiosoitteella: vanha asiointitunnus ei "
              "enää käy. Kirjautumiseen käytettävä sähköpostiosoitteesi on "
              "maija.virtanen@esimerkki.example.fi. Oletko saanut sähköpostiviestin, jossa sinua pyydetään "
              "vaihtamaan salasanasi? Jos olet, vaihda se ensin: mene sivulle "
              "https://www.posti.fi/changepassword ja anna siellä sama sähköpostiosoite, niin saat ohjeet "
              "sähköpostiisi; kirjaudu sitten uudelleen. Jos et ole saanut viestiä, kirjaudu sillä "
              "osoitteella ja nykyisellä salasanallasi. Jos sekään ei auta, soita meille uudelleen, niin "
              "välitämme asian "
              "sähköisten palveluiden tukeen.\n",
        "sv": "Numera loggar du in i Postis företagstjänster med din e-postadress: den gamla ärendekoden "
              "fungerar inte längre. Din e-postadress för inloggning är maija.virtanen@esimerkki.example.fi. "
              "Har du fått ett e-postmeddelande där du ombeds byta lösenord? Om du har det, byt lösenordet "
              "först: gå till https://www.posti.fi/changepassword och ange den här adressen, så får du "
              "anvisningar per e-post; logga sedan in igen. Annars loggar du in med den adressen och ditt "
              "nuvarande lösenord. Om det inte heller fungerar kan du ringa oss igen, så skickar vi det "
              "vidare till e-tjänsternas support.\n",
        "en-unverified": (
            "You now log in to Posti's business services with your e-mail address: the old user ID no longer "
            "works. Have you had an e-mail asking you to change your password? If you have, the address it "
            "came to is your login address: first change your password at "
            "https://www.posti.fi/changepassword by entering that address there, and you'll get instructions "
            "by e-mail; then log in again. If you haven't had one and you know your login address, log in "
            "with it and your current password. If you don't know which address you log in "
            "with, I can tell you once I've checked who you are. If logging in still doesn't work, call us "
            "again and we'll pass it on to our e-services support.\n")}
    screen = run("--sandbox-data", str(path), "diagnose", "ESIM0001", "--verified", "--no-audit",
                 "--ui-lang", "en").stdout.splitlines()
    assert " ".join(screen[1:screen.index("")]) == (
        "Do this: Tell the caller the login is the e-mail address above, not the old user ID. Ask whether "
        "they have had an e-mail asking them to change the password (the directory can't tell): if so, they "
        "change it first at posti.fi/changepassword; if not, they log in with that address.")


@pytest.mark.parametrize(("there", "said"), [
    ((Contact("u-8", "Gun", "gun@example.fi", active=False), Contact("u-9", "Stig", "stig@example.fi",
                                                                     locked=True)), {
        "en": "You don't have access to E-invoicing. That service is used in Toinen Oy, where you are an "
              "administrator yourself, but none of the other administrators there can grant it to you just "
              "now.",
        "fi": "Sinulla ei ole käyttöoikeutta palveluun E-laskutus. Palvelu on käytössä organisaatiossa "
              "Toinen Oy, jonka pääkäyttäjä olet itsekin, mutta muut sen pääkäyttäjät eivät juuri nyt voi "
              "antaa sinulle oikeutta.",
        "sv": "Du har inte rätt att använda tjänsten E-fakturering. Tjänsten används i Toinen Oy, där du "
              "själv också är administratör, men de andra administratörerna där kan inte ge dig rätten just "
              "nu."}),
    ((Contact("u-8", "Gun", "gun@example.fi", active=False),), {
        "en": "You don't have access to E-invoicing. That service is used in Toinen Oy, where you are an "
              "administrator yourself, but the other administrator there can't grant it to you just now.",
        "fi": "Sinulla ei ole käyttöoikeutta palveluun E-laskutus. Palvelu on käytössä organisaatiossa "
              "Toinen Oy, jonka pääkäyttäjä olet itsekin, mutta sen toinen pääkäyttäjä ei juuri nyt voi "
              "antaa sinulle oikeutta.",
        "sv": "Du har inte rätt att använda tjänsten E-fakturering. Tjänsten används i Toinen Oy, där du "
              "själv också är administratör, men den andra administratören där kan inte ge dig rätten just "
              "nu."}),
    ((), {
        "en": "You don't have access to E-invoicing. That service is used in Toinen Oy, where you are the "
              "only administrator, so there is no one else there who could grant it to you.",
        "fi": "Sinulla ei ole käyttöoikeutta palveluun E-laskutus. Palvelu on käytössä organisaatiossa "
              "Toinen Oy, jonka ainoa pääkäyttäjä olet itse, joten siellä ei ole ketään muuta, joka voisi "
              "antaa sinulle oikeuden.",
        "sv": "Du har inte rätt att använda tjänsten E-fakturering. Tjänsten används i Toinen Oy, där du "
              "själv är den enda administratören, så det finns ingen annan där som kan ge dig rätten."}),
])
def test_an_administrator_asking_for_a_service_of_her_other_organisation_is_not_told_it_has_none(
        there: tuple[Contact, ...], said: dict[str, str]) -> None:
    """N19-6: an administrator in two organisations, the other one with the service but no one there who
    can act, heard "your organisation Prov Ab has it, but no administrator there who could grant it", and
    the ticket asked to have an administrator named. She is one: her own rights are checked, as with an
    administrator of one organisation (ticket: Services / administrator rights)."""
    first = OrganisationFacts("g-1", "Esimerkki Oy", "2345678-0", (REPORTS,))
    other = OrganisationFacts("g-2", "Toinen Oy", "1234567-1", (INVOICING,))
    decision = decide(facts(a_user(is_admin=True), organisation=first, memberships=(
        Membership(first, (ADMIN,)), Membership(other, there))), ["invoicing"])
    ticket = {"en": "I'll pass this on to our e-services support as a support request, and they will get "
                    "back to you.",
              "fi": "Teen asiasta tukipyynnön sähköisten palveluiden tukeen, ja sieltä ollaan sinuun "
                    "yhteydessä.",
              "sv": "Jag skickar ett supportärende till e-tjänsternas support, och de kontaktar dig."}
    assert ([v.rule for v in decision.services], decision.rule) == (["service.user-is-admin"],
                                                                   "service.user-is-admin")
    assert {lang: script_text(decision, lang, verified=True, spoken=True) for lang in said} == {
        lang: f"{text} {ticket[lang]}" for lang, text in said.items()}
    assert script_text(decision, "en", verified=False, spoken=True) == (
        "Once I've checked who you are, I can tell you about your access rights.")


@pytest.mark.parametrize("unknown", [["locked", "reset_requested"], ["locked"], ["reset_requested"], []])
def test_a_deactivated_account_whose_lock_or_change_the_store_cant_tell_is_not_told_reactivation_is_all(
        run, tmp_path: Path, unknown: list[str]) -> None:
    """N19-8: deactivated, the lock and a pending change beyond what the store tells, the caller heard
    that reactivating is all it takes. The administrator is asked to look at the lock too, the caller
    to change the password if asked once it is open; the Do line says both. Known, nothing is added."""
    data = json.loads((Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json").read_text())
    next(user for user in data["Users"] if user["id"] == "u-1005")[LOGIN]["unknownFacts"] = unknown
    path = tmp_path / "pekka.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    said = {lang: run("--sandbox-data", str(path), "diagnose", "ESIM0200", "--verified", "--script",
                      "--no-audit", "--lang", lang).stdout for lang in ("en", "fi", "sv")}
    screen = run("--sandbox-data", str(path), "diagnose", "ESIM0200", "--verified", "--no-audit",
                 "--ui-lang", "en").stdout.splitlines()
    lock = {"en": " Ask the administrator at the same time to check whether your account is also locked, as "
                  "I can't see that here.",
            "fi": " Pyydä pääkäyttäjää samalla tarkistamaan, onko tunnuksesi myös lukittu, sillä en näe sitä "
                  "täältä.",
            "sv": " Be samtidigt administratören kontrollera om kontot också är låst, för det kan jag inte "
                  "se härifrån."}
    change = {"en": " If you are then asked to change your password, change it at "
                    "https://www.posti.fi/changepassword.",
              "fi": " Jos sinua sen jälkeen pyydetään vaihtamaan salasanasi, vaihda se sivulla "
                    "https://www.posti.fi/changepassword.",
              "sv": " Om du sedan ombeds byta lösenord, byter du det på https://www.posti.fi/changepassword."}
    lock_said, change_said = ("locked" in unknown, "reset_requested" in unknown)
    # Before verification, nothing of the account's state: neither is said; who can tell the login address
    # to a caller who gave the old ID is (N22-2).
    assert run("--sandbox-data", str(path), "diagnose", "ESIM0200", "--script", "--no-audit", "--lang",
               "en").stdout == (
        "From here I can't fix what's stopping you logging in, but your organisation's administrator for "
        "Posti's services can check your account and your access rights. Once you can log in, use "
        "your e-mail address: the old user ID no longer works. If you don't know which address you log in "
        "with, the "
        "administrator can tell you that too. Once I've checked who you are, I can tell you the address "
        "myself.\n")
    assert said == {
        "en": "Your account has been deactivated. Your organisation's administrator for Posti's services can "
              f"reactivate it.{lock['en'] if lock_said else ''} The administrator is Maija Virtanen. Contact "
              "details: e-mail address maija.virtanen@esimerkki.example.fi and phone number "
              "+358 40 123 4567. Once you can log in, use your e-mail address: the old user ID no "
              "longer works. The e-mail address you log in with is pekka.nieminen@esimerkki.example.fi."
              f"{change['en'] if change_said else ''}\n",
        "fi": "Käyttäjätunnuksesi on poistettu käytöstä. Organisaatiosi Postin palveluiden pääkäyttäjä voi "
              f"ottaa sen uudelleen käyttöön.{lock['fi'] if lock_said else ''} Pääkäyttäjä on Maija "
              "Virtanen. Yhteystiedot: sähköpostiosoite maija.virtanen@esimerkki.example.fi ja puhelinnumero "
              "+358 40 123 4567. Kun pääset kirjautumaan, käytä sähköpostiosoitettasi: vanha "
              "asiointitunnus ei enää käy. Kirjautumiseen käytettävä sähköpostiosoitteesi on "
              f"pekka.nieminen@esimerkki.example.fi.{change['fi'] if change_said else ''}\n",
        "sv": "Ditt konto har inaktiverats. Din organisations administratör för Postis tjänster kan aktivera "
              f"det igen.{lock['sv'] if lock_said else ''} Administratören är Maija Virtanen. "
              "Kontaktuppgifter: e-postadress maija.virtanen@esimerkki.example.fi och telefonnummer "
              "+358 40 123 4567. När du kan logga in ska du använda din e-postadress: den gamla "
              "ärendekoden fungerar inte längre. Din e-postadress för inloggning är "
              f"pekka.nieminen@esimerkki.example.fi.{change['sv'] if change_said else ''}\n"}
    assert " ".join(screen[1:screen.index("")]) == "".join((
        "Do this: Give the caller the administrator's contact details.",
        " Ask the administrator also to check the lock (the directory can't tell)." if lock_said else "",
        " Once the account is open, the caller changes the password at posti.fi/changepassword if asked to "
        "(the directory can't tell whether a change is pending)." if change_said else ""))


def test_an_unverified_caller_hears_no_ticket_whose_reason_is_theirs_to_hear_once_verified(run) -> None:
    """N19-11: two services, one not subscribed, the other with no administrator who can act. Before
    verification the ticket for the second was announced right after the sentence about the first, whose
    order check then joined "the same request": one service ticketed twice, the other forgotten. Until
    verified, the order check is one of its own; the Do line says to verify first, as on other paths."""
    args = ("--sandbox", "diagnose", "kaisa.koski@exempel.example.fi", "-s", "reports", "-s", "invoicing",
            "--no-audit")
    said = {lang: run(*args, "--script", "--lang", lang).stdout for lang in ("en", "sv")}
    assert said == {
        "en": "One of the services you asked about isn't among your organisation's services, so no "
              "administrator can give you access to it. I'll check whether your organisation has "
              "ordered that service: if it has, I'll open a support request for it, and if not, I can"
              " put you through to our sales. Once I've checked who you are, I can tell you about "
              "your access rights.\n",
        "sv": "En av tjänsterna som du frågade om syns inte bland din organisations tjänster, så "
              "ingen administratör kan ge dig rätt att använda den. Jag kontrollerar om din "
              "organisation har beställt tjänsten. Om den har det skickar jag ett supportärende, och "
              "om inte kan jag koppla dig till vår försäljning. När jag har kontrollerat din identitet "
              "kan jag berätta om dina rättigheter.\n"}
    # Verified, the ticket is theirs to hear, for the service no one can grant, and the order check joins it.
    assert run(*args, "--script", "--verified", "--lang", "en").stdout == (
        "You don't have access to Reporting, and none of your organisations has an administrator for "
        "Posti's services who could grant it just now. The other service you asked about isn't among "
        "the services of any of your organisations, so no administrator can give you access to it. "
        "I'll pass this on to our e-services support as a support request, and they will get back to "
        "you. I'll also check whether any of your organisations has ordered that service: if one has,"
        " I'll add it to the same support request, and if not, I can put you through to our sales.\n")
    screen = run(*args, "--ui-lang", "en").stdout.splitlines()
    first = next(n for n, line in enumerate(screen) if line.startswith("Verify first"))
    assert " ".join(screen[1:first]) == (
        "Do this: Reporting: verify the caller before you say whether they have the right. Confirm "
        "the caller may act for the organisation, then escalate: its administrators' accounts are "
        "open, but none can log in just now (see below), so one of them needs help logging in, or a "
        "new one is named (ticket: Services / no administrator). E-invoicing: check the "
        "organisation's orders for the service; if it was ordered, escalate (ticket: Services / "
        "subscription). Otherwise offer sales.")
