"""A bulk check: one diagnosis per input row, many at once, politely, and safe to interrupt.

Rows stream in (ops/bulk_input.py) and results stream out in input order, each
appended and flushed as soon as it and the rows before it are done, so memory
stays flat however long the input. The output is its own journal: a rerun with
`resume` reads it back, repairs a last line cut short by a kill, and does only
the rows it lacks; `retry_failed` reruns the rows that ended with an error and
rewrites the output atomically (a temporary file, then a rename).

A bulk row is exactly one `diagnose` (ops.diagnose.diagnose): the same engine,
the same document, on one shared client, with the organisations' groups and
administrators asked once per organisation (ops.fetch.Shared).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, Protocol

from postisupport.config.settings import Settings
from postisupport.errors import (
    ApiError,
    InvalidInput,
    OutputExists,
    PostisupportError,
    UnreachableError,
)
from postisupport.ops import connect
from postisupport.ops.audit import AuditTrail
from postisupport.ops.bulk_input import Reading, Row, rows
from postisupport.ops.diagnose import DiagnoseOptions, diagnose, record
from postisupport.ops.fetch import Shared
from postisupport.output.document import as_json, dumps_line
from postisupport.output.table import CSV_COLUMNS, csv_record
from postisupport.output.view import View

Format = Literal["csv", "ndjson"]
Mode = Literal["new", "resume", "retry-failed", "force"]
# A row's own failures become its output row. Refused credentials stop the run at once, and so
# does an API that can't be reached before any row got through, or for STOP_AFTER rows in a row:
# nothing is gained by writing thousands of identical errors, and the run can be resumed.
ROW_ERRORS = (InvalidInput, ApiError, UnreachableError)
STOP_AFTER = 5
WINDOW = 8  # rows in flight per unit of concurrency: room to keep every worker busy behind a slow row


@dataclass(frozen=True)
class BulkOptions:
    input: Path | None  # None: stdin
    output: Path | None  # None: stdout
    format: Format = "ndjson"
    column: str | None = None
    concurrency: int = 8
    rate: float | None = None  # requests per second, shared by all workers
    mode: Mode = "new"
    excel: bool = False


@dataclass
class Summary:
    rows: int = 0
    done_before: int = 0  # rows a resumed run found already in the output
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    blank_lines: int = 0
    requests: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


class Progress(Protocol):
    """What a bulk run tells its watcher; the command line shows it, a test may count it."""

    def row_done(self, summary: Summary) -> None: ...


DescribeError = Callable[[PostisupportError], dict[str, Any]]


def run(settings: Settings, options: BulkOptions, view: View, describe: DescribeError,
        trail: AuditTrail | None = None, progress: Progress | None = None,
        stdin: IO[bytes] | None = None, stdout: IO[str] | None = None, observe: Any = None) -> Summary:
    """Check every row of the input; returns what happened. `describe` turns a row's error into its
    `error` object (kind, exit code, message): only the command line knows exit codes."""
    check_output(options)
    summary = Summary()
    started = time.monotonic()
    reading = Reading()
    done, failed = _read_back(options)
    summary.done_before = len(done) - len(failed) if options.mode == "retry-failed" else len(done)
    source = options.input.open("rb") if options.input is not None else stdin
    assert source is not None, "stdin is the input when no file is named"
    try:
        wanted = (r for r in rows(source, options.column, reading)
                  if (r.number in failed if options.mode == "retry-failed" else r.number not in done))
        with _Output(options, reading, failed, stdout) as out:
            asyncio.run(_check(settings, options, view, describe, trail, progress, wanted, out, summary,
                               observe))
    finally:
        if options.input is not None:
            source.close()
        summary.blank_lines = reading.blank_lines
        summary.seconds = time.monotonic() - started
    return summary


def check_output(options: BulkOptions) -> None:
    """An existing output is never overwritten by accident."""
    exists = options.output is not None and options.output.exists() and options.output.stat().st_size > 0
    if exists and options.mode == "new":
        raise OutputExists(options.output)  # type: ignore[arg-type]
    if options.mode in ("resume", "retry-failed") and options.output is None:
        raise InvalidInput("output", f"{options.mode} needs an output file to read back")


async def _check(settings: Settings, options: BulkOptions, view: View, describe: DescribeError,
                 trail: AuditTrail | None, progress: Progress | None, wanted: Iterator[Row],
                 out: _Output, summary: Summary, observe: Any) -> None:
    from aiolimiter import AsyncLimiter

    from postisupport.scim.client import PATIENT

    throttle = AsyncLimiter(options.rate, 1) if options.rate else None
    shared = Shared()
    async with connect.client(settings, max_concurrency=options.concurrency, retry=PATIENT,
                              throttle=throttle, observe=observe) as client:
        window: deque[tuple[Row, asyncio.Task[Any]]] = deque()

        async def one(row: Row) -> Any:
            if row.problem is not None:
                return InvalidInput("input", row.problem)
            asked = DiagnoseOptions(row.identifier, row.services, row.lang, settings.default_lang)
            try:
                result = await diagnose(client, asked, shared)
            except ROW_ERRORS as error:
                return error
            record(trail, settings, asked, result)
            return result

        unreachable = 0

        def flush_head() -> None:
            nonlocal unreachable
            row, task = window.popleft()
            outcome = task.result()
            if isinstance(outcome, UnreachableError):
                unreachable += 1
                if unreachable >= STOP_AFTER or not summary.outcomes:
                    raise outcome
            elif not isinstance(outcome, PostisupportError):
                unreachable = 0
            if isinstance(outcome, PostisupportError):
                summary.errors[describe(outcome)["kind"]] += 1
                out.write(row, None, describe(outcome))
            else:
                summary.outcomes[outcome.decision.outcome] += 1
                out.write(row, as_json(outcome, view), None)
            summary.rows += 1
            summary.requests = client.requests
            if progress is not None:
                progress.row_done(summary)

        try:
            for row in wanted:
                window.append((row, asyncio.ensure_future(one(row))))
                while window and window[0][1].done():
                    flush_head()
                # Rows started ahead of the oldest unfinished one; bounded, so memory stays flat.
                if len(window) >= WINDOW * options.concurrency:
                    await asyncio.wait([window[0][1]])
                    while window and window[0][1].done():
                        flush_head()
            while window:
                await asyncio.wait([window[0][1]])
                while window and window[0][1].done():
                    flush_head()
        finally:
            for _, task in window:
                task.cancel()
            summary.requests = client.requests


class _Output:
    """Where results go, one flushed line per row: NDJSON documents or CSV records."""

    def __init__(self, options: BulkOptions, reading: Reading, failed: set[int], stdout: IO[str] | None):
        self.options, self.reading, self.failed = options, reading, failed
        self.stdout = stdout
        self.file: IO[str] | None = None
        self.csv: Any = None
        self.temporary: Path | None = None

    def __enter__(self) -> _Output:
        options = self.options
        if options.output is None:
            assert self.stdout is not None
            self.file = self.stdout
        elif options.mode == "retry-failed":
            # Every row that did not fail, copied; the reruns appended; then the temp file takes its place.
            self.temporary = options.output.with_name(options.output.name + ".tmp")
            self.file = self.temporary.open("w", encoding=_encoding(options), newline="")
            _copy_kept(options, self.failed, self.file)
        else:
            mode = "a" if options.mode == "resume" else "w"
            self.file = options.output.open(mode, encoding=_encoding(options), newline="")
        return self

    def write(self, row: Row, document: dict[str, Any] | None, error: dict[str, Any] | None) -> None:
        assert self.file is not None
        if self.options.format == "ndjson":
            line = {**(document or {}), "row": row.number, "input": row.identifier, "error": error}
            self.file.write(dumps_line(line) + "\n")
        else:
            if self.csv is None:
                self._start_csv()
            identifier = document["identifier"] if document else row.identifier
            self.csv.writerow([*csv_record(row.number, identifier, document, error).values(),
                               *(row.extra.get(name, "") for name in self.reading.extra_columns)])
        self.file.flush()

    def _start_csv(self) -> None:
        assert self.file is not None
        self.csv = csv.writer(self.file, delimiter=";" if self.options.excel else ",", lineterminator="\r\n")
        fresh = self.file is self.stdout or self.file.tell() == 0
        if fresh:
            self.csv.writerow([*CSV_COLUMNS, *self.reading.extra_columns])

    def __exit__(self, *exc: object) -> None:
        if self.file is not None and self.file is not self.stdout:
            self.file.close()
        if self.temporary is not None and exc[0] is None:
            assert self.options.output is not None
            os.replace(self.temporary, self.options.output)


def _encoding(options: BulkOptions) -> str:
    # Excel opens a CSV as UTF-8 only when it starts with a BOM.
    return "utf-8-sig" if options.excel else "utf-8"


def _read_back(options: BulkOptions) -> tuple[set[int], set[int]]:
    """The rows the output already has, and those of them that ended with an error. A last line cut
    short by a kill is cut off the file, so its row is done again."""
    path = options.output
    if options.mode not in ("resume", "retry-failed") or path is None or not path.exists():
        return set(), set()
    _repair(path)
    done: set[int] = set()
    failed: set[int] = set()
    for number, row, error in _results(path, options):
        if row is None:
            raise InvalidInput("output", f"line {number} of {path} is not a result of a bulk run; "
                               "is it the right file, and the right format?")
        done.add(row)
        if error:
            failed.add(row)
    return done, failed


def _results(path: Path, options: BulkOptions) -> Iterator[tuple[int, int | None, bool]]:
    """(line number, row or None when the line is no result, whether it is an error) per line."""
    with path.open(encoding="utf-8-sig", newline="") as lines:
        if options.format == "ndjson":
            for number, line in enumerate(lines, start=1):
                try:
                    entry = json.loads(line)
                    yield number, int(entry["row"]), bool(entry.get("error"))
                except (ValueError, TypeError, KeyError, RecursionError):
                    yield number, None, False
            return
        records = csv.reader(lines, delimiter=";" if options.excel else ",")
        header = next(records, None)
        if header is None:
            return
        if "row" not in header or "error" not in header:
            yield 1, None, False
            return
        at_row, at_error = header.index("row"), header.index("error")
        for number, cells in enumerate(records, start=2):
            try:
                yield number, int(cells[at_row]), bool(cells[at_error])
            except (ValueError, IndexError):
                yield number, None, False


def _repair(path: Path) -> None:
    """Cut the file after its last complete line: a row half-written when the process was killed."""
    with path.open("rb+") as file:
        data = file.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            file.truncate(end)


def _copy_kept(options: BulkOptions, failed: set[int], target: IO[str]) -> None:
    assert options.output is not None
    with options.output.open(encoding="utf-8-sig", newline="") as lines:
        if options.format == "ndjson":
            for line in lines:
                if int(json.loads(line)["row"]) not in failed:
                    target.write(line)
            return
        raw = io.StringIO()
        records = csv.reader(lines, delimiter=";" if options.excel else ",")
        writer = csv.writer(raw, delimiter=";" if options.excel else ",", lineterminator="\r\n")
        header = next(records, [])
        writer.writerow(header)
        at_row = header.index("row")
        for cells in records:
            if int(cells[at_row]) not in failed:
                writer.writerow(cells)
        target.write(raw.getvalue())
