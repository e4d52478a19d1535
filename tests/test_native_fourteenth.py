"""Issue 13, the fourteenth native review (N14) and N13-5: whole calls where several things are wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

LOGIN = "urn:postisupport:scim:schemas:extension:login:1.0:User"
ORGANISATION = "urn:postisupport:scim:schemas:extension:organisation:1.0:Group"


def _closed_without_administrator(tmp_path: Path) -> Path:
    """Stina: deactivated and locked, a password change pending, found by her old user ID; Exempel Ab
    has Reporting and no administrator."""
    stina = {"id": "u-1", "userName": "stina.stangd@exempel.example.fi", "displayName": "Stina Stängd",
             "active": False, "emails": [{"value": "stina.stangd@exempel.example.fi", "primary": True}],
             "entitlements": [{"value": "reports", "display": "Reporting"}],
             LOGIN: {"legacyUserId": "EXEM0009", "accountLocked": True,
                     "passwordResetSentAt": "2021-01-17T06:00:00Z",
                     "passwordResetSentTo": "stina.stangd@exempel.example.fi",
                     "lastPasswordUpdateTime": "2020-01-01T10:00:00Z"}}
    colleague = {"id": "u-2", "userName": "olle@exempel.example.fi", "displayName": "Olle Ek", "active": True,
                 LOGIN: {"lastLoginTime": "2021-03-01T08:00:00Z"}}
    path = tmp_path / "closed.json"
    path.write_text(json.dumps({"Users": [stina, colleague], "Groups": [
        {"id": "g-exempel", "displayName": "Exempel Ab", "members": [{"value": "u-1"}, {"value": "u-2"}],
         ORGANISATION: {"businessId": "7654321-2",
                        "services": [{"value": "reports", "display": "Reporting"}]}}]}),
        encoding="utf-8")
    return path


CLOSED = {
    "en": "Your account has been deactivated, and it is also locked. Your organisation has no administrator "
          "for Posti's services who could help you just now. I'll pass this on to our e-services support as "
          "a support request, and they will get back to you. You now log in to Posti's business services "
          "with your e-mail address: the old user ID no longer works. The e-mail address you log in with is "
          "stina.stangd@exempel.example.fi, the one we sent the password-change request to on 17 January "
          "2021. Once your account is open again, you'll also need to change your password: go to "
          "https://www.posti.fi/changepassword and enter that address, and you'll get instructions by "
          "e-mail. You already have access to Reporting, so it will open once you can log in. The other "
          "service you asked about isn't among your organisation's services, so no administrator can give "
          "you access to it. I'll also check whether your organisation has ordered that service: if it has, "
          "I'll add it to the same support request, and if not, I can put you through to our sales.\n",
    "sv": "Ditt konto har inaktiverats och är dessutom låst. Din organisation har ingen administratör för "
          "Postis tjänster som kan hjälpa dig just nu. Jag skickar ett supportärende till e-tjänsternas "
          "support, och de kontaktar dig. Numera loggar du in i Postis företagstjänster med din "
          "e-postadress: den gamla ärendekoden fungerar inte längre. Din e-postadress för inloggning är "
          "stina.stangd@exempel.example.fi, alltså den adress dit vi den 17.1.2021 skickade begäran om att "
          "byta lösenord. När ditt konto har öppnats igen behöver du också byta lösenord: gå till "
          "https://www.posti.fi/changepassword och ange den adressen, så får du anvisningar per e-post. "
          "Du har redan rätt att använda tjänsten Rapportering, så den öppnas när du kan logga in. Den andra "
          "tjänsten som du frågade om syns inte bland din organisations tjänster, så ingen administratör "
          "kan ge dig rätt att använda den. Jag kontrollerar också om din organisation har beställt "
          "tjänsten. Om den har det lägger jag till den i samma supportärende, och om inte kan jag koppla "
          "dig till vår försäljning.\n",
}


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_a_closed_account_no_one_can_open_is_promised_its_ticket_with_its_state(
        run, tmp_path: Path, lang: str) -> None:
    """N14-8: the support request for the account came only after the services (it sounded like one about
    a service), and "change your password: go to ..." was said as if it could be done while closed."""
    result = run("--sandbox-data", str(_closed_without_administrator(tmp_path)), "diagnose", "EXEM0009",
                 "-s", "reports", "-s", "invoicing", "--verified", "--script", "--no-audit", "--lang", lang)
    assert (result.exit_code, result.stdout) == (0, CLOSED[lang])


def test_an_unverified_caller_is_not_told_the_account_is_closed_by_when_to_change_the_password(
        run, tmp_path: Path) -> None:
    """"Once your account is open again" would tell an unverified caller what only the owner may hear."""
    result = run("--sandbox-data", str(_closed_without_administrator(tmp_path)), "diagnose", "EXEM0009",
                 "--script", "--no-audit", "--lang", "en")
    assert (result.exit_code, result.stdout) == (0, (
        "Your organisation has no administrator for Posti's services who could help you just now. I'll pass "
        "this on to our e-services support as a support request, and they will get back to you. You now log "
        "in to Posti's business services with your e-mail address: the old user ID no longer works. The "
        "address you log in with is the one we sent the password-change request to on 17 January 2021. If "
        "you can't find that e-mail, I can tell you the address once I've checked who you are. "
        "Once your support request has been dealt with and we've been in touch, you'll also need to change "
        "your password before you log in: go to https://www.posti.fi/changepassword and enter that address, "
        "and you'll get instructions by e-mail.\n"))
