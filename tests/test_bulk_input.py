"""Reading a bulk check's input: plain lists line by line, CSV whatever a field holds, any line's encoding."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from postisupport.cli.main import ExitStatus
from postisupport.ops.bulk_input import MAX_FIELD, MAX_LINE_BYTES, SAMPLE_BYTES, Reading, Row, rows


def read(data: bytes, column: str | None = None) -> tuple[list[Row], Reading]:
    reading = Reading()
    return list(rows(io.BytesIO(data), column, reading)), reading


def brief(found: list[Row]) -> list[tuple[int, str, str | None]]:
    return [(row.number, row.identifier, row.problem) for row in found]


# A plain list is read line by line: no quote, no length can merge its rows.

def test_a_plain_line_starting_with_a_stray_quote_is_one_row_and_the_rows_after_it_stay() -> None:
    found, reading = read(b'"aino@example.fi\nESIM0042\n"ESIM0105"\nbob"@example.fi\n')
    assert (brief(found), reading.format) == ([
        (1, '"aino@example.fi', None), (2, "ESIM0042", None), (3, "ESIM0105", None),
        (4, 'bob"@example.fi', None)], "lines")


def test_a_plain_line_longer_than_the_csv_modules_field_limit_is_one_row() -> None:
    long = "x" * 200_000
    found, _ = read(f"ESIM0042\n{long}\nESIM0105\n".encode())
    assert brief(found) == [(1, "ESIM0042", None), (2, long, None), (3, "ESIM0105", None)]


def test_a_line_longer_than_the_line_limit_is_a_row_error_and_the_next_line_a_row() -> None:
    data = b"ESIM0042\n" + b"y" * (MAX_LINE_BYTES + 10) + b"\r\nESIM0105\n"
    found, reading = read(data)
    assert brief(found) == [(1, "ESIM0042", None), (2, "y" * 200, "the line is longer than 4 MB; skipped"),
                            (3, "ESIM0105", None)]
    assert reading.bytes_read == len(data)


def test_a_known_column_name_alone_on_the_first_line_is_a_header() -> None:
    found, _ = read(b"E-mail\r\nESIM0042\r\n\r\nESIM0105\r\n")
    assert brief(found) == [(1, "ESIM0042", None), (2, "ESIM0105", None)]


def test_cr_alone_ends_a_line_too() -> None:
    found, _ = read(b"ESIM0042\rESIM0105\r")
    assert brief(found) == [(1, "ESIM0042", None), (2, "ESIM0105", None)]


# CSV: a long field is a field, and what the csv module refuses is that row's error.

def test_a_csv_field_over_131072_characters_is_read() -> None:
    note = "n" * 200_000
    found, reading = read(f"email,note\r\nESIM0042,{note}\r\nESIM0105,short\r\n".encode())
    assert [(r.number, r.identifier, r.extra, r.problem) for r in found] == [
        (1, "ESIM0042", {"note": note}, None), (2, "ESIM0105", {"note": "short"}, None)]
    assert (reading.format, reading.extra_columns) == ("csv", ["note"])


def test_a_csv_field_over_the_field_limit_is_a_row_error() -> None:
    note = "n" * (MAX_FIELD + 1)
    found, _ = read(f"email;note\r\nESIM0042;{note}\r\nESIM0105;short\r\n".encode())
    assert brief(found) == [
        (1, f"ESIM0042;{'n' * 188}...", f"not valid CSV (field larger than field limit ({MAX_FIELD}))"),
        (2, "ESIM0105", None)]


def test_a_stray_quote_opening_the_identifier_is_a_row_error_and_the_rows_it_swallowed_stay() -> None:
    found, _ = read(b'email;note\r\n"aino@example.fi;x\r\nESIM0042;y\r\nESIM0105";z\r\nbob@example.fi;w\r\n')
    assert brief(found) == [
        (1, '"aino@example.fi;x', 'a quote opened on this line is not closed on it (a stray ")'),
        (2, "ESIM0042", None), (3, 'ESIM0105"', None), (4, "bob@example.fi", None)]


def test_a_quote_never_closed_is_a_row_error_and_every_later_row_is_read() -> None:
    found, _ = read(b'email;note\r\nESIM0042;"open\r\nESIM0105;a\r\nbob@example.fi;b\r\n')
    assert brief(found) == [
        (1, 'ESIM0042;"open', "not valid CSV (unexpected end of data)"),
        (2, "ESIM0105", None), (3, "bob@example.fi", None)]


def test_text_after_a_closing_quote_is_a_row_error() -> None:
    found, _ = read(b'email;note\r\n"ESIM0042"x;a\r\nESIM0105;b\r\n')
    assert brief(found) == [
        (1, '"ESIM0042"x;a', "not valid CSV (';' expected after '\"')"), (2, "ESIM0105", None)]


def test_quoted_fields_with_delimiters_and_line_breaks_inside_are_still_csv() -> None:
    found, _ = read(b'email;note\r\n"ESIM0042";"a; b\r\nc ""quoted"""\r\nESIM0105;d\r\n')
    assert [(r.number, r.identifier, r.extra) for r in found] == [
        (1, "ESIM0042", {"note": 'a; b\r\nc "quoted"'}), (2, "ESIM0105", {"note": "d"})]



