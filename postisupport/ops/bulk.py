"""A bulk check: one diagnosis per input row, many at once, politely, and safe to interrupt.

Rows stream in (ops/bulk_input.py) and results stream out in input order, each
appended and flushed as soon as it and the rows before it are done, so memory
stays flat however long the input. The output is its own journal: a rerun with
`resume` reads it back, keeps only its complete records (a record cut short by a
kill is cut off, so its row is done again), checks that they came from this
input, and does only the rows it lacks; `retry_failed` also reruns the rows that
ended with an error and writes the output anew. An output that is rewritten
(`retry_failed`, `force`, a workbook) is written to a private temporary file
beside it that takes its place at the end (config.private.replacing). Outputs
are private (0600): they hold names, addresses and phone numbers. One run at a
time writes an output: it holds an exclusive lock on it for the whole run.

A bulk row is exactly one `diagnose` (ops.diagnose.diagnose): the same engine,
the same document, on one shared client, with the organisations' groups and
administrators asked once per organisation (a directory opened with shared answers).
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import csv
import fcntl
import io
import json
import math
import os
import re
import stat
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Literal, Protocol

from postisupport.config.private import open_private, refuse_own, replacing
from postisupport.config.settings import Settings
from postisupport.core.text import terminal_safe
from postisupport.errors import (
    ApiError,
    FileProblem,
    InvalidInput,
    OutputExists,
    PostisupportError,
    UnreachableError,
    os_reason,
)
from postisupport.ops.audit import AuditTrail
from postisupport.ops.bulk_input import MAX_FIELD, Reading, Rewound, Row, as_given, named_apart, rows
from postisupport.ops.diagnose import Desk, DiagnoseOptions
from postisupport.output.document import as_json, dumps_line
from postisupport.output.table import (
    CSV_COLUMNS,
    LONE_SURROGATE,
    MAPPING_COLUMN,
    REPLACEMENT,
    SERVICE_SEPARATOR,
    csv_record,
    spreadsheet_safe,
    workbook_safe,
)
from postisupport.output.view import View
from postisupport.sources import read_through

Format = Literal["csv", "ndjson", "xlsx"]
Mode = Literal["new", "resume", "retry-failed", "force"]
# A row's own failures become its output row, and so does anything unexpected while one row is
# diagnosed or written down (odd data a rule did not foresee). Refused credentials stop the run at
# once, and so does an API that can't be reached before any row got through, or that can't be reached
# or answers with server errors for STOP_AFTER rows in a row: nothing is gained by writing thousands of
# identical errors, and the run can be resumed.
ROW_ERRORS = (InvalidInput, ApiError, UnreachableError)
STOP_AFTER = 5


def _the_apis(error: Exception | None) -> bool:
    """Whether a row's failure is the API's, whatever the row: it can't be reached, or it answers with a
    server error (5xx: down for maintenance, overloaded) after the retries."""
    if isinstance(error, UnreachableError):
        return True
    return isinstance(error, ApiError) and error.status is not None and error.status >= 500
LAST_WORDS = 2.0  # seconds a stopped run waits for its tasks to end before it closes its client
WINDOW = 8  # rows in flight per unit of concurrency: room to keep every worker busy behind a slow row
# Under --rate, rows started ahead of the oldest unfinished one: about what the rate lets through in
# this many seconds. Every request of a row waits its turn behind those of the rows started before it,
# so a window of hundreds would hold every row back until all had had their first request (minutes,
# with nothing written, and a stop throwing away every answer).
AHEAD_SECONDS = 2.0
TICK = 5.0  # seconds without a row done after which the watcher hears the run goes on
SAMPLE_BYTES = 64 * 1024  # what is read of the input to tell whether Excel wrote it
BOM = "\ufeff"


@dataclass(frozen=True)
class BulkOptions:
    input: Path | None  # None: stdin
    output: Path | None  # None: stdout
    format: Format = "ndjson"
    column: str | None = None
    concurrency: int = 8
    rate: float | None = None  # requests per second, shared by all workers
    mode: Mode = "new"
    excel: bool | None = None  # CSV as Excel writes it; None: when the input is as Excel writes it
    count_rows: bool = False  # count an input file's rows first, for a total to show progress against
    # The tool's own files (the audit trail and its key), never an output, whatever the options say.
    own_files: tuple[Path, ...] = ()


@dataclass
class Summary:
    rows: int = 0  # rows this run did
    done_before: int = 0  # rows a resumed run found already in the output, and kept
    total: int | None = None  # rows the input has, when they were counted
    # What the output holds when the run ends: the rows kept and the rows done.
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    blank_lines: int = 0
    wide_rows: int = 0  # rows with more fields than the header; their extra fields are not in the output
    first_wide_row: int | None = None
    # NDJSON rows read from a pipe with keys its first lines lack, which a CSV or workbook output has no
    # column for (Reading.unheaded_rows): the count, the first such row, those keys.
    unheaded_rows: int = 0
    first_unheaded_row: int | None = None
    unheaded_keys: list[str] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    excel: bool = False  # whether the CSV written is as Excel writes it
    # Workbook cells that held what XML can't (replaced by U+FFFD), and cells cut to Excel's limit.
    replaced_cells: int = 0
    cut_cells: int = 0

    @property
    def failed(self) -> int:
        """Rows of the output that are errors."""
        return sum(self.errors.values())


class Progress(Protocol):
    """What a bulk run tells its watcher; the command line shows it, a test may count it."""

    def started(self, summary: Summary) -> None: ...

    def row_done(self, summary: Summary) -> None: ...

    def waiting(self, summary: Summary) -> None:
        """No row done for TICK seconds (a slow API, or --rate): the watcher may say the run goes on."""


DescribeError = Callable[[Exception], dict[str, Any]]


def run(settings: Settings, options: BulkOptions, view: View, describe: DescribeError,
        trail: AuditTrail | None = None, progress: Progress | None = None,
        stdin: IO[bytes] | None = None, stdout: IO[str] | None = None, observe: Any = None) -> Summary:
    """Check every row of the input; returns what happened. `describe` turns a row's error into its
    `error` object (kind, exit code, message): only the command line knows exit codes."""
    summary = Summary()
    started = time.monotonic()
    # What this run reads may not be what it writes: the directory it checks, or its settings.
    options = replace(options, own_files=(*options.own_files, *settings.files_read))
    check_output(options, stdin, stdout)
    reading = Reading()
    with contextlib.ExitStack() as stack:
        source = _open_input(options.input, stdin)
        if options.input is not None:
            stack.callback(source.close)
        sample = source.read(SAMPLE_BYTES)
        mapping = read_through(settings)
        output = stack.enter_context(_Output(options, stdout, mapping))
        kept = output.kept
        kept.check_mapping(mapping)
        summary.done_before = len(kept.inputs) - len(kept.failed & kept.redo)
        summary.outcomes.update(kept.outcomes)
        if not kept.redo:  # a retry does every error row again: they count when done
            summary.errors.update(kept.errors)
        keys = None
        counted = bool(kept.inputs) or options.count_rows
        if options.input is not None and (counted or options.format != "ndjson") and _is_file(options.input):
            # Before anything is written: an output resumed from another input is refused whole. (A named
            # pipe can't be read twice: its rows are held to the output as they come, in `wanted`.) A CSV
            # or workbook output of an NDJSON input gets a column for every key: the file is read for them.
            summary.total, keys = _first_pass(options.input, options.column, kept, counted)
        summary.excel = (kept.excel if kept.excel is not None else
                         options.excel if options.excel is not None else _excel_style(sample))
        try:
            stream = rows(io.BufferedReader(Rewound(sample, source)), options.column, reading, keys)
            # Only a CSV output's header tells its columns.
            kept.check_columns(reading.extra_columns, reading.format)
            wanted = kept.wanted(stream)
            # The columns as headed: an NDJSON input's keys met later are not among them.
            sink = stack.enter_context(output.sink(summary.excel, list(reading.extra_columns), summary))
            if progress is not None:
                progress.started(summary)
            asyncio.run(_check(settings, options, view, describe, trail, progress, wanted, sink, summary,
                               reading, observe))
        finally:
            summary.blank_lines = reading.blank_lines
            summary.wide_rows, summary.first_wide_row = reading.wide_rows, reading.first_wide_row
            if options.format != "ndjson":  # NDJSON output keeps every key of every row
                summary.unheaded_rows, summary.first_unheaded_row = (reading.unheaded_rows,
                                                                     reading.first_unheaded_row)
                summary.unheaded_keys = reading.unheaded_keys
            summary.seconds = time.monotonic() - started
    return summary


def check_output(options: BulkOptions, stdin: IO[bytes] | None = None, stdout: IO[str] | None = None) -> None:
    """What can be told of the output before the input is opened: never overwritten by accident,
    never the input itself (named, or on stdin; nor stdout appended to the input, which would read
    its own results back without end), never the tool's own files, a folder that exists."""
    path = options.output
    given = _file_of(options.input) if options.input is not None else _file_of(stdin)
    if path is None:
        if options.mode in ("resume", "retry-failed"):
            raise InvalidInput("output", f"{options.mode} needs an output file to read back")
        if options.format == "xlsx":
            raise InvalidInput("output", "a workbook (xlsx) needs an output file")
        shown = _file_of(stdout)
        if given is not None and given == shown:
            raise FileProblem("stdout", "is the input itself (appended to it?), so the run would read its "
                              "own results back without end: send the results to another file")
        if shown is not None and any(_file_of(own) == shown for own in options.own_files):
            # `>> audit.jsonl`: the results, in clear, appended to the trail that holds only hashes.
            raise FileProblem("stdout", "is one of postisupport's own files (the audit trail or its key, the "
                              "config file, or the data this run reads): send the results elsewhere")
        return
    if options.format == "xlsx" and is_stream(path):
        raise InvalidInput("output", f"{path} is not a regular file: a workbook (xlsx) needs an output file")
    if path.is_dir():
        raise FileProblem(path, "is a folder, not a file: name a file for the results")
    if not path.parent.is_dir():
        raise FileProblem(path, f"the folder {path.parent} does not exist")
    refuse_own(path, options.own_files)
    if given is not None and given == _file_of(path):
        raise FileProblem(path, "is the input itself: the results must go to another file")
    if is_stream(path):
        _check_stream(path)
        if options.mode in ("resume", "retry-failed"):
            raise InvalidInput("output", f"{path} is not a regular file: it can't be read back")
        return
    exists = path.exists() and path.stat().st_size > 0
    if exists and options.mode == "new":
        raise OutputExists(path)
    if options.format == "xlsx" and options.mode in ("resume", "retry-failed"):
        raise InvalidInput("output", f"{path}: a workbook is written whole when the run ends, so there is "
                           "nothing to resume in it; write it again in full, or write CSV or NDJSON to "
                           "be able to resume")


