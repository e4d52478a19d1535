"""Issue 13, the eighteenth native review (N18): what a caller hears is true of the account, and no more
than the policy allows before they are verified."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_native_sixteenth import LOGIN, _kivi


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
        "sinulle käyttöoikeutta siihen. Teen asiasta tukipyynnön sähköisten palveluiden tukeen, ja sieltä "
        "ollaan sinuun yhteydessä. Tarkistan myös, onko organisaatiosi tilannut palvelun. Jos on, lisään sen "
        "samaan tukipyyntöön, ja jos ei, voin ohjata sinut myyntiimme. Kun olen tarkistanut, kuka olet, voin "
        "kertoa käyttöoikeuksistasi.\n")
    for text in said.values():
        assert not any(word in text for word in ("your organisations", "organisaatioistasi", "yhdenkään",
                                                  "organisationer")), text
    verified = run("--sandbox", "diagnose", "kaisa.koski@exempel.example.fi", "-s", "invoicing", "-s",
                   "reports", "--lang", "en", "--script", "--no-audit", "--verified").stdout
    assert "any of your organisations" in verified
