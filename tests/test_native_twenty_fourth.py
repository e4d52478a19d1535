"""The twenty-fourth round of native-speaker fixes (fi, sv, en): findings of the twenty-second review, each
as the behaviour it found wrong, pinned in the three languages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from postisupport.core.facts import Contact, Facts
from postisupport.core.rules import decide
from postisupport.output.script import script_text
from tests.test_native_twenty_second import _demo, _do_line, _script
from tests.test_rules import ADMIN, a_user, facts

SENT = datetime(2021, 1, 17, 6, tzinfo=UTC)
TWO = (ADMIN, Contact("u-admin2", "Bo Boss", "bo@example.fi"))
LANGS = ("en", "fi", "sv")
OLD_ID = {
    "en": "You now log in to Posti's business services with your e-mail address: the old user ID no longer "
          "works.",
    "fi": "Postin yrityspalveluihin kirjaudutaan nykyään sähköpostiosoitteella: vanha asiointitunnus ei enää "
          "käy.",
    "sv": "Numera loggar du in i Postis företagstjänster med din e-postadress: den gamla ärendekoden "
          "fungerar "
          "inte längre.",
}


def _unverified(case: Facts) -> dict[str, str]:
    decision = decide(case)
    helsinki = ZoneInfo("Europe/Helsinki")
    return {lang: script_text(decision, lang, verified=False, tz=helsinki) for lang in LANGS}


def test_who_can_tell_the_login_address_comes_before_the_change_page_that_asks_for_it(run) -> None:
    """N22-1: ESIM0300 gave the old ID, so doesn't know the login address; the change page ("enter the
    e-mail address you log in with") came first, and who can tell that address only after it. N24-10: the
    request went to an address no longer on the account, so its date, 17.1.2021, is not said until
    verified: by the public page's test it would lead the caller to that address."""
    path = Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json"
    assert {lang: _script(run, path, "ESIM0300", "--lang", lang) for lang in LANGS} == {
        "en": f"{OLD_ID['en']} If you don't know which address you log in with, your organisation's "
              "administrator for Posti's services can tell you and check your account. Once I've checked who "
              "you are, I can tell you the address myself. You've been asked to change your password, but it "
              "hasn't been changed yet. If you didn't get the message, you can ask for a "
              "new "
              "one: go to https://www.posti.fi/changepassword and enter the e-mail address you log in with, "
              "and you'll get instructions by e-mail. Once you've changed the password, log in with that "
              "address.",
        "fi": f"{OLD_ID['fi']} Jos et tiedä, millä osoitteella kirjaudut, organisaatiosi Postin palveluiden "
              "pääkäyttäjä voi kertoa sen ja tarkistaa tunnuksesi. Kun olen tarkistanut henkilöllisyytesi, "
              "voin "
              "kertoa osoitteen myös itse. Sinua on pyydetty vaihtamaan salasanasi, mutta sitä ei "
              "ole vielä vaihdettu. Jos et saanut viestiä, voit pyytää uuden: mene sivulle "
              "https://www.posti.fi/changepassword ja anna sähköpostiosoite, jolla kirjaudut sisään, niin "
              "saat ohjeet sähköpostiisi. Kun olet vaihtanut salasanan, kirjaudu sisään sillä osoitteella.",
        "sv": f"{OLD_ID['sv']} Om du inte vet vilken adress du loggar in med kan din organisations "
              "administratör för Postis tjänster berätta det och kontrollera ditt konto. När jag har "
              "kontrollerat din identitet kan jag också säga adressen själv. Du har ombetts att byta "
              "lösenord, "
              "men lösenordet har inte bytts ännu. Om du inte fick meddelandet kan du be om ett "
              "nytt: gå till https://www.posti.fi/changepassword och ange den e-postadress du loggar in med, "
              "så får du anvisningar per e-post. När du har bytt lösenordet loggar du in med den adressen."}
    # Once verified, the address itself is said instead, and who else could tell it is not.
    verified = _script(run, path, "ESIM0300", "--lang", "en", "--verified")
    assert "If you don't know which address" not in verified
    assert "mikael.aalto@esimerkki.example.fi" in verified


