"""The twenty-second round of native-speaker fixes (fi, sv, en): findings of the nineteenth to twenty-first
reviews, each as the behaviour it found wrong."""

from __future__ import annotations

import json
from pathlib import Path

from postisupport.core.rules import decide
from postisupport.output.messages import catalog
from postisupport.output.script import script_text
from tests.test_native_sixteenth import LOGIN
from tests.test_rules import a_user, facts

DEMO = Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json"


def _demo(tmp_path: Path, name: str, top: dict[str, dict[str, object]] | None = None,
          **changed: dict[str, object]) -> Path:
    """The demo directory with some users' login data changed (by id, "u_1001"), and `top` their other
    attributes (by id, "u-1001"), written to `name`."""
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    for user in data["Users"]:
        user.setdefault(LOGIN, {}).update(changed.get(user["id"].replace("-", "_"), {}))
        user.update((top or {}).get(user["id"], {}))
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _rows(run, path: Path, label: str, *args: str) -> list[str]:
    """The screen's row under `label` with the lines indented below it, each stripped."""
    shown = run("--sandbox-data", str(path), "diagnose", *args, "--no-audit").stdout.splitlines()
    at = next(n for n, line in enumerate(shown) if line.startswith(label))
    rows = [shown[at].removeprefix(label)]
    for line in shown[at + 1:]:
        if not line.startswith(" "):
            break
        rows.append(line)
    return [row.strip() for row in rows]



def _do_line(run, path: Path, *args: str) -> str:
    """The screen's "Do this" line, unwrapped."""
    shown = run("--sandbox-data", str(path), "diagnose", *args, "--no-audit").stdout.splitlines()
    return " ".join(shown[1:next(n for n, line in enumerate(shown) if not line or line.startswith(
        ("Verify first", "Tunnista ensin", "Identifiera först")))])

def test_an_administrator_who_must_change_the_password_is_said_so_in_finnish(run, tmp_path: Path) -> None:
    """N21-13: fi "SALASANA VAIHTAMATTA" ("password not changed") is true of almost everyone and says
    nothing of a change that is required, which is what keeps the administrator from acting; en and sv
    said "must change"."""
    path = _demo(tmp_path, "maija.json", u_1001={"forcePasswordReset": True})
    labels = {"fi": "Pääkäyttäjät", "sv": "Administratörer", "en": "Administrators"}
    assert {lang: _rows(run, path, label, "laura.salo@esimerkki.example.fi", "--verified", "--ui-lang", lang)
            for lang, label in labels.items()} == {
        "fi": ["Maija Virtanen · SALASANA VAIHDETTAVA", "Ville Heikkinen · POISTETTU KÄYTÖSTÄ"],
        "sv": ["Maija Virtanen · MÅSTE BYTA LÖSENORD", "Ville Heikkinen · INAKTIVERAD"],
        "en": ["Maija Virtanen · MUST CHANGE PASSWORD", "Ville Heikkinen · DEACTIVATED"]}


def _script(run, path: Path, *args: str) -> str:
    result = run("--sandbox-data", str(path), "diagnose", *args, "--script", "--no-audit")
    assert result.exit_code == 0, result.stderr
    return result.stdout.rstrip("\n")


def _erik_untold(tmp_path: Path) -> Path:
    """The demo's Erik, whose request of 17.1.2021 went to his login address, in a store that can't tell
    whether one was asked of him or when he last changed his password."""
    return _demo(tmp_path, "erik.json", u_1003={"unknownFacts": ["reset_requested", "password_changed_at"]})


