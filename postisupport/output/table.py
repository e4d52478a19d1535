"""A diagnosis as one table row (CSV, a workbook), from its JSON document: a documented, stable column order.

Every cell a spreadsheet will open is neutralised (`spreadsheet_safe`): a cell from the input or from
the identity API that starts like a formula (`=HYPERLINK(...)`, `+SUM(...)`, `=cmd|...`) would
otherwise run as one when an admin opens the file.
"""

from __future__ import annotations

import re
from typing import Any

# Ours first, in this order; the input's other columns follow (see docs/bulk.md).
CSV_COLUMNS = ("row", "identifier", "service", "outcome", "step", "problem", "rule", "matched_by", "login",
               "organisation", "business_id", "admins", "error")
# After them when the rows are read through another mapping than the default: what they were read through.
MAPPING_COLUMN = "mapping"
# What a spreadsheet reads as the start of a formula (or of a DDE call), tab and CR included: Excel
# and LibreOffice drop a leading tab or CR and evaluate what follows (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SERVICE_SEPARATOR = "|"
# A cell whose fact the directory can't tell (the JSON's `unknown`): never blank, which reads as none.
UNKNOWN_CELL = "(unknown)"
# What XML 1.0 can't hold, and so no workbook cell: C0 controls but tab, LF and CR; lone surrogates;
# U+FFFE and U+FFFF. openpyxl refuses the controls (the whole run would die on one cell) and writes
# the others into a sheet that no longer opens.
# A lone surrogate (a JSON "\ud800" a server cut inside an emoji) is no text: no UTF-8 file can hold it.
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"
WORKBOOK_CELL = 32_767  # characters a workbook cell holds (Excel's limit; openpyxl cuts silently beyond)


def workbook_safe(cell: str) -> tuple[str, bool, bool]:
    """`cell` as a workbook can hold it: what XML can't hold replaced by U+FFFD, and past Excel's
    limit cut with a visible note. Also whether anything was replaced and whether it was cut."""
    text, replaced = NOT_XML.subn(REPLACEMENT, cell)
    if len(text) <= WORKBOOK_CELL:
        return text, bool(replaced), False
    note = f" [cut: {len(text):,} characters, a workbook cell holds {WORKBOOK_CELL:,}]"
    return text[:WORKBOOK_CELL - len(note)] + note, bool(replaced), True


def spreadsheet_safe(cell: str) -> str:
    """`cell` as text a spreadsheet shows and never evaluates: a leading `'` when it starts like a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def csv_record(row: int, identifier: str, services: tuple[str, ...], document: dict[str, Any] | None,
               error: dict[str, Any] | None, mapping: str | None = None) -> dict[str, str]:
    """The cells of one input row, its diagnosis or its error, each spreadsheet-safe. `identifier` is the
    input's, exactly as given, so every row joins back to its input; `mapping`, what it was read through
    (None: the default, and no column for it)."""
    record = dict.fromkeys(CSV_COLUMNS, "")
    record["row"], record["identifier"] = str(row), identifier
    if mapping is not None:
        record[MAPPING_COLUMN] = mapping
    record["service"] = SERVICE_SEPARATOR.join(services)
    if error is not None:
        record["error"] = f"{error['kind']}: {error['message']}"
        return {name: spreadsheet_safe(cell) for name, cell in record.items()}
    assert document is not None
    user, org = document["user"] or {}, document["organisation"] or {}
    unknown = set(document.get("unknown") or ())
    record.update({
        "outcome": document["outcome"],
        "step": "" if document["step"] is None else str(document["step"]),
        "problem": document["problem"],
        "rule": document["rule"],
        "matched_by": document["matched_by"] or "",
        "login": _text(user.get("userName")),
        # Of a user found: a row of no one has no organisation to be unknown.
        "organisation": _text(org.get("name"), "organisation" in unknown and not org and bool(user)),
        # Of an organisation found, or of a user whose organisation is unknown: then so are these.
        "business_id": _text(org.get("businessId"), "business_id" in unknown and bool(org or user)),
        "admins": "; ".join(_contact(a) for a in document["admins"])
        or (UNKNOWN_CELL if "administrators" in unknown and (org or user) else ""),
    })
    return {name: spreadsheet_safe(cell) for name, cell in record.items()}


def _text(value: Any, unknown: bool = False) -> str:
    return (UNKNOWN_CELL if unknown else "") if value is None else str(value)


def _contact(admin: dict[str, Any]) -> str:
    name, email = admin.get("displayName"), admin.get("email")
    return f"{name} <{email}>" if name and email else str(name or email or admin.get("id") or "?")
