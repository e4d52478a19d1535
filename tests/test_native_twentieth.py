"""The twentieth native-speaker review's findings (fi, sv, en), each as the behaviour it found wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_native_sixteenth import LOGIN

TAIL = {"en": "you'll also need to change your password: go to https://www.posti.fi/changepassword and enter "
              "your e-mail address, and you'll get instructions by e-mail.",
        "fi": "sinun täytyy myös vaihtaa salasanasi: mene sivulle https://www.posti.fi/changepassword "
              "ja anna sähköpostiosoitteesi, niin saat ohjeet sähköpostiisi.",
        "sv": "behöver du också byta lösenord: gå till https://www.posti.fi/changepassword och ange din "
              "e-postadress, så får du anvisningar per e-post."}


@pytest.mark.parametrize(("locked", "once"), [
    (False, {"en": "Once your account has been reactivated,",
             "fi": "Kun tunnuksesi on otettu uudelleen käyttöön,",
             "sv": "När ditt konto har aktiverats igen"}),
    (True, {"en": "Once your account is open again,", "fi": "Kun tunnuksesi on taas avattu,",
            "sv": "När ditt konto har öppnats igen"}),
])
def test_a_deactivated_account_is_reactivated_before_the_change_not_opened(
        run, tmp_path: Path, locked: bool, once: dict[str, str]) -> None:
    """N20-3: deactivated (not locked), the caller heard "reactivate it", then "once your account is open
    again", the verb of a lock: a second action, by whom? Deactivated and locked, "open" holds both."""
    data = json.loads((Path(__file__).parents[1] / "postisupport/sandbox/data/demo.json").read_text())
    login = next(user for user in data["Users"] if user["id"] == "u-1005")[LOGIN]
    login.update({"forcePasswordReset": True, "accountLocked": locked})
    path = tmp_path / "pekka.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    said = {lang: run("--sandbox-data", str(path), "diagnose", "pekka.nieminen@esimerkki.example.fi",
                      "--verified", "--script", "--no-audit", "--lang", lang).stdout for lang in TAIL}
    assert {lang: text.rstrip("\n").rsplit(". ", 1)[1] for lang, text in said.items()} == {
        lang: f"{once[lang]} {TAIL[lang]}" for lang in TAIL}