def test_the_request_the_login_address_was_told_by_is_not_said_again_in_the_question(
        run, tmp_path: Path) -> None:
    """N21-6: "The address you log in with is the one we sent the password-change request to on 17.1.2021."
    was followed by "We sent you a request on 17.1.2021 to change your password.", the same fact with the
    same date, heard as two requests; the question now starts from the sentence before it."""
    path = _erik_untold(tmp_path)
    said = {(lang, bool(verified)): _script(run, path, "ESIM0077", "--lang", lang, *verified)
            for lang in ("en", "fi", "sv") for verified in ((), ("--verified",))}
    assert said == {
        ("en", False): (
            "You now log in to Posti's business services with your e-mail address: the old user ID no longer "
            "works. The address you log in with is the one we sent the password-change request to on 17 "
            "January 2021. If you haven't changed your password since that e-mail, please do it first: go to "
            "https://www.posti.fi/changepassword and enter that address, and you'll get instructions by "
            "e-mail; then log in again. Otherwise, log in with that address and your current password. If "
            "that doesn't work either, your organisation's administrator for Posti's services can check your "
            "account."),
        ("en", True): (
            "You now log in to Posti's business services with your e-mail address: the old user ID no longer "
            "works. The e-mail address you log in with is erik.lindqvist@esimerkki.example.fi, the one we "
            "sent the password-change request to on 17 January 2021. If you haven't changed your password "
            "since that e-mail, please do it first: go to https://www.posti.fi/changepassword and enter that "
            "address, and you'll get instructions by e-mail; then log in again. Otherwise, log in with that "
            "address and your current password. If that doesn't work either, your organisation's "
            "administrator for Posti's services can check your account."),
        ("fi", False): (
            "Postin yrityspalveluihin kirjaudutaan nykyään sähköpostiosoitteella: vanha asiointitunnus ei "
            "enää käy. Kirjautumiseen käytettävä osoitteesi on se, johon lähetimme salasanan vaihtopyynnön "
            "17.1.2021. Jos et ole vaihtanut salasanaa sen viestin jälkeen, vaihda se ensin: mene sivulle "
            "https://www.posti.fi/changepassword ja anna siellä sama sähköpostiosoite, niin "
            "saat ohjeet sähköpostiisi; kirjaudu sitten uudelleen. Jos olet jo vaihtanut sen, kirjaudu sillä "
            "osoitteella ja nykyisellä salasanallasi. Jos sekään ei auta, organisaatiosi Postin palveluiden "
            "pääkäyttäjä "
            "voi tarkistaa tunnuksesi."),
        ("fi", True): (
            "Postin yrityspalveluihin kirjaudutaan nykyään sähköpostiosoitteella: vanha asiointitunnus ei "
            "enää käy. Kirjautumisosoitteesi on erik.lindqvist@esimerkki.example.fi, sama osoite, johon "
            "lähetimme salasanan vaihtopyynnön 17.1.2021. Jos et ole vaihtanut salasanaa sen viestin "
            "jälkeen, vaihda se ensin: mene sivulle https://www.posti.fi/changepassword ja anna siellä sama "
            "sähköpostiosoite, niin saat ohjeet sähköpostiisi; kirjaudu sitten uudelleen. Jos olet jo "
            "vaihtanut sen, kirjaudu sillä osoitteella ja nykyisellä salasanallasi. Jos sekään ei auta, "
            "organisaatiosi Postin palveluiden pääkäyttäjä voi tarkistaa tunnuksesi."),
        ("sv", False): (
            "Numera loggar du in i Postis företagstjänster med din e-postadress: den gamla ärendekoden "
            "fungerar inte längre. Din e-postadress för inloggning är den adress dit vi den 17.1.2021 "
            "skickade begäran om att byta lösenord. Om du inte har bytt lösenord efter det meddelandet, byt "
            "det först: gå till https://www.posti.fi/changepassword och ange den adressen, så får du "
            "anvisningar per e-post; logga sedan in igen. Annars loggar du in med den adressen och ditt "
            "nuvarande lösenord. Om det inte heller fungerar kan din organisations administratör för Postis "
            "tjänster kontrollera ditt konto."),
        ("sv", True): (
            "Numera loggar du in i Postis företagstjänster med din e-postadress: den gamla ärendekoden "
            "fungerar inte längre. Din e-postadress för inloggning är erik.lindqvist@esimerkki.example.fi, "
            "alltså den adress dit vi den 17.1.2021 skickade begäran om att byta lösenord. Om du inte har "
            "bytt lösenord efter det meddelandet, byt det först: gå till https://www.posti.fi/changepassword "
            "och ange den adressen, så får du anvisningar per e-post; logga sedan in igen. Annars loggar "
            "du in med den adressen och ditt nuvarande lösenord. Om det inte heller fungerar kan din "
            "organisations administratör för Postis tjänster kontrollera ditt konto.")}
    # The agent's line still asks what the script asks: whether it was changed since that request.
    assert _do_line(run, path, "ESIM0077", "--ui-lang", "en") == (
        "Do this: Tell the caller the login is the e-mail address, not the old user ID (the address itself "
        "once verified). Ask whether they have changed the password since the request of 17 Jan 2021 08:00 "
        "(the directory can't tell when it was changed): if not, they change it first at "
        "posti.fi/changepassword; if so, they log in with that address.")


def test_an_unverified_closed_callers_password_change_follows_what_the_administrator_does(
        run, tmp_path: Path) -> None:
    """N20-4: unverified, locked with a change pending, the script said "what's stopping you logging in"
    twice, four sentences apart ("From here I can't fix what's stopping you logging in ... Once what stops
    you logging in is put right, ..."), like a form read aloud. The administrator, the one actor named,
    is what the change follows."""
    path = _demo(tmp_path, "locked.json", u_1002={"accountLocked": True})
    assert {lang: _script(run, path, "ESIM0042", "--lang", lang) for lang in ("en", "fi", "sv")} == {
        "en": "From here I can't fix what's stopping you logging in, but your organisation's administrator "
              "for Posti's services can check your account and your access rights. You now log in to Posti's "
              "business services with your e-mail address: the old user ID no longer works. The address you "
              "log in with is the one we sent the password-change request to on 17 January 2021. If you "
              "can't find that e-mail, the administrator can tell you the address too. Once I've checked who "
              "you are, I can tell you the address myself. Once your account has been sorted out, you'll "
              "also need to change your password: go to "
              "https://www.posti.fi/changepassword and enter that address, and you'll get instructions by "
              "e-mail.",
        "fi": "En pysty täältä korjaamaan sitä, mikä estää kirjautumisesi, mutta organisaatiosi Postin "
              "palveluiden pääkäyttäjä voi tarkistaa tunnuksesi ja käyttöoikeutesi. Postin yrityspalveluihin "
              "kirjaudutaan nykyään sähköpostiosoitteella: vanha asiointitunnus ei enää käy. Kirjautumiseen "
              "käytettävä osoitteesi on se, johon lähetimme salasanan vaihtopyynnön 17.1.2021. Jos et löydä "
              "sitä viestiä, pääkäyttäjä voi kertoa osoitteenkin. Kun olen tarkistanut henkilöllisyytesi, "
              "voin "
              "kertoa osoitteen myös itse. Kun tunnuksesi on saatu kuntoon, sinun täytyy vielä vaihtaa "
              "salasanasi: mene sivulle "
              "https://www.posti.fi/changepassword ja anna siellä sama osoite, niin saat ohjeet "
              "sähköpostiisi.",
        "sv": "Härifrån kan jag inte åtgärda det som hindrar dig från att logga in, men din organisations "
              "administratör för Postis tjänster kan kontrollera ditt konto och dina rättigheter. Numera "
              "loggar du in i Postis företagstjänster med din e-postadress: den gamla ärendekoden fungerar "
              "inte längre. Din e-postadress för inloggning är den adress dit vi den 17.1.2021 skickade "
              "begäran om att byta lösenord. Om du inte hittar det meddelandet kan administratören säga "
              "adressen också. När jag har kontrollerat din identitet kan jag också säga adressen själv. När "
              "ditt konto är i ordning igen behöver du "
              "också byta lösenord: gå till https://www.posti.fi/changepassword och ange den adressen, så "
              "får du anvisningar per e-post."}


