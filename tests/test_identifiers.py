from __future__ import annotations

import pytest

from postisupport.core.identifiers import (
    business_id,
    check_digit,
    kind_of,
    looks_like_business_id,
    name_answers,
    name_key,
    name_text,
    names_a_person,
    normalise,
)
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
    ("Aino Korhonen", "contains spaces"),
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
    ("Aino Korhonen", "'Aino Korhonen' is not a valid legacy user ID: it contains spaces "
                      "(a name is looked up within its organisation)"),
])
def test_refusals_name_the_identifier_field_and_say_exactly_why(raw: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise(raw)
    assert (caught.value.field, caught.value.reason, str(caught.value)) == ("identifier", reason, reason)


def test_the_longest_identifier_smtp_can_carry_is_accepted() -> None:
    """254 characters is the limit itself, not one over it."""
    assert normalise("X" * 254) == "x" * 254


@pytest.mark.parametrize(("raw", "expected"), [
    ("ESIM 0042", "esim0042"),
    ("ESIM-0042", "esim0042"),
    ("esim - 0042", "esim0042"),
    (" ESIM  00 42 ", "esim0042"),
    ("2345678-0", "2345678-0"),  # digits alone: no legacy ID in groups (a business ID's shape)
    ("Anna-Liisa", "anna-liisa"),  # letters alone keep their hyphen: no digits, no groups
])
def test_a_legacy_id_read_out_in_groups_is_the_id_itself(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_what_an_identifier_is_taken_for() -> None:
    assert [kind_of(normalise(v)) for v in ("Aino@Example.fi", "ESIM 0042")] == ["email", "legacy"]


@pytest.mark.parametrize(("raw", "shaped"), [
    ("2345678-0", True), (" 1234567-8 ", True), ("2345678", False), ("12345678-0", False),
    ("234567-0", False), ("ESIM0042", False), ("2345678-00", False),
])
def test_the_shape_of_a_business_id(raw: str, shaped: bool) -> None:
    assert looks_like_business_id(raw) is shaped


@pytest.mark.parametrize(("first_seven", "check"), [
    ("2345678", "0"), ("7654321", "2"), ("1234567", "1"), ("3456788", "1"), ("0000001", "9"),
    ("3456789", None),  # a remainder of 1: no business ID has these digits
])
def test_the_check_digit_is_the_weighted_sum_modulo_eleven(first_seven: str, check: str | None) -> None:
    assert check_digit(first_seven) == check


def test_a_valid_business_id_is_kept_as_typed_less_its_spaces() -> None:
    assert business_id(" 2345678-0 ") == "2345678-0"


@pytest.mark.parametrize(("raw", "reason"), [
    ("1234567-8", "1234567-8 is not a valid business ID: its check digit does not match its other digits; "
                  "check the number with the caller"),
    ("3456789-1", "3456789-1 is not a valid business ID: its check digit does not match its other digits; "
                  "check the number with the caller"),
    ("23456780", "'23456780' is not a business ID: it is written NNNNNNN-N, seven digits, a hyphen and a "
                 "check digit"),
])
def test_a_wrong_business_id_says_why_in_one_line(raw: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        business_id(raw)
    assert (caught.value.field, str(caught.value)) == ("business ID", reason)


@pytest.mark.parametrize(("name", "key"), [
    ("Johanna Mäkinen", "johanna makinen"),
    ("\u00c1ile \u010cuoppa", "aile cuoppa"),  # composed
    ("A\u0301ile C\u030cuoppa", "aile cuoppa"),  # decomposed, as some directories store Sámi names
    ("  ANNA-LIISA   Virtanen ", "anna liisa virtanen"),
    ("Strauß", "strauss"),
    ("Áŋŋá Đuđđá Ŧoarvi", "anna dudda toarvi"),  # no decomposition
    ("Søren Jałowski", "soren jalowski"),
])
def test_names_are_compared_without_case_accents_or_hyphens(name: str, key: str) -> None:
    assert name_key(name) == key


@pytest.mark.parametrize(("typed", "answers"), [
    ("Aino Korhonen", True), ("korhonen aino", True), ("KORHONEN", True), ("Aino", True),
    ("Aino K", False), ("Aino Korhone", False), ("Korhonen Korhonen", False), ("", False),
])
def test_a_typed_name_answers_when_each_of_its_words_is_a_word_of_the_name(typed: str, answers: bool) -> None:
    assert name_answers(typed, None, "Aino Korhonen") is answers


@pytest.mark.parametrize(("raw", "reason"), [
    ("  ", "the name is empty"),
    ("Aino\x00Korhonen", "the name contains control characters"),
    ("A" * 201, "the name is 201 characters long; at most 200"),
    ("Aino\ud800", "the name is not valid text (its bytes are not UTF-8)"),
])
def test_a_name_that_cannot_be_anyones_is_refused(raw: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        name_text(raw)
    assert (caught.value.field, str(caught.value)) == ("name", reason)


def test_a_name_is_trimmed_to_single_spaces_in_nfc() -> None:
    assert name_text("  A\u0301ile   Čuoppa ") == "\u00c1ile Čuoppa"


@pytest.mark.parametrize(("typed", "is_name"), [
    ("Aino Korhonen", True), ("Korhonen", True), ("Áile Čuoppa", True), ("Anna-Liisa", True),
    ("aino@example.fi", False), ("ESIM0042", False), ("ESIM 0042", False), ("esim-0042", False),
    ("  ESIM0042 ", False),
])
def test_what_is_typed_with_an_organisation_is_a_name_unless_an_address_or_an_old_id(
        typed: str, is_name: bool) -> None:
    assert names_a_person(typed) is is_name


@pytest.mark.parametrize("call", [
    lambda: normalise("\udcff"), lambda: normalise("  "), lambda: normalise("x" * 300),
    lambda: normalise("a\x1bb"), lambda: normalise("bad@@x"), lambda: normalise("ab cd"),
    lambda: business_id("123-4"), lambda: business_id("2345678-1"),
])
def test_each_refusal_says_in_english_what_its_catalog_key_says(call) -> None:
    """The session says these by their key in the agent's language: the English must be one text."""
    from postisupport.errors import InvalidInput
    from postisupport.output.messages import ui_catalog

    with pytest.raises(InvalidInput) as refused:
        call()
    error = refused.value
    assert error.key is not None
    assert error.reason == str(ui_catalog("en")[error.key]).format(**error.params)


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://localhost:8080/scim/v2", True), ("http://LOCALHOST/scim", True), ("http://127.0.0.2/", True),
    ("http://[::1]:9/", True), ("http://127.0.0.1/", True), ("https://idp.example.com/scim/v2", False),
    ("http://localhost.example.com/", False), ("http://10.0.0.1/", False), ("not a url", False), ("", False),
])
def test_loopback_is_this_machine_only(url: str, loopback: bool) -> None:
    from postisupport.core.urls import is_loopback

    assert is_loopback(url) is loopback
