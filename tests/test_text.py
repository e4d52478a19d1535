"""The text helpers every layer shares: server values made safe to print, long text cut at a limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from postisupport.core.text import iso, redacted, shortened, terminal_safe


@pytest.mark.parametrize(("text", "safe"), [
    ("Aino Korhonen", "Aino Korhonen"),
    ("bad\x1b[2J\r\nthing\t", "bad\ufffd[2J\ufffd\ufffdthing\ufffd"),
    ("a\u2028b\u200bc", "a\ufffdb\ufffdc"),  # a line separator and an invisible format character
    ("Åsa Ölander", "Åsa Ölander"),
])
def test_terminal_safe_replaces_every_control_character(text: str, safe: str) -> None:
    assert terminal_safe(text) == safe


@pytest.mark.parametrize(("text", "limit", "result"), [
    ("abcdef", 6, "abcdef"),  # exactly at the limit: kept whole
    ("abcdefg", 6, "abc..."),  # one over: cut, and still exactly the limit
    ("", 6, ""),
])
def test_shortened_cuts_only_what_is_over_the_limit(text: str, limit: int, result: str) -> None:
    assert shortened(text, limit) == result


def test_iso_shows_a_moment_as_iso_8601_and_nothing_as_none() -> None:
    assert (iso(datetime(2021, 1, 17, 6, 5, tzinfo=UTC)), iso(None)) == ("2021-01-17T06:05:00+00:00", None)


@pytest.mark.parametrize(("text", "secrets", "result"), [
    ("token abcdefghijkl and abcdefgh", ["abcdefgh", "abcdefghijkl"], "token [redacted] and [redacted]"),
    ("token abcdefghijkl and abcdefgh", ["abcdefghijkl", "abcdefgh"], "token [redacted] and [redacted]"),
    ("key azzzzzzzzb", ["zzzzzzzz", "azzzzzzzzb"], "key [redacted]"),  # by length, not by alphabet
    ("nothing to hide", ["abcdefgh", ""], "nothing to hide"),
    ("", ["abcdefgh"], ""),
    ("a t and a tiny one", ["t", "tiny"], "a t and a tiny one"),  # under MIN_SECRET: left alone
])
def test_redacted_cuts_every_secret_out_longest_first(text: str, secrets: list[str], result: str) -> None:
    assert redacted(text, secrets) == result