def _file_of(what: Path | IO[Any] | None) -> tuple[int, int] | None:
    """The file a path names or a stream is open on, as (device, inode), when it is a regular file or
    a named pipe; None for anything else (a terminal, a device, a socket: stdin and stdout on one
    terminal are both reading and writing the same device, and that is no input written over)."""
    try:
        if isinstance(what, Path):
            status = os.stat(what)
        elif what is not None:
            status = os.fstat(what.fileno())
        else:
            return None
    except (OSError, AttributeError, ValueError):  # gone, or no descriptor (a test's StringIO)
        return None
    kind = status.st_mode
    return (status.st_dev, status.st_ino) if stat.S_ISREG(kind) or stat.S_ISFIFO(kind) else None


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def is_stream(path: Path) -> bool:
    """A device or a pipe (/dev/null, /dev/stdout): written as a stream, neither locked nor read back."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _check_stream(path: Path) -> None:
    """A device or pipe the results may go to: not one someone else planted. A symbolic link is refused
    (as at a file), but for the system's own under /dev (/dev/stdout); a named pipe or socket must be
    the user's alone, or whoever can open it reads names, addresses and phone numbers."""
    if path.is_symlink() and not str(path.absolute()).startswith("/dev/"):
        raise FileProblem(path, "is a symbolic link to a device or a pipe, which is refused for the results: "
                          "name it itself")
    info = os.stat(path)
    if (stat.S_ISFIFO(info.st_mode) or stat.S_ISSOCK(info.st_mode)) and (
            info.st_uid != os.geteuid() or info.st_mode & 0o077):
        raise FileProblem(path, "is a named pipe or socket that others can open (or another user's), so the "
                          "results would go to whoever reads it: make it yours alone (chmod 600) or write "
                          "to a file")


def _close(file: IO[Any], path: Path) -> None:
    """Closed; what could not be flushed is the file's fault, told once (not over the first fault)."""
    failing = sys.exc_info()[0] is not None
    try:
        file.close()
    except OSError as error:
        if not failing:
            raise FileProblem.of(error, path) from None