LOCKED = {
    "en": "From here I can't fix what's stopping you logging in, but {any}your organisation's {admins} for "
          "Posti's services can check your account and your access rights. Once you can log in, use "
          "your e-mail address: the old user ID no longer works. If you don't know which address you log in "
          "with, "
          "{the} can tell you that too. Once I've checked who you are, I can tell you the address myself.",
    "fi": "En pysty täältä korjaamaan sitä, mikä estää kirjautumisesi, mutta {any}organisaatiosi Postin "
          "palveluiden {admins} voi tarkistaa tunnuksesi ja käyttöoikeutesi. Kun pääset kirjautumaan, "
          "käytä sähköpostiosoitettasi: vanha asiointitunnus ei enää käy. Jos et tiedä, millä osoitteella "
          "kirjaudut, "
          "{the} voi kertoa senkin. Kun olen tarkistanut henkilöllisyytesi, voin kertoa osoitteen myös itse.",
    "sv": "Härifrån kan jag inte åtgärda det som hindrar dig från att logga in, men {any}din organisations "
          "{admins} för Postis tjänster kan kontrollera ditt konto och dina rättigheter. När du kan logga in "
          "ska du använda din e-postadress: den gamla ärendekoden fungerar inte längre. Om du inte vet "
          "vilken adress du loggar in med kan {the} berätta det också. När jag har kontrollerat din "
          "identitet "
          "kan jag "
          "också "
          "säga adressen själv.",
}
ONE = {"en": {"any": "", "admins": "administrator", "the": "the administrator"},
       "fi": {"any": "", "admins": "pääkäyttäjä", "the": "pääkäyttäjä"},
       "sv": {"any": "", "admins": "administratör", "the": "administratören"}}
MANY = {"en": {"any": "any of ", "admins": "administrators", "the": "any of the administrators"},
        "fi": {"any": "kuka vain ", "admins": "pääkäyttäjistä", "the": "kuka vain pääkäyttäjistä"},
        "sv": {"any": "någon av ", "admins": "administratörer",
               "the": "någon av administratörerna"}}


@pytest.mark.parametrize("closed", [{"locked": True}, {"active": False}])
@pytest.mark.parametrize(("admins", "words"), [((ADMIN,), ONE), (TWO, MANY)])
def test_a_closed_account_found_by_the_old_id_is_told_who_can_tell_the_login_address(
        closed: dict, admins: tuple[Contact, ...], words: dict) -> None:
    """N22-2: locked (MIX0008) or deactivated, the caller who gave the old ID was told to use their e-mail
    address once open, and not who can tell them which it is; the administrator just named is "the
    administrator", and with several, any of them. N24-12: "once you can log in", not "again": said to
    one who never has too."""
    case = facts(a_user(**closed), matched_by="legacyUserId", identifier="ESIM0042", admins=admins)
    assert _unverified(case) == {lang: LOCKED[lang].format(**words[lang]) for lang in LANGS}
    assert "Once I've checked" not in script_text(decide(case), "en", verified=True)


def test_a_closed_account_no_one_there_can_open_is_told_the_agent_can_tell_the_address() -> None:
    """N22-2, with no administrator who can act: the support request, then who can tell the address."""
    case = facts(a_user(locked=True), matched_by="legacyUserId", identifier="ESIM0042", admins=())
    assert {lang: text.rsplit(". ", 1)[-1] for lang, text in _unverified(case).items()} == {
        "en": "If you don't know which address you log in with, I can tell you once I've checked who you "
              "are.",
        "fi": "Jos et tiedä, millä osoitteella kirjaudut, voin kertoa sen, kun olen tarkistanut "
              "henkilöllisyytesi.",
        "sv": "Om du inte vet vilken adress du loggar in med kan jag säga den när jag har kontrollerat din "
              "identitet."}


def test_the_question_after_the_request_just_named_is_of_a_later_one() -> None:
    """N22-4: MIX0005, "The address you log in with is the one we sent the request to on 17.1.2021." then
    "Have you had an e-mail asking you to change your password?", as if doubting the request just named;
    the password was changed after it, so the question is whether another came since."""
    user = a_user(reset_sent_at=SENT, reset_sent_to="aino@example.fi",
                  last_password_update=datetime(2021, 1, 18, tzinfo=UTC),
                  unknown=frozenset({"force_password_reset"}))
    said = _unverified(facts(user, matched_by="legacyUserId", identifier="ESIM0042"))
    assert {lang: text.split("? ")[0].rsplit(". ", 1)[-1] for lang, text in said.items()} == {
        "en": "Since that e-mail, have you had a new one asking you to change your password",
        "fi": "Oletko saanut sen jälkeen uuden viestin, jossa sinua pyydetään vaihtamaan salasana",
        "sv": "Har du efter det meddelandet fått ett nytt där du ombeds byta lösenord"}
    # N24-8: "if you haven't had the e-mail" was heard as of the request just named.
    follows = {"en": "If no new one has come, log in with that address and your current password.",
               "fi": "Jos uutta viestiä ei ole tullut, kirjaudu sillä osoitteella ja nykyisellä "
                     "salasanallasi.",
               "sv": "Om inget nytt har kommit loggar du in med den adressen och ditt nuvarande lösenord."}
    assert {lang: f". {follows[lang]} " in text for lang, text in said.items()} == dict.fromkeys(LANGS, True)