def test_i_cant_see_here_which_address_and_i_cant_fix_it_are_one_sentence(run, tmp_path: Path) -> None:
    """N20-4: the old ID given and the login address untold, two sentences in a row started "I can't ...
    here" ("En näe täältä ... En pysty täältä ...", "Jag kan inte se här ... Härifrån kan jag inte ...");
    they are one sentence, verified or not."""
    path = _demo(tmp_path, "untold.json", u_1004={"unknownFacts": ["login_email"]})
    said = {(lang, bool(verified)): _script(run, path, "ESIM0105", "--lang", lang, *verified)
            for lang in ("en", "fi", "sv") for verified in ((), ("--verified",))}
    assert said == {
        ("en", False): "You now log in to Posti's business services with your e-mail address: the old user "
                       "ID no longer works. I can't see here which e-mail address you log in with, and I "
                       "can't fix what's stopping you logging in myself, but your organisation's "
                       "administrator for Posti's services can check your account and your access rights.",
        ("en", True): "You now log in to Posti's business services with your e-mail address: the old user ID "
                      "no longer works. I can't see here which e-mail address you log in with, and I can't "
                      "fix what's stopping you logging in myself, but your organisation's administrator for "
                      "Posti's services can check your account and your access rights. The administrator is "
                      "Maija Virtanen. Contact details: e-mail address maija.virtanen@esimerkki.example.fi "
                      "and phone number +358 40 123 4567.",
        ("fi", False): "Postin yrityspalveluihin kirjaudutaan nykyään sähköpostiosoitteella: vanha "
                       "asiointitunnus ei enää käy. En näe täältä, millä sähköpostiosoitteella kirjaudut, "
                       "enkä pysty itse korjaamaan sitä, mikä estää kirjautumisesi, mutta organisaatiosi "
                       "Postin palveluiden pääkäyttäjä voi tarkistaa tunnuksesi ja käyttöoikeutesi.",
        ("fi", True): "Postin yrityspalveluihin kirjaudutaan nykyään sähköpostiosoitteella: vanha "
                      "asiointitunnus ei enää käy. En näe täältä, millä sähköpostiosoitteella kirjaudut, "
                      "enkä pysty itse korjaamaan sitä, mikä estää kirjautumisesi, mutta organisaatiosi "
                      "Postin palveluiden pääkäyttäjä voi tarkistaa tunnuksesi ja käyttöoikeutesi. "
                      "Pääkäyttäjä on Maija Virtanen. Yhteystiedot: sähköpostiosoite "
                      "maija.virtanen@esimerkki.example.fi ja puhelinnumero +358 40 123 4567.",
        ("sv", False): "Numera loggar du in i Postis företagstjänster med din e-postadress: den gamla "
                       "ärendekoden fungerar inte längre. Jag kan inte se här vilken e-postadress du loggar "
                       "in med, och jag kan inte själv åtgärda det som hindrar dig från att logga in, men "
                       "din organisations administratör för Postis tjänster kan kontrollera ditt konto och "
                       "dina rättigheter.",
        ("sv", True): "Numera loggar du in i Postis företagstjänster med din e-postadress: den gamla "
                      "ärendekoden fungerar inte längre. Jag kan inte se här vilken e-postadress du loggar "
                      "in med, och jag kan inte själv åtgärda det som hindrar dig från att logga in, men din "
                      "organisations administratör för Postis tjänster kan kontrollera ditt konto och dina "
                      "rättigheter. Administratören är Maija Virtanen. Kontaktuppgifter: e-postadress "
                      "maija.virtanen@esimerkki.example.fi och telefonnummer +358 40 123 4567."}

    # Step 1's question, when the store can't tell whether a change is pending, stays between them: after
    # which address logs in, as on the other paths (N19-3).
    path = _demo(tmp_path, "untold-reset.json", u_1004={"unknownFacts": [
        "login_email", "reset_requested", "reset_sent_at", "reset_sent_to", "password_changed_at"]})
    assert _script(run, path, "ESIM0105", "--lang", "en") == (
        "You now log in to Posti's business services with your e-mail address: the old user ID no longer "
        "works. I can't see here which e-mail address you log in with. Have you had an e-mail asking you to "
        "change your password? If you have, change it first: go to https://www.posti.fi/changepassword and "
        "enter the e-mail address you log in with, and you'll get instructions by e-mail; then log in again. "
        "From here I can't fix what's stopping you logging in, but your organisation's administrator for "
        "Posti's services can check your account and your access rights.")

