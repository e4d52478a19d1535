"""The text helpers every layer shares: server values made safe to print, long text cut at a limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from postisupport.core.text import iso, redacted, shortened, terminal_safe, wrapped


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


@pytest.mark.parametrize(("text", "secrets", "result"), [
    # Every form a server may echo: percent-encoded path and query style (a space as %20 or +, a slash
    # kept or escaped), and base64 in both alphabets with and without its padding.
    ("a abc/ def gh b", ["abc/ def gh"], "a [redacted] b"),
    ("a abc/%20def%20gh b", ["abc/ def gh"], "a [redacted] b"),
    ("a abc%2F%20def%20gh b", ["abc/ def gh"], "a [redacted] b"),
    ("a abc%2F+def+gh b", ["abc/ def gh"], "a [redacted] b"),
    ("a YWJjLyBkZWYgZ2g= b YWJjLyBkZWYgZ2g.", ["abc/ def gh"], "a [redacted] b [redacted]."),
    ("a fn5+fn5+fn4= b fn5-fn5-fn4= c fn5+fn5+fn4. d fn5-fn5-fn4.", ["~~~~~~~~"],
     "a [redacted] b [redacted] c [redacted]. d [redacted]."),
    # Any case: a percent-escape's (%2f), and the secret's own letters, which a server may upper-case.
    ("a abc%2f%20def%20gh b abc%2F%20DEF%20gh", ["abc/ def gh"], "a [redacted] b [redacted]"),
    ("echo ABC/ DEF GH and abc/ dEf gh", ["abc/ def gh"], "echo [redacted] and [redacted]"),
    ("cut xABCDEFGH...", ["abcdefgh"], "cut x[redacted]..."),  # whole before a cut, as its start is
    # Attack pass 8's leads: each character encoded on its own (percent-encoded twice, an HTML character
    # reference in hex or decimal, a JSON \u escape), the bytes in hex, base64 broken into MIME lines.
    ("a abc%252F%2520def gh b", ["abc/ def gh"], "a [redacted] b"),
    ("a &#x61;&#x62;&#x63;&#x2f;&#x20;def gh b", ["abc/ def gh"], "a [redacted] b"),
    ("a &#97;&#098;&#99;&#47;&#32;def gh b", ["abc/ def gh"], "a [redacted] b"),
    ("a \\u0061\\u0062c/ def gh b", ["abc/ def gh"], "a [redacted] b"),
    ("a 6162632f20646566206768 b 6162632F20646566206768", ["abc/ def gh"], "a [redacted] b [redacted]"),
    ("a YWJjLyBk\r\nZWYgZ2g= b YWJjLyBkZWYg\nZ2g=", ["abc/ def gh"], "a [redacted] b [redacted]"),
    # Attack pass 10: hex broken by a line or grouped as a dump writes it (53 65 ..., 53:65:..., \x53).
    ("a 6162632f20\n646566206768 b 61 62 63 2f 20 64 65 66 20 67 68 c", ["abc/ def gh"],
     "a [redacted] b [redacted] c"),
    ("a 61:62:63:2f:20:64:65:66:20:67:68 b \\x61\\x62\\x63\\x2f\\x20\\x64\\x65\\x66\\x20\\x67\\x68 c",
     ["abc/ def gh"], "a [redacted] b [redacted] c"),
    # Attack pass 9: base32, and the secret broken by a blank or a line break (a wrapped message).
    ("a MFRGGLZAMRSWMIDHNA====== b MFRGGLZAMRSWMIDHNA", ["abc/ def gh"], "a [redacted] b [redacted]"),
    ("a SeCrE tTok3n-abc b SeCrEtTok3n-\nabc c S e C r E t T o k 3 n - a b c", ["SeCrEtTok3n-abc"],
     "a [redacted] b [redacted] c [redacted]"),
    # Attack pass 13 (A13B-2): broken by invisible characters, which a terminal shows as marks.
    ("a S\u200be\u200bC\u200br\u200bE\u200btTok3n-abc b SeCrEt\u00adTok3n\u2060-abc\ufeff c",
     ["SeCrEtTok3n-abc"], "a [redacted] b [redacted]\ufeff c"),
    # Attack pass 14 (A14B-1): the same made terminal-safe (each a U+FFFD), or as JSON escapes them.
    ("a S\ufffde\ufffdC\ufffdr\ufffdE\ufffdtTok3n-abc b S\\u200Be\\u200bCrEtTok3n-abc c", ["SeCrEtTok3n-abc"],
     "a [redacted] b [redacted] c"),
    # Any number of breaks: a wrapped line indented, a header folded as CRLF and a blank (A27-3).
    ("a SeCrEt  Tok3n-abc b SeCrEt\r\n Tok3n-abc", ["SeCrEtTok3n-abc"], "a [redacted] b [redacted]"),
    # What is left of one a server cut short (A9B-22): a start or an end of at least half of it.
    ("token Prefix-SECRET-abcdefghijk... (cut)", ["Prefix-SECRET-abcdefghijkl"], "token [redacted]... (cut)"),
    ("a refix-SECRET-abcdefghijkl b PREFIX-SECRET-a c", ["Prefix-SECRET-abcdefghijkl"],
     "a [redacted] b [redacted] c"),
    ("a Prefix-SECRE b ghijkl c", ["Prefix-SECRET-abcdefghijkl"], "a Prefix-SECRE b ghijkl c"),  # under half
    # Its middle, cut at both ends (A10B-08), and a break as JSON writes it, \n (A10B-07).
    ("a refix-SECRET-abcdefghijk b", ["Prefix-SECRET-abcdefghijkl"], "a [redacted] b"),
    ("a x-SECRET-abcdefg b", ["Prefix-SECRET-abcdefghijkl"], "a [redacted] b"),
    ('"detail": "Prefix-SECRET-\\nabcdefghijkl"', ["Prefix-SECRET-abcdefghijkl"], '"detail": "[redacted]"'),
    # A JSON text inside a JSON string, as the trace dumps it: its \u escape written twice (A9B-27).
    ('said {\\"t\\": \\"Esc\\\\u002bSECRET/token~1234\\"}', ["Esc+SECRET/token~1234"],
     'said {\\"t\\": \\"[redacted]\\"}'),
])
def test_redacted_cuts_every_encoding_of_a_secret(text: str, secrets: list[str], result: str) -> None:
    assert redacted(text, secrets) == result


@pytest.mark.parametrize(("text", "result"), [
    ("token abcdefgh...", "token [redacted]..."),  # whole before the cut
    ("token abcdefg...", "token [redacted]..."),  # all but the last character
    ("token abcdef...", "token [redacted]..."),
    ("token abcd...", "token [redacted]..."),  # MIN_CUT characters
    ("token abc...", "token abc..."),  # fewer: too common a start to be taken for the secret
    ("nothing to hide...", "nothing to hide..."),
    ("token abcd", "token abcd"),  # not cut: a start of the secret is just text
    ("see abc%2f%20de...", "see [redacted]..."),  # the start of an encoded form, escapes in either case
])
def test_redacted_cuts_the_start_of_a_secret_that_text_cut_short_ends_in(text: str, result: str) -> None:
    assert redacted(text, ["abcdefgh", "abc/ def gh"]) == result


def test_wrapping_keeps_words_and_urls_whole_and_indents_what_follows() -> None:
    text = "go to https://www.posti.fi/changepassword-and-some-more then log in again with it"
    assert wrapped(text, 30, indent=2) == (
        "go to\n  https://www.posti.fi/changepassword-and-some-more\n  then log in again with it")
    assert wrapped("short", 30) == "short"
    assert wrapped("aaaa bbbb cccc", 11) == "aaaa bbbb\ncccc"  # no indent unless asked
    assert wrapped("a few words here", 12, indent=4) == "a few words here"  # too narrow to help
    assert wrapped("aaa bbb ccc ddd eee", 14, indent=4) == "aaa bbb ccc ddd eee"  # the narrowest refused
    assert wrapped("aaa bbb ccc ddd eee", 15, indent=4) == "aaa bbb ccc ddd\n    eee"  # the narrowest done