@pytest.mark.parametrize(("admins", "who"), [
    ((ADMIN,), {"en": "your organisation's administrator for Posti's services can tell you the address.",
                "fi": "organisaatiosi Postin palveluiden pääkäyttäjä voi kertoa osoitteen.",
                "sv": "din organisations administratör för Postis tjänster säga adressen."}),
    (TWO, {"en": "any of your organisation's administrators for Posti's services can tell you the address.",
           "fi": "kuka vain organisaatiosi Postin palveluiden pääkäyttäjistä voi kertoa osoitteen.",
           "sv": "någon av din organisations administratörer för Postis tjänster säga adressen."}),
])
def test_a_caller_who_cant_find_the_request_that_names_the_login_address_hears_who_can_tell_it(
        admins: tuple[Contact, ...], who: dict[str, str]) -> None:
    """N22-5: ESIM0042 (a change pending since the request to the login address) heard "the address you log
    in with is the one we sent the request to", and nothing for a caller who can't find that e-mail; and
    "hasn't been changed since then" then followed the wrong sentence."""
    user = a_user(force_password_reset=True, reset_sent_at=SENT, reset_sent_to="aino@example.fi")
    said = _unverified(facts(user, matched_by="legacyUserId", identifier="ESIM0042", admins=admins))
    unfound = {"en": "If you can't find that e-mail, ", "fi": "Jos et löydä sitä viestiä, ",
               "sv": "Om du inte hittar det meddelandet kan "}
    myself = {"en": "Once I've checked who you are, I can tell you the address myself.",
              "fi": "Kun olen tarkistanut henkilöllisyytesi, voin kertoa osoitteen myös itse.",
              "sv": "När jag har kontrollerat din identitet kan jag också säga adressen själv."}
    since = {"en": "Your password hasn't been changed since that request:",
             "fi": "Salasanaasi ei ole vaihdettu sen pyynnön jälkeen:",
             "sv": "Ditt lösenord har inte bytts sedan den begäran:"}
    assert {lang: f" {unfound[lang]}{who[lang]} {myself[lang]} {since[lang]} " in text
            for lang, text in said.items()} == dict.fromkeys(LANGS, True)


def _erik(tmp_path: Path, **login: object) -> Path:
    return _demo(tmp_path, "erik.json", u_1003=login)


@pytest.mark.parametrize(("login", "unverified", "verified"), [
    # The date of the last change, never said to an unverified caller.
    ({"lastPasswordUpdateTime": "2021-01-18T08:00:00Z", "unknownFacts": ["reset_requested"]},
     "Ask whether they have had an e-mail asking them to change the password since they last changed it (the "
     "directory can't tell; its date once verified): if so, they change it first at posti.fi/changepassword; "
     "if not, they log in with that address.",
     "Ask whether they have had an e-mail since 18 Jan 2021 10:00 asking them to change the password"),
    # A request of another day than the renewal's.
    ({"passwordResetSentAt": "2021-03-05T06:00:00Z", "lastPasswordUpdateTime": None,
      "unknownFacts": ["reset_requested", "password_changed_at"]},
     "Ask whether they have changed the password since our request to change it (the directory can't tell "
     "when it was changed; the request's date once verified): if not, they change it first at "
     "posti.fi/changepassword; if so, they log in with that address.",
     "Ask whether they have changed the password since the request of 5 Mar 2021 08:00"),
    # A request to an address no longer on the account: where it went is the account's own too.
    ({"passwordResetSentTo": "erik@vanha.example.fi", "lastPasswordUpdateTime": None,
      "unknownFacts": ["reset_requested", "password_changed_at"]},
     "Then ask whether they got our password-change request (its date, and where it went, once verified). If "
     "they didn't, or haven't changed the password since (the directory can't tell), they change it at "
     "posti.fi/changepassword.",
     "Then ask whether they got the password-change request of 17 Jan 2021 08:00: it went to an address no "
     "longer on the account."),
])
def test_the_agents_line_says_no_date_the_unverified_script_leaves_out(
        run, tmp_path: Path, login: dict, unverified: str, verified: str) -> None:
    """N24-1: before verification the script leaves out the date of the last change, a request's date that
    is not the renewal's, and where a request went; the "Do this" line said them ("since 18 Jan 2021
    10:00"), for the agent to ask with, against docs/agents.md ("the script and the Do line alike")."""
    path = _erik(tmp_path, **login)
    before = _do_line(run, path, "ESIM0077", "--ui-lang", "en")
    assert before.endswith(f" {unverified}")
    assert not any(said in before for said in ("2021", "no longer on the account"))
    assert verified in _do_line(run, path, "ESIM0077", "--ui-lang", "en", "--verified")


