"""The report a renderer starts from: the facts and decision as given, and the language the caller hears."""

from __future__ import annotations

from dataclasses import replace

import pytest

from postisupport.core.facts import Facts, UserFacts
from postisupport.core.report import Report, report
from postisupport.core.rules import decide


def a_user(id: str, preferred_language: str | None) -> UserFacts:
    return UserFacts(
        id=id, user_name=f"{id}@example.fi", display_name=None, active=True, is_admin=False,
        emails=(f"{id}@example.fi",), preferred_language=preferred_language, legacy_user_id=None,
        force_password_reset=False, reset_sent_at=None, reset_sent_to=None, last_password_update=None,
        last_login=None, last_failed_login=None, locked=False, entitlements=(),
    )


def found(preferred_language: str | None) -> Facts:
    return Facts(identifier="aino@example.fi", matched_by="userName", user=a_user("aino", preferred_language),
                 candidates=(), organisation=None, admins=(), problems=())


def ambiguous(*languages: str | None) -> Facts:
    candidates = tuple(a_user(f"u{i}", lang) for i, lang in enumerate(languages))
    return replace(found(None), matched_by=None, user=None, candidates=candidates)


def test_the_report_keeps_the_facts_and_decision_and_speaks_the_users_language() -> None:
    facts = found("sv-FI")
    decision = decide(facts)
    assert report(facts, decision) == Report(facts, decision, "sv")


def test_the_language_asked_for_wins_over_the_users() -> None:
    facts = found("sv-FI")
    decision = decide(facts)
    assert report(facts, decision, "en") == Report(facts, decision, "en")


@pytest.mark.parametrize(("facts", "lang"), [
    (found(None), "fi"),
    (ambiguous("sv", "sv-FI"), "sv"),  # every candidate prefers Swedish: so does the caller
    (ambiguous("sv", None), "sv"),  # a candidate without a preference does not count
    (ambiguous("sv", "en"), "fi"),  # candidates disagree: no guess
    (ambiguous(None, None), "fi"),
    (ambiguous(), "fi"),  # nobody found
])
def test_the_language_without_a_single_user(facts: Facts, lang: str) -> None:
    decision = decide(facts)
    assert report(facts, decision) == Report(facts, decision, lang)


@pytest.mark.parametrize(("facts", "lang", "fallback", "expected"), [
    (found(None), None, "sv", "sv"),  # a profile's default when the user has none
    (found("en-GB"), None, "sv", "en"),  # the user's own language wins over the profile's
    (found("en-GB"), "fi", "sv", "fi"),  # and the language asked for wins over both
    (ambiguous("en", "sv"), None, "sv-FI", "sv"),
])
def test_a_fallback_language_comes_after_the_users(
        facts: Facts, lang: str | None, fallback: str, expected: str) -> None:
    decision = decide(facts)
    assert report(facts, decision, lang, fallback) == Report(facts, decision, expected)


def test_a_report_keeps_the_identifier_as_it_was_asked() -> None:
    from postisupport.core.facts import Facts
    from postisupport.core.report import report
    from postisupport.core.rules import decide

    nobody = Facts("aino@example.fi", None, None, (), None, (), 0, ())
    assert report(nobody, decide(nobody), asked="  Aino@Example.fi ").asked == "  Aino@Example.fi "
