"""The caller script: a decision's script parts put into words in the caller's language."""

from __future__ import annotations

from collections.abc import Sequence

from postisupport.core.facts import Contact
from postisupport.core.rules import Decision, ScriptPart
from postisupport.output.messages import catalog


def script_text(decision: Decision, lang: str) -> str:
    words = catalog(lang)
    return " ".join(words[part.key].format(**_script_params(part, words)) for part in decision.script)


def _script_params(part: ScriptPart, words: dict[str, str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in part.params.items():
        if name == "admins":
            params[name] = _listing([_contact_text(c) for c in value], words)
        elif name == "services":
            params[name] = _listing(list(value), words)
        else:
            params[name] = value if value else words["unknown_address"]
    return params


def _listing(items: Sequence[str], words: dict[str, str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {words['and']} {items[-1]}"


def _contact_text(contact: Contact) -> str:
    if contact.display_name and contact.email:
        return f"{contact.display_name} ({contact.email})"
    return contact.display_name or contact.email or contact.id or "?"