def _open_input(path: Path | None, stdin: IO[bytes] | None) -> IO[bytes]:
    if path is None:
        assert stdin is not None, "stdin is the input when no file is named"
        return stdin
    try:
        return path.open("rb")
    except OSError as error:
        raise FileProblem.of(error, path) from None


def _excel_style(sample: bytes) -> bool:
    """Whether Excel wrote the input: a BOM, bytes that are cp1252 rather than UTF-8, or `;` between
    fields (what Excel writes as "CSV" where the decimal separator is a comma)."""
    if sample.startswith(codecs.BOM_UTF8):
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return True
    text = sample.decode("utf-8", errors="replace")
    # A bare CR may end a row (old Mac files) or sit inside a cell (pasted text): the sniffer is asked
    # both ways, so neither hides the delimiter from it.
    splits = (text.splitlines(), [line.replace("\r", " ") for line in text.replace("\r\n", "\n").split("\n")])
    return any(_semicolons([line for line in lines if line.strip()][:20]) for lines in splits)


def _semicolons(lines: list[str]) -> bool:
    if not lines or lines[0].lstrip().startswith("{"):
        return False
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=";,\t").delimiter == ";"
    except csv.Error:
        return False


def _first_pass(path: Path, column: str | None, kept: _Kept,
                counted: bool) -> tuple[int | None, list[str] | None]:
    """The input's rows, counted; each row the output kept is held to the input's row of that number.
    Besides, an NDJSON input's other keys, all of them, first seen first: a CSV header, written before
    the first row, then has a column for each. Not `counted` (neither a resume nor a count asked for),
    only an NDJSON input is read through, for its keys."""
    reading = Reading()
    count = 0
    with _open_input(path, None) as source:
        found = rows(source, column, reading)
        if not counted and reading.format != "ndjson":
            return None, None
        for row in found:
            kept.check(row, reading.extra_columns)
            count += 1
    kept.check_length(count)
    return count, reading.extra_columns if reading.format == "ndjson" else None


# A workbook's Summary rows that are no organisation's name: a user found in none, a user whose
# organisation the directory can't tell, and a row where no single user was found (ambiguous, not
# found, an error), which is known to be in no organisation no more than in one.
NO_ORGANISATION = "(no organisation)"
ORGANISATION_UNKNOWN = "(organisation unknown)"
NO_SINGLE_USER = "(no single user)"


def summary_organisation(document: dict[str, Any]) -> str:
    """What a workbook's Summary counts a diagnosis under: its organisation's name, else one of the
    labels above."""
    organisation = document.get("organisation")
    if organisation:
        # An organisation whose name can't be read is still one.
        return str(organisation.get("name") or ORGANISATION_UNKNOWN)
    if not document.get("user"):
        return NO_SINGLE_USER
    return ORGANISATION_UNKNOWN if "organisation" in (document.get("unknown") or ()) else NO_ORGANISATION


@dataclass
class _Done:
    """One row, done: its output line or cells, what it counts as, and for a workbook's summary its
    organisation."""

    row: Row
    line: Any  # str (NDJSON) or list[str] (CSV, workbook cells)
    outcome: str | None = None
    error_kind: str | None = None
    organisation: str = ""
    error: Exception | None = None


async def _check(settings: Settings, options: BulkOptions, view: View, describe: DescribeError,
                 trail: AuditTrail | None, progress: Progress | None, wanted: Iterator[Row],
                 sink: _Sink, summary: Summary, reading: Reading, observe: Any) -> None:
    from aiolimiter import AsyncLimiter

    from postisupport.sources import open_directory

    # aiolimiter refuses to acquire more than its capacity: a rate under one a second is a capacity of
    # one per 1/rate seconds, not a capacity under one.
    capacity = max(options.rate or 1, 1)
    throttle = AsyncLimiter(capacity, capacity / options.rate) if options.rate else None
    async with open_directory(settings, concurrency=options.concurrency, patient=True, throttle=throttle,
                              observe=observe, pace=True, shared=True) as directory:
        desk = Desk(settings, directory, trail)
        window: deque[asyncio.Task[_Done]] = deque()

        def failed(row: Row, error: Exception) -> _Done:
            described = describe(error)
            line = sink.line(row, None, described)
            return _Done(row, line, error_kind=described["kind"], error=error)

        # The highest row number the API answered (whatever the answer said): rows are judged by the
        # answers that came, not by input order, so a row that hangs is not taken for an outage.
        answered = 0

        async def one(row: Row) -> _Done:
            nonlocal answered
            done = await _one(row)
            error = done.error
            if error is None or (isinstance(error, ApiError) and not _the_apis(error)):
                answered = max(answered, row.number)
            return done

        async def _one(row: Row) -> _Done:
            if row.problem is not None:
                return failed(row, InvalidInput("input", row.problem))
            asked = DiagnoseOptions(row.identifier, row.services, row.lang, settings.default_lang)
            try:
                result = await desk.look_up(asked)
            except ROW_ERRORS as error:
                return failed(row, error)
            except PostisupportError:
                raise  # refused credentials, an audit trail that can't be written: the run's end
            except Exception as error:
                return failed(row, error)
            try:
                document = as_json(result, view)
                return _Done(row, sink.line(row, document, None), outcome=result.decision.outcome,
                             organisation=summary_organisation(document))
            except Exception as error:
                return failed(row, error)

        # The rows of a streak of the API's own failures (unreachable, or answering every request with a
        # server error), held back: if the streak stops the run they are the outage's, not their own,
        # and are not written, so the resume does them; if a row gets through, they are written.
        held: list[_Done] = []
        # A resumed run whose first rows meet server errors again: those rows may be what the server
        # chokes on (it answers others), and the resume would stop on them every time (F32-4). Once,
        # before any row of the run is written, they are written as their own error rows (a retry of the
        # failed does them again) and the run goes on; a streak after them stops it as before.
        forgive = options.mode in ("resume", "retry-failed")

        def flush_head() -> None:
            nonlocal forgive
            done = window.popleft().result()
            # A row after this one got through: the API is up, and this failure is the row's own.
            if _the_apis(done.error) and answered < done.row.number:
                held.append(done)
                first = isinstance(done.error, UnreachableError) and not summary.outcomes
                if len(held) >= STOP_AFTER or first:
                    if forgive and not first and not isinstance(done.error, UnreachableError):
                        forgive = False
                        write_held()
                        return
                    assert done.error is not None
                    raise done.error
                return
            write_held()
            write(done)

        def write_held() -> None:
            while held:
                write(held.pop(0))

        def write(done: _Done) -> None:
            nonlocal forgive
            if done.error_kind is None:
                forgive = False
            if done.error_kind is not None:
                summary.errors[done.error_kind] += 1
            else:
                summary.outcomes[str(done.outcome)] += 1
            sink.write(done)
            summary.rows += 1
            summary.requests = directory.requests
            if progress is not None:
                progress.row_done(summary)

        async def head_done() -> None:
            while not window[0].done():
                await asyncio.wait([window[0]], timeout=TICK)
                if progress is not None and not window[0].done():
                    progress.waiting(summary)

        ahead = _ahead(options)
        try:
            for row in wanted:
                window.append(asyncio.ensure_future(one(row)))
                while window and window[0].done():
                    flush_head()
                # Rows started ahead of the oldest unfinished one; bounded, so memory stays flat.
                if len(window) >= ahead:
                    await head_done()
                    while window and window[0].done():
                        flush_head()
            while window:
                await head_done()
                while window and window[0].done():
                    flush_head()
            write_held()  # a streak too short to stop the run: those rows' errors are theirs
        finally:
            for task in window:
                task.cancel()
            # A stopped run: every task of it ends before the client closes. A shared answer in flight,
            # left to itself, would send its next request on the closed client, and its failure would
            # come out at exit as an "unhandled exception during asyncio.run() shutdown". Bounded: a
            # task that ignores its cancellation must not keep a stopped run waiting.
            others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in others:
                task.cancel()
            if others:
                await asyncio.wait(others, timeout=LAST_WORDS)
                for task in others:
                    if task.done() and not task.cancelled():
                        task.exception()  # retrieved: a stopped row's failure is nobody's
            summary.requests = directory.requests


