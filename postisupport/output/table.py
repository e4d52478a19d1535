"""A diagnosis as one CSV row, from its JSON document: a documented, stable column order."""

from __future__ import annotations

from typing import Any

# Ours first, in this order; the input's other columns follow (see docs/bulk.md).
CSV_COLUMNS = ("row", "identifier", "outcome", "step", "problem", "rule", "matched_by", "login",
               "organisation", "business_id", "admins", "error")


def csv_record(row: int, identifier: str, document: dict[str, Any] | None,
               error: dict[str, Any] | None) -> dict[str, str]:
    """The CSV cells of one input row: its diagnosis, or its error."""
    record = dict.fromkeys(CSV_COLUMNS, "")
    record["row"], record["identifier"] = str(row), identifier
    if error is not None:
        record["error"] = f"{error['kind']}: {error['message']}"
        return record
    assert document is not None
    user, org = document["user"] or {}, document["organisation"] or {}
    record.update({
        "outcome": document["outcome"],
        "step": "" if document["step"] is None else str(document["step"]),
        "problem": document["problem"],
        "rule": document["rule"],
        "matched_by": document["matched_by"] or "",
        "login": user.get("userName") or "",
        "organisation": org.get("name") or "",
        "business_id": org.get("businessId") or "",
        "admins": "; ".join(_contact(a) for a in document["admins"]),
    })
    return record


def _contact(admin: dict[str, Any]) -> str:
    name, email = admin.get("displayName"), admin.get("email")
    return f"{name} <{email}>" if name and email else str(name or email or admin.get("id") or "?")
