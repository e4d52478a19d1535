"""Capture and replay: one file that is both a sandbox directory and the record of a diagnosis.

`capture` keeps every SCIM resource a diagnosis read (ids kept) as a sandbox
data file ({"Users": [...], "Groups": [...]}), with, under "capture", what the
tool was asked, when, of which API, what the server said it supports, and the
diagnosis it produced. `replay` decides again from those resources, offline,
with today's rules, and says what differs from the captured decision: a
ticket file doubles as a regression test.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postisupport import __version__
from postisupport.config.private import open_private
from postisupport.config.settings import Settings, resolve
from postisupport.core.report import Report
from postisupport.errors import DataFileError
from postisupport.ops import connect
from postisupport.ops.audit import AuditTrail
from postisupport.ops.diagnose import DiagnoseOptions, api_host, diagnose, record
from postisupport.ops.pseudonym import Pseudonyms
from postisupport.output.document import as_json
from postisupport.output.view import View
from postisupport.scim.client import Page

# What a pseudonymised capture must keep: the decision (its evidence quotes the stand-ins).
DECISION = ("outcome", "step", "problem", "rule")
# What a replay compares: the decision and its evidence, not the wording or the timestamps.
COMPARED = (*DECISION, "evidence")


@dataclass(frozen=True)
class Capture:
    path: Path
    report: Report


def capture(settings: Settings, options: DiagnoseOptions, output: Path, view: View,
            trail: AuditTrail | None = None, observe: Any = None, pseudonymise: bool = False) -> Capture:
    users: dict[str, dict[str, Any]] = {}
    groups: dict[str, dict[str, Any]] = {}

    def keep(endpoint: str, page: Page) -> None:
        kept = users if endpoint == "Users" else groups
        for resource in page.resources:
            if isinstance(resource.get("id"), str):
                kept[resource["id"]] = {k: v for k, v in resource.items() if k != "meta"}

    async def once() -> tuple[Any, Report]:
        async with connect.client(settings, on_page=keep, observe=observe) as client:
            try:
                offered = await client.service_provider_config()
            except Exception:
                offered = None
            return offered, await diagnose(client, options)

    offered, result = asyncio.run(once())
    record(trail, settings, options, result)
    for group_id, group in groups.items():
        # Groups were read without their members (they may have thousands); the users read say
        # which of them belong, and the sandbox needs that to give them their groups back.
        members = [{"value": uid} for uid, user in users.items()
                   if any(isinstance(g, dict) and g.get("value") == group_id
                          for g in user.get("groups") or [])]
        group["members"] = members
    identifier, kept_users, kept_groups = options.identifier, list(users.values()), list(groups.values())
    if pseudonymise:
        stand_in = Pseudonyms()
        identifier = stand_in.identifier(options.identifier)
        kept_users = [stand_in.user(u) for u in kept_users]
        kept_groups = [stand_in.group(g) for g in kept_groups]
    arguments = {"identifier": identifier, "services": list(options.services), "lang": options.lang}
    document: dict[str, Any] = {
        "Users": kept_users,
        "Groups": kept_groups,
        "capture": {
            "tool": f"postisupport {__version__}",
            "time": view.now.isoformat(timespec="seconds") if view.now else None,
            "api_host": api_host(settings),
            "arguments": arguments,
            "pseudonymised": pseudonymise,
            "service_provider_config": offered,
            "diagnosis": as_json(result, view),
        },
    }
    _write(output, document)
    if pseudonymise:
        # The record's diagnosis names people too: it is the one the stand-ins decide, which must
        # be the decision the real data got.
        again = replay(output, view)
        before, now = as_json(result, view), as_json(again.report, view)
        if any(before[k] != now[k] for k in DECISION):
            output.unlink()
            raise DataFileError("the pseudonymised directory decides differently from the real one; "
                                "nothing was written", output)
        document["capture"]["diagnosis"] = now
        _write(output, document)
    return Capture(output, result)


def _write(output: Path, document: dict[str, Any]) -> None:
    with open_private(output) as out:
        json.dump(document, out, ensure_ascii=False, indent=2)
        out.write("\n")


@dataclass(frozen=True)
class Replay:
    report: Report
    captured: dict[str, Any]
    differences: list[tuple[str, Any, Any]]  # (field, captured, now)


def replay(path: Path, view: View, environ: dict[str, str] | None = None) -> Replay:
    """Decide again from a capture file, offline: no API is configured or contacted."""
    try:
        record_of = json.loads(path.read_text(encoding="utf-8"))["capture"]
        arguments = record_of["arguments"]
        captured = record_of["diagnosis"]
    except (OSError, ValueError, KeyError, TypeError):
        raise DataFileError(f"{path} is not a capture file (made by `capture`)", path) from None
    settings = resolve({"sandbox_data": path}, environ or {})
    options = DiagnoseOptions(arguments["identifier"], tuple(arguments.get("services") or ()),
                              arguments.get("lang"))

    async def once() -> Report:
        async with connect.client(settings) as client:
            return await diagnose(client, options)

    result = asyncio.run(once())
    now = as_json(result, view)
    differences = [(field, captured.get(field), now.get(field)) for field in COMPARED
                   if captured.get(field) != now.get(field)]
    return Replay(result, captured, differences)
