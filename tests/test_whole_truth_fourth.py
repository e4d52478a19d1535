"""Issue 13, as a fourth native fi/sv review found the tree: the services' own names in the agent's
language taken for other services, a Finnish headline presupposing other administrators, and an
unverified Do-line that told whether the caller lacks a right."""

from __future__ import annotations

import pytest

from postisupport.cli.main import ExitStatus
from tests.test_whole_truth import fixed_clock  # noqa: F401  (an autouse fixture)
from tests.test_whole_truth_again import screen

JOHANNA = "johanna.makinen@esimerkki.example.fi"  # lacks E-invoicing; Esimerkki Oy has it


@pytest.mark.parametrize(("typed", "ui"), [
    ("E-laskutus", "fi"), ("e-fakturering", "sv"), ("E-invoicing", "en"), ("invoicing", "fi")])
def test_a_service_typed_by_its_name_in_any_language_is_that_service(run, environ, typed: str,
                                                                     ui: str) -> None:
    result = run("--sandbox", "diagnose", JOHANNA, "-s", typed, "--verified", "--json", "--no-audit")
    assert result.exit_code == 0, result.stderr
    assert result.json()["services"] == [{"asked": typed, "known_as": "E-invoicing", "id": "invoicing",
                                          "outcome": "check-service-rights", "rule": "service.missing-right"}]
    shown = screen(run, environ, "--sandbox", "diagnose", JOHANNA, "-s", typed, "--verified", "--ui-lang", ui,
                   "--no-audit")
    assert {"fi": "E-laskutus: pääkäyttäjä voi antaa oikeuden",
            "sv": "E-fakturering: administratören kan ge rätten",
            "en": "E-invoicing: the administrator can grant the right"}[ui] in shown


def test_a_slip_in_a_services_finnish_name_is_asked_back_in_that_name(run) -> None:
    result = run("--sandbox", "diagnose", JOHANNA, "-s", "E-laskutu", "--no-audit")
    assert (result.exit_code, result.stderr) == (
        ExitStatus.USAGE,
        "postisupport: error: --service 'E-laskutu' is no service of this user or organisation; "
        "did you mean 'E-laskutus'?\n")


def test_the_finnish_headline_of_an_only_administrator_presupposes_no_others(run, environ) -> None:
    shown = screen(run, environ, "--sandbox", "diagnose", "oliver.smith@sample.example.com",
                   "--ui-lang", "fi", "--no-audit")
    # N21-10: who is the administrator is said, not a bare "itse pääkäyttäjä".
    assert shown.startswith("Vaihe 3 — soittaja on pääkäyttäjä, kukaan muu ei voi auttaa: ratkaistaan "
                            "täällä Tee näin:")


DO_UNVERIFIED = {
    "fi": "E-laskutus: tunnista soittaja, ennen kuin kerrot, onko hänellä oikeus; sama pääkäyttäjä antaa "
          "oikeuden.",
    "sv": "E-fakturering: identifiera den som ringer innan du säger om hen har rätten; samma administratör "
          "ger den.",
    "en": "E-invoicing: verify the caller before you say whether they have the right; the same "
          "administrator grants it.",
}
DO_VERIFIED = {"fi": "E-laskutus: sama pääkäyttäjä antaa oikeuden.",
               "sv": "E-fakturering: samma administratör ger rätten.",
               "en": "E-invoicing: the same administrator grants the right."}


@pytest.mark.parametrize("ui", ["fi", "sv", "en"])
def test_an_unverified_do_line_never_says_the_caller_lacks_a_right(run, environ, ui: str) -> None:
    """ESIM0200's login step gives the administrator already; the service's line named the right as
    missing before the caller was verified."""
    args = ("--sandbox", "diagnose", "ESIM0200", "-s", "invoicing", "--ui-lang", ui, "--no-audit")
    unverified, verified = screen(run, environ, *args), screen(run, environ, *args, "--verified")
    assert (DO_UNVERIFIED[ui] in unverified, DO_VERIFIED[ui] in unverified) == (True, False)
    assert (DO_UNVERIFIED[ui] in verified, DO_VERIFIED[ui] in verified) == (False, True)
