"""Native review 8: what a caller in several organisations hears after "none of your organisations"."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("lang", "said"), [
    ("en", "The service you asked about isn't among the services of any of your organisations, so no "
           "administrator can give you access to it. I'll check whether any of your organisations has "
           "ordered "
           "that service: if one has, I'll open a support request for it, and if not, I can put you through "
           "to our sales."),
    ("fi", "Palvelu, jota kysyit, ei näy yhdenkään organisaatiosi palveluissa, joten pääkäyttäjäkään ei voi "
           "antaa sinulle käyttöoikeutta siihen. Tarkistan, onko jokin organisaatioistasi tilannut palvelun. "
           "Jos on, teen asiasta tukipyynnön, ja jos ei, voin ohjata sinut myyntiimme."),
    ("sv", "Tjänsten som du frågade om syns inte bland tjänsterna hos någon av dina organisationer, så ingen "
           "administratör kan ge dig rätt att använda den. Jag kontrollerar om någon av dina "
           "organisationer har beställt tjänsten. Om "
           "någon har det skickar jag ett supportärende, och om inte kan jag koppla dig till vår "
           "försäljning."),
])
def test_the_order_check_of_a_caller_in_several_organisations_is_of_any_of_them(run, lang: str,
                                                                                 said: str) -> None:
    """N8-01: "none of your organisations has it … I'll check whether your organisation ordered it":
    which one? Each of them is checked."""
    result = run("--sandbox", "diagnose", "kaisa.koski@exempel.example.fi", "-s", "parcel lockers",
                 "--verified", "--lang", lang, "--script", "--no-audit")
    assert (result.exit_code, result.stdout) == (0, said + "\n")


def test_one_organisation_keeps_your_organisation() -> None:
    from postisupport.core.rules import decide
    from tests.test_rules import facts

    assert [(p.key, p.params) for p in decide(facts(), ["parcel lockers"]).script] == [
        ("service.not-subscribed", {"n": 1, "orgs": 1}), ("next.order-check", {"n": 1, "orgs": 1})]


@pytest.mark.parametrize("who", [("ESIM0042",), ("Aino Korhonen", "--org", "2345678-0")])
def test_a_verified_caller_found_by_the_old_id_or_name_hears_the_login_address_once(run, who) -> None:
    """N8-07: "The address you log in with is the one we sent the request to … The e-mail address you log
    in with is aino.korhonen@…": the same fact twice, in two forms."""
    result = run("--sandbox", "diagnose", *who, "--verified", "--lang", "en", "--script", "--no-audit")
    assert (result.exit_code, result.stdout.count("aino.korhonen@esimerkki.example.fi")) == (0, 1)
    assert "The e-mail address you log in with is aino.korhonen@esimerkki.example.fi, the one we sent the " \
           "password-change request to on 17 January 2021." in result.stdout