def test_a_verified_caller_with_nothing_wrong_on_the_account_is_not_told_something_stops_them(run) -> None:
    """N24-4: Áile Čuoppa (active, not locked, nothing pending) heard "From here I can't fix what's stopping
    you logging in" once verified: untrue, and "what is it, then?" the reply. Before verification the
    sentence holds either way, and stays."""
    path = Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json"
    said = {lang: _script(run, path, "aile.cuoppa@esimerkki.example.fi", "--lang", lang, "--verified").split(
        ". ")[0] for lang in LANGS}
    assert said == {
        "en": "I can't see anything on your account that would stop you logging in, but your organisation's "
              "administrator for Posti's services can check your account and your access rights",
        "fi": "En näe tunnuksessasi mitään, mikä estäisi kirjautumisen, mutta organisaatiosi Postin "
              "palveluiden pääkäyttäjä voi tarkistaa tunnuksesi ja käyttöoikeutesi",
        "sv": "Jag ser inget på ditt konto som hindrar dig från att logga in, men din organisations "
              "administratör för Postis tjänster kan kontrollera ditt konto och dina rättigheter"}
    assert _script(run, path, "aile.cuoppa@esimerkki.example.fi", "--lang", "en").startswith(
        "From here I can't fix what's stopping you logging in, but ")


@pytest.mark.parametrize("verified", [True, False])
def test_the_question_of_a_change_ends_in_a_sentence_and_the_administrator_follows_it(verified: bool) -> None:
    """N24-3: "If you haven't, or logging in still doesn't work: from here I can't fix what's stopping you"
    was a condition with no main clause after it in fi and sv ("Jos et ole, tai jos kirjautuminen ei
    silloinkaan onnistu: en pysty ..."). The condition now closes its own sentence, and the helper follows
    as "I can't fix that from here" until verified. N25-1: to a verified caller, on whose account nothing
    else is unknown, "that" was heard as a fault the agent sees: "I can't see on your account what it is"."""
    case = facts(a_user(reset_sent_at=SENT, unknown=frozenset({"last_password_update"})), admins=TWO)
    said = {lang: script_text(decide(case), lang, verified=verified) for lang in LANGS}
    admins = {
        "en": " The administrators are Maija Virtanen and Bo Boss. I'll read you their contact details one "
              "at "
              "a time. Maija Virtanen: e-mail address maija@example.fi. Bo Boss: e-mail address "
              "bo@example.fi.",
        "fi": " Pääkäyttäjät ovat Maija Virtanen ja Bo Boss. Luen heidän yhteystietonsa yksi kerrallaan. "
              "Maija "
              "Virtanen: sähköpostiosoite maija@example.fi. Bo Boss: sähköpostiosoite bo@example.fi.",
        "sv": " Administratörerna är Maija Virtanen och Bo Boss. Jag läser upp deras kontaktuppgifter en i "
              "taget. Maija Virtanen: e-postadress maija@example.fi. Bo Boss: e-postadress bo@example.fi.",
    }
    helper = {
        "en": "I can't see on your account what it is" if verified else "I can't fix that from here",
        "fi": "En näe tunnuksessasi, mikä se on" if verified else "En pysty korjaamaan sitä täältä",
        "sv": "Jag ser inte på ditt konto vad det är" if verified else "Det kan jag inte åtgärda härifrån",
    }
    assert said == {
        "en": "We sent you a request on 17 January 2021 to change your password. If you haven't changed it "
              "since, please do it first: go to https://www.posti.fi/changepassword and enter the e-mail "
              "address you log in with, and you'll get instructions by e-mail; then log in again. If you "
              "have, "
              f"or logging in still doesn't work, something else is stopping you. {helper['en']}, but any of "
              "your organisation's administrators for Posti's services can check your account and your "
              "access "
              "rights." + (admins["en"] if verified else ""),
        "fi": "Lähetimme sinulle 17.1.2021 salasanan vaihtopyynnön. Jos et ole vaihtanut salasanaa sen "
              "jälkeen, vaihda se ensin: mene sivulle https://www.posti.fi/changepassword ja anna "
              "sähköpostiosoite, jolla kirjaudut sisään, niin saat ohjeet sähköpostiisi; kirjaudu sitten "
              "uudelleen. Jos olet jo vaihtanut salasanan tai kirjautuminen ei vieläkään onnistu, syy on "
              f"jossain muussa. {helper['fi']}, mutta kuka vain organisaatiosi Postin palveluiden "
              "pääkäyttäjistä voi tarkistaa tunnuksesi ja käyttöoikeutesi."
              + (admins["fi"] if verified else ""),
        "sv": "Den 17.1.2021 skickade vi dig en begäran om att byta lösenord. Om du inte har bytt det sedan "
              "dess, byt lösenordet först: gå till https://www.posti.fi/changepassword och ange den "
              "e-postadress du loggar in med, så får du anvisningar per e-post; logga sedan in igen. Om du "
              "redan har bytt lösenord, eller om inloggningen ändå inte fungerar, är det något annat som "
              f"hindrar dig. {helper['sv']}, men någon av din organisations administratörer för Postis "
              "tjänster kan kontrollera ditt konto och dina rättigheter."
              + (admins["sv"] if verified else ""),
    }