def _ahead(options: BulkOptions) -> int:
    """How many rows may be started ahead of the oldest unfinished one."""
    most = WINDOW * options.concurrency
    if not options.rate:
        return most
    return max(2, min(most, math.ceil(options.rate * AHEAD_SECONDS)))


@dataclass
class _Kept:
    """What an output being resumed already holds: each row's input (a hash of it, to hold the input
    to), the rows that are errors, and what its rows count as."""

    inputs: dict[int, int] = field(default_factory=dict)
    # What else of each row its result depends on (services, and in NDJSON the script's language), as a
    # hash; rows without it (NDJSON written by an older version) are held to their identifier only.
    asked: dict[int, int] = field(default_factory=dict)
    # Each kept row's other columns (a note, a ticket) by hash, as the output holds them (F29-6).
    others: dict[int, int] = field(default_factory=dict)
    failed: set[int] = field(default_factory=set)
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    excel: bool | None = None  # the CSV dialect the output was written in, when it is CSV
    redo: set[int] = field(default_factory=set)  # the error rows this run does again
    path: Path | None = None
    format: Format = "ndjson"
    largest: int = 0
    extra_columns: list[str] | None = None  # a CSV output's columns kept from the input, as headed
    input_columns: list[str] = field(default_factory=list)  # the input's other columns, as it names them
    # What its rows were read through (read_through); None for rows that name none: the default's.
    mappings: set[str | None] = field(default_factory=set)

    def check_mapping(self, mapping: str | None) -> None:
        """An output resumed through another mapping would hold rows decided two ways: refused before
        anything is written."""
        other = sorted(_mapping_named(m) for m in self.mappings if m != mapping)
        if other:
            raise InvalidInput("output", f"{self.path} was written through the mapping {', '.join(other)}, "
                               f"and this run reads through {_mapping_named(mapping)}: its rows would be "
                               "decided two ways; resume through the same mapping, or start a new output")

    def check_columns(self, extra_columns: list[str], format: str) -> None:
        """A CSV output resumed from an input with other columns would get rows wider or narrower than
        its header: refused before anything is written."""
        given = [spreadsheet_safe(name) for name in named_apart(extra_columns)]
        self.input_columns = list(extra_columns)
        if self.extra_columns is None or self.extra_columns == given:
            return
        if format == "ndjson" and not self.extra_columns:
            # Before they were kept, a CSV output of an NDJSON input had no column for its other keys.
            raise InvalidInput("input", f"{self.path} has no columns for the input's other keys "
                               f"({', '.join(given)}): was it written by an older version of postisupport, "
                               "which left them out? Finish it with that version, or start a new output")
        had = ", ".join(self.extra_columns) or "none"
        if format == "ndjson":
            raise InvalidInput("input", f"the input's other keys ({', '.join(given) or 'none'}) are not the "
                               f"columns of {self.path} ({had}): the output is from another input, the input "
                               "has changed since, or it was started with the input read another way (from a "
                               "pipe, the keys of its first lines alone are columns; from a file, all its "
                               "keys): resume it as it was started")
        raise InvalidInput("input", f"the input's other columns ({', '.join(given) or 'none'}) are not "
                           f"those of {self.path} ({had}): the output is from another input, or the "
                           "input has changed since")

    def keep(self, row: int, given: str, outcome: str | None, error_kind: str | None,
             asked: Any = None, mapping: str | None = None, *, line: int, others: Any = None) -> None:
        """A record of the output, on its `line`. A row it holds twice is refused: bulk writes each row
        once, so the file was edited or put together, the two may say different things, and a resume,
        which only appends, would keep both (and count both)."""
        if row < 1:
            raise InvalidInput("output", f"line {line} of {self.path} is row {row}, and an input's rows are "
                               "numbered from 1: was it edited? Mend or remove that record, or start a new "
                               "output")
        if row in self.inputs:
            raise InvalidInput("output", f"line {line} of {self.path} is row {row} again, and bulk writes "
                               "each row once: was it edited, or put together from two outputs? Keep one of "
                               "the two records, or start a new output")
        self.inputs[row] = hash(given)
        self.mappings.add(mapping or None)
        if asked is not None:
            self.asked[row] = hash(asked)
        if others is not None:
            self.others[row] = hash(others)
        self.largest = max(self.largest, row)
        if error_kind is not None:
            self.failed.add(row)
            self.errors[error_kind] += 1
        else:
            self.outcomes[outcome or ""] += 1

    def check(self, row: Row, columns: list[str] | None = None) -> None:
        """`row` held to the output's row of its number; `columns`, the input's other columns read so far
        (an NDJSON input's keys grow as it is read, and keep their places), else all of them."""
        had = self.inputs.get(row.number)
        # As the CSV wrote it: spreadsheet-safe, a lone surrogate (a JSON escape in NDJSON input) replaced.
        given = LONE_SURROGATE.sub(REPLACEMENT, spreadsheet_safe(row.identifier)) if self.format == "csv" \
            else row.identifier
        if had is not None and had != hash(given):
            raise InvalidInput("input", f"row {row.number} of the input is {row.identifier!r}, but row "
                               f"{row.number} of {self.path} was another identifier: the output is "
                               "from another input")
        # A row done again gets new results: its services may have been mended since (a mistyped one).
        asked = None if row.number in self.redo else self.asked.get(row.number)
        if asked is not None and asked != hash(_asked(row, self.format)):
            what = "other services" if self.format == "csv" else "other services or another language"
            raise InvalidInput("input", f"row {row.number} of the input ({row.identifier!r}) asks for {what} "
                               f"than row {row.number} of {self.path} was done for: the output is from "
                               "another input, or the input has changed since")
        others = None if row.number in self.redo else self.others.get(row.number)
        read = self.input_columns if columns is None else columns
        if self.format == "csv" and [spreadsheet_safe(n) for n in named_apart(read)] \
                != (self.extra_columns or [])[:len(read)]:
            others = None  # other columns than the output's: check_columns says so, before anything runs
        if others is not None and others != hash(self._others(row, read)):
            # A note or a ticket changed since: the kept row would keep the old one, unsaid (F29-6).
            raise InvalidInput("input", f"row {row.number} of the input ({row.identifier!r}) has other "
                               f"values in its other columns than row {row.number} of {self.path}: the input "
                               "has changed since, or the output is from another input")

    def _others(self, row: Row, columns: list[str]) -> Any:
        """A row's other columns as the output holds them (_cells; the NDJSON record's input_fields): in
        CSV, a cell for each column, "" for those met after it."""
        if self.format == "csv":
            cells = [LONE_SURROGATE.sub(REPLACEMENT, spreadsheet_safe(as_given(row.extra.get(name))))
                     for name in columns]
            return tuple(cells + [""] * (len(self.extra_columns or ()) - len(cells)))
        return json.dumps(row.extra, sort_keys=True)

    def check_length(self, count: int) -> None:
        if self.largest > count:
            raise InvalidInput("input", f"{self.path} has row {self.largest}, but the input has only {count} "
                               f"row{'' if count == 1 else 's'}: the output is from another input")

    def wanted(self, stream: Iterator[Row]) -> Iterator[Row]:
        """The input's rows this run does: those the output lacks, and those to do again."""
        count = 0
        for row in stream:
            count += 1
            if self.inputs:
                self.check(row)
            if row.number not in self.inputs or row.number in self.redo:
                yield row
        if self.inputs:
            self.check_length(count)


