"""Issue 13, the eighteenth native review (N18): what a caller hears is true of the account, and no more
than the policy allows before they are verified."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_native_sixteenth import LOGIN, ORGANISATION, _kivi


def _json(run, path: Path, *args: str) -> dict:
    result = run("--sandbox-data", str(path), "diagnose", *args, "--json", "--no-audit")
    assert result.exit_code == 0, result.stderr
    document: dict = result.json()
    return document


def test_an_administrator_whose_account_state_the_store_cant_tell_for_her_is_not_offered(
        run, tmp_path: Path) -> None:
    """N18-7 (High): the store told it can't tell whether the administrator's account is active, for her
    alone (it records it for the others): she was offered as the one who can unlock the caller. Whether
    she can act is unknown, so the caller's case is ours, as for a state sent unreadable."""
    data = json.loads(_kivi(tmp_path).read_text())
    kalle = next(user for user in data["Users"] if user["id"] == "kalle")
    del kalle["active"]
    kalle[LOGIN]["unknownFacts"] = ["active"]
    path = tmp_path / "told.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    document = _json(run, path, "riikka@kivi.example.fi", "--verified")
    assert (document["rule"], document["admins"], [a["state"] for a in document["unable_admins"]]) == (
        "login.no-admin", [], ["unknown"])
    assert "Kalle" not in document["script"]["text"]
    # Known for her, she is offered.
    known = _json(run, _kivi(tmp_path), "riikka@kivi.example.fi", "--verified")
    assert known["rule"] == "login.contact-admin"


def test_an_unverified_caller_in_two_organisations_hears_of_one(run) -> None:
    """N18-12 (High, privacy): on the service path an unverified caller heard "any of your
    organisations": how many the account is in. Until verified each is "your organisation"."""
    args = ("--sandbox", "diagnose", "kaisa.koski@exempel.example.fi", "-s", "invoicing", "-s", "reports")
    said = {lang: run(*args, "--lang", lang, "--script", "--no-audit").stdout for lang in ("en", "fi", "sv")}
    assert said["fi"] == (
        "Yksi kysymistäsi palveluista ei näy organisaatiosi palveluissa, joten pääkäyttäjäkään ei voi antaa "
        "sinulle käyttöoikeutta siihen. Tarkistan, onko organisaatiosi tilannut palvelun. Jos on, teen "
        "asiasta tukipyynnön, ja jos ei, voin ohjata sinut myyntiimme. Kun olen tarkistanut "
        "henkilöllisyytesi, voin "
        "kertoa käyttöoikeuksistasi.\n")
    for text in said.values():
        assert not any(word in text for word in ("your organisations", "organisaatioistasi", "yhdenkään",
                                                  "organisationer")), text
    verified = run("--sandbox", "diagnose", "kaisa.koski@exempel.example.fi", "-s", "invoicing", "-s",
                   "reports", "--lang", "en", "--script", "--no-audit", "--verified").stdout
    assert "any of your organisations" in verified


def test_an_unverified_locked_caller_with_a_change_pending_is_not_told_to_change_it_once_they_can_log_in(
        run, tmp_path: Path) -> None:
    """N18-1: "once you can log in again, you'll also need to change your password" was circular: the
    pending change is itself what stops the login. It is done after the rest is sorted out, before the
    login, and still says nothing of what the rest is."""
    data = json.loads((Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json").read_text())
    aino = next(user for user in data["Users"] if user["id"] == "u-1002")
    aino[LOGIN]["accountLocked"] = True
    path = tmp_path / "locked.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    said = {lang: run("--sandbox-data", str(path), "diagnose", "aino.korhonen@esimerkki.example.fi",
                      "--script", "--no-audit", "--lang", lang).stdout for lang in ("en", "fi", "sv")}
    assert said == {
        "en": "From here I can't fix what's stopping you logging in, but your organisation's administrator "
              "for Posti's services can check your account and your access rights. Once your account has "
              "been sorted out, you'll also need to change your password: go to "
              "https://www.posti.fi/changepassword and enter your e-mail address, and you'll get "
              "instructions by e-mail.\n",
        "fi": "En pysty täältä korjaamaan sitä, mikä estää kirjautumisesi, mutta organisaatiosi Postin "
              "palveluiden pääkäyttäjä voi tarkistaa tunnuksesi ja käyttöoikeutesi. Kun tunnuksesi on saatu "
              "kuntoon, sinun täytyy vielä vaihtaa salasanasi: mene sivulle "
              "https://www.posti.fi/changepassword ja anna sähköpostiosoitteesi, niin saat ohjeet "
              "sähköpostiisi.\n",
        "sv": "Härifrån kan jag inte åtgärda det som hindrar dig från att logga in, men din organisations "
              "administratör för Postis tjänster kan kontrollera ditt konto och dina rättigheter. När ditt "
              "konto är i ordning igen behöver du också byta lösenord: gå till "
              "https://www.posti.fi/changepassword och ange din e-postadress, så får du anvisningar per "
              "e-post.\n"}


