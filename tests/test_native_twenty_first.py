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
