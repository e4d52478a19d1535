"""Findings of the twenty-eighth attack: what an unverified caller hears of the account's own dates, and
a name with a digit in it."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from postisupport.core.facts import Facts, UserFacts
from postisupport.core.identifiers import names_a_person, normalise
from postisupport.core.rules import DATED, decide
from postisupport.errors import InvalidInput
from postisupport.output.messages import catalog
from postisupport.output.script import script_text
from tests.test_rules import ADMIN, a_user, facts

LATER = datetime(2023, 6, 14, 6, tzinfo=UTC)  # a reset the administrator started long after the renewal
RENEWAL_DAY = datetime(2021, 1, 17, 6, tzinfo=UTC)
# How each language says 14.6.2023, as a date and in words.
SAID_LATER = {"en": ("14 June 2023", "2023"), "fi": ("14.6.2023", "2023"), "sv": ("14.6.2023", "2023")}


def _users(sent_at: datetime) -> list[tuple[str, UserFacts]]:
    """One user for each way the request and the password's change can stand."""
    sent_to = {"none": None, "login": "aino@example.fi", "other": "aino@home.example.net",
               "gone": "aino@old.example.net"}
    changed = {"never": None, "before": datetime(2022, 1, 1, tzinfo=UTC),
               "after": datetime(2024, 1, 1, tzinfo=UTC)}
    users = []
    for (to, address), (when, at), untold, login, forced, locked in itertools.product(
            sent_to.items(), changed.items(), (False, True), (True, False), (False, True), (False, True)):
        unknown = frozenset({"last_password_update"} if untold else ()) \
            | frozenset(() if login else {"user_name"})
        user = a_user(reset_sent_at=sent_at, reset_sent_to=address, last_password_update=at,
                      force_password_reset=forced, locked=locked, unknown=unknown,
                      user_name="aino@example.fi" if login else None)
        users.append((f"to-{to}/changed-{when}/untold-{untold}/login-{login}/forced-{forced}/locked-{locked}",
                      user))
    return users


def _ways(user: UserFacts) -> list[tuple[str, Facts]]:
    """The user looked up each way a caller can name them, with an administrator and without."""
    asked = {"userName": "aino@example.fi", "email": "aino@home.example.net", "legacyUserId": "ESIM0042",
             "name": "Aino Korhonen"}
    return [(f"{by}/admins-{len(admins)}", facts(user, matched_by=by, identifier=asked[by], admins=admins))
            for by, admins in itertools.product(asked, ((ADMIN,), ()))
            if by != "userName" or not user.login_email_unknown]


CASES = [(f"{name}/{way}", case) for name, user in _users(LATER) for way, case in _ways(user)]


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_an_unverified_caller_never_hears_a_request_date_other_than_the_renewals(lang: str) -> None:
    """F28-1: a request of 14.6.2023 is the account's own; the seed page tells anyone only of 17.1.2021."""
    heard = {}
    for name, case in CASES:
        for services in ((), ("reports",)):
            text = script_text(decide(case, services), lang, verified=False)
            if any(said in text for said in SAID_LATER[lang]):
                heard[f"{name}/{services}"] = text
    assert heard == {}


def test_a_verified_caller_hears_the_date_of_their_own_request() -> None:
    user = a_user(reset_sent_at=LATER, reset_sent_to="aino@example.fi")
    text = script_text(decide(facts(user, matched_by="legacyUserId", identifier="ESIM0042")), "en")
    assert text == (
        "You now log in to Posti's business services with your e-mail address: the old user ID no longer "
        "works. The e-mail address you log in with is aino@example.fi, the one we sent the password-change "
        "request to on 14 June 2023. Your password hasn't been changed since that request: please go to "
        "https://www.posti.fi/changepassword and enter that address; you'll get instructions by e-mail. Once "
        "you've changed the password, log in again with the same address.")


# Who can tell the address, to a caller who can't find that e-mail (N22-5), then the change.
UNFOUND = ("If you can't find that e-mail, your organisation's administrator for Posti's services can tell "
           "you "
           "the address. Once I've checked who you are, I can tell you the address myself. Your password "
           "hasn't been changed since that request:")