def _demo_with(tmp_path: Path, user_id: str, **login: object) -> Path:
    """The demo directory with `login` set in one user's login extension."""
    data = json.loads((Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json").read_text())
    next(user for user in data["Users"] if user["id"] == user_id).setdefault(LOGIN, {}).update(login)
    path = tmp_path / f"{user_id}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_an_address_is_not_the_login_address_when_the_store_cant_tell_which_logs_in(
        run, tmp_path: Path) -> None:
    """N18-15: the store told it can't tell the login address, yet sent a userName: the screen said
    "matched by the login address" and showed it as such. The address given is one of the account's, no
    more; the script says it can't tell whether it is the one that logs in."""
    path = _demo_with(tmp_path, "u-1004", unknownFacts=["login_email"])
    document = _json(run, path, "johanna.makinen@esimerkki.example.fi", "--verified", "--lang", "en")
    assert (document["matched_by"], document["user"]["userName"]) == ("email", None)
    screen = run("--sandbox-data", str(path), "diagnose", "johanna.makinen@esimerkki.example.fi",
                 "--verified", "--no-audit").stdout
    assert " ".join(screen.split()).split(" Organisation ")[0].split("User ")[1] == (
        "Johanna Mäkinen <login address unknown> · matched by an address on the account")
    assert document["script"]["text"] == (
        "Only one e-mail address works for logging in to Posti's business services, and I can't see here "
        "whether the one you gave is it. From here I can't fix what's stopping you logging in, but your "
        "organisation's administrator for Posti's services can check your account and your access rights. "
        "The administrator is Maija Virtanen. Contact details: e-mail address "
        "maija.virtanen@esimerkki.example.fi and phone number +358 40 123 4567.")


def test_a_state_the_store_cant_tell_is_on_the_screen_and_step_2_is_not_the_end_of_it(
        run, tmp_path: Path) -> None:
    """N18-6: whether the account is deactivated, told unknown, was never on the screen (no
    DEACTIVATED read as active), and with the lock unknown too the script ended at "log in with your
    current password": whatever else may stop the login, step 3 follows if that fails too."""
    data = json.loads(_demo_with(tmp_path, "u-1004", unknownFacts=["active", "locked"]).read_text())
    del next(user for user in data["Users"] if user["id"] == "u-1004")["active"]
    path = tmp_path / "untold.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    args = ("--sandbox-data", str(path), "diagnose", "ESIM0105", "--verified", "--no-audit", "--lang", "en")
    screen = " ".join(run(*args).stdout.split())
    assert ("Account deactivated unknown: the directory doesn't say for this user Account locked unknown: "
            "the directory doesn't say for this user Administrators") in screen
    assert run(*args, "--script").stdout == (
        "You now log in to Posti's business services with your e-mail address: the old user ID no longer "
        "works. The e-mail address you log in with is johanna.makinen@esimerkki.example.fi. Please log in "
        "with that address and your current password. If that doesn't work either, your organisation's "
        "administrator for Posti's services can check your account.\n")


def test_whether_a_change_is_pending_untold_the_caller_who_still_cant_log_in_goes_on_to_step_3(
        run, tmp_path: Path) -> None:
    """N18-4: the reset status unknown, the caller who didn't get the e-mail, or still can't log in, was
    told to log in with the current password, and no more. The administrator (here none other can
    act: the caller is the only one who can, so us) follows if that fails too."""
    path = _demo_with(tmp_path, "u-1001", unknownFacts=["reset_requested"])
    said = {lang: run("--sandbox-data", str(path), "diagnose", "ESIM0001", "--script", "--no-audit",
                      "--lang", lang).stdout for lang in ("en", "fi", "sv")}
    tail = {"en": "If that doesn't work either, call us again and we'll pass it on to our e-services "
                  "support.\n",
            "fi": "Jos uutta viestiä ei ole tullut, kirjaudu sillä osoitteella ja nykyisellä salasanallasi. "
                  "Jos sekään ei auta, "
                  "soita meille uudelleen, niin välitämme asian "
                  "sähköisten palveluiden tukeen.\n",
            "sv": "Om det inte heller fungerar kan du ringa oss igen, så skickar vi det vidare till "
                  "e-tjänsternas support.\n"}
    assert {lang: text.endswith(tail[lang]) for lang, text in said.items()} == dict.fromkeys(said, True)
    # Which address logs in (by the seed page's test) before the change page that asks for it (N19-3);
    # when the password was last changed is said once verified (N21-7); the question is of a request after
    # the one just named (N22-4).
    assert said["en"] == (
        "You now log in to Posti's business services with your e-mail address: the old user ID no longer "
        "works. The address you log in with is the one we sent the password-change request to on 17 January "
        "2021. Since that e-mail, have you had a new one asking you to change your password? If you have, "
        "change it first: go to https://www.posti.fi/changepassword and enter that address, and you'll get "
        "instructions by e-mail; then log in again. If no new one has come, log in with that address and "
        "your current password. If that doesn't work either, call us again and we'll pass it on to our "
        "e-services "
        "support.\n")


def test_a_caller_found_by_name_hears_the_login_address_before_the_change_page_that_asks_for_it(run) -> None:
    """N18-18: found by name (who gave no address knows none), with a change pending: "enter the e-mail
    address you log in with" came before the sentence that says which address that is."""
    said = {lang: run("--sandbox", "diagnose", "Aino Korhonen", "-o", "2345678-0", "--script", "--verified",
                      "--no-audit", "--lang", lang).stdout for lang in ("en", "fi", "sv")}
    assert said == {
        "en": "The e-mail address you log in with is aino.korhonen@esimerkki.example.fi, the one we sent the "
              "password-change request to on 17 January 2021. Your password hasn't been changed since that "
              "request: "
              "please go to https://www.posti.fi/changepassword and enter that address; you'll get "
              "instructions by e-mail. Once you've changed the password, log in again with the same "
              "address.\n",
        "fi": "Kirjautumisosoitteesi on aino.korhonen@esimerkki.example.fi, sama osoite, johon lähetimme "
              "salasanan vaihtopyynnön 17.1.2021. Salasanaasi ei ole vaihdettu sen pyynnön jälkeen: mene "
              "sivulle https://www.posti.fi/changepassword ja anna siellä sama osoite, niin saat ohjeet "
              "sähköpostiisi. Kun olet vaihtanut salasanan, kirjaudu sisään samalla osoitteella.\n",
        "sv": "Din e-postadress för inloggning är aino.korhonen@esimerkki.example.fi, alltså den adress dit "
              "vi den 17.1.2021 skickade begäran om att byta lösenord. Ditt lösenord har inte bytts sedan "
              "den begäran: gå till https://www.posti.fi/changepassword och ange den adressen, så får du "
              "anvisningar per e-post. När du har bytt lösenordet loggar du in med samma adress.\n"}


def test_an_administrator_who_still_cant_log_in_after_step_2_is_sent_to_another_who_can_act(
        run, tmp_path: Path) -> None:
    """N18-4, the caller an administrator: another of the organisation's, who can act, follows step 2."""
    data = json.loads(_demo_with(tmp_path, "u-1001", unknownFacts=["reset_requested"]).read_text())
    ville = next(user for user in data["Users"] if user["id"] == "u-1007")
    ville.update({"active": True, LOGIN: {"lastLoginTime": "2021-01-25T12:00:00Z"}})
    path = tmp_path / "two.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    said = run("--sandbox-data", str(path), "diagnose", "ESIM0001", "--script", "--no-audit", "--lang", "en")
    assert said.stdout.endswith(
        "If no new one has come, log in with that address and your current password. If that doesn't work "
        "either, another of your organisation's administrators for Posti's services can check your "
        "account.\n")


def test_a_right_to_a_service_the_organisation_does_not_have_is_not_no_fault(run, tmp_path: Path) -> None:
    """N19-4 (High): a right to a service none of the user's organisations subscribes to was "the right
    is there; no fault found", and the caller told to log out and in again, which can't open it. The
    subscription is what is missing: the organisation's orders are checked."""
    data = json.loads((Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json").read_text())
    olli = next(user for user in data["Users"] if user["id"] == "u-5002")
    olli["entitlements"].append({"value": "invoicing", "display": "E-invoicing"})
    path = tmp_path / "stale.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    olli_asks = ("olli.ovinen@lukko.example.fi", "-s", "invoicing", "--verified", "--lang", "en")
    document = _json(run, path, *olli_asks)
    assert (document["rule"], document["outcome"], document["script"]["text"]) == (
        "service.not-subscribed", "contact-customer-service",
        "The service you asked about isn't among your organisation's services, so no administrator can give "
        "you access to it. I'll check whether your organisation has ordered that service: if it has, I'll "
        "open a support request for it, and if not, I can put you through to our sales.")
    # The right to one the organisation has is still no fault.
    held = _json(run, path, "olli.ovinen@lukko.example.fi", "-s", "reports", "--verified")
    assert held["rule"] == "service.granted"


def test_the_other_organisations_deactivated_administrator_is_not_said_to_have_an_open_account(
        run, tmp_path: Path) -> None:
    """N19-12 (High): the service is another organisation's of the caller, whose only administrator is
    deactivated; the Do line said "its administrators' accounts are open, but none can log in", from
    the first organisation's (Karin: open, never logged in). The ticket asks for an account reopened."""
    data = json.loads((Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json").read_text())
    sample = next(group for group in data["Groups"] if group["id"] == "g-sample")
    sample[ORGANISATION]["services"].append({"value": "invoicing", "display": "E-invoicing"})
    users = {user["id"]: user for user in data["Users"]}
    users["u-3001"]["active"] = False
    users["u-2001"]["roles"] = [{"value": "admin", "display": "Administrator"}]
    path = tmp_path / "two.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    screen = run("--sandbox-data", str(path), "diagnose", "kaisa.koski@exempel.example.fi", "-s", "invoicing",
                 "--verified", "--no-audit", "--lang", "en").stdout
    assert " ".join(screen.split()).split(" User ")[0] == (
        "Service access — no administrator who can act: ours to solve Do this: Confirm the caller may act "
        "for the organisation, then escalate to have an administrator named, or an administrator's account "
        "reopened (ticket: Services / no administrator).")