def test_an_account_whose_lock_is_unknown_too_hears_that_the_agent_cant_fix_it_once_verified() -> None:
    """N25-1: with more unknown of the account than the change asked about, "I can't fix that from here"
    holds once verified too."""
    case = facts(a_user(reset_sent_at=SENT, unknown=frozenset({"last_password_update", "locked"})))
    assert [p.key for p in decide(case).script][:2] == [
        "check.reset-pending.changed", "login.contact-admin.then"]


def test_a_caller_with_no_administrator_hears_the_condition_close_before_who_sorts_it_out() -> None:
    """N24-3: the condition "If you haven't had one" is its own sentence before any step 3, here that no one
    at the organisation can help."""
    case = facts(a_user(unknown=frozenset({"force_password_reset"})), admins=())
    assert script_text(decide(case), "fi", verified=False) == (
        "Oletko saanut sähköpostiviestin, jossa sinua pyydetään vaihtamaan salasanasi? Jos olet, vaihda se "
        "ensin: mene sivulle https://www.posti.fi/changepassword ja anna sähköpostiosoite, jolla kirjaudut "
        "sisään, niin saat ohjeet sähköpostiisi; kirjaudu sitten uudelleen. Jos et ole saanut viestiä tai "
        "kirjautuminen ei vieläkään onnistu, syy on jossain muussa. Organisaatiollasi ei juuri nyt "
        "ole Postin palveluiden pääkäyttäjää, joka voisi auttaa sinua. Teen asiasta tukipyynnön sähköisten "
        "palveluiden tukeen, ja sieltä ollaan sinuun yhteydessä.")


def test_no_sentence_a_caller_hears_ends_in_a_colon_waiting_for_the_next() -> None:
    """N24-3: a sentence left open with ":" ran on into whatever part came next, which in fi and sv did
    not follow from it: every caller's sentence stands on its own."""
    def texts(entry: object) -> list[str]:
        if isinstance(entry, dict):
            return [t for form, value in entry.items() if form != "count" for t in texts(value)]
        return [entry] if isinstance(entry, str) else []

    from postisupport.output.messages import catalog
    assert {lang: [key for key, entry in catalog(lang).items() if any(t.endswith(":") for t in texts(entry))]
            for lang in LANGS} == {lang: [] for lang in LANGS}


DEMO = Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json"


