"""Issue 13, the sixteenth native review (N16): whole calls where several things are wrong."""

from __future__ import annotations

import json
from pathlib import Path


def _no_organisations(run, tmp_path: Path) -> Path:
    """The default mapping without its [organisations]: the directory tells no one's organisation."""
    path = tmp_path / "noorg.toml"
    path.write_text(run("mapping", "show").stdout.split("[organisations]")[0], encoding="utf-8")
    path.chmod(0o600)
    return path


def test_a_right_held_where_the_organisation_cannot_be_told_is_not_said_to_work(run, tmp_path: Path) -> None:
    """N16-1: "You do have access to Reporting", where the screen and the Do line make Reporting a ticket:
    it opens only with an organisation, which the directory can't tell."""
    mapping = str(_no_organisations(run, tmp_path))
    script = run("--sandbox", "--mapping", mapping, "diagnose", "johanna.makinen@esimerkki.example.fi", "-s",
                 "reports", "--verified", "--no-audit", "--lang", "en", "--script")
    assert script.stdout == (
        "I can't see from here which organisation your account is linked to, so I can't tell who could help "
        "you. You do have access to Reporting, but whether it opens depends on the organisation your account "
        "is linked to. I'll pass this on to our e-services support as a support request, and they will get "
        "back to you.\n")
    shown = run("--sandbox", "--mapping", mapping, "diagnose", "johanna.makinen@esimerkki.example.fi", "-s",
                "reports", "--verified", "--no-audit", "--ui-lang", "fi").stdout.splitlines()
    row = next(n for n, line in enumerate(shown) if line.startswith("Palvelut"))
    # The row's value, wrapped onto the lines indented below it.
    wrapped = [shown[row].removeprefix("Palvelut"),
               *(line for line in shown[row + 1:row + 3] if line.startswith(" "))]
    assert " ".join(line.strip() for line in wrapped) == (
        "Raportointi: oikeus on kunnossa; aukeaminen riippuu organisaatiosta, jota ei voi päätellä")


LOGIN = "urn:postisupport:scim:schemas:extension:login:1.0:User"
ORGANISATION = "urn:postisupport:scim:schemas:extension:organisation:1.0:Group"


def _kivi(tmp_path: Path) -> Path:
    """Kaarlo: a change pending, asked at his login address; he gives his second one. Riikka: locked, a
    change pending, asked at her second address, which she gives. Kalle: their administrator."""
    def person(uid: str, login: str, other: str, **state: object) -> dict[str, object]:
        return {"id": uid, "userName": login, "displayName": uid.title(), "active": True,
                "emails": [{"value": login, "primary": True}, {"value": other}],
                LOGIN: {"lastLoginTime": "2021-03-01T08:00:00Z", **state}}

    sent = "2021-01-17T06:00:00Z"
    kaarlo = person("kaarlo", "kaarlo.kivi@kivi.example.fi", "kaarlo@hem.example.net",
                    forcePasswordReset=True, passwordResetSentAt=sent,
                    passwordResetSentTo="kaarlo.kivi@kivi.example.fi")
    riikka = person("riikka", "riikka@kivi.example.fi", "riikka@koti.example.net", forcePasswordReset=True,
                    accountLocked=True, passwordResetSentAt=sent,
                    passwordResetSentTo="riikka@koti.example.net")
    kalle = {**person("kalle", "kalle@kivi.example.fi", "kalle@hem.example.net"),
             "roles": [{"value": "admin"}]}
    members = [{"value": u["id"]} for u in (kaarlo, riikka, kalle)]
    path = tmp_path / "kivi.json"
    path.write_text(json.dumps({"Users": [kaarlo, riikka, kalle], "Groups": [
        {"id": "g-kivi", "displayName": "Kivi Oy", "members": members,
         ORGANISATION: {"businessId": "2345678-0", "services": []}}]}), encoding="utf-8")
    return path


def _script(run, data: Path, *args: str) -> str:
    result = run("--sandbox-data", str(data), "diagnose", *args, "--script", "--no-audit")
    assert result.exit_code == 0, result.stderr
    return result.stdout


ONLY_LOGIN = ("You can't log in with the address you gave: your account has more than one e-mail address, "
              "but only one of them works for logging in.")


