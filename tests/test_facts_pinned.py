"""Facts put together for a business ID or a name, and the checks on a typed name, pinned exactly.

Written against mutants of postisupport/core/facts.py and identifiers.py that the other tests let
through, or never ran (docs/testing.md).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from postisupport.core.facts import (
    Facts,
    Membership,
    OrganisationFacts,
    Service,
    Snapshot,
    UserFacts,
    build,
    matches,
    name_matches,
)
from postisupport.core.identifiers import MAX_NAME_LENGTH, Asked, check_digit, name_text
from postisupport.core.text import redacted
from postisupport.errors import InvalidInput

ORG = OrganisationFacts("g-1", "Esimerkki Oy", "2345678-0", (Service("reports", "Reporting"),))
BRANCH = OrganisationFacts("g-2", "Esimerkki Itä Oy", "1234567-1", ())


# Logged in since the renewal: an administrator who can act (a pending reset, deactivated or locked can't).
LOGGED_IN = datetime(2021, 3, 1, 8, tzinfo=UTC)


def person(id: str, login: str, **changes: Any) -> UserFacts:
    user = UserFacts(
        id=id, user_name=login, display_name=None, active=True, is_admin=False, emails=(login,),
        preferred_language=None, legacy_user_id=None, force_password_reset=False, reset_sent_at=None,
        reset_sent_to=None, last_password_update=None, last_login=LOGGED_IN, last_failed_login=None,
        locked=False, entitlements=(),
    )
    return replace(user, **changes)


MAIJA = person("u-1", "maija@example.fi", display_name="Maija Virtanen", is_admin=True, group_ids=("g-1",))
# A server that does not fill User.groups was asked by membership already: an administrator there.
OLLI = person("u-2", "olli@example.fi", display_name="Olli Ojala", is_admin=True)
VEIKKO = person("u-3", "veikko@example.fi", is_admin=True, active=False, group_ids=("g-1",))
LIISA = person("u-4", "liisa@example.fi", is_admin=True, locked=True, group_ids=("g-1", "g-2"))
ELSEWHERE = person("u-5", "eero@example.fi", is_admin=True, group_ids=("g-2",))
NOT_ADMIN = person("u-6", "aino@example.fi", group_ids=("g-1",))

BUSINESS_ID = Asked("2345678-0", "business-id", organisation_name="Esimerkki Oy")


def by_business_id(**changes: Any) -> Snapshot:
    base = Snapshot("2345678-0", (), (), organisations=(ORG, BRANCH),
                    admins=(MAIJA, OLLI, VEIKKO, LIISA, ELSEWHERE, NOT_ADMIN),
                    problems=("a problem of the look-up",), group_problems=("a problem of a group",),
                    asked=BUSINESS_ID)
    return replace(base, **changes)


def test_a_business_id_is_its_first_organisation_and_its_administrators_each_with_its_state() -> None:
    contacts = tuple(a.contact() for a in (MAIJA, OLLI, VEIKKO, LIISA))
    assert build(by_business_id()) == Facts(
        identifier="2345678-0", matched_by=None, user=None, candidates=(), organisation=ORG,
        admins=contacts[:2], problems=("a problem of the look-up", "a problem of a group"),
        unable_admins=contacts[2:], memberships=(Membership(ORG, contacts),), asked=BUSINESS_ID,
    )


def test_a_business_id_of_no_organisation_has_no_administrators() -> None:
    assert build(by_business_id(organisations=(), group_problems=())) == Facts(
        identifier="2345678-0", matched_by=None, user=None, candidates=(), organisation=None, admins=(),
        problems=("a problem of the look-up",), asked=BUSINESS_ID,
    )


def test_a_business_id_takes_no_user_even_when_one_answers() -> None:
    found = person("u-7", "2345678-0")
    built = build(by_business_id(users=(found,), found=matches([found], "2345678-0")))
    assert (built.user, built.matched_by, built.candidates, built.organisation) == (None, None, (), ORG)


def test_what_was_asked_goes_with_the_facts_of_one_user() -> None:
    asked = Asked("maija@example.fi", "email")
    snapshot = Snapshot("maija@example.fi", (MAIJA,), matches([MAIJA], "maija@example.fi"), asked=asked)
    built = build(snapshot)
    assert (built.user, built.matched_by, built.asked) == (MAIJA, "userName", asked)
    assert build(replace(snapshot, asked=None)).asked is None


def test_a_name_answers_by_any_of_its_forms_its_words_in_any_order() -> None:
    aino = person("u-1", "aino@example.fi", display_name="Aino Korhonen")
    maria = person("u-2", "maria@example.fi", display_name="Maria", names=("Aino-Maria Mäkinen",))
    other = person("u-3", "olli@example.fi", display_name="Olli Ojala", names=("Olli Aino Ojala",))
    users = [aino, maria, other]
    assert name_matches(users, "korhonen AINO") == ((aino, "name"),)
    assert name_matches(users, "Makinen") == ((maria, "name"),)
    assert name_matches(users, "Aino") == ((aino, "name"), (maria, "name"), (other, "name"))
    assert name_matches(users, "Aino Ojala Olli") == ((other, "name"),)
    assert name_matches(users, "Aino Virtanen") == ()


def test_a_name_is_checked_as_typed() -> None:
    assert name_text("  Aino   Korhonen ") == "Aino Korhonen"
    longest = "A" * MAX_NAME_LENGTH
    assert name_text(longest) == longest
    with pytest.raises(InvalidInput, match=f"201 characters long; at most {MAX_NAME_LENGTH}"):
        name_text(longest + "A")
    # A zero-width space (format character) would make two names that look alike differ.
    with pytest.raises(InvalidInput, match="the organisation contains control characters"):
        name_text("Esimerkki\u200bOy", "organisation")
    # The last of the surrogates too: bytes that were not UTF-8.
    with pytest.raises(InvalidInput, match="the name is not valid text"):
        name_text("Aino\udfff")


def test_a_check_digit_is_of_seven_digits_exactly() -> None:
    assert check_digit("2345678") == "0"
    with pytest.raises(ValueError):
        check_digit("234567")



def test_only_the_padding_is_taken_off_a_secrets_base64() -> None:
    # core/text.py, pinned here too: "s3cr3t-kW" encodes to base64 ending in an X, with no padding to
    # strip; only the padding is ever taken off a form. (A token one character off it, sharing over half
    # of it, is cut too: what is left of an echo cut short is.)
    from postisupport.core.text import _forms

    secret = "s3cr3t-kW"
    assert redacted("token czNjcjN0LWtX ok", [secret]) == "token [redacted] ok"
    assert ("czNjcjN0LWtX" in _forms(secret), "czNjcjN0LWt" in _forms(secret)) == (True, False)
