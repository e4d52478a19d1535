"""The nineteenth native-speaker review's findings (fi, sv, en), each as the behaviour it found wrong."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from tests.test_native_sixteenth import LOGIN, _kivi


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
               "VAIHTAMATTA"),
        "sv": ("Gör så här: Ge den som ringer administratörens kontaktuppgifter. Därefter byter den som "
               "ringer lösenord på posti.fi/changepassword.",
               "aino.korhonen@esimerkki.example.fi> · hittad med inloggningsadressen · LÅST · MÅSTE BYTA "
               "LÖSENORD")}
