from __future__ import annotations

import pytest

from postisupport.core.identifiers import normalise
from postisupport.errors import InvalidInput


@pytest.mark.parametrize(("raw", "expected"), [
    ("  Aino.Korhonen@Esimerkki.Example.FI \t", "aino.korhonen@esimerkki.example.fi"),
    ("ESIM0042", "esim0042"),
    ("\nesim0042 ", "esim0042"),
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
