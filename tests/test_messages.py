"""Every language has every key with the same placeholders, and every rule has a script."""

from __future__ import annotations

from string import Formatter

import pytest

from postisupport.core.language import LANGUAGES, language_for
from postisupport.core.rules import RULES
from postisupport.output.messages import catalog


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def test_every_language_has_the_same_keys() -> None:
    reference = set(catalog("en"))
    for lang in LANGUAGES:
        assert set(catalog(lang)) == reference, lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_has_the_same_placeholders_as_english(lang: str) -> None:
    for key, text in catalog("en").items():
        assert placeholders(catalog(lang)[key]) == placeholders(text), (lang, key)


def test_every_rule_has_a_script() -> None:
    assert set(RULES) <= set(catalog("en"))


def test_texts_are_not_copies_of_each_other() -> None:
    for key in RULES:
        assert len({catalog(lang)[key] for lang in LANGUAGES}) == len(LANGUAGES), key


@pytest.mark.parametrize(("override", "preferred", "expected"), [
    (None, "sv", "sv"),
    (None, "sv-FI", "sv"),
    (None, "en_GB", "en"),
    (None, "de", "fi"),
    (None, None, "fi"),
    ("en", "sv", "en"),
])
def test_language_choice(override: str | None, preferred: str | None, expected: str) -> None:
    assert language_for(preferred, override) == expected