def test_an_unverified_administrator_hears_the_same_one_sentence_and_their_role_once_verified() -> None:
    """N20-4: the same for one of several administrators: before verification their role is not said, so
    the sentence is the one an ordinary user hears; once verified, that another administrator can help."""
    decision = decide(facts(a_user(user_name=None, is_admin=True), matched_by="legacyUserId"))
    assert (script_text(decision, "en", verified=False), script_text(decision, "en")) == (
        "You now log in to Posti's business services with your e-mail address: the old user ID no longer "
        "works. I can't see here which e-mail address you log in with, and I can't fix what's stopping you "
        "logging in myself, but your organisation's administrator for Posti's services can check your "
        "account and your access rights.",
        "You now log in to Posti's business services with your e-mail address: the old user ID no longer "
        "works. I can't see here which e-mail address you log in with. You are one of your organisation's "
        "administrators for Posti's services, and another administrator can check your account and your "
        "access rights. The administrator who can help you is Maija Virtanen. Contact details: e-mail "
        "address maija@example.fi.")


def test_a_service_callers_no_to_the_password_question_has_its_answer(run, tmp_path: Path) -> None:
    """N21-14: on a service question, whether a change is pending untold, "Have you had an e-mail asking
    you to change your password?" had only its "yes" branch; on the login path "Otherwise, log in ..."
    answers "no", here nothing did, and the agent had to improvise."""
    path = _demo(tmp_path, "untold.json", u_1004={"unknownFacts": [
        "reset_requested", "reset_sent_at", "reset_sent_to", "password_changed_at"]})
    said = {(lang, bool(verified)): _script(run, path, "ESIM0105", "-s", "invoicing", "--lang", lang,
                                            *verified)
            for lang in ("en", "fi", "sv") for verified in ((), ("--verified",))}
    assert said == {
        ("en", False): "You now log in to Posti's business services with your e-mail address: the old user "
                       "ID no longer works. Have you had an e-mail asking you to change your password? If "
                       "you have, change it first: go to https://www.posti.fi/changepassword and enter the "
                       "e-mail address you log in with, and you'll get instructions by e-mail; then log in "
                       "again. If you haven't, you don't need to change it. Once I've checked who you are, I "
                       "can tell you about your access rights.",
        ("en", True): "You now log in to Posti's business services with your e-mail address: the old user ID "
                      "no longer works. The e-mail address you log in with is "
                      "johanna.makinen@esimerkki.example.fi. Have you had an e-mail asking you to change "
                      "your password? If you have, change it first: go to "
                      "https://www.posti.fi/changepassword and enter that address, and you'll get "
                      "instructions by e-mail; then log in again. If you haven't, you don't need to change "
                      "it. You don't have access to E-invoicing yet. Please ask your organisation's "
                      "administrator for Posti's services to check your access rights. The administrator is "
                      "Maija Virtanen. Contact details: e-mail address maija.virtanen@esimerkki.example.fi "
                      "and phone number +358 40 123 4567.",
        ("fi", False): "Postin yrityspalveluihin kirjaudutaan nykyään sähköpostiosoitteella: vanha "
                       "asiointitunnus ei enää käy. Oletko saanut sähköpostiviestin, jossa sinua pyydetään "
                       "vaihtamaan salasanasi? Jos olet, vaihda se ensin: mene sivulle "
                       "https://www.posti.fi/changepassword ja anna sähköpostiosoite, jolla kirjaudut "
                       "sisään, niin saat ohjeet sähköpostiisi; kirjaudu sitten uudelleen. Jos et ole saanut "
                       "viestiä, salasanaasi ei tarvitse vaihtaa. Kun olen tarkistanut henkilöllisyytesi, "
                       "voin "
                       "kertoa käyttöoikeuksistasi.",
        ("fi", True): "Postin yrityspalveluihin kirjaudutaan nykyään sähköpostiosoitteella: vanha "
                      "asiointitunnus ei enää käy. Kirjautumiseen käytettävä sähköpostiosoitteesi on "
                      "johanna.makinen@esimerkki.example.fi. Oletko saanut sähköpostiviestin, jossa sinua "
                      "pyydetään vaihtamaan salasanasi? Jos olet, vaihda se ensin: mene sivulle "
                      "https://www.posti.fi/changepassword ja anna siellä sama sähköpostiosoite, niin saat "
                      "ohjeet sähköpostiisi; kirjaudu sitten uudelleen. Jos et ole saanut viestiä, "
                      "salasanaasi ei tarvitse vaihtaa. Sinulla ei ole vielä käyttöoikeutta palveluun "
                      "E-laskutus. Pyydä organisaatiosi Postin palveluiden pääkäyttäjää tarkistamaan "
                      "käyttöoikeutesi. Pääkäyttäjä on Maija Virtanen. Yhteystiedot: sähköpostiosoite "
                      "maija.virtanen@esimerkki.example.fi ja puhelinnumero +358 40 123 4567.",
        ("sv", False): "Numera loggar du in i Postis företagstjänster med din e-postadress: den gamla "
                       "ärendekoden fungerar inte längre. Har du fått ett e-postmeddelande där du ombeds "
                       "byta lösenord? Om du har det, byt lösenordet först: gå till "
                       "https://www.posti.fi/changepassword och ange den e-postadress du loggar in med, så "
                       "får du anvisningar per e-post; logga sedan in igen. Om du inte har fått något sådant "
                       "meddelande behöver du inte byta lösenord. När jag har kontrollerat din identitet kan "
                       "jag "
                       "berätta om dina rättigheter.",
        ("sv", True): "Numera loggar du in i Postis företagstjänster med din e-postadress: den gamla "
                      "ärendekoden fungerar inte längre. Din e-postadress för inloggning är "
                      "johanna.makinen@esimerkki.example.fi. Har du fått ett e-postmeddelande där du ombeds "
                      "byta lösenord? Om du har det, byt lösenordet först: gå till "
                      "https://www.posti.fi/changepassword och ange den här adressen, så får du anvisningar "
                      "per e-post; logga sedan in igen. Om du inte har fått något sådant meddelande behöver "
                      "du inte byta lösenord. Du har ännu inte rätt att använda tjänsten E-fakturering. Be "
                      "din organisations administratör för Postis tjänster kontrollera dina rättigheter. "
                      "Administratören är Maija Virtanen. Kontaktuppgifter: e-postadress "
                      "maija.virtanen@esimerkki.example.fi och telefonnummer +358 40 123 4567."}
    assert _script(run, path, "johanna.makinen@esimerkki.example.fi", "-s", "reports", "--lang", "en") == (
        "Have you had an e-mail asking you to change your password? If you have, change it first: go to "
        "https://www.posti.fi/changepassword and enter the e-mail address you log in with, and you'll get "
        "instructions by e-mail; then log in again. If you haven't, you don't need to change it. Once I've "
        "checked who you are, I can tell you about your access rights.")