def _remove_leftovers(path: Path) -> None:
    """The temporary files a killed run (kill -9, a power cut) left beside the output: they hold its
    rows, personal data, and nothing will ever read them. Only a run holding the output's lock writes
    them, so with the lock held here, any there are left over."""
    leftover = re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}\.tmp")
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        if not leftover.fullmatch(name):
            continue
        candidate = path.parent / name
        with contextlib.suppress(OSError):
            status = os.lstat(candidate)
            if stat.S_ISREG(status.st_mode) and status.st_uid == os.geteuid():
                os.unlink(candidate)


def _asked(row: Row, format: Format) -> Any:
    """What a row asks besides its identifier, as its output holds it: the services cell in CSV (the
    script and its language are not in CSV), the services and the language in NDJSON."""
    services = SERVICE_SEPARATOR.join(row.services)
    if format == "csv":
        return spreadsheet_safe(services)
    return (services, row.lang)


class _Output:
    """The output: stdout, a device, or a private file locked for the whole run and read back when
    resumed. `sink()` gives what rows are written to."""

    def __init__(self, options: BulkOptions, stdout: IO[str] | None, mapping: str | None) -> None:
        self.options, self.stdout, self.mapping = options, stdout, mapping
        self.path = options.output
        self.handle: IO[str] | None = None  # the locked output, opened to append
        self.created = False
        self.kept = _Kept(path=self.path, format=options.format)
        self.finished = False
        self.lock: Path | None = None  # the file locked for the run: the output, or a workbook's own

    def __enter__(self) -> _Output:
        path, options = self.path, self.options
        if path is None or is_stream(path):
            return self
        # A workbook is written whole at the end: its run locks a file of its own beside it, as a locked
        # output created empty at the start was left empty, named as the results, by a kill -9 (F30-6).
        self.lock = path.with_name(f".{path.name}.lock") if options.format == "xlsx" else path
        self.created = not os.path.lexists(self.lock)
        self.handle = open_private(self.lock, "a")
        try:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.close()
            raise FileProblem(path, "is being written by another bulk run right now; let it finish, "
                              "or stop it first") from None
        _remove_leftovers(path)
        if options.mode in ("resume", "retry-failed") and os.fstat(self.handle.fileno()).st_size > 0:
            _read_back(path, self.handle, self.kept)
            if options.mode == "retry-failed":
                self.kept.redo = set(self.kept.failed)
        return self

    @contextlib.contextmanager
    def sink(self, excel: bool, extra_columns: list[str], summary: Summary) -> Iterator[_Sink]:
        options, path = self.options, self.path
        if path is None:
            assert self.stdout is not None
            yield from self._stream(self.stdout, excel, extra_columns, "stdout")
        elif is_stream(path):
            try:
                device = path.open("w", encoding="utf-8", newline="")
            except OSError as error:
                raise FileProblem.of(error, path) from None
            try:
                yield from self._stream(device, excel, extra_columns, str(path))
            finally:
                _close(device, path)
        elif options.format == "xlsx":
            workbook = _Workbook(extra_columns, summary, path, self.mapping)
            try:
                yield workbook
            except BaseException:
                workbook.discard()
                raise
            with replacing(path, "wb") as out:
                workbook.save(out)
        elif options.mode in ("retry-failed", "force"):
            yield from self._rewritten(path, excel, extra_columns)
        else:
            assert self.handle is not None
            fresh = os.fstat(self.handle.fileno()).st_size == 0
            yield from self._stream(self.handle, excel, extra_columns, str(path), fresh)
        self.finished = True

    def _stream(self, file: IO[str], excel: bool, extra_columns: list[str], name: str,
                fresh: bool = True) -> Iterator[_Sink]:
        sink = _TextSink(file, self.options.format, excel, extra_columns, name, self.mapping)
        if fresh:
            sink.header()
        yield sink
        sink.flush()

    def _rewritten(self, path: Path, excel: bool, extra_columns: list[str]) -> Iterator[_Sink]:
        """Into a temporary file that takes the output's place at the end. A retry keeps every row that
        is no error, and when stopped keeps what it did too: the rows it did not get to stay as they
        were, so nothing is lost and the same retry finishes the run."""
        stopped: BaseException | None = None
        with replacing(path, "w") as out:
            sink = _TextSink(out, self.options.format, excel, extra_columns, str(path), self.mapping)
            if self.options.mode == "retry-failed" and self.kept.inputs:
                _copy(path, self.options.format, out, lambda row: row not in self.kept.failed)
                sink.started = sink.track = True
            else:
                sink.header()
            try:
                yield sink
            except BaseException as stop:
                if self.options.mode != "retry-failed":
                    raise
                stopped = stop
                left = self.kept.redo - sink.rows_written
                _copy(path, self.options.format, out, lambda row: row in left, header=False)
            sink.flush()
        if stopped is not None:
            raise stopped

    def __exit__(self, *exc: object) -> None:
        if self.handle is None:
            return
        try:
            ours = os.fstat(self.handle.fileno())
            if self.lock != self.path or (not self.finished and self.created and ours.st_size == 0):
                # A workbook's lock, or nothing was written: leave no empty file behind (the lock is still
                # ours). Unless a stopped retry has renamed what it did into its place: not ours any more.
                with contextlib.suppress(OSError):
                    there = os.stat(str(self.lock))
                    if (there.st_dev, there.st_ino) == (ours.st_dev, ours.st_ino):
                        os.unlink(str(self.lock))
        finally:
            assert self.path is not None
            _close(self.handle, self.path)


