"""The twenty-first native-speaker review's findings (fi, sv, en), each as the behaviour it found wrong."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_native_sixteenth import LOGIN, _kivi


def _do_line(run, path: Path, *args: str) -> str:
    shown = run("--sandbox-data", str(path), "diagnose", *args, "--no-audit").stdout.splitlines()
    return " ".join(shown[1:next(n for n, line in enumerate(shown) if not line or line.startswith(
        ("Verify first", "Tunnista ensin", "Identifiera först")))])


def test_the_password_change_after_the_unlock_stays_with_the_login_step_before_any_service(
        run, tmp_path: Path) -> None:
    """N21-9: locked with a change pending and a service question, the Do line's "Then the caller changes
    the password" came after the services ("... Otherwise offer sales. Then ..."), read as after the hand-off
    to sales; the script has it with the login step, before the services."""
    data = json.loads((Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json").read_text())
    next(user for user in data["Users"] if user["id"] == "u-1002")[LOGIN]["accountLocked"] = True
    path = tmp_path / "locked.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _do_line(run, path, "aino.korhonen@esimerkki.example.fi", "-s", "invoicing", "-s", "lockers",
                    "--verified", "--ui-lang", "en") == (
        "Do this: Give the caller the administrator's contact details. Then the caller changes the password "
        "at posti.fi/changepassword. E-invoicing: the same administrator grants the right. lockers: check "
        "the organisation's orders for the service; if it was ordered, escalate (ticket: Services / "
        "subscription). Otherwise offer sales.")


def test_an_unverified_sole_administrator_is_escalated_once_verified(run, tmp_path: Path) -> None:
    """N21-10: the Do line for an unverified sole administrator, deactivated or locked, said to escalate
    and have her own account reopened, with no check first: the administrator's account, which grants
    everyone else's rights, is what a social engineer would ask for. Verified, the line is as before."""
    data = json.loads(_kivi(tmp_path).read_text())
    next(user for user in data["Users"] if user["id"] == "kalle")[LOGIN]["accountLocked"] = True
    path = tmp_path / "locked-admin.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    shown = {lang: _do_line(run, path, "kalle@kivi.example.fi", "--ui-lang", lang)
             for lang in ("en", "fi", "sv")}
    assert shown == {
        "en": "Do this: Verify the caller first. Escalate to e-services support (ticket: Login / "
              "administrator). In the same ticket, ask for the caller's own account to be unlocked.",
        "fi": "Tee näin: Tunnista soittaja ensin. Tee tukipyyntö sähköisten palveluiden tukeen "
              "(Kirjautuminen / pääkäyttäjä). Pyydä samassa tukipyynnössä myös soittajan oman tunnuksen "
              "lukituksen avaamista.",
        "sv": "Gör så här: Identifiera den som ringer först. Eskalera till e-tjänsternas support "
              "(supportärende: Inloggning / administratör). Be i samma supportärende också om att kontot för "
              "den som ringer låses upp."}
    assert _do_line(run, path, "kalle@kivi.example.fi", "--ui-lang", "en", "--verified") == (
        "Do this: Escalate to e-services support (ticket: Login / administrator). In the same ticket, ask "
        "for the caller's own account to be unlocked.")


def test_when_the_password_was_last_changed_is_said_once_verified_and_as_what_it_is(
        run, tmp_path: Path) -> None:
    """N21-7: whether a change is pending untold, the question was "have you had an e-mail since 18.1.2021",
    an unexplained date (the last change), heard as the 17.1. request just named, and said before
    verification too. Verified, the date is said as the last change; until then, not at all."""
    data = json.loads((Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json").read_text())
    maija = next(user for user in data["Users"] if user["id"] == "u-1001")
    maija[LOGIN]["unknownFacts"] = ["reset_requested"]
    path = tmp_path / "since.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    def first(lang: str, *verified: str) -> str:
        said = run("--sandbox-data", str(path), "diagnose", "maija.virtanen@esimerkki.example.fi", *verified,
                   "--script", "--no-audit", "--lang", lang).stdout
        return said.split(" If you have", 1)[0].split(" Jos olet", 1)[0].split(" Om du har", 1)[0]

    assert {lang: first(lang, "--verified") for lang in ("en", "fi", "sv")} == {
        "en": "You last changed your password on 18 January 2021. Have you had a new e-mail since then "
              "asking you to change it?",
        "fi": "Vaihdoit salasanasi viimeksi 18.1.2021. Oletko saanut sen jälkeen uuden sähköpostiviestin, "
              "jossa sinua pyydetään vaihtamaan salasana?",
        "sv": "Du bytte senast lösenord den 18.1.2021. Har du efter det fått ett nytt e-postmeddelande där "
              "du ombeds byta lösenord?"}
    assert {lang: first(lang) for lang in ("en", "fi", "sv")} == {
        "en": "Have you had an e-mail asking you to change your password?",
        "fi": "Oletko saanut sähköpostiviestin, jossa sinua pyydetään vaihtamaan salasanasi?",
        "sv": "Har du fått ett e-postmeddelande där du ombeds byta lösenord?"}