def test_the_administrator_just_named_is_asked_for_the_right_by_name(run, tmp_path: Path) -> None:
    """N21-12: six sentences after she was named, with her contacts, as the one who reactivates the
    account, the same administrator came back by her full title ("Please ask your organisation's
    administrator for Posti's services ..."), heard as someone else; and asked to check a right that is
    known to be missing."""
    path = _demo(tmp_path, "inactive.json", top={"u-1002": {"active": False}})
    said = {lang: _script(run, path, "ESIM0042", "-s", "invoicing", "--verified", "--lang", lang)
            for lang in ("en", "fi", "sv")}
    assert said == {
        "en": "Your account has been deactivated. Your organisation's administrator for Posti's services can "
              "reactivate it. The administrator is Maija Virtanen. Contact details: e-mail address "
              "maija.virtanen@esimerkki.example.fi and phone number +358 40 123 4567. You now log in to "
              "Posti's business services with your e-mail address: the old user ID no longer works. The "
              "e-mail address you log in with is aino.korhonen@esimerkki.example.fi, the one we sent the "
              "password-change request to on 17 January 2021. Once your account has been reactivated, you'll "
              "also need to change your password: go to https://www.posti.fi/changepassword and enter that "
              "address, and you'll get instructions by e-mail. You don't have access to E-invoicing yet. Ask "
              "Maija Virtanen to give it to you at the same time.",
        "fi": "Käyttäjätunnuksesi on poistettu käytöstä. Organisaatiosi Postin palveluiden pääkäyttäjä voi "
              "ottaa sen uudelleen käyttöön. Pääkäyttäjä on Maija Virtanen. Yhteystiedot: sähköpostiosoite "
              "maija.virtanen@esimerkki.example.fi ja puhelinnumero +358 40 123 4567. Postin "
              "yrityspalveluihin kirjaudutaan nykyään sähköpostiosoitteella: vanha asiointitunnus ei enää "
              "käy. Kirjautumisosoitteesi on aino.korhonen@esimerkki.example.fi, sama osoite, johon "
              "lähetimme salasanan vaihtopyynnön 17.1.2021. Kun tunnuksesi on otettu uudelleen käyttöön, "
              "sinun täytyy myös vaihtaa salasanasi: mene sivulle https://www.posti.fi/changepassword "
              "ja anna siellä sama osoite, niin saat ohjeet sähköpostiisi. Sinulla ei ole vielä "
              "käyttöoikeutta palveluun E-laskutus. Maija Virtanen voi antaa sinulle senkin samalla.",
        "sv": "Ditt konto har inaktiverats. Din organisations administratör för Postis tjänster kan aktivera "
              "det igen. Administratören är Maija Virtanen. Kontaktuppgifter: e-postadress "
              "maija.virtanen@esimerkki.example.fi och telefonnummer +358 40 123 4567. Numera loggar du in i "
              "Postis företagstjänster med din e-postadress: den gamla ärendekoden fungerar inte längre. Din "
              "e-postadress för inloggning är aino.korhonen@esimerkki.example.fi, alltså den adress dit vi "
              "den 17.1.2021 skickade begäran om att byta lösenord. När ditt konto har aktiverats igen "
              "behöver du också byta lösenord: gå till https://www.posti.fi/changepassword och ange den "
              "adressen, så får du anvisningar per e-post. Du har ännu inte rätt att använda tjänsten "
              "E-fakturering. Be samtidigt Maija Virtanen ge dig den rätten."}


