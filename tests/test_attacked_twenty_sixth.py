"""Attack pass 26: each finding as the behaviour it found wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.parametrize("given", ["reports, invoicing", "reports; invoicing", "reports/invoicing",
                                   "Reporting E-invoicing",
                                   # F31-2: one part a service, the other none: "not among the
                                   # organisation's services" for the one it has.
                                   "tracking/parcels", "tracking;customs", "tracking, customs"])
def test_several_services_in_one_value_are_refused_not_read_as_one_unknown(run, given: str) -> None:
    """F26-10: "reports; invoicing" was one service no one has: "not among the organisation's
    services ... offer sales", exit 0, though the organisation has both."""
    refused = run("--sandbox", "diagnose", "ESIM0105", "-s", given, "--no-audit")
    assert (refused.exit_code, refused.stdout, refused.stderr) == (
        2, "", f"postisupport: error: --service {given!r} names several services; give each one on its own "
               "(--service for each, or | between them in a bulk file)\n")


def test_a_bulk_row_naming_several_services_in_one_cell_is_an_error_row(run, tmp_path: Path) -> None:
    """F26-10 in bulk: the row keeps its output, with an error, never a verdict for a service no one has."""
    source = tmp_path / "semi.csv"
    source.write_text('email;service\nESIM0105;reports|invoicing\nESIM0105;"reports; invoicing"\n',
                      encoding="utf-8")
    done = run("--sandbox", "--no-audit", "bulk", str(source), "-o", "-", "-q")
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["row"], r["asked"]["services"], r.get("rule"), r["error"] and r["error"]["kind"])
            for r in rows] == [(1, ["reports", "invoicing"], "service.missing-right", None),
                              (2, ["reports; invoicing"], None, "invalid-input")]
    # A name the organisation has, spaces and all, is still one service.
    one = run("--sandbox", "diagnose", "ESIM0105", "-s", "Shipment tracking", "--no-audit", "--json")
    assert json.loads(one.stdout)["services"] == [{
        "asked": "Shipment tracking", "known_as": "Shipment tracking", "id": "tracking",
        "outcome": "check-service-rights", "rule": "service.missing-right"}]