@pytest.mark.parametrize(("sent_at", "said"), [
    (LATER, f"The address you log in with is the one we sent the password-change request to. {UNFOUND}"),
    (RENEWAL_DAY, "The address you log in with is the one we sent the password-change request to on 17 "
                  f"January 2021. {UNFOUND}"),
    # 22.30 on the 16th in UTC is already the 17th in Helsinki: the renewal's day, as the page has it.
    (datetime(2021, 1, 16, 22, 30, tzinfo=UTC), "The address you log in with is the one we sent the "
     f"password-change request to on 17 January 2021. {UNFOUND}"),
    (datetime(2021, 1, 16, 21, 59, tzinfo=UTC), "The address you log in with is the one we sent the "
     f"password-change request to. {UNFOUND}"),
    (datetime(2021, 1, 17, 22, tzinfo=UTC), "The address you log in with is the one we sent the "
     f"password-change request to. {UNFOUND}"),
])
def test_before_verifying_the_date_is_said_only_when_it_is_the_renewals(sent_at: datetime, said: str) -> None:
    """The test for the login address, to an unverified caller who gave the old ID."""
    user = a_user(reset_sent_at=sent_at, reset_sent_to="aino@example.fi")
    text = script_text(decide(facts(user, matched_by="legacyUserId", identifier="ESIM0042")), "en",
                       verified=False, tz=ZoneInfo("Europe/Helsinki"))
    assert text.split(". ", 1)[1].split(" please", 1)[0] == said


def test_ambiguous_candidates_are_asked_the_requests_date_only_when_it_is_the_renewals() -> None:
    for sent_at, key in ((RENEWAL_DAY, "lookup.ambiguous.reset-on"), (LATER, "lookup.ambiguous.reset")):
        two = (a_user(id="u-1", reset_sent_at=sent_at), a_user(id="u-2", reset_sent_at=sent_at))
        decision = decide(replace(facts(), user=None, matched_by=None, candidates=two))
        assert [part.key for part in decision.script] == ["lookup.ambiguous.reset-on"]
        said = catalog("en")[key].format(sent_at="17 January 2021")
        assert script_text(decision, "en", verified=False) == said


def test_each_dated_sentence_has_the_same_without_its_date_in_every_language() -> None:
    for lang in ("en", "fi", "sv"):
        words = catalog(lang)
        assert {key: ("{sent_at}" in words[key], "{sent_at}" in words[undated])
                for key, undated in DATED.items()} == {key: (True, False) for key in DATED}
    en = json.dumps(catalog("en"))
    assert en.count(".undated") == 10


# -- F28-2: a name with a digit in it, given with its organisation --------------------------------------


@pytest.mark.parametrize(("typed", "is_name", "as_id"), [
    ("Aino Korhonen2", True, None),  # letters in two groups: words, not an ID's prefix
    ("2 Aino Korhonen", True, None),
    ("Korhonen2", False, "korhonen2"),  # one group: an ID as typed, whatever it looks like
    ("ESIM 0042", False, "esim0042"), ("esim - 00 42", False, "esim0042"), ("ESIM00 42", False, "esim0042"),
])
def test_a_name_with_a_digit_is_a_name_and_an_id_read_out_in_groups_is_the_id(
        typed: str, is_name: bool, as_id: str | None) -> None:
    assert names_a_person(typed) is is_name
    if as_id is None:  # without its organisation, a name is refused, never looked up as an ID
        with pytest.raises(InvalidInput) as refused:
            normalise(typed)
        assert refused.value.key == "error.identifier.spaces"
    else:
        assert normalise(typed) == as_id


def test_a_name_with_a_slip_of_the_finger_is_looked_up_as_a_name_in_its_organisation(run) -> None:
    """F28-2: "Aino Korhonen2" --org 2345678-0 was looked up as the old user ID "ainokorhonen2", and the
    caller told "I can't find the user ID Aino Korhonen2"; it is a name, not found in Esimerkki Oy."""
    result = run("--sandbox", "diagnose", "Aino Korhonen2", "--org", "2345678-0", "--json", "--no-audit",
                 "--lang", "en")
    body = result.json()
    assert (result.exit_code, body["rule"], body["identifier"]) == (0, "lookup.not-found", "Aino Korhonen2")
    assert body["script"]["text"].split(". ")[0] == (
        "I can't find Aino Korhonen2 at Esimerkki Oy in Posti's business services")
    refused = run("--sandbox", "diagnose", "Aino Korhonen2", "--no-audit")
    assert (refused.exit_code, refused.stdout, refused.stderr) == (2, "", (
        "postisupport: error: 'Aino Korhonen2' is not a valid legacy user ID: it contains spaces (a name is "
        "looked up within its organisation)\n"))