def test_the_login_address_told_by_its_test_is_that_address_when_logging_in(run) -> None:
    """N19-9: unverified, the login address was named by its long name three times in three sentences
    ("kirjautumiseen käytettävällä sähköpostiosoitteella ... Kirjautumiseen käytettävä osoitteesi on se,
    johon ... Kirjaudu sisään kirjautumiseen käytettävällä sähköpostiosoitteellasi"), read like a form;
    after the seed page's test has said which it is, the login is "with that address", as verified."""
    gave = {"other": "erik@lindqvist.example.net", "old": "ESIM0077"}
    said = {(how, lang): run("--sandbox", "diagnose", who, "--script", "--no-audit", "--lang", lang
                             ).stdout.rstrip("\n")
            for how, who in gave.items() for lang in ("en", "fi", "sv")}
    # Each then says who can tell the address, to a caller who can't find that e-mail (N24-7).
    unfound = {lang: catalog(lang)["then.address-unknown.tested.admin"]["one"] for lang in ("en", "fi", "sv")}
    assert {key: text.removesuffix(f" {unfound[key[1]]}") for key, text in said.items()} == {
        ("other", "en"): "You can't log in with the address you gave: your account has more than one e-mail "
                         "address, but only one of them works for logging in. The "
                         "address you log in with is the one we "
                         "sent the password-change request to on 17 January 2021. Please log in with that "
                         "address and your current password.",
        ("other", "fi"): "Antamallasi osoitteella et pääse kirjautumaan: tunnukseesi on liitetty useampi "
                         "sähköpostiosoite, mutta kirjautumiseen käy niistä vain yksi. "
                         "Kirjautumiseen käytettävä "
                         "osoitteesi on se, johon lähetimme salasanan vaihtopyynnön 17.1.2021. Kirjaudu "
                         "sisään sillä osoitteella ja nykyisellä salasanallasi.",
        ("other", "sv"): "Med adressen du gav kan du inte logga in: ditt konto har flera e-postadresser, men "
                         "bara en av dem fungerar för inloggning. Din "
                         "e-postadress för "
                         "inloggning är den adress dit vi den 17.1.2021 skickade begäran om att byta "
                         "lösenord. Logga in med den och ditt nuvarande lösenord.",
        ("old", "en"): "You now log in to Posti's business services with your e-mail address: the old user "
                       "ID no longer works. The address you log in with is the one we sent the "
                       "password-change request to on 17 January 2021. Please log in with that address and "
                       "your current password.",
        ("old", "fi"): "Postin yrityspalveluihin kirjaudutaan nykyään sähköpostiosoitteella: vanha "
                       "asiointitunnus ei enää käy. Kirjautumiseen käytettävä osoitteesi on se, johon "
                       "lähetimme salasanan vaihtopyynnön 17.1.2021. Kirjaudu sisään sillä osoitteella ja "
                       "nykyisellä salasanallasi.",
        ("old", "sv"): "Numera loggar du in i Postis företagstjänster med din e-postadress: den gamla "
                       "ärendekoden fungerar inte längre. Din e-postadress för inloggning är den adress dit "
                       "vi den 17.1.2021 skickade begäran om att byta lösenord. Logga in med den och ditt "
                       "nuvarande lösenord."}
    assert all(text.endswith(f" {unfound[lang]}") for (_, lang), text in said.items())


def test_an_unverified_callers_rights_are_not_promised_twice_in_two_sentences(run) -> None:
    """N19-13: unverified, a login the administrator must see to and a service question: "your
    organisation's administrator can check your account and your access rights. Once I've checked who
    you are, I can tell you about your access rights" (sv "kontrollera ... kontrollerat"), the caller
    asking which of them would; what the agent tells once verified is said of the services asked."""
    said = {(len(asked), lang): run("--sandbox", "diagnose", "sanna.laine@esimerkki.example.fi",
                                    *(arg for name in asked for arg in ("-s", name)),
                                    "--script", "--no-audit", "--lang", lang).stdout.rstrip("\n")
            for asked in (("invoicing",), ("invoicing", "reports")) for lang in ("en", "fi", "sv")}
    assert said == {
        (1, "en"): "From here I can't fix what's stopping you logging in, but your organisation's "
                   "administrator for Posti's services can check your account and your access rights. Once "
                   "I've checked who you are, I can tell you what I see about the service you asked about.",
        (1, "fi"): "En pysty täältä korjaamaan sitä, mikä estää kirjautumisesi, mutta organisaatiosi Postin "
                   "palveluiden pääkäyttäjä voi tarkistaa tunnuksesi ja käyttöoikeutesi. Kun olen "
                   "tarkistanut henkilöllisyytesi, voin kertoa, mitä näen kysymästäsi palvelusta.",
        (1, "sv"): "Härifrån kan jag inte åtgärda det som hindrar dig från att logga in, men din "
                   "organisations administratör för Postis tjänster kan kontrollera ditt konto och dina "
                   "rättigheter. När jag har kontrollerat din identitet kan jag berätta vad jag ser om "
                   "tjänsten som du "
                   "frågade om.",
        (2, "en"): "From here I can't fix what's stopping you logging in, but your organisation's "
                   "administrator for Posti's services can check your account and your access rights. Once "
                   "I've checked who you are, I can tell you what I see about the services you asked "
                   "about.",
        (2, "fi"): "En pysty täältä korjaamaan sitä, mikä estää kirjautumisesi, mutta organisaatiosi Postin "
                   "palveluiden pääkäyttäjä voi tarkistaa tunnuksesi ja käyttöoikeutesi. Kun olen "
                   "tarkistanut henkilöllisyytesi, voin kertoa, mitä näen kysymistäsi palveluista.",
        (2, "sv"): "Härifrån kan jag inte åtgärda det som hindrar dig från att logga in, men din "
                   "organisations administratör för Postis tjänster kan kontrollera ditt konto och dina "
                   "rättigheter. När jag har kontrollerat din identitet kan jag berätta vad jag ser om "
                   "tjänsterna som "
                   "du frågade om."}