class _Sink(Protocol):
    def line(self, row: Row, document: dict[str, Any] | None, error: dict[str, Any] | None) -> Any: ...

    def write(self, done: _Done) -> None: ...


class _TextSink:
    """NDJSON lines or CSV records, each flushed as soon as it is written."""

    def __init__(self, file: IO[str], format: Format, excel: bool, extra_columns: list[str], name: str,
                 mapping: str | None):
        self.file, self.format, self.excel, self.name, self.mapping = file, format, excel, name, mapping
        self.extra_columns = extra_columns
        self.csv = csv.writer(file, delimiter=";" if excel else ",", lineterminator="\r\n")
        self.started = False
        self.track = False  # whether to remember the rows written (a retry, to keep those it did not get to)
        self.rows_written: set[int] = set()
        try:
            self.on_terminal = file.isatty()
        except (AttributeError, ValueError, OSError):
            self.on_terminal = False

    def header(self) -> None:
        if self.format == "csv":
            self._do(self._header)
        self.started = True

    def _header(self) -> None:
        if self.excel:
            self.file.write(BOM)  # Excel reads a CSV as UTF-8 only when it starts with a BOM
        self.csv.writerow(_header(self.mapping, self.extra_columns))

    def line(self, row: Row, document: dict[str, Any] | None, error: dict[str, Any] | None) -> Any:
        if self.format == "ndjson":
            # The input's other fields under a key of their own: none can be taken for the output's own.
            return dumps_line({**(document or {}), "row": row.number, "input": row.identifier,
                               "asked": {"services": list(row.services), "lang": row.lang},
                               **({"input_fields": row.extra} if row.extra else {}),
                               "error": error, **({"mapping": self.mapping} if self.mapping else {})}) + "\n"
        return _cells(row, document, error, self.extra_columns, self.mapping)

    def write(self, done: _Done) -> None:
        if self.format == "ndjson":
            self._do(lambda: self.file.write(done.line))
        else:
            cells = done.line
            if self.on_terminal:
                # Read on a terminal, not a spreadsheet: the API's escape sequences must not drive it.
                cells = [terminal_safe(cell) for cell in cells]
            self._do(lambda: self.csv.writerow(cells))
        if self.track:
            self.rows_written.add(done.row.number)
        self.flush()

    def flush(self) -> None:
        self._do(self.file.flush)

    def _do(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except OSError as error:
            raise FileProblem.of(error, self.name) from None


def _header(mapping: str | None, extra_columns: list[str]) -> list[str]:
    """A CSV output's columns: ours, what the rows were read through unless the default, the input's
    (an NDJSON input's keys named apart here, as a CSV input's columns are when read)."""
    return [*CSV_COLUMNS, *([MAPPING_COLUMN] if mapping else []),
            *map(spreadsheet_safe, named_apart(extra_columns))]


def _mapping_named(mapping: str | None) -> str:
    return mapping or "postisupport (the default)"


def _cells(row: Row, document: dict[str, Any] | None, error: dict[str, Any] | None,
           extra_columns: list[str], mapping: str | None) -> list[str]:
    # An NDJSON value that is no text (42, {"a": 1}) is its JSON; a key the row lacks, or null, is blank.
    cells = [*csv_record(row.number, row.identifier, row.services, document, error, mapping).values(),
             *(spreadsheet_safe(as_given(row.extra.get(name))) for name in extra_columns)]
    # A lone surrogate (the API's JSON may hold "\ud800") is no text: no UTF-8 file can hold it.
    return [LONE_SURROGATE.sub(REPLACEMENT, cell) for cell in cells]


WORKBOOK_COLUMNS = 16_384  # Excel's last column, XFD


class _Workbook:
    """An Excel workbook: the results sheet, and a summary sheet of the outcomes by organisation with a
    chart. Built as rows come (openpyxl's write-only mode keeps them out of memory), saved at the end."""

    TOP = 20  # organisations in the chart, those with the most rows

    def __init__(self, extra_columns: list[str], tally: Summary, path: Path, mapping: str | None) -> None:
        from openpyxl import Workbook

        columns = len(_header(mapping, extra_columns))
        if columns > WORKBOOK_COLUMNS:
            # Refused before anything is made or asked: openpyxl fails past it, and Excel opens no more.
            raise InvalidInput("output", f"a workbook holds at most {WORKBOOK_COLUMNS:,} columns, and this "
                               f"input's rows need {columns:,}: write CSV or NDJSON")
        self.extra_columns, self.tally, self.path, self.mapping = extra_columns, tally, path, mapping
        # openpyxl keeps each sheet's rows in a temporary file until the save. In the system's temp
        # folder, a run killed with SIGKILL would leave the rows so far there for good; beside the
        # output, in a private folder of its own, the next run on the output removes them.
        self.parts = path.with_name(f".{path.name}.parts")
        _remove_parts(self.parts)
        try:
            self.parts.mkdir(mode=0o700)
        except OSError as error:
            raise FileProblem.of(error, self.parts) from None
        self.book = Workbook(write_only=True)
        self.results = self.book.create_sheet("Results")
        self.summary = self.book.create_sheet("Summary")
        with _temporary_files_in(self.parts):
            self.results.append(self._cells(_header(mapping, extra_columns)))
        self.counts: Counter[tuple[str, str]] = Counter()

    def _text(self, value: str) -> str:
        """A cell's text as a workbook holds it (output.table.workbook_safe), counted when changed."""
        text, replaced, cut = workbook_safe(value)
        self.tally.replaced_cells += replaced
        self.tally.cut_cells += cut
        return text

    def _cells(self, values: list[str]) -> list[Any]:
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for value in values:
            # A string cell, never a formula, whatever it starts with.
            cell = WriteOnlyCell(self.results, value=self._text(value))
            cell.data_type = "s"
            cells.append(cell)
        return cells

    def line(self, row: Row, document: dict[str, Any] | None, error: dict[str, Any] | None) -> Any:
        return _cells(row, document, error, self.extra_columns, self.mapping)

    def write(self, done: _Done) -> None:
        try:
            self.results.append(self._cells(done.line))
        except OSError as error:
            # openpyxl keeps the rows in a temporary file of its own until the save: a fault there
            # (a full disk, ulimit -f) is the output's, named as the user named it.
            raise FileProblem(self.path, os_reason(error)) from None
        outcome = done.outcome if done.error_kind is None else f"error: {done.error_kind}"
        # Counted already as the row's organisation cell.
        organisation = workbook_safe(spreadsheet_safe(done.organisation))[0]
        self.counts[(organisation or NO_SINGLE_USER, str(outcome))] += 1

    def save(self, out: IO[bytes]) -> None:
        from openpyxl.chart import BarChart, Reference

        outcomes = sorted({outcome for _, outcome in self.counts})
        totals: Counter[str] = Counter()
        for (organisation, _), n in self.counts.items():
            totals[organisation] += n
        organisations = sorted(totals, key=lambda name: (-totals[name], name))
        with _temporary_files_in(self.parts):
            self.summary.append(["organisation", *outcomes, "rows"])
        for organisation in organisations:
            self.summary.append([organisation, *(self.counts[(organisation, o)] for o in outcomes),
                                 totals[organisation]])
        if organisations:
            chart = BarChart()
            chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
            chart.title = "Outcomes by organisation"
            shown = min(len(organisations), self.TOP)
            data = Reference(self.summary, min_col=2, max_col=1 + len(outcomes), min_row=1, max_row=1 + shown)
            chart.add_data(data, titles_from_data=True)
            chart.set_categories(Reference(self.summary, min_col=1, min_row=2, max_row=1 + shown))
            chart.height, chart.width = max(7.5, 0.6 * shown + 3), 18
            self.summary.add_chart(chart, "A" + str(len(organisations) + 3))
        self.book.save(out)
        _remove_parts(self.parts)

    def discard(self) -> None:
        """A run stopped before the end: finish the sheets' writers (else they complain, at exit, of a
        closed file) and delete their temporary files, which hold the rows so far."""
        with _temporary_files_in(self.parts):
            for sheet in self.book.worksheets:
                with contextlib.suppress(Exception):
                    sheet.close()
        _remove_parts(self.parts)


# How openpyxl names the temporary files of a write-only sheet (openpyxl.worksheet._writer).
OPENPYXL_TEMPORARY = "openpyxl."


def _remove_parts(folder: Path) -> None:
    """A workbook's folder of rows in waiting, and what is in it: our own folder only, never a link,
    and only when it holds nothing but openpyxl's files: another file there is someone's, kept."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return
    except OSError as error:
        raise FileProblem.of(error, folder) from None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise FileProblem(folder, "is in the way of the workbook's rows in waiting: not our folder")
    try:
        entries = list(os.scandir(folder))
        if any(not entry.name.startswith(OPENPYXL_TEMPORARY) or not entry.is_file(follow_symlinks=False)
               for entry in entries):
            raise FileProblem(folder, "is in the way of the workbook's rows in waiting: it holds files "
                              "that are not postisupport's; move them, or name another output")
        for entry in entries:
            os.unlink(entry.path)
        os.rmdir(folder)
    except OSError as error:
        raise FileProblem.of(error, folder) from None


@contextlib.contextmanager
def _temporary_files_in(folder: Path) -> Iterator[None]:
    """openpyxl names no folder for its temporary files: the process's temp folder is, meanwhile, this."""
    import tempfile

    previous, tempfile.tempdir = tempfile.tempdir, str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = previous


def _read_back(path: Path, handle: IO[str], kept: _Kept) -> None:
    """What the output holds, and its last record cut off when a kill left it incomplete."""
    end = _read_back_ndjson(path, kept) if kept.format == "ndjson" else _read_back_csv(path, kept)
    if end < os.fstat(handle.fileno()).st_size:
        os.ftruncate(handle.fileno(), end)


def _not_a_result(path: Path, line: int) -> InvalidInput:
    return InvalidInput("output", f"line {line} of {path} is not a result of a bulk run; is it the right "
                        "file, and the right format?")


def _read_back_ndjson(path: Path, kept: _Kept) -> int:
    end = 0
    with path.open("rb") as lines:
        size = os.fstat(lines.fileno()).st_size
        for number, line in enumerate(lines, start=1):
            try:
                entry = json.loads(line)
                if type(entry["row"]) is not int:  # as bulk writes it: true is no row 1, nor "3" row 3
                    raise TypeError
                row, given, error = entry["row"], str(entry["input"]), entry.get("error")
                kind = str(error["kind"]) if error else None
                asked = _asked_of(entry.get("asked"))
            except (ValueError, TypeError, KeyError, RecursionError):
                entry = None
            if entry is None or not line.endswith(b"\n"):
                # The last line, cut short by a kill: after a record of ours, or the start of one.
                cut = number > 1 or line.startswith((b'{"row": ', b'{"schema_version": '))
                if not line.endswith(b"\n") and end + len(line) >= size and cut:
                    break
                raise _not_a_result(path, number)
            mapping = entry.get("mapping")
            # A record without input_fields had none, or is an older version's: its others untold.
            fields = entry.get("input_fields")
            kept.keep(row, given, entry.get("outcome"), kind, asked,
                      mapping if isinstance(mapping, str) else None, line=number,
                      others=json.dumps(fields, sort_keys=True) if isinstance(fields, dict) else None)
            end += len(line)
    return end


def _asked_of(asked: Any) -> Any:
    """An NDJSON record's `asked`, as _asked gives it; None when it has none (an older version's)."""
    if not isinstance(asked, dict):
        return None
    services, lang = asked.get("services"), asked.get("lang")
    if not isinstance(services, list) or not (lang is None or isinstance(lang, str)):
        raise ValueError("not what bulk writes")
    return (SERVICE_SEPARATOR.join(str(s) for s in services), lang)


def _read_back_csv(path: Path, kept: _Kept) -> int:
    """Parsed as CSV, so a record with line breaks in a cell is one record; only complete records, with
    as many cells as the header, are kept."""
    with path.open("rb") as raw:
        size = os.fstat(raw.fileno()).st_size
        bom = raw.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
        if not bom:
            raw.seek(0)
        start = raw.tell()
        first = raw.readline()
        raw.seek(start)
        if not first.endswith(b"\n"):
            if _cut_header(first):
                return 0  # not even the header was written whole: start afresh
            raise _not_a_result(path, 1)  # a file of something else: never wiped
        records = _Records(raw, delimiter=None)
        header = next(records, None)
        if header is None:
            raise _not_a_result(path, 1)
        if "row" not in header or "error" not in header:
            raise _not_a_result(path, 1)
        # Told by a header written whole only: a cut one tells nothing, and --excel or the input decide.
        # The rows go on with the delimiter the file has: Excel saves "CSV UTF-8" with a BOM and commas.
        kept.excel = records.delimiter == ";"
        if list(header[:len(CSV_COLUMNS)]) != list(CSV_COLUMNS):
            # A column removed or moved (in a spreadsheet): rows in the tool's order would not line up.
            columns = ", ".join(CSV_COLUMNS)
            raise InvalidInput("output", f"the columns of {path} are not those bulk writes ({columns}, then "
                               "the input's own): was it edited? Resume the file as bulk wrote it, or start "
                               "a new output")
        # Read through another mapping than the default, the rows say which in a column of their own.
        at_mapping = len(CSV_COLUMNS) if header[len(CSV_COLUMNS):len(CSV_COLUMNS) + 1] == [MAPPING_COLUMN] \
            else None
        kept.extra_columns = list(header[len(CSV_COLUMNS) + (at_mapping is not None):])
        at_row, at_input, at_service, at_outcome, at_error = (
            CSV_COLUMNS.index(name) for name in ("row", "identifier", "service", "outcome", "error"))
        end, start = records.end, records.line + 1  # where the next record ends, and the line it starts on
        for cells in records:
            whole = records.complete and len(cells) == len(header) and _number(cells[at_row])
            if not whole:
                if records.end >= size or records.failed:
                    break
                raise _not_a_result(path, records.line)
            error = cells[at_error]
            kept.keep(int(cells[at_row]), cells[at_input], cells[at_outcome],
                      error.split(":", 1)[0] if error else None,
                      cells[at_service], cells[at_mapping] if at_mapping is not None else None, line=start,
                      others=tuple(cells[len(CSV_COLUMNS) + (at_mapping is not None):]))
            end, start = records.end, records.line + 1
        if records.failed and records.failed_at < size:
            raise _not_a_result(path, records.line)
    return end


def _cut_header(line: bytes) -> bool:
    """Whether an unended first line is the start of a header this tool writes (a run killed while
    writing it), in either dialect: else the file is something else, which a resume must not wipe."""
    if codecs.BOM_UTF8.startswith(line):
        return True  # cut inside the BOM Excel's dialect starts with
    text = line.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="replace")
    return any(whole.startswith(text) or text.startswith(whole)
               for whole in (",".join(CSV_COLUMNS), ";".join(CSV_COLUMNS)))


