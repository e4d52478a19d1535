"""Capture and replay: one file that is both a directory to replay and the record of a diagnosis.

`capture` keeps what a diagnosis read of the store (its backend's capture part says in which form: a
SCIM service provider's resources, ids kept, as a sandbox data file {"Users": [...], "Groups": [...]}),
with, under "capture", what the tool was asked, when, of which API, what the server said it supports,
and the diagnosis it produced. `replay` decides again from that, offline, with today's rules, and says
what differs from the captured decision: a ticket file doubles as a regression test.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from postisupport import __version__, sources
from postisupport.config.private import refuse_own, replacing
from postisupport.config.settings import Settings, read_as_captured
from postisupport.core.facts import FACT_NAMES
from postisupport.core.language import Language
from postisupport.core.report import Report
from postisupport.core.text import redacted
from postisupport.errors import DataFileError, FileProblem, InvalidInput, OutputExists
from postisupport.ops.audit import AuditTrail
from postisupport.ops.diagnose import Desk, DiagnoseOptions, api_host, diagnose
from postisupport.output.document import as_json
from postisupport.output.table import LONE_SURROGATE
from postisupport.output.view import View

# What a pseudonymised capture must keep: the decision (its evidence quotes the stand-ins).
DECISION = ("outcome", "step", "problem", "rule")
# What a capture checks its file decides alike on: the decision and its evidence, not the wording or
# the timestamps.
COMPARED = (*DECISION, "evidence")
# What a replay compares: also what was wrong with the answers, the evidence of a broken account.
REPLAYED = (*COMPARED, "data_problems")


@dataclass(frozen=True)
class Capture:
    path: Path | None  # None: written to the stream given
    report: Report


def capture(settings: Settings, options: DiagnoseOptions, output: Path | IO[str], view: View,
            trail: AuditTrail | None = None, observe: Any = None, pseudonymise: bool = False,
            overwrite: bool = False, own_files: tuple[Path, ...] = ()) -> Capture:
    """Diagnose, and write what was read and decided to `output` (a file, or a stream such as
    stdout), whole or not at all.

    The output is checked first, so a look-up is not made (and audited) for a file that can't
    be written. Raises OutputExists when `output` exists and not `overwrite`, FileProblem when
    it can't be written, DataFileError when a pseudonymised directory would not decide the same.
    """
    # What this run reads may not be what it writes: the directory it captures, or its settings.
    own_files = (*own_files, *settings.files_read)
    if pseudonymise and options.organisation is not None:
        # A name's stand-in finds no one: names are replaced part by part, and compared whole.
        raise InvalidInput("pseudonymise", "can't keep a look-up by name: its stand-ins would find no "
                           "one; capture it without it, or by the caller's address or legacy ID")
    if isinstance(output, Path):
        _check_output(output, overwrite, own_files)
    store = sources.capturing(settings)
    recorded = store.record(settings, observe,
                            lambda directory: Desk(settings, directory, trail).look_up(options))
    result = recorded.report
    arguments: dict[str, Any] = {"identifier": options.identifier, "services": list(options.services),
                                 "lang": options.lang}
    if options.organisation is not None:
        arguments["organisation"] = options.organisation
    document: dict[str, Any] = {
        **recorded.directory,
        "capture": {
            "tool": f"postisupport {__version__}",
            "time": view.now.isoformat(timespec="seconds") if view.now else None,
            "api_host": api_host(settings),
            "arguments": arguments,
            "pseudonymised": pseudonymise,
            "service_provider_config": recorded.offered,
            "diagnosis": as_json(result, view),
            **recorded.record,
        },
    }
    document = _pseudonymised(store, document, result, settings, view) if pseudonymise else \
        _replayable(store, document, result, settings, view)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if LONE_SURROGATE.search(text):
        # A lone surrogate the server sent (a name cut inside an emoji) can't be UTF-8: kept as its
        # JSON escape, as the server wrote it, so the file is still the answers as read.
        text = json.dumps(document, ensure_ascii=True, indent=2) + "\n"
    text = _without_secrets(text, recorded.secrets)
    if not isinstance(output, Path):
        output.write(text)
        return Capture(None, result)
    _check_output(output, overwrite, own_files)  # the diagnosis took a while: the file may be there now
    with replacing(output, keep_mode=False) as out:
        out.write(text)
    return Capture(output, result)


def _without_secrets(text: str, secrets: list[str]) -> str:
    """The file's text with our credentials cut out wherever the server echoed them (an attribute, its
    ServiceProviderConfig), as the trace cuts them; still the JSON it was, or nothing is written."""
    cut = redacted(text, secrets)
    if cut != text:
        try:
            json.loads(cut)
        except ValueError:
            raise DataFileError("the API's answers hold our credentials in a form that can't be cut out "
                                "of them; nothing was written") from None
    return cut


def _pseudonymised(store: ModuleType, document: dict[str, Any], result: Report, settings: Settings,
                   view: View) -> dict[str, Any]:
    """The document with stand-ins, checked in memory to decide as the real directory did.

    Its record's diagnosis is the stand-ins' own: the real one names people too."""
    out: dict[str, Any] = store.pseudonymised(document)
    out["capture"]["diagnosis"] = _deciding_alike(store, out, result, settings, view,
                                                  "the pseudonymised directory", DECISION)
    return out


def _deciding_alike(store: ModuleType, document: dict[str, Any], result: Report, settings: Settings,
                    view: View, what: str, compared: tuple[str, ...] = COMPARED) -> dict[str, Any]:
    """The diagnosis `document` gives, as JSON, when it decides as `result` did (its `compared`
    fields: what `replay` compares, unless the evidence quotes stand-ins); else DataFileError."""
    try:
        again = _decide(store, document, _options(document["capture"]["arguments"]), settings)
    except DataFileError as error:
        raise DataFileError(f"{what} can't be read back ({_reason(error)}); nothing was written") from None
    before, now = as_json(result, view), as_json(again, view)
    if any(before[k] != now[k] for k in compared):
        if result.decision.rule == "lookup.unreadable":
            # The value that matched the caller is the one that can't be read: no file without it can
            # find them. The engineer still needs the evidence, which the trace holds.
            raise DataFileError("the account found has login data that can't be read, which is what "
                                "matched the caller: no capture without it decides the same; nothing was "
                                "written; run the look-up with --trace FILE and attach that instead")
        raise DataFileError(f"{what} decides differently from the real one; nothing was written")
    return now


def _replayable(store: ModuleType, document: dict[str, Any], result: Report, settings: Settings,
                view: View) -> dict[str, Any]:
    """The document as captured, when the sandbox can load it. A server that sends an attribute of
    the wrong type (a non-boolean `active`) gives resources the sandbox refuses, and a file that
    replay, --sandbox-data and sandbox serve all refuse: then each resource is kept as the diagnosis
    read it (the wrong attribute left out, as the diagnosis left it out, and said under
    "capture.left_out"), checked in memory to decide as the real directory did."""
    try:
        store.check(document)
    except DataFileError:
        pass
    else:
        # Loaded is not enough: a server whose ids are no strings gives resources the diagnosis read
        # but the file can't hold, and an empty directory loads fine. It must decide as the real one,
        # else it is kept as the diagnosis read it (an attribute sent twice in different case, which the
        # diagnosis could not read and the sandbox reads one of).
        try:
            again = _deciding_alike(store, document, result, settings, view, "the directory as captured")
        except DataFileError:
            pass
        else:
            if again["data_problems"] != as_json(result, view)["data_problems"]:
                # What was wrong with the answers as sent (a user not among the organisation's members, a
                # resource sent twice, its paging) can't come back from a file: the record keeps it, which
                # replay says, else a capture fails its own replay the moment it is written (F29-4).
                document = {**document, "capture": {**document["capture"],
                                                    "data_problems": list(result.facts.problems)}}
            return document
    out: dict[str, Any] = store.as_read(document, list(result.facts.problems))
    _deciding_alike(store, out, result, settings, view, "the directory as read")
    return out


def _check_output(output: Path, overwrite: bool, own_files: tuple[Path, ...]) -> None:
    refuse_own(output, own_files)
    if output.is_dir():
        raise FileProblem(output, "is a folder, not a file")
    folder = output.parent
    if not folder.is_dir():
        raise FileProblem(output, f"its folder {folder} does not exist" if not folder.exists()
                          else f"{folder} is not a folder")
    if output.is_symlink():
        # --force would rename over the link, not write where it points (/dev/stdout: a file of
        # personal data in its place, for every later process).
        raise FileProblem(output, "is a symbolic link; capture writes only to a file of its own "
                          "(-o - writes to stdout)")
    if os.path.lexists(output) and not output.is_file():
        # --force replaces a file by renaming over it: a device or a pipe would be destroyed (said
        # first: "add --force" could not help).
        raise FileProblem(output, "is not a regular file; capture writes only to a file")
    if os.path.lexists(output) and not overwrite:
        raise OutputExists(output, resumable=False)
    # The file goes there by way of a temporary file beside it: one that can't be made (no write
    # permission, a read-only or immutable folder) fails now, before a look-up is made and audited.
    import tempfile

    try:
        handle, made = tempfile.mkstemp(dir=folder, prefix=f".{output.name}.")
    except OSError as error:
        raise FileProblem.of(error, output) from None
    os.close(handle)
    os.unlink(made)



@dataclass(frozen=True)
class Replay:
    report: Report
    captured: dict[str, Any]
    differences: list[tuple[str, Any, Any]]  # (field, captured, now)


Scalar = str | int | float | bool | None


class _Checked(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class _Arguments(_Checked):
    identifier: str
    services: list[str] = []
    lang: Language | None = None
    organisation: str | None = None  # the identifier is a name, looked up in this organisation


class _Evidence(_Checked):
    rule: str
    fact: str
    value: Scalar | list[Scalar] = None


class _Diagnosis(_Checked):
    outcome: str
    step: int | None
    problem: str | None
    rule: str
    evidence: list[_Evidence]


class _LeftOut(_Checked):
    resource: Literal["Users", "Groups"]
    id: str | None
    attributes: list[str]


class _Record(_Checked):
    arguments: _Arguments
    diagnosis: _Diagnosis
    data_problems: list[str] = []
    # What could not be read, and so is not in the file; a capture made before 2026-12-07 said it in words.
    left_out: list[_LeftOut | str] = []
    # What the directory read through another mapping does not record (vocabulary names): the replay
    # keeps them unknown for everyone, as the diagnosis did.
    unrecorded: list[Literal[*FACT_NAMES.values()]] = []  # type: ignore[valid-type]


class _CaptureFile(_Checked):
    """What replay reads of a capture file; the directory in it is checked as any sandbox data is."""

    capture: _Record
    Users: list[dict[str, Any]] = []
    Groups: list[dict[str, Any]] = []


def replay(path: Path, view: View, settings: Settings) -> Replay:
    """Decide again from a capture file, offline: no API is configured or contacted. `settings`: the
    sandbox's, which name no mapping but the default (the capture is read as it was captured).

    Raises FileProblem when the file can't be read, DataFileError when it is no capture file,
    InvalidSetting when the settings name another mapping."""
    from postisupport.sandbox.datafile import NotJson, read_json

    def refused(reason: str) -> DataFileError:
        return DataFileError(f"{path} is not a capture file (made by `capture`): {reason}", path)

    try:
        data = read_json(path)
    except OSError as error:
        raise FileProblem.of(error, path) from None
    except NotJson as error:
        raise refused(error.reason) from None
    if not isinstance(data, dict):
        raise refused("it is no JSON object")
    try:
        _CaptureFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise refused(f"{where}: {first['msg']}") from None
    read_as_captured(settings, path)
    captured = data["capture"]["diagnosis"]
    try:
        result = _decide(sources.replaying(data), data, _options(data["capture"]["arguments"]),
                         settings)
    except DataFileError as error:
        # A record of the right shape, and a directory the sandbox can't serve (one a capture
        # kept of a server that sends the wrong types, or one edited by hand).
        served = "the capture can't answer a search" if "Searches" in data else \
            "the sandbox can't load its directory"
        raise DataFileError(f"{path} cannot be replayed: {served}: {_reason(error)}", path) from None
    except InvalidInput as error:
        # What a caller would have typed is in the file: its fault is the file's.
        where = {"service": "services"}.get(error.field, error.field)
        raise refused(f"capture.arguments.{where}: {error.reason}") from None
    now = as_json(result, view)
    differences = [(field, captured.get(field), now.get(field)) for field in REPLAYED
                   if captured.get(field, []) != now.get(field)]
    return Replay(result, captured, differences)


def _options(arguments: dict[str, Any]) -> DiagnoseOptions:
    return DiagnoseOptions(arguments["identifier"], tuple(arguments.get("services") or ()),
                           arguments.get("lang"), organisation=arguments.get("organisation"))


def _decide(store: ModuleType, data: dict[str, Any], options: DiagnoseOptions,
            settings: Settings) -> Report:
    """The diagnosis `data` gives, its directory served in memory: nothing is read or written."""

    async def once() -> Report:
        async with store.replayed(data, settings.timeout) as directory:
            return await diagnose(directory, options)

    result = asyncio.run(once())
    # A directory kept as the diagnosis read it is not the answers as sent: what was wrong with those
    # (a value of the wrong type, left out of the file; what the server said of its paging) is the
    # record's, and what reading the file finds besides comes of what was left out ("userName: missing").
    record = data["capture"]
    recorded = tuple(record.get("data_problems", ())) or tuple(map(_said, record.get("left_out", ())))
    return replace(result, facts=replace(result.facts, problems=recorded)) if recorded else result


def _said(left: dict[str, Any] | str) -> str:
    """What a record's left_out entry says, as a data problem: without the values (a pseudonymised file
    keeps none), the attributes that could not be read."""
    if isinstance(left, str):
        return left
    kind = {"Users": "user", "Groups": "group"}[left["resource"]]
    return (f"{kind} {left['id'] or '?'}: {', '.join(left['attributes'])} could not be read as sent, and "
            "are not in this capture")


def _reason(error: DataFileError) -> str:
    return str(error).removeprefix("sandbox data: ")