def test_a_blank_line_inside_a_quoted_cell_is_the_cells_and_one_between_records_is_skipped() -> None:
    found, reading = read(b'email;note\r\nESIM0042;"first\r\n\r\n   \r\nlast"\r\n\r\nESIM0105;"\r\n"\r\n')
    assert [(r.number, r.identifier, r.extra, r.problem) for r in found] == [
        (1, "ESIM0042", {"note": "first\r\n\r\n   \r\nlast"}, None), (2, "ESIM0105", {"note": "\r\n"}, None)]
    assert reading.blank_lines == 1


# Encodings: every line its own, UTF-16 too.

def test_a_cp1252_byte_after_the_first_64_kb_of_utf8_is_read_as_cp1252_for_its_line() -> None:
    padding = "x" * (SAMPLE_BYTES + 100)
    data = f"email;note\r\nESIM0042;Äijä {padding}\r\n".encode() + "ESIM0105;Äijä\r\n".encode("cp1252")
    found, reading = read(data)
    assert [(r.number, r.identifier, r.extra["note"][:4], r.problem) for r in found] == [
        (1, "ESIM0042", "Äijä", None), (2, "ESIM0105", "Äijä", None)]
    assert (reading.encoding, reading.excel_style) == ("cp1252", True)


def test_a_line_neither_utf8_nor_cp1252_is_a_row_error() -> None:
    data = b"x" * SAMPLE_BYTES + b"\nESIM\x81\x9d0042\nESIM0105\n"
    found, reading = read(data)
    assert brief(found)[1:] == [(2, "ESIM\ufffd\ufffd0042", "the line is neither UTF-8 nor cp1252 text"),
                                (3, "ESIM0105", None)]
    assert reading.excel_style is False


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_excel_unicode_text_is_utf16_with_a_bom_and_tabs(encoding: str) -> None:
    text = "Nimi\tSähköposti\tKieli\r\nÄijä\tESIM0042\tsv\r\n\r\nSalo\tESIM0105\t\r\n"
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    found, reading = read(bom + text.encode(encoding))
    assert [(r.number, r.identifier, r.lang, r.extra) for r in found] == [
        (1, "ESIM0042", "sv", {"Nimi": "Äijä"}), (2, "ESIM0105", None, {"Nimi": "Salo"})]
    assert (reading.format, reading.encoding, reading.excel_style, reading.blank_lines) == (
        "csv", "utf-16", True, 1)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", ["Nimi\tSähköposti\r\nÄijä\tESIM0042\r\nSalo\tESIM0105\r\n",
                                  "ESIM0042\nESIM0105\n", '{"email": "ESIM0042"}\n{"email": "ESIM0105"}\n'])
def test_utf16_without_its_bom_is_read_as_utf16_not_as_half_lines(encoding: str, text: str) -> None:
    """Saved by a tool that writes no BOM: every line was read as bytes, and each came out as error rows."""
    found, reading = read(text.encode(encoding))
    assert [(r.number, r.identifier, r.problem) for r in found] == [
        (1, "ESIM0042", None), (2, "ESIM0105", None)]
    assert (reading.encoding, reading.excel_style) == (encoding, True)