def test_an_administrator_hears_the_others_cannot_help_as_a_state_not_as_busy(run) -> None:
    """N19-10: fi "toinen pääkäyttäjä ei pysty juuri nyt auttamaan sinua", sv "kan inte hjälpa dig just nu",
    said of a deactivated administrator, sounded as if he were busy ("I'll call him tomorrow"); en "You are
    your organisation's only administrator ... yourself" was a calque with "yourself" left dangling."""
    said = {lang: run("--sandbox", "diagnose", "maija.virtanen@esimerkki.example.fi", "--verified",
                      "--script", "--no-audit", "--lang", lang).stdout.rstrip("\n") for lang in ("fi", "sv")}
    assert said == {
        "fi": "Olet yksi organisaatiosi Postin palveluiden pääkäyttäjistä, mutta toinen pääkäyttäjä ei tällä "
              "hetkellä voi auttaa sinua. Teen asiasta tukipyynnön sähköisten palveluiden tukeen, ja sieltä "
              "ollaan sinuun yhteydessä.",
        "sv": "Du är en av din organisations administratörer för Postis tjänster, men den andra "
              "administratören kan för närvarande inte hjälpa dig. Jag skickar ett supportärende till "
              "e-tjänsternas support, och de kontaktar dig."}
    assert run("--sandbox", "diagnose", "oliver.smith@sample.example.com", "--verified", "--script",
               "--no-audit", "--lang", "en").stdout == (
        "You are the only administrator for Posti's services in your organisation, so there is no one else "
        "there who can help you log in. I'll pass this on to our e-services support as a support request, "
        "and they will get back to you.\n")


def test_the_finnish_otherwise_says_which_answer_it_follows(run, tmp_path: Path) -> None:
    """N21-2: fi "Muuten kirjaudu sisään ..." after step 1's question is heard as "by the way, log in ...",
    a new instruction, not the "no"; unverified, "kirjaudu sisään kirjautumiseen käytettävällä
    sähköpostiosoitteellasi" said "log in with your log-in address". The "no" is said as what it answers:
    not having had the e-mail, or (after "if you haven't changed it since") having changed it."""
    untold = _demo(tmp_path, "untold.json", u_1004={"unknownFacts": [
        "reset_requested", "reset_sent_at", "reset_sent_to", "password_changed_at"]})
    changed = _erik_untold(tmp_path)

    def otherwise(path: Path, who: str, *verified: str) -> str:
        said = _script(run, path, who, "--lang", "fi", *verified)
        return said.split("kirjaudu sitten uudelleen. ", 1)[1].split(". ", 1)[0] + "."

    assert (otherwise(untold, "ESIM0105", "--verified"), otherwise(untold, "ESIM0105"),
            otherwise(changed, "ESIM0077", "--verified"), otherwise(changed, "ESIM0077")) == (
        "Jos et ole saanut viestiä, kirjaudu sillä osoitteella ja nykyisellä salasanallasi.",
        "Jos et ole saanut viestiä ja tiedät kirjautumisosoitteesi, kirjaudu sillä ja nykyisellä "
        "salasanallasi.",
        "Jos olet jo vaihtanut sen, kirjaudu sillä osoitteella ja nykyisellä salasanallasi.",
        "Jos olet jo vaihtanut sen, kirjaudu sillä osoitteella ja nykyisellä salasanallasi.")