def test_the_condition_of_verification_is_said_once_for_the_address_and_the_rights(run) -> None:
    """N24-5: "I can tell you the address once I've checked who you are. Once I've checked who you are, I
    can tell you about your access rights": the same condition twice in a row; now once, of both."""
    assert {lang: _script(run, DEMO, "EXAB0003", "-s", "reports", "--lang", lang) for lang in LANGS} == {
        "en": f"{OLD_ID['en']} If you know your login address, please log in with it and your current "
              "password. "
              "Once I've checked who you are, I can tell you both your login address and your access rights.",
        "fi": f"{OLD_ID['fi']} Jos tiedät kirjautumisosoitteesi, kirjaudu sillä ja nykyisellä salasanallasi. "
              "Kun "
              "olen tarkistanut henkilöllisyytesi, voin kertoa sekä kirjautumisosoitteesi että "
              "käyttöoikeutesi.",
        "sv": f"{OLD_ID['sv']} Om du vet din inloggningsadress loggar du in med den och ditt nuvarande "
              "lösenord. "
              "När jag har kontrollerat din identitet kan jag säga både din inloggningsadress och vilka "
              "rättigheter du har.",
    }


def test_who_else_can_tell_the_address_stays_when_the_condition_is_said_with_the_rights(run) -> None:
    """N24-5: the administrator who can tell the address is still named; only the agent's own "once I've
    checked who you are" moves to the one sentence of both, at the end."""
    said = _script(run, DEMO, "ESIM0042", "-s", "invoicing", "--lang", "sv")
    assert said == (
        f"{OLD_ID['sv']} Din e-postadress för inloggning är den adress dit vi den 17.1.2021 skickade begäran "
        "om "
        "att byta lösenord. Om du inte hittar det meddelandet kan din organisations administratör för Postis "
        "tjänster säga adressen. Ditt lösenord har inte bytts sedan den begäran: gå till "
        "https://www.posti.fi/changepassword och ange den adressen, så får du anvisningar per e-post. När du "
        "har "
        "bytt lösenordet loggar du in med samma adress. När jag har kontrollerat din identitet kan jag säga "
        "både din inloggningsadress och vilka rättigheter du har.")


def test_every_sentence_of_who_can_tell_the_address_has_its_form_said_with_the_rights() -> None:
    """N24-5: each "who can tell the login address" sentence is either said with the rights (its ".rights"
    form, without "once I've checked who you are") or folded into them whole."""
    from postisupport.output.messages import catalog
    from postisupport.output.script import ADDRESS_UNKNOWN, TOLD_WITH_RIGHTS
    keys = sorted(k for k in catalog("en") if k.startswith(ADDRESS_UNKNOWN) and not k.endswith(".rights"))
    assert [k for k in keys if k not in TOLD_WITH_RIGHTS and f"{k}.rights" not in catalog("en")] == []
    assert len(keys) == 8


@pytest.mark.parametrize(("lang", "verify"), [("en", "checked who you are"), ("fi", "tarkistanut "
                                                                                    "henkilöllisyytesi"),
                                              ("sv", "kontrollerat din identitet")])
def test_verification_is_said_in_one_phrase_in_each_language(lang: str, verify: str) -> None:
    """N24-5: "checked who you are" and "confirmed who you are", fi "tarkistanut, kuka olet" and
    "varmistanut henkilöllisyytesi", sv "kontrollerat vem du är" and "identifierat dig" sounded like
    different procedures: one phrase each."""
    from postisupport.output.messages import catalog
    others = {"en": ("confirmed who", "verified"), "fi": ("kuka olet", "varmistanut"),
              "sv": ("vem du är", "identifierat")}[lang]

    def texts(entry: object) -> list[str]:
        if isinstance(entry, dict):
            return [t for form, value in entry.items() if form != "count" for t in texts(value)]
        return [entry] if isinstance(entry, str) else []

    said = [t for entry in catalog(lang).values() for t in texts(entry)]
    assert [t for t in said if any(o in t for o in others)] == []
    assert sum(verify in t for t in said) == 21