def test_ndjson_lines_are_decoded_one_by_one_too() -> None:
    data = '{"email": "ESIM0042", "note": "Ä"}\n'.encode("cp1252") + b'{"email": "ESIM0105"}\n'
    found, reading = read(data)
    assert (brief(found), reading.format, reading.encoding) == (
        [(1, "ESIM0042", None), (2, "ESIM0105", None)], "ndjson", "cp1252")


# What the bulk run shows: Excel-style or not, and how far it has got.

@pytest.mark.parametrize(("data", "excel"), [
    (b"email,lang\r\nESIM0042,fi\r\n", False), (b"ESIM0042\nESIM0105\n", False),
    (b"email;lang\r\nESIM0042;fi\r\n", True), (b"\xef\xbb\xbfemail,lang\r\nESIM0042,fi\r\n", True),
    ("ESIM0042\nÄijä@example.fi\n".encode("cp1252"), True),
    (b'{"email": "ESIM0042"}\n', False),
])
def test_the_reading_says_whether_the_input_looks_written_by_excel(data: bytes, excel: bool) -> None:
    _, reading = read(data)
    assert reading.excel_style is excel


def test_bytes_read_grows_to_the_total_size_of_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"\xef\xbb\xbfemail;n\r\n" + b"".join(b"ESIM%04d;x\r\n" % i for i in range(10_000)))
    reading = Reading()
    progress: list[int] = []
    with path.open("rb") as binary:
        for row in rows(binary, None, reading):
            if row.number % 2500 == 0:
                progress.append(reading.bytes_read)
    size = path.stat().st_size
    assert (reading.total_bytes, reading.bytes_read) == (size, size)
    assert progress == sorted(progress) and progress[0] < size / 2


def test_a_pipe_has_no_total_size() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"ESIM0042\n")
    os.close(write_end)
    reading = Reading()
    with os.fdopen(read_end, "rb") as binary:
        found = list(rows(binary, None, reading))
    assert (brief(found), reading.total_bytes, reading.bytes_read) == ([(1, "ESIM0042", None)], None, 9)


# Through the command line.

def bulk(run: Any, tmp_path: Path, data: bytes) -> tuple[int, str, list[dict[str, Any]]]:
    source = tmp_path / "in.txt"
    source.write_bytes(data)
    out = tmp_path / "out.ndjson"
    result = run("--sandbox", "bulk", str(source), "-o", str(out), "-q")
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return result.exit_code, result.stderr, lines


def test_bulk_reads_every_row_past_a_stray_quote_and_an_overlong_field(run, tmp_path: Path) -> None:
    long = "x" * 200_000
    code, stderr, out = bulk(run, tmp_path, f'email;note\r\n"ESIM0042;a\r\nESIM0105;{long}\r\n'
                                            f'ESIM0042;"open\r\nESIM0105;b\r\n'.encode())
    assert (code, stderr) == (ExitStatus.ROWS_FAILED, "")
    assert [(r["row"], r["input"][:12], r.get("outcome"), r["error"] and r["error"]["message"])
            for r in out] == [
        (1, '"ESIM0042;a', None, "not valid CSV (';' expected after '\"')"),
        (2, "ESIM0105", "use-login-email", None),
        (3, 'ESIM0042;"op', None, "not valid CSV (unexpected end of data)"),
        (4, "ESIM0105", "use-login-email", None)]


def test_bulk_reads_a_cp1252_line_deep_in_utf8_and_excel_unicode_text(run, tmp_path: Path) -> None:
    padding = "x" * (SAMPLE_BYTES + 100)
    mixed = f"email;note\r\nESIM0042;{padding}\r\n".encode() + "ESIM0105;Äijä\r\n".encode("cp1252")
    unicode_text = codecs.BOM_UTF16_LE + "Sähköposti\tNimi\r\nESIM0042\tÄijä\r\nESIM0105\tSalo\r\n".encode(
        "utf-16-le")
    for data in (mixed, unicode_text):
        code, stderr, out = bulk(run, tmp_path, data)
        assert (code, stderr) == (0, "")
        assert [(r["row"], r["input"], r["outcome"]) for r in out] == [
            (1, "ESIM0042", "change-password"), (2, "ESIM0105", "use-login-email")]
        (tmp_path / "out.ndjson").unlink()


