"""The rows of a bulk check, read as they come: CSV (as Excel writes it), plain lines, or NDJSON.

Nothing is read whole: a million-row file streams through in constant memory.
What Excel writes is understood: `;`, `,` or tab between fields (sniffed),
UTF-8 with or without a BOM, or cp1252 when the bytes are not UTF-8, CRLF,
quoted fields with delimiters inside. Blank lines are skipped and counted,
never numbered as rows. A row that can't be used is still a row: it carries
its problem and becomes an output row with an error.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from postisupport.core.identifiers import fold
from postisupport.errors import InvalidInput

# Header names of the identifier column, any case (folded), in English, Finnish and Swedish.
IDENTIFIER_COLUMNS = (
    "identifier", "email", "e-mail", "email address", "e-mail address", "login", "user", "username",
    "legacy_user_id", "legacy user id", "sähköposti", "sähköpostiosoite", "käyttäjätunnus",
    "asiointitunnus", "tunnus", "e-post", "e-postadress", "epost", "användarnamn", "ärendekod",
)
SERVICE_COLUMNS = ("service", "services", "palvelu", "palvelut", "tjänst", "tjänster")
LANG_COLUMNS = ("lang", "language", "kieli", "språk")
SERVICE_SEPARATOR = "|"
SAMPLE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Row:
    """One data row: its 1-based number (blank lines not counted), the identifier exactly as given,
    the services and script language asked for, the input's other columns, and what is wrong with it."""

    number: int
    identifier: str
    services: tuple[str, ...] = ()
    lang: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    problem: str | None = None


@dataclass
class Reading:
    """What reading found besides the rows: the format, the encoding, the other columns, blank lines."""

    format: str = "lines"
    encoding: str = "utf-8"
    extra_columns: list[str] = field(default_factory=list)
    blank_lines: int = 0


def rows(
    binary: IO[bytes], column: str | None = None, reading: Reading | None = None
) -> Iterator[Row]:
    """The rows of an input, streamed. `column` names the identifier column of a CSV file.

    Raises InvalidInput (field "input") when the input as a whole can't be read: no identifier column
    in a CSV header, a `column` that isn't there."""
    reading = reading if reading is not None else Reading()
    sample = binary.read(SAMPLE_BYTES)
    reading.encoding = _encoding(sample)
    raw = io.BufferedReader(_Rewound(sample, binary))
    text = io.TextIOWrapper(raw, encoding=reading.encoding, newline="")
    head = sample.decode(reading.encoding, errors="replace").lstrip("\ufeff")
    first = next((line for line in head.splitlines() if line.strip()), "")
    if first.lstrip().startswith("{"):
        reading.format = "ndjson"
        return _ndjson(text, reading)
    return _table(text, head, column, reading)


def _encoding(sample: bytes) -> str:
    """UTF-8 (a BOM is dropped), else cp1252: what Finnish Excel writes as "CSV"."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _table(text: IO[str], head: str, column: str | None, reading: Reading) -> Iterator[Row]:
    lines = [line for line in head.splitlines() if line.strip()]
    delimiter = _delimiter(lines[:20])
    records = csv.reader(_skip_blank(text, reading), delimiter=delimiter)
    header = next(records, None)
    if header is None:
        return iter(())
    names = [fold(name) for name in header]
    wanted = fold(column) if column else None
    at = names.index(wanted) if wanted in names else None
    if wanted is not None and at is None:
        raise InvalidInput("input", f"the input has no column {column!r}; it has {', '.join(header)}")
    if at is None:
        at = next((i for i, name in enumerate(names) if name in IDENTIFIER_COLUMNS), None)
    if at is None:
        if len(header) > 1:
            raise InvalidInput("input", "no identifier column in the header ("
                               f"{', '.join(header)}); name it with the column option")
        # One column and no known name: plain lines, the first of them a row too.
        reading.format = "lines"
        return _lines(header, records)
    reading.format = "csv" if len(header) > 1 or delimiter in "".join(lines[:1]) else "lines"
    services = next((i for i, name in enumerate(names) if name in SERVICE_COLUMNS), None)
    langs = next((i for i, name in enumerate(names) if name in LANG_COLUMNS), None)
    others = [i for i in range(len(header)) if i not in (at, services, langs)]
    reading.extra_columns = [header[i] for i in others]
    return _records(records, at, services, langs, others, header)


def _delimiter(lines: list[str]) -> str:
    """The delimiter Excel used: `;`, `,` or tab, whichever splits the first lines alike."""
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=";,\t").delimiter
    except csv.Error:
        return ","


def _skip_blank(text: IO[str], reading: Reading) -> Iterator[str]:
    for line in text:
        if line.strip():
            yield line
        else:
            reading.blank_lines += 1


def _lines(first: list[str], records: Iterator[list[str]]) -> Iterator[Row]:
    number = 1
    yield _row(number, first[0] if first else "")
    for record in records:
        number += 1
        yield _row(number, record[0] if record else "")


def _records(records: Iterator[list[str]], at: int, services: int | None, langs: int | None,
             others: list[int], header: list[str]) -> Iterator[Row]:
    for number, record in enumerate(records, start=1):
        if len(record) <= at:
            yield Row(number, "", problem=f"row {number} has {len(record)} field(s); the identifier is "
                      f"field {at + 1}")
            continue
        cell = record[services] if services is not None and services < len(record) else ""
        lang = record[langs].strip() if langs is not None and langs < len(record) else ""
        extra = {header[i]: record[i] if i < len(record) else "" for i in others}
        yield _row(number, record[at], cell, lang or None, extra)


def _row(number: int, identifier: str, services: str = "", lang: str | None = None,
         extra: dict[str, str] | None = None) -> Row:
    asked = tuple(s.strip() for s in services.split(SERVICE_SEPARATOR) if s.strip())
    problem = None if identifier.strip() else "the identifier is empty"
    return Row(number, identifier, asked, lang, extra or {}, problem)


def _ndjson(text: IO[str], reading: Reading) -> Iterator[Row]:
    number = 0
    for line in _skip_blank(text, reading):
        number += 1
        try:
            record: Any = json.loads(line)
        except (ValueError, RecursionError):
            yield Row(number, line.strip(), problem="not a JSON object")
            continue
        if not isinstance(record, dict):
            yield Row(number, line.strip(), problem="not a JSON object")
            continue
        folded = {fold(str(k)): v for k, v in record.items()}
        identifier = next((folded[k] for k in IDENTIFIER_COLUMNS if k in folded), None)
        services = next((folded[k] for k in SERVICE_COLUMNS if k in folded), None)
        lang = next((folded[k] for k in LANG_COLUMNS if k in folded), None)
        if not isinstance(identifier, str):
            yield Row(number, "" if identifier is None else str(identifier),
                      problem="no identifier (a string under a key such as \"identifier\" or \"email\")")
            continue
        if isinstance(services, list):
            services = SERVICE_SEPARATOR.join(str(s) for s in services)
        yield _row(number, identifier, services if isinstance(services, str) else "",
                   lang if isinstance(lang, str) and lang.strip() else None)


class _Rewound(io.RawIOBase):
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
