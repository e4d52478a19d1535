"""The rows of a bulk check, read as they come: CSV (as Excel writes it), plain lines, or NDJSON.

Nothing is read whole: a million-row file streams through in constant memory.
What Excel writes is understood: `;`, `,` or tab between fields (sniffed),
UTF-8 with or without a BOM, UTF-16 with its BOM (Excel's "Unicode text",
tab-separated) or without it (told by its zero bytes), CRLF (or CR alone),
quoted fields with delimiters inside. Each line is decoded on its own: UTF-8,
else cp1252 for that line, so one Windows
byte deep in a UTF-8 file costs nothing. Blank lines are skipped and counted,
never numbered as rows (one inside a quoted CSV cell is the cell's). A plain
list (no delimiter in its first line) is read line by line, never as CSV, so a
stray `"` can't swallow the rows after it. A row that can't be used is still a
row: it carries its problem and becomes an output row with an error. That
covers a line that is neither UTF-8 nor cp1252, a line or field over the
limits, CSV the csv module refuses, and a quote opened by mistake. A record
over several lines is surely one when its identifier runs over them: the row
is its first line, and the lines after it are read again as rows of their own.
It may be one when it has more fields than the header, or when one of its
later lines, read alone, looks like a row (see `_row_like`): then the row is
an error naming the input lines it covers, and none of them is read again, so
no line of what may be a note is looked up. Any other record over several
lines is one row with a multi-line cell, however many lines it takes.

Besides the rows, `Reading` tells (its attributes are filled while reading):
`format`, `encoding`, `extra_columns`, `blank_lines`, `wide_rows` and
`first_wide_row`, `unheaded_rows`, `first_unheaded_row` and `unheaded_keys`;
`excel_style`, True when the input looks written by Excel
(`;` between fields, a BOM, or a line in cp1252; it may turn True part way
through); `bytes_read`, the bytes of the
input handed out as rows so far, and `total_bytes`, the input's size when it
is a regular file (None for a pipe), for a progress bar.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import stat
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

from postisupport.core.identifiers import fold, has_letter_and_digit, looks_like_business_id, looks_like_email
from postisupport.core.language import LANGUAGES
from postisupport.core.text import NotJson, json_document, shortened
from postisupport.errors import InvalidInput
from postisupport.output.table import CSV_COLUMNS, MAPPING_COLUMN, SERVICE_SEPARATOR

# Header names of the identifier column, any case (folded), in English, Finnish and Swedish.
IDENTIFIER_COLUMNS = (
    "identifier", "email", "e-mail", "email address", "e-mail address", "login", "user", "username",
    "legacy_user_id", "legacy user id", "sähköposti", "sähköpostiosoite", "käyttäjätunnus",
    "asiointitunnus", "tunnus", "e-post", "e-postadress", "epost", "användarnamn", "ärendekod",
)
SERVICE_COLUMNS = ("service", "services", "palvelu", "palvelut", "tjänst", "tjänster")
LANG_COLUMNS = ("lang", "language", "kieli", "språk")
SAMPLE_BYTES = 64 * 1024
EXCEL_SEP = re.compile(r"sep=([;,\t|])", re.IGNORECASE)  # the delimiter Excel names in a first line
MAX_FIELD = 2**20  # characters in one CSV field (the csv module's own default is 131,072)
MAX_LINE_BYTES = 4 * 2**20  # one line: past that it is a row error, and the rest of it is skipped
SHOWN = 200  # characters of an unusable line kept as the row's input
LINE_END = re.compile(rb"\r\n|\r|\n")
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
WORKBOOK = b"PK\x03\x04"  # a zip file: an .xlsx workbook is one
TOO_LONG = f"the line is longer than {MAX_LINE_BYTES // 2**20} MB; skipped"
LEGACY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
STRAY = "a quote opened on this line is not closed on it (a stray \")"
UNREAD = "nothing in it was looked up: fix the quote, or look the identifier up on its own"


@dataclass(frozen=True)
class Row:
    """One data row: its 1-based number (blank lines not counted), the identifier exactly as given,
    the services and script language asked for, the input's other columns (a CSV row's cells by the
    names of `Reading.extra_columns`; an NDJSON object's other keys, their values as JSON has them),
    and what is wrong with it."""

    number: int
    identifier: str
    services: tuple[str, ...] = ()
    lang: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None


@dataclass
class Reading:
    """What reading found besides the rows: the format, the encoding, the other columns, blank lines,
    whether it looks written by Excel, and how far reading has got (see the module's docstring)."""

    format: str = "lines"
    encoding: str = "utf-8"
    # A CSV input's other columns, named apart (named_apart); an NDJSON input's other keys, first seen
    # first: those known ahead or of its first lines, then each new one as it is read.
    extra_columns: list[str] = field(default_factory=list)
    blank_lines: int = 0
    # Rows with more fields than the header (an unquoted comma in a note?): their extra fields have no
    # column to go to. The count, and the first such row's number.
    wide_rows: int = 0
    first_wide_row: int | None = None
    # NDJSON rows with a key not among those known before the first row was read (from a pipe, the keys
    # of its first lines): a CSV header, written before, has no column for it. The count, the first such
    # row, and those keys.
    unheaded_rows: int = 0
    first_unheaded_row: int | None = None
    unheaded_keys: list[str] = field(default_factory=list)
    excel_style: bool = False
    bytes_read: int = 0
    total_bytes: int | None = None


class Line(NamedTuple):
    """One line of the input with its line ending, decoded; `problem` when it could not be read whole."""

    text: str
    problem: str | None = None


def rows(
    binary: IO[bytes], column: str | None = None, reading: Reading | None = None,
    keys: list[str] | None = None,
) -> Iterator[Row]:
    """The rows of an input, streamed. `column` names the identifier column of a CSV file. `keys` are an
    NDJSON input's other keys when they are known ahead (all of them, read before from a file); else
    those of its first lines are, until its rows are read.

    Raises InvalidInput (field "input") when the input as a whole can't be read: no identifier column
    in a CSV header, a `column` that isn't there."""
    reading = reading if reading is not None else Reading()
    reading.total_bytes = _size(binary)
    sample = binary.read(SAMPLE_BYTES)
    if sample.startswith(WORKBOOK):
        raise InvalidInput("input", "the input is an Excel workbook (.xlsx), which bulk writes but does "
                           "not read: save it as CSV (Excel: File > Save As > CSV UTF-8) and give that file")
    source = _Source(_lines(binary, sample, reading), reading)
    head = source.peek(20)
    if head and head[0].lstrip().startswith("{"):
        reading.format = "ndjson"
        reading.extra_columns = list(keys) if keys is not None else _keys_of(source.peek_lines(20), column)
        return _ndjson(source, reading, column)
    excel_sep = EXCEL_SEP.fullmatch(head[0].strip()) if head else None
    if excel_sep is not None:
        # Excel's own first line, "sep=;", names the delimiter; the header follows it (F29-12).
        source.skip_line()
        head = source.peek(20)
        reading.excel_style = True
    delimiter = excel_sep.group(1) if excel_sep is not None else _delimiter(head)
    if not head or delimiter not in head[0]:
        reading.format = "lines"
        return _plain(source, head[0] if head else "", column)
    if delimiter == ";":
        reading.excel_style = True
    return _table(source, delimiter, column, reading)


def _size(binary: IO[bytes]) -> int | None:
    try:
        status = os.fstat(binary.fileno())
    except (OSError, AttributeError, ValueError):  # no file descriptor: a test's BytesIO, say
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


# Lines: bytes to text, one line at a time.

def _lines(binary: IO[bytes], sample: bytes, reading: Reading) -> Iterator[Line]:
    if sample.startswith(UTF16_BOMS):
        reading.encoding, reading.excel_style = "utf-16", True
        return _utf16_lines(binary, sample, reading)
    bare = _utf16_without_bom(sample)
    if bare is not None:
        reading.encoding, reading.excel_style = bare, True
        return _utf16_lines(binary, sample, reading, bare)
    if sample.startswith(codecs.BOM_UTF8):
        reading.encoding, reading.excel_style = "utf-8-sig", True
        reading.bytes_read = len(codecs.BOM_UTF8)
        sample = sample[len(codecs.BOM_UTF8):]
    return _byte_lines(binary, sample, reading)


def _byte_lines(binary: IO[bytes], buffer: bytes, reading: Reading) -> Iterator[Line]:
    """Lines split on CRLF, LF or CR, each decoded as UTF-8, else as cp1252."""
    at, ended, skipping = 0, False, False
    while True:
        found = LINE_END.search(buffer, at)
        # A CR at the end of what was read may be the first half of a CRLF.
        if found is None or (found.group() == b"\r" and found.end() == len(buffer) and not ended):
            if len(buffer) - at > MAX_LINE_BYTES and not skipping:
                reading.bytes_read += len(buffer) - at
                yield Line(_decoded(buffer[at:at + SHOWN], reading),
                           TOO_LONG)
                buffer, at, skipping = b"", 0, True
                continue
            if ended:
                if at < len(buffer) and not skipping:
                    reading.bytes_read += len(buffer) - at
                    yield _line(buffer[at:], reading)
                return
            more = binary.read(SAMPLE_BYTES)
            ended = not more
            if skipping:
                reading.bytes_read += len(buffer) - at
                buffer, at = b"", 0
            buffer = buffer[at:] + more
            at = 0
            continue
        raw = buffer[at:found.end()]
        at = found.end()
        reading.bytes_read += len(raw)
        if skipping:
            skipping = False
            continue
        if len(raw) > MAX_LINE_BYTES:
            yield Line(_decoded(raw[:SHOWN], reading), TOO_LONG)
            continue
        yield _line(raw, reading)


def _line(raw: bytes, reading: Reading) -> Line:
    try:
        return Line(raw.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return Line(raw.decode("cp1252", errors="replace"), "the line is neither UTF-8 nor cp1252 text")
    reading.encoding, reading.excel_style = "cp1252", True
    return Line(text)


def _decoded(raw: bytes, reading: Reading) -> str:
    return _line(raw, reading).text


def _utf16_without_bom(sample: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" for text saved as UTF-16 without its BOM (some tools do): the zero
    byte of each ASCII character then stands in every other place. Read as bytes, each half-line
    would be an error row of its own."""
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even, odd = sample[0:pairs * 2:2].count(0), sample[1:pairs * 2:2].count(0)
    if odd >= 0.6 * pairs and even == 0:
        return "utf-16-le"
    if even >= 0.6 * pairs and odd == 0:
        return "utf-16-be"
    return None


def _utf16_lines(binary: IO[bytes], sample: bytes, reading: Reading,
                 encoding: str = "utf-16") -> Iterator[Line]:
    text = io.TextIOWrapper(io.BufferedReader(Rewound(sample, binary)), encoding=encoding,
                            errors="replace", newline="")
    reading.bytes_read = 2 if encoding == "utf-16" else 0  # the BOM
    limit = MAX_LINE_BYTES // 2
    while line := text.readline(limit):
        reading.bytes_read += 2 * len(line)  # near enough for progress: surrogate pairs are rare
        if len(line) == limit and not line.endswith(("\n", "\r")):
            while (rest := text.readline(limit)) and not rest.endswith(("\n", "\r")):
                reading.bytes_read += 2 * len(rest)
            reading.bytes_read += 2 * len(rest)
            yield Line(line[:SHOWN], TOO_LONG)
            continue
        yield Line(line)


class _Source:
    """The input's non-blank lines (blank ones are counted), with the lines a CSV record took kept
    aside, so lines swallowed by a broken record can be put back and read again."""

    def __init__(self, lines: Iterator[Line], reading: Reading) -> None:
        self._lines, self._reading = lines, reading
        self._back: deque[Line] = deque()
        self.taken: list[Line] = []
        # Lines handed out or skipped so far, header included: the input's line number of the last one.
        self.line = 0
        # CSV records skip their blank lines themselves: a blank line inside a quoted cell is the cell's.
        self.skip_blank = True

    def peek(self, count: int) -> list[str]:
        """The first `count` non-blank lines within the sample; every line, blank ones too, is left to
        be read again."""
        return [line.text for line in self.peek_lines(count)]

    def peek_lines(self, count: int) -> list[Line]:
        """As peek, the lines with what could not be read of them."""
        seen: list[Line] = []
        found: list[Line] = []
        while len(found) < count and self._reading.bytes_read < SAMPLE_BYTES:
            line = self._back.popleft() if self._back else next(self._lines, None)
            if line is None:
                break
            seen.append(line)
            if line.text.strip():
                found.append(line)
        self._back.extendleft(reversed(seen))
        return found

    def skip_line(self) -> None:
        """The next non-blank line, read and dropped (counted as a line of the input)."""
        self._next_line()

    def put_back(self, lines: list[Line]) -> None:
        self._back.extendleft(reversed(lines))
        self.line -= len(lines)

    def _next_line(self) -> Line | None:
        while True:
            line = self._back.popleft() if self._back else next(self._lines, None)
            if line is None:
                return None
            self.line += 1
            if not self.skip_blank or line.text.strip():
                return line
            self._reading.blank_lines += 1

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self._next_line()
        if line is None:
            raise StopIteration
        self.taken.append(line)
        return line.text

    def next_line(self) -> Line | None:
        line = self._next_line()
        if line is not None:
            self.taken.append(line)
        return line


def _strip_end(text: str) -> str:
    return text.rstrip("\r\n")


# Plain lists: one identifier a line.

def _plain(source: _Source, first: str, column: str | None = None) -> Iterator[Row]:
    # A lone known column name on the first line is a header (the one `column` names, when given: a
    # one-column export from a spreadsheet); anything else there is a row.
    heading = fold(_unquoted(_strip_end(first)))
    if column is not None and heading != fold(column):
        raise InvalidInput("input", f"the input has no column {column!r}: it is a list of identifiers, one "
                           f"per line, whose first line is {shortened(_strip_end(first), SHOWN)!r}")
    if heading in IDENTIFIER_COLUMNS or column is not None:
        source.next_line()
    number = 0
    while (line := source.next_line()) is not None:
        number += 1
        text = _unquoted(_strip_end(line.text))
        if line.problem is not None:
            yield Row(number, shortened(text, SHOWN), problem=line.problem)
        else:
            yield _row(number, text)


def _unquoted(text: str) -> str:
    """A line that is wholly one quoted field, as a spreadsheet may save it, without its quotes."""
    if len(text) >= 2 and text[0] == text[-1] == '"' and '"' not in text[1:-1].replace('""', ""):
        return text[1:-1].replace('""', '"')
    return text


# CSV.

def _delimiter(lines: list[str]) -> str:
    """The delimiter Excel used: `;`, `,` or tab, whichever splits the first lines alike."""
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("".join(lines), delimiters=";,\t").delimiter
    except csv.Error:
        return next((d for d in ";\t," if d in lines[0]), ",")


def _table(source: _Source, delimiter: str, column: str | None, reading: Reading) -> Iterator[Row]:
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
    records = csv.reader(source, delimiter=delimiter, strict=True)
    try:
        header = next(records)
    except csv.Error as error:
        raise InvalidInput("input", f"the header is not valid CSV ({error})") from None
    names = [fold(name) for name in header]
    wanted = fold(column) if column else None
    at = names.index(wanted) if wanted in names else None
    if wanted is not None and at is None:
        raise InvalidInput("input", f"the input has no column {column!r}; it has {', '.join(header)}")
    if at is None:
        found = [i for i, name in enumerate(names) if name in IDENTIFIER_COLUMNS]
        if len(found) > 1:  # which one the rows are about is the user's to say
            raise InvalidInput("input", f"the header has {len(found)} identifier columns "
                               f"({', '.join(header[i] for i in found)}); name the one to look up with the "
                               "column option")
        at = found[0] if found else None
    if at is None:
        raise InvalidInput("input", "no identifier column in the header ("
                           f"{', '.join(header)}); name it with the column option")
    reading.format = "csv"
    # The identifier's column is that alone, whatever its name ("service", named with the column option).
    services = next((i for i, name in enumerate(names) if name in SERVICE_COLUMNS and i != at), None)
    langs = next((i for i, name in enumerate(names) if name in LANG_COLUMNS and i != at), None)
    others = [i for i in range(len(header)) if i not in (at, services, langs)]
    header = list(header)
    for i, name in zip(others, named_apart([header[i] for i in others]), strict=True):
        header[i] = name
    reading.extra_columns = [header[i] for i in others]
    source.skip_blank = False
    return _records(source, records, at, services, langs, others, header, reading, delimiter)


def named_apart(names: list[str]) -> list[str]:
    """The columns kept from the input, each named apart from the output's own columns and from each
    other ("error" becomes "input_error"): a reader of the output by column name (a spreadsheet's
    lookup, pandas) would otherwise take the input's "error" for the result's. Names already apart stay
    as they are, and a name keeps its place whatever comes after it."""
    taken = {name.casefold() for name in (*CSV_COLUMNS, MAPPING_COLUMN)}
    named = []
    for name in names:
        while name.casefold() in taken:
            name = f"input_{name}"
        taken.add(name.casefold())
        named.append(name)
    return named


def _records(source: _Source, records: Iterator[list[str]], at: int, services: int | None,
             langs: int | None, others: list[int], header: list[str], reading: Reading,
             delimiter: str) -> Iterator[Row]:
    number = 0
    while True:
        source.taken = []
        problem = None
        try:
            record = next(records)
        except StopIteration:
            return
        except csv.Error as error:
            if not source.taken:  # the csv module gave up without taking a line: nothing is left
                return
            problem = f"not valid CSV ({error})"
            record = []
        taken = source.taken
        if problem is None and len(taken) == 1 and not taken[0].text.strip():
            reading.blank_lines += 1  # a blank line between records; one inside a quoted cell is the cell's
            continue
        number += 1
        if problem is None and len(taken) > 1:
            if len(record) > at and "\n" in record[at].replace("\r", "\n"):
                problem = STRAY
            else:
                maybe = _maybe_stray(taken, record, at, len(header), delimiter, source.line - len(taken) + 1)
                if maybe is not None:
                    # What may be a note is not read again: none of its lines is looked up.
                    yield Row(number, shortened(_strip_end(taken[0].text), SHOWN), problem=maybe)
                    continue
        if problem is not None:
            # The row is its first line only; the lines the broken record swallowed are rows again.
            source.put_back(taken[1:])
            yield Row(number, shortened(_strip_end(taken[0].text), SHOWN), problem=problem)
            continue
        noted = next((line.problem for line in taken if line.problem), None)
        if noted is not None:
            yield Row(number, shortened(_strip_end(taken[0].text), SHOWN), problem=noted)
            continue
        if len(record) <= at:
            yield Row(number, "", problem=f"row {number} has {len(record)} field(s); the identifier is "
                      f"field {at + 1}")
            continue
        if len(record) > len(header):
            reading.wide_rows += 1
            reading.first_wide_row = reading.first_wide_row or number
        cell = record[services] if services is not None and services < len(record) else ""
        lang = record[langs].strip() if langs is not None and langs < len(record) else ""
        extra = {header[i]: record[i] if i < len(record) else "" for i in others}
        yield _row(number, record[at], cell, lang or None, extra)


def _maybe_stray(taken: list[Line], record: list[str], at: int, width: int, delimiter: str,
                 first: int) -> str | None:
    """Why a record over several lines, its identifier on its first, may be a quote opened by mistake
    rather than a cell with line breaks, if it may; `first` is the input's line number of its first line.

    A stray quote and a note typed with Alt+Enter can be the very same bytes, so the answer is a row error
    that names the lines, for the admin to look at, never a guess either way."""
    span = f"a quoted cell runs over {len(taken)} lines (lines {first}-{first + len(taken) - 1})"
    if len(record) > width:
        return f"{span} and leaves {len(record)} fields, not {width}: a stray quote? {UNREAD}"
    like = [first + i for i, line in enumerate(taken) if i and _row_like(line.text, at, width, delimiter)]
    if not like:
        return None
    shown = ", ".join(str(n) for n in like[:5]) + (f" and {len(like) - 5} more" if len(like) > 5 else "")
    reads = f"line {shown} reads as a row of its own" if len(like) == 1 else (
        f"lines {shown} read as rows of their own")
    return f"{span}, and {reads}: a stray quote? {UNREAD}"


def _row_like(text: str, at: int, width: int, delimiter: str) -> bool:
    """Whether a line inside a quoted cell, read alone, is what the reader would take for a row: as many
    fields as the header and an identifier in its column (the shapes a row's identifier has); or a short
    row whose identifier is an e-mail address or a business ID, which a line of prose seldom is alone."""
    try:
        fields = next(csv.reader([text], delimiter=delimiter), [])
    except csv.Error:
        return False
    if len(fields) <= at or len(fields) > width:
        return False
    value = fields[at].strip().strip('"')  # the line that closes a stray quote ends in it
    strong = looks_like_email(value) if "@" in value else looks_like_business_id(value)
    # A legacy ID of letters and digits together (ESIM0077) alone on a line is no word of a note.
    coded = LEGACY_ID.fullmatch(value) is not None and has_letter_and_digit(value)
    return strong or coded or (len(fields) == width and LEGACY_ID.fullmatch(value) is not None)


def _row(number: int, identifier: str, services: str = "", lang: str | None = None,
         extra: dict[str, Any] | None = None) -> Row:
    asked = tuple(s.strip() for s in services.split(SERVICE_SEPARATOR) if s.strip())
    problem = None if identifier.strip() else "the identifier is empty"
    if problem is None and lang is not None and lang.strip().casefold() not in LANGUAGES:
        # As diagnose --lang refuses it: the script would otherwise come out in another language unsaid.
        problem = f"the script language {lang.strip()!r} is not one of {', '.join(LANGUAGES)}"
    return Row(number, identifier, asked, lang.strip().casefold() if lang and not problem else lang,
               extra or {}, problem)


# NDJSON.

def _ndjson(source: _Source, reading: Reading, column: str | None = None) -> Iterator[Row]:
    headed = set(reading.extra_columns)  # what a CSV header written before the first row has columns for
    known = set(headed)
    number = 0
    while (line := source.next_line()) is not None:
        number += 1
        if line.problem is not None:
            yield Row(number, shortened(line.text.strip(), SHOWN), problem=line.problem)
            continue
        row = _object_row(number, line.text, column)
        if not headed.issuperset(row.extra):
            new = [key for key in row.extra if key not in known]
            known.update(new)
            reading.extra_columns += new
            reading.unheaded_keys += new
            reading.unheaded_rows += 1
            reading.first_unheaded_row = reading.first_unheaded_row or number
        yield row


def _keys_of(lines: list[Line], column: str | None) -> list[str]:
    """The other keys of the objects on these lines, first seen first."""
    keys: dict[str, None] = {}
    for line in lines:
        if line.problem is None:
            keys.update(dict.fromkeys(_object_row(0, line.text, column).extra))
    return list(keys)


def as_given(value: Any) -> str:
    """A value as the input had it, as text: text as it is, null as nothing, anything else as its JSON
    (true, 42, ["x"])."""
    if value is None or isinstance(value, str):
        return value or ""
    return json.dumps(value, ensure_ascii=False)


def _object_row(number: int, line: str, column: str | None = None) -> Row:
    try:
        record: Any = json_document(line)
    except NotJson as error:
        return Row(number, line.strip(), problem=error.reason.removeprefix("not valid JSON: ")
                   if error.number or error.told else "not a JSON object")
    if not isinstance(record, dict):
        return Row(number, line.strip(), problem="not a JSON object")
    folded = {fold(str(k)): v for k, v in record.items()}
    if len(folded) < len(record):
        # "service" and "Service" with different values: one would be dropped unsaid, and its question
        # with it.
        keys: dict[str, list[Any]] = {}
        for key in record:
            keys.setdefault(fold(str(key)), []).append(key)
        twice = next((sent for sent in keys.values() if len({json.dumps(record[k]) for k in sent}) > 1), None)
        if twice is not None:
            return Row(number, line.strip(), problem=f"the keys {', '.join(repr(str(k)) for k in twice)} are "
                       "one key written in different case, with different values; keep one")
    at = _key(folded, (fold(column),) if column is not None else IDENTIFIER_COLUMNS)
    identifier = folded[at] if at is not None else None
    if column is not None:  # the identifier's key is that alone, whatever its name
        folded.pop(fold(column), None)
    at_services, at_lang = _key(folded, SERVICE_COLUMNS), _key(folded, LANG_COLUMNS)
    services = folded[at_services] if at_services is not None else None
    lang = folded[at_lang] if at_lang is not None else None
    # Every key but those the row is about is kept, as a CSV row's other columns are: a note, a ticket.
    used = {at, at_services, at_lang}
    extra = {str(key): value for key, value in record.items() if fold(str(key)) not in used}
    held = [key for key in IDENTIFIER_COLUMNS if key in folded] if column is None else []
    if len(held) > 1 and len({str(folded[key]) for key in held}) > 1:
        return Row(number, as_given(identifier), extra=extra,
                   problem=f"{len(held)} identifiers ({', '.join(held)}); name the one to look up with the "
                           "column option")
    if not isinstance(identifier, str):
        wanted = f"under the key {column!r}" if column is not None else \
            "under a key such as \"identifier\" or \"email\""
        return Row(number, as_given(identifier), extra=extra, problem=f"no identifier (a string {wanted})")
    # A service or language of another type is the row's error, never dropped: the row would
    # otherwise be diagnosed for every service, or scripted in another language, unsaid.
    if isinstance(services, list) and all(s is None or isinstance(s, str) for s in services):
        services = SERVICE_SEPARATOR.join(s for s in services if s is not None)  # null: no service
    elif services is not None and not isinstance(services, str):
        return Row(number, identifier, extra=extra,
                   problem="the services are not a string or a list of strings")
    if lang is not None and not isinstance(lang, str):
        return Row(number, identifier, extra=extra, problem="the script language is not a string")
    return _row(number, identifier, services or "", lang if lang and lang.strip() else None, extra)


def _key(folded: dict[str, Any], keys: Iterable[str]) -> str | None:
    return next((k for k in keys if k in folded), None)


class Rewound(io.RawIOBase):
    """The sample read for sniffing, then the rest of the stream: no seeking needed (stdin can't)."""

    def __init__(self, sample: bytes, rest: IO[bytes]) -> None:
        self._sample, self._rest = sample, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._sample:
            n = min(len(buffer), len(self._sample))
            buffer[:n] = self._sample[:n]
            self._sample = self._sample[n:]
            return n
        chunk = self._rest.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)