def _number(cell: str) -> bool:
    """Whether a row cell is a row number: ASCII digits (str.isdigit takes "²", which int refuses)."""
    return cell.isascii() and cell.isdigit()


class _Records:
    """CSV records of a binary file with the byte offset where each ends and whether it ended with a
    line break: the reader takes a line at a time and returns a record as soon as its last line is in."""

    def __init__(self, raw: IO[bytes], delimiter: str | None) -> None:
        # The cells it wrote are read back whatever their length: the input's limit, not csv's 131,072.
        csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
        self.raw, self.delimiter = raw, delimiter
        self.end = raw.tell()
        self.line = 0
        self.complete = True
        self.failed = False
        self.failed_at = 0
        self._reader: Any = None

    def _lines(self) -> Iterator[str]:
        for line in self.raw:
            self.end += len(line)
            self.line += 1
            self.complete = line.endswith(b"\n")
            # As the input is read (ops.bulk_input): UTF-8, else cp1252, a line at a time, so an output
            # that Excel saved again in its own encoding still compares with its input.
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError:
                yield line.decode("cp1252", errors="replace")

    def __iter__(self) -> _Records:
        return self

    def __next__(self) -> list[str]:
        if self._reader is None:
            lines = self._lines()
            first = next(lines, None)
            if first is None:
                raise StopIteration
            # Excel's dialect, also as a spreadsheet saves it again with every text cell quoted.
            self.delimiter = ";" if first.startswith(("row;", '"row";')) else ","
            self._reader = csv.reader(_chain(first, lines), delimiter=self.delimiter, strict=True)
        if self.failed:
            raise StopIteration
        try:
            return list(next(self._reader))
        except csv.Error:
            # The end of the file inside a quoted cell: a record cut short.
            self.failed, self.failed_at = True, self.end
            raise StopIteration from None


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _copy(path: Path, format: Format, target: IO[str], keep: Callable[[int], bool],
          header: bool = True) -> None:
    """The output's records whose row `keep` says, copied to `target` (the header too, when `header`)."""
    if format == "ndjson":
        # Split at LF only, as the read-back splits it: a CR inside a record is JSON's white space.
        with path.open("rb") as lines:
            for raw_line in lines:
                line = raw_line.decode("utf-8")
                if line.endswith("\n") and keep(int(json.loads(line)["row"])):
                    target.write(line)
        return
    with path.open("rb") as raw:
        bom = raw.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
        if not bom:
            raw.seek(0)
        records = _Records(raw, None)
        first = next(records, None)
        if first is None:
            return
        writer = csv.writer(target, delimiter=records.delimiter or ",", lineterminator="\r\n")
        if header:
            if bom:  # as it was: Excel's "CSV UTF-8" has one with commas, and without it shows mojibake
                target.write(BOM)
            writer.writerow(first)
        at_row = first.index("row")
        for cells in records:
            if len(cells) == len(first) and records.complete and _number(cells[at_row]) and keep(
                    int(cells[at_row])):
                writer.writerow(cells)