def test_a_caller_who_gave_another_address_hears_which_logs_in_before_the_change_page(
        run, tmp_path: Path) -> None:
    """N16-2: "go to posti.fi/changepassword and enter the e-mail address you log in with" came before
    "only your login address works" to a caller sure the address they gave is it."""
    data = _kivi(tmp_path)
    page = ("Your password hasn't been changed since that request: please go to "
            "https://www.posti.fi/changepassword and enter that address; you'll get instructions by e-mail. "
            "Once you've changed the password, log in again with the same address.\n")
    # Who can tell it, to a caller who can't find that e-mail (N22-5).
    assert _script(run, data, "kaarlo@hem.example.net", "--lang", "en") == (
        f"{ONLY_LOGIN} The address you log in with is the one we sent the password-change request to on "
        "17 January 2021. If you can't find that e-mail, your organisation's administrator for Posti's "
        "services can tell you the address. Once I've checked who you are, I can tell you the address "
        "myself. "
        f"{page}")
    assert _script(run, data, "kaarlo@hem.example.net", "--lang", "en", "--verified") == (
        f"{ONLY_LOGIN} The e-mail address you log in with is kaarlo.kivi@kivi.example.fi, the one we sent "
        f"the password-change request to on 17 January 2021. {page}")
    # Locked, not verified: which address logs in (and who can tell it, N22-2), then the change page, after
    # the state's step.
    assert _script(run, data, "riikka@koti.example.net", "--lang", "en") == (
        "From here I can't fix what's stopping you logging in, but your organisation's administrator for "
        f"Posti's services can check your account and your access rights. {ONLY_LOGIN} If you don't know "
        "which address you log in with, the administrator can tell you that too. Once I've checked who you "
        "are, I "
        "can tell you the address myself. Once your account has been sorted out, you'll also need to change "
        "your password: go to https://www.posti.fi/changepassword and enter the e-mail "
        "address you log in with, and you'll get "
        "instructions by e-mail.\n")


def test_an_unverified_callers_ticket_is_never_heard_as_one_about_their_rights(run) -> None:
    """N16-3: the login's ticket ("Teen asiasta tukipyynnön") came right after "Kun olen tarkistanut, kuka
    olet, voin kertoa käyttöoikeuksistasi", so "asiasta" was heard as the rights."""
    result = run("--sandbox", "diagnose", "karin.holm@exempel.example.fi", "-s", "reports", "-s", "invoicing",
                 "--lang", "fi", "--script", "--no-audit")
    assert result.stdout == (
        "Organisaatiollasi ei juuri nyt ole Postin palveluiden pääkäyttäjää, joka voisi auttaa sinua. Yksi "
        "kysymistäsi palveluista ei näy organisaatiosi palveluissa, joten pääkäyttäjäkään ei voi antaa "
        "sinulle käyttöoikeutta siihen. Teen asiasta tukipyynnön sähköisten palveluiden tukeen, ja sieltä "
        "ollaan sinuun yhteydessä. Tarkistan myös, onko organisaatiosi tilannut palvelun. Jos on, lisään sen "
        "samaan tukipyyntöön, ja jos ei, voin ohjata sinut myyntiimme. Kun olen tarkistanut "
        "henkilöllisyytesi, voin "
        "kertoa käyttöoikeuksistasi.\n")


def test_a_closed_caller_whose_organisation_has_no_one_to_act_is_escalated_to_be_opened_too(
        run, tmp_path: Path) -> None:
    """N16-4: the ticket asked only for an administrator: the caller, told that their account will be
    opened, stayed locked."""
    data = json.loads(_kivi(tmp_path).read_text())
    for user in data["Users"]:
        user[LOGIN]["accountLocked"] = True  # Kalle, their only administrator, too
    path = tmp_path / "locked.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    lines = {}
    for lang in ("en", "fi", "sv"):
        shown = run("--sandbox-data", str(path), "diagnose", "riikka@koti.example.net", "--verified",
                    "--no-audit", "--ui-lang", lang).stdout.splitlines()
        lines[lang] = " ".join(shown[1:shown.index("")])
    assert lines == {
        "en": "Do this: Confirm the caller may act for the organisation, then escalate to have an "
              "administrator named, or an administrator's account reopened (ticket: Login / no "
              "administrator). In the same ticket, ask for the caller's own account to be unlocked. "
              "Then the caller changes the password at posti.fi/changepassword.",
        "fi": "Tee näin: Varmista, että soittaja voi asioida organisaation puolesta, ja tee tukipyyntö "
              "pääkäyttäjän nimeämisestä tai pääkäyttäjän tunnuksen avaamisesta (Kirjautuminen / ei "
              "pääkäyttäjää). Pyydä samassa tukipyynnössä myös soittajan oman tunnuksen lukituksen "
              "avaamista. Sen jälkeen soittaja vaihtaa salasanansa osoitteessa posti.fi/changepassword.",
        "sv": "Gör så här: Bekräfta att den som ringer får företräda organisationen och eskalera så att en "
              "administratör utses eller får sitt konto öppnat igen (supportärende: Inloggning / ingen "
              "administratör). Be i samma supportärende också om att kontot för den som ringer låses upp. "
              "Därefter byter den som ringer lösenord på posti.fi/changepassword."}