def test_another_of_the_callers_addresses_is_told_it_wont_log_them_in(run) -> None:
    """N24-9: "Only your login e-mail address works for logging in" said nothing; that the address the caller
    just gave won't log them in is what they need to hear."""
    said = {lang: _script(run, DEMO, "erik@lindqvist.example.net", "--lang", lang).split(". ")[0]
            for lang in LANGS}
    assert said == {
        "en": "You can't log in with the address you gave: your account has more than one e-mail address, "
              "but "
              "only one of them works for logging in",
        "fi": "Antamallasi osoitteella et pääse kirjautumaan: tunnukseesi on liitetty useampi "
              "sähköpostiosoite, mutta kirjautumiseen käy niistä vain yksi",
        "sv": "Med adressen du gav kan du inte logga in: ditt konto har flera e-postadresser, men bara en av "
              "dem "
              "fungerar för inloggning",
    }
    assert {lang: _do_line(run, DEMO, "erik@lindqvist.example.net", "--ui-lang", lang) for lang in LANGS} == {
        "en": "Do this: Tell the caller that the address they gave doesn't work for logging in: there is "
              "only one "
              "login address.",
        "fi": "Tee näin: Kerro soittajalle, että hänen antamansa osoite ei käy kirjautumiseen: "
              "kirjautumisosoite "
              "on vain yksi.",
        "sv": "Gör så här: Säg att adressen hen gav inte fungerar för inloggning: det finns bara en "
              "inloggningsadress.",
    }


def test_the_old_id_s_do_line_says_the_login_is_the_e_mail_address(run) -> None:
    """N24-13: fi "kirjautuminen tapahtuu kirjautumisosoitteella" ("the login is with the login address")
    said nothing; the e-mail address, not the old ID."""
    assert {lang: _do_line(run, DEMO, "ESIM0001", "--ui-lang", lang) for lang in LANGS} == {
        "en": "Do this: Tell the caller to log in with their e-mail address, not the old user ID.",
        "fi": "Tee näin: Kerro soittajalle, että kirjautuminen tapahtuu sähköpostiosoitteella eikä vanhalla "
              "asiointitunnuksella.",
        "sv": "Gör så här: Säg att inloggningen sker med e-postadressen, inte med den gamla ärendekoden.",
    }


def test_the_change_after_the_account_is_opened_names_no_administrator() -> None:
    """N24-14: "any of the administrators can tell you ... Once the administrator has sorted out your
    account": the caller asked which one. Who sorts it out is left unsaid; several are "any of" in fi and sv
    as said on the phone ("kuka vain", "någon av")."""
    from postisupport.output.messages import catalog
    said = {lang: catalog(lang)["also.reset-pending.admin"].split(":")[0] for lang in LANGS}
    assert said == {"en": "Once your account has been sorted out, you'll also need to change your password",
                    "fi": "Kun tunnuksesi on saatu kuntoon, sinun täytyy vielä vaihtaa salasanasi",
                    "sv": "När ditt konto är i ordning igen behöver du också byta lösenord"}
    assert (catalog("fi")["then.address-unknown.tested.named"]["other"],
            catalog("sv")["then.address-unknown.tested.named"]["other"]) == (
        "Jos et löydä sitä viestiä, kuka vain pääkäyttäjistä voi kertoa osoitteenkin. Kun olen tarkistanut "
        "henkilöllisyytesi, voin kertoa osoitteen myös itse.",
        "Om du inte hittar det meddelandet kan någon av administratörerna säga adressen också. När jag har "
        "kontrollerat din identitet kan jag också säga adressen själv.")


def test_a_verified_caller_is_told_what_to_log_in_with_where_it_is_used_not_after_the_last_line(run) -> None:
    """N24-11: "... If it still doesn't work, I'll open a support request. The e-mail address you log in with
    is olli.ovinen@...": read back to the caller who had just given it, after the closing line. Given, it is
    not said again; found by name, it is said in the sentence that logs in with it."""
    given = _script(run, DEMO, "olli.ovinen@lukko.example.fi", "-s", "reports", "--lang", "sv", "--verified")
    named = _script(run, DEMO, "Olli Ovinen", "--org", "Lukko Oy", "-s", "reports", "--lang", "fi",
                    "--verified")
    assert (given, named) == (
        "Du har rätt att använda tjänsten Rapportering. Jag ser inget fel på ditt konto. Logga ut och logga "
        "sedan "
        "in igen med din e-postadress för inloggning. Om det fortfarande inte fungerar skickar jag ett "
        "supportärende.",
        "Sinulla on käyttöoikeus palveluun Raportointi. Tunnuksessasi ei näy vikaa. Kirjaudu ulos ja sitten "
        "uudelleen sisään osoitteella olli.ovinen@lukko.example.fi. Jos ongelma jatkuu, teen asiasta "
        "tukipyynnön.")