def jwt(size: int) -> str:
    """A token shaped as an access token is: three base64url parts, about `size` characters in all."""
    import base64
    import random

    part = base64.urlsafe_b64encode(random.Random(size).randbytes(size * 3 // 4)).decode().rstrip("=")
    return f"eyJhbGciOiJSUzI1NiJ9.{part[:-60]}.{part[-60:]}"


def test_a_jwt_of_kilobytes_is_cut_out_in_every_form_a_server_echoes_it() -> None:
    """F26-5: the scrubbing compiled one pattern of every character's encodings, seconds per kilobyte of
    token, paid by every command; the forms of a 4 KB token are cut as those of a short one were."""
    import base64
    from urllib.parse import quote

    from postisupport.core.text import redacted

    token = jwt(4096)
    mime = base64.b64encode(token.encode()).decode()
    forms = [token, token.upper(), quote(token, safe=""), "".join(f"%{ord(c):02X}" for c in token[:100])
             + token[100:], "&#x65;&#121;" + token[2:], "\\u0065" + token[1:], mime,
             "\r\n".join(mime[at:at + 76] for at in range(0, len(mime), 76)),
             token[:2000] + " " + token[2000:], base64.b64encode(b"Bearer " + token.encode()).decode()]
    # Inside the base64 of "Bearer TOKEN", what encodes "Bearer ey" is shared with what comes before.
    assert [redacted(f"refused <{form}> at once", [token]) for form in forms] == (
        ["refused <[redacted]> at once"] * 9 + ["refused <QmVhcmVyIGV5[redacted]> at once"])


@pytest.mark.parametrize(("text", "result"), [
    # Folded text is mapped back exactly, letters that fold to more (ß to ss) and escapes before it.
    ("Straße, Ä&#228; and \\u00e4: Geheim-Token-123.", "Straße, Ä&#228; and \\u00e4: [redacted]."),
    # Breaks between two characters are a wrapped line, as \r\n or as JSON writes it, indented or not.
    ("a Geheim-\r\nToken-123 b Geheim-\\r\\nToken-123 c", "a [redacted] b [redacted] c"),
    ("a Geheim- \nToken-123 b", "a [redacted] b"),
    # A character reference of no character is text, and the secret after it is still found.
    ("&#x110000;Geheim-Token-123", "&#x110000;[redacted]"),
])
def test_a_secret_is_found_in_folded_text_and_cut_where_it_stood(text: str, result: str) -> None:
    from postisupport.core.text import redacted

    assert redacted(text, ["geheim-token-123"]) == result


def test_a_secret_holding_a_blank_is_found_with_its_blank_as_any_break_or_none() -> None:
    """Folding leaves breaks out: a secret's own blank as is, %20, a line break, or left out (what is left
    of it is over half of it, which is cut as an echo cut short is)."""
    from postisupport.core.text import redacted

    assert [redacted(text, ["abc/ def gh"]) for text in (
        "a abc/defgh b", "a abc/%20def\ngh b", "a abc/ \ndef gh b", "a ab c/ def gh b")] == [
        "a [redacted] b"] * 4


def test_mask_keeps_the_service_it_suggests_for_a_slip_and_masks_what_was_typed(run) -> None:
    """F26-2: "--service 'i.' is no service ...; did you mean 'i.'?": the suggestion, a service's id and
    the one useful part, was masked as if it were a name."""
    slip = run("--sandbox", "--no-audit", "diagnose", "ESIM0105", "-s", "invoicng", "--mask")
    assert (slip.exit_code, slip.stderr) == (2, "postisupport: error: --service 'i.' is no service of this "
                                                "user or organisation; did you mean 'invoicing'?\n")


def test_mask_keeps_the_dates_an_administrators_data_problems_quote() -> None:
    """F26-12: "administrator m***n@e***.fi: lastLoginTime: '9.' ignored": a date is no one's personal
    data, and what was wrong with it is the evidence; the administrator's address is still masked."""
    from postisupport.output.mask import problem

    assert [problem(text) for text in (
        "administrator maija.virtanen@esimerkki.example.fi: lastPasswordUpdateTime: '2021-02-30T00:00:00Z' "
        "ignored (not a valid datetime or date, day value is outside expected range)",
        "administrator maija.virtanen@esimerkki.example.fi: displayName: 'Maija V' ignored (not a string)",
    )] == [
        "administrator m***n@e***.fi: lastPasswordUpdateTime: '2021-02-30T00:00:00Z' ignored (not a valid "
        "datetime or date, day value is outside expected range)",
        "administrator m***n@e***.fi: displayName: 'M. V.' ignored (not a string)"]


def test_a_value_of_the_wrong_type_is_said_in_scims_words_not_pydantics() -> None:
    """F26-12: "Input should be a valid dictionary or instance of MultiValue" named a Python class."""
    from postisupport.idp.models import User

    user = User.parse({"id": "u-1", "userName": "a@example.fi", "displayName": {"a": 1}, "groups": [7],
                       "active": "maybe", "emails": [{"value": 5}]})
    assert user.problems == [
        "displayName: {'a': 1} ignored (not a string)",
        "active: 'maybe' ignored (not a boolean (true or false))", "emails.value: 5 ignored (not a string)",
        "groups: 7 ignored (not an object)"]


def test_mask_masks_a_service_typed_as_free_text_wherever_it_is_echoed(run) -> None:
    """F26-2: a -s value that names no service ("Aino Korhonen +358 40 555 0101", an address) was in
    clear under --mask, four times in --json and on the screen; a service's own name is no one's."""
    document = run("--sandbox", "--no-audit", "diagnose", "ESIM0105", "-s", "Aino Korhonen +358 40 555 0101",
                   "-s", "reports", "--mask", "--json").json()
    masked = "A. K. +. 4. 5. 0."
    assert ([(v["asked"], v["known_as"]) for v in document["services"]],
            [e["fact"] for e in document["evidence"] if e["fact"].startswith("service:")],
            [c["service"] for c in document["considered"] if c.get("service")]) == (
        [(masked, None), ("reports", "Reporting")], [f"service:{masked}", "service:reports"],
        [masked, masked, "reports"])
    screen = run("--sandbox", "--no-audit", "diagnose", "ESIM0105", "-s", "aino.korhonen@example.fi",
                 "--mask").stdout
    assert ("aino.korhonen" in screen, "a***n@e***.fi (is not one of this user's" in screen) == (False, True)
