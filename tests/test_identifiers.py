from __future__ import annotations

import pytest

from postisupport.core.identifiers import normalise
from postisupport.errors import InvalidInput


@pytest.mark.parametrize(("raw", "expected"), [
    ("  Aino.Korhonen@Esimerkki.Example.FI \t", "aino.korhonen@esimerkki.example.fi"),
    ("ESIM0042", "esim0042"),
    ("\nesim0042 ", "esim0042"),
    ("Aino@X.fi", "aino@x.fi"),  # a one-letter domain name in capitals, next to the only dot
    ("aino@example.X", "aino@example.x"),
])
def test_identifiers_are_trimmed_and_case_folded(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(("raw", "message"), [
    ("", "empty"),
    ("   ", "empty"),
    ("a@@example.fi", "not a valid e-mail"),
    ("aino@", "not a valid e-mail"),
    ("aino@localhost", "not a valid e-mail"),
    ("ai no@example.fi", "not a valid e-mail"),
    ("ESIM 0042", "contains spaces"),
    ("ESIM\x000042", "control characters"),
    ("x" * 300, "characters long"),
])
def test_malformed_identifiers_are_refused(raw: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        normalise(raw)


@pytest.mark.parametrize(("raw", "reason"), [
    # Bytes that are not UTF-8 arrive as lone surrogates; both ends of their range.
    ("aino\ud800@example.fi", "the identifier is not valid text (its bytes are not UTF-8)"),
    ("ESIM\udfff", "the identifier is not valid text (its bytes are not UTF-8)"),
    ("  ", "the identifier is empty: give an e-mail address or a legacy user ID"),
    ("x" * 255, "the identifier is 255 characters long; at most 254"),
    ("ESIM\u200b0042", "the identifier contains control characters"),  # Cf: invisible, zero width
    ("ESIM\u20280042", "the identifier contains control characters"),  # Zl: line separator
    ("ESIM\u20290042", "the identifier contains control characters"),  # Zp: paragraph separator
    ("@example.fi", "'@example.fi' is not a valid e-mail address"),
    ("aino@example.", "'aino@example.' is not a valid e-mail address"),
    ("aino@.fi", "'aino@.fi' is not a valid e-mail address"),
    ("ESIM 0042", "'ESIM 0042' is not a valid legacy user ID: it contains spaces"),
])
def test_refusals_name_the_identifier_field_and_say_exactly_why(raw: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise(raw)
    assert (caught.value.field, caught.value.reason, str(caught.value)) == ("identifier", reason, reason)


def test_the_longest_identifier_smtp_can_carry_is_accepted() -> None:
    """254 characters is the limit itself, not one over it."""
    assert normalise("X" * 254) == "x" * 254
