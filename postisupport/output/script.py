"""The caller script: a decision's script parts put into words in the caller's language.

Catalog entries are plain text, or plural forms chosen by the length of one
list parameter: {"count": "services", "none": ..., "one": ..., "other": ...}.
Until the caller is verified, parts that name someone (the login address, the
administrators) are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from postisupport.core.facts import Contact
from postisupport.core.rules import Decision, ScriptPart
from postisupport.output.messages import catalog


def script_text(decision: Decision, lang: str, *, verified: bool = True, tz: tzinfo = UTC) -> str:
    words = catalog(lang)
    parts = [part for part in decision.script if verified or not part.personal]
    return " ".join(_sentence(part, words, tz) for part in parts)


def _sentence(part: ScriptPart, words: dict[str, Any], tz: tzinfo) -> str:
    entry = words[part.key]
    if isinstance(entry, dict):
        entry = entry[plural_form(len(part.params[entry["count"]]), entry)]
    params = {name: _param(name, value, words, tz) for name, value in part.params.items()}
    return str(entry).format(**params)


def plural_form(count: int, forms: dict[str, Any]) -> str:
    """"none" for nothing (when the entry has that form), "one" for one, "other" for more."""
    if count == 0 and "none" in forms:
        return "none"
    return "one" if count == 1 else "other"


def _param(name: str, value: Any, words: dict[str, Any], tz: tzinfo) -> str:
    if name == "admins":  # a choice of people: A or B
        return listing([contact_text(c) for c in value], words["or"])
    if name == "services":
        return listing(list(value), words["and"])
    if isinstance(value, datetime):
        return local_date(value, words, tz)
    return str(value)


def listing(items: Sequence[str], conjunction: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def local_date(moment: datetime, words: dict[str, Any], tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return str(words["date"]).format(day=local.day, month=local.month, year=local.year,
                                     month_name=words["months"][local.month - 1])


def contact_text(contact: Contact) -> str:
    reach = ", ".join(x for x in (contact.email, contact.phone) if x)
    if contact.display_name and reach:
        return f"{contact.display_name} ({reach})"
    return contact.display_name or reach or contact.id or "?"