def test_the_login_address_is_said_again_where_it_is_typed_after_an_address_no_longer_on_the_account(
        run, tmp_path: Path) -> None:
    """N21-8: verified, the request of 17.1.2021 sent to an address no longer on the account, whether it
    was acted on untold: "enter that address" came right after "an e-mail address that is no longer on
    your account", so "that" was the old one (the one the caller remembers getting Posti's mail at); en
    "We sent you a request ..., but to an e-mail address ..." was clumsy."""
    path = _demo(tmp_path, "elsewhere.json", u_1010={"unknownFacts": [
        "reset_requested", "password_changed_at"]})
    said = {lang: _script(run, path, "ESIM0300", "--verified", "--lang", lang)
            for lang in ("en", "fi", "sv")}
    assert said == {
        "en": "You now log in to Posti's business services with your e-mail address: the old user ID no "
              "longer works. The e-mail address you log in with is mikael.aalto@esimerkki.example.fi. The "
              "password-change request we sent on 17 January 2021 went to an address that is no longer on "
              "your account, so it may never have reached you. If you haven't changed your password since "
              "then, please do it first: go to https://www.posti.fi/changepassword and enter "
              "mikael.aalto@esimerkki.example.fi, and you'll get instructions by e-mail; then log in again. "
              "Otherwise, log in with that address and your current password. If that doesn't work either, "
              "your organisation's administrator for Posti's services can check your account.",
        "fi": "Postin yrityspalveluihin kirjaudutaan nykyään sähköpostiosoitteella: vanha asiointitunnus ei "
              "enää käy. Kirjautumiseen käytettävä sähköpostiosoitteesi on "
              "mikael.aalto@esimerkki.example.fi. 17.1.2021 lähettämämme salasanan vaihtopyyntö meni "
              "osoitteeseen, joka ei enää ole tunnuksessasi, joten se ei ehkä tullut perille. Jos et ole "
              "vaihtanut salasanaa sen jälkeen, vaihda se ensin: mene sivulle "
              "https://www.posti.fi/changepassword ja anna siellä osoite mikael.aalto@esimerkki.example.fi, "
              "niin saat ohjeet sähköpostiisi; kirjaudu sitten uudelleen. Jos olet jo vaihtanut sen, "
              "kirjaudu sillä osoitteella ja nykyisellä salasanallasi. Jos sekään ei auta, organisaatiosi "
              "Postin palveluiden pääkäyttäjä voi tarkistaa tunnuksesi.",
        "sv": "Numera loggar du in i Postis företagstjänster med din e-postadress: den gamla ärendekoden "
              "fungerar inte längre. Din e-postadress för inloggning är mikael.aalto@esimerkki.example.fi. "
              "Den begäran om lösenordsbyte som vi skickade den 17.1.2021 gick till en adress som inte "
              "längre finns på ditt konto, så den har kanske aldrig nått dig. Om du inte har bytt lösenord "
              "sedan dess, byt det först: gå till https://www.posti.fi/changepassword och ange "
              "mikael.aalto@esimerkki.example.fi, så får du anvisningar per e-post; logga sedan in igen. "
              "Annars loggar du in med den adressen och ditt nuvarande lösenord. Om det inte heller fungerar "
              "kan din organisations administratör för Postis tjänster kontrollera ditt konto."}


def test_an_administrator_whose_fellow_administrators_state_is_untold_is_not_told_there_may_be_none(
        run, tmp_path: Path) -> None:
    """N21-4: an administrator, the other administrator's lock untold, heard "I can't see right now whether
    your organisation has an administrator who could help you": untrue to one who is an administrator, and
    "right now" on the agent's seeing sounded like a system fault; the Do line asked to confirm that one
    the screen shows as its administrator may act for the organisation. Unverified, their role unsaid."""
    path = _demo(tmp_path, "untold-admin.json", top={"u-1007": {"active": True}},
                 u_1007={"unknownFacts": ["locked"], "lastLoginTime": "2021-02-01T07:30:00Z"})
    said = {(lang, bool(verified)): _script(run, path, "maija.virtanen@esimerkki.example.fi", "--lang", lang,
                                            *verified)
            for lang in ("en", "fi", "sv") for verified in ((), ("--verified",))}
    assert said == {
        ("en", False): "I can't see from here whether your organisation has an administrator for Posti's "
                       "services who can help you just now. I'll pass this on to our e-services support as a "
                       "support request, and they will get back to you.",
        ("en", True): "You are one of your organisation's administrators for Posti's services, but I can't "
                      "see from here whether the other administrator can help you just now. I'll pass this "
                      "on to our e-services support as a support request, and they will get back to you.",
        ("fi", False): "En näe täältä, onko organisaatiollasi juuri nyt Postin palveluiden pääkäyttäjää, "
                       "joka voisi auttaa sinua. Teen asiasta tukipyynnön sähköisten palveluiden tukeen, ja "
                       "sieltä ollaan sinuun yhteydessä.",
        ("fi", True): "Olet yksi organisaatiosi Postin palveluiden pääkäyttäjistä, mutta en näe täältä, "
                      "voiko toinen pääkäyttäjä tällä hetkellä auttaa sinua. Teen asiasta tukipyynnön "
                      "sähköisten palveluiden tukeen, ja sieltä ollaan sinuun yhteydessä.",
        ("sv", False): "Jag kan inte se härifrån om din organisation just nu har någon administratör för "
                       "Postis tjänster som kan hjälpa dig. Jag skickar ett supportärende till e-tjänsternas "
                       "support, och de kontaktar dig.",
        ("sv", True): "Du är en av din organisations administratörer för Postis tjänster, men jag kan inte "
                      "se härifrån om den andra administratören för närvarande kan hjälpa dig. Jag skickar "
                      "ett supportärende till e-tjänsternas support, och de kontaktar dig."}
    assert _do_line(run, path, "maija.virtanen@esimerkki.example.fi", "--verified", "--ui-lang", "en") == (
        "Do this: The directory can't tell whether another administrator can act (an administrator's roles "
        "or state can't be read, or it records none); the caller is an administrator of the organisation: "
        "escalate to have the administrators checked (ticket: Login / administrators unknown).")