def test_bulk_keeps_a_blank_line_inside_an_extra_columns_cell(run, tmp_path: Path) -> None:
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(b'email,note\r\nESIM0042,"call back\r\n\r\nafter lunch"\r\n\r\nESIM0105,x\r\n')
    result = run("--sandbox", "bulk", str(source), "-o", str(out))
    assert (result.exit_code, result.stderr.count("1 blank line skipped")) == (0, 1)
    with out.open(encoding="utf-8", newline="") as written:
        records = list(csv.DictReader(written))
    assert [(r["row"], r["identifier"], r["outcome"], r["note"]) for r in records] == [
        ("1", "ESIM0042", "change-password", "call back\r\n\r\nafter lunch"),
        ("2", "ESIM0105", "use-login-email", "x")]


def test_a_cell_that_may_hide_rows_names_the_inputs_lines_counting_blank_and_reread_ones() -> None:
    # Line 1 is blank, the header is line 2; the stray identifier quote's lines 4-5 are read again as rows.
    found, _ = read(b'\nemail,note\n"ESIM0042,x\nESIM0105,y\nESIM0077",z\n\nESIM0020,"a\nainok,b"\n'
                    b'ESIM0105,c\n')
    assert brief(found) == [
        (1, '"ESIM0042,x', 'a quote opened on this line is not closed on it (a stray ")'),
        (2, "ESIM0105", None), (3, 'ESIM0077"', None),
        (4, 'ESIM0020,"a', "a quoted cell runs over 2 lines (lines 7-8), and line 8 reads as a row of its "
         "own: a stray quote? nothing in it was looked up: fix the quote, or look the identifier up on "
         "its own"),
        (5, "ESIM0105", None)]


def test_a_cell_that_may_hide_many_rows_names_the_first_five() -> None:
    taken = "".join(f"ESIM{i:04},x\n" for i in range(8))
    found, _ = read(f'email,note\nESIM0042,"oops\n{taken}end"\nESIM0105,c\n'.encode())
    assert brief(found) == [
        (1, 'ESIM0042,"oops', "a quoted cell runs over 10 lines (lines 2-11), and lines 3, 4, 5, 6, 7 and 3 "
         "more read as rows of their own: a stray quote? nothing in it was looked up: fix the quote, or "
         "look the identifier up on its own"), (2, "ESIM0105", None)]


@pytest.mark.parametrize("data", [
    b"email,kieli\nESIM0042,sv\nESIM0043,svenska\nESIM0044, SV \nESIM0045,\n",
    b'{"email": "ESIM0042", "lang": "sv"}\n{"email": "ESIM0043", "lang": "svenska"}\n'
    b'{"email": "ESIM0044", "spr\xc3\xa5k": " SV "}\n{"email": "ESIM0045", "lang": ""}\n',
])
def test_a_script_language_no_catalog_has_is_that_rows_error_as_diagnose_lang_refuses_it(data: bytes) -> None:
    found, _ = read(data)
    assert [(row.number, row.identifier, row.lang, row.problem) for row in found] == [
        (1, "ESIM0042", "sv", None),
        (2, "ESIM0043", "svenska", "the script language 'svenska' is not one of fi, sv, en"),
        (3, "ESIM0044", "sv", None),
        (4, "ESIM0045", None, None)]


def test_an_ndjson_service_or_language_of_another_type_is_that_rows_error_never_dropped() -> None:
    found, _ = read(b'{"email": "ESIM0042", "service": 5}\n'
                    b'{"email": "ESIM0043", "services": ["Postin verkkokauppa", 7]}\n'
                    b'{"email": "ESIM0044", "lang": 1}\n'
                    b'{"email": "ESIM0045", "lang": ["sv"]}\n'
                    b'{"email": "ESIM0046", "services": ["Postin verkkokauppa", "OmaPosti"], "lang": null}\n'
                    b'{"email": "ESIM0047", "service": null}\n')
    assert [(row.number, row.identifier, row.services, row.lang, row.problem) for row in found] == [
        (1, "ESIM0042", (), None, "the services are not a string or a list of strings"),
        (2, "ESIM0043", (), None, "the services are not a string or a list of strings"),
        (3, "ESIM0044", (), None, "the script language is not a string"),
        (4, "ESIM0045", (), None, "the script language is not a string"),
        (5, "ESIM0046", ("Postin verkkokauppa", "OmaPosti"), None, None),
        (6, "ESIM0047", (), None, None)]
