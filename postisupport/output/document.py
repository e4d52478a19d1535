"""The diagnosis as one JSON document: the contract scripts and bulk output rely on.

`SCHEMA_VERSION` changes whenever a key is added, removed or changes meaning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from postisupport.core.facts import Contact, OrganisationFacts, Service, UserFacts
from postisupport.core.report import Report
from postisupport.core.text import iso
from postisupport.errors import InvalidInput
from postisupport.output.script import script_text
from postisupport.output.view import View

SCHEMA_VERSION = 5


def as_json(rep: Report, view: View) -> dict[str, Any]:
    """`view` says whether the caller is verified (the script follows it; the other fields stay
    complete for scripts) and whether `rep` was masked."""
    facts, decision = rep.facts, rep.decision
    return {
        "schema_version": SCHEMA_VERSION,
        "verified": view.verified,
        "masked": view.masked,
        "identifier": rep.asked,
        "outcome": decision.outcome,
        "step": decision.step,
        "problem": decision.problem,
        "rule": decision.rule,
        "matched_by": facts.matched_by,
        "user": user_json(facts.user) if facts.user else None,
        "organisation": _organisation_json(facts.organisation) if facts.organisation else None,
        "admins": [_contact_json(c) for c in facts.admins],
        "unable_admins": [_contact_json(c) for c in facts.unable_admins],
        "organisations": [
            {**_organisation_json(m.organisation), "admins": [_contact_json(c) for c in m.admins]}
            for m in facts.memberships
        ],
        "organisation_chosen": facts.chosen,
        "candidates": [user_json(c) for c in facts.candidates],
        "candidates_total": facts.candidates_total,
        "services": [
            {"asked": v.asked, "known_as": v.known_as, "id": v.service_id, "outcome": v.outcome,
             "rule": v.rule}
            for v in decision.services
        ],
        "actions": [{"rule": a.rule, "services": [s.id or s.name for s in a.services]}
                    for a in decision.actions],
        "evidence": [{"rule": e.rule, "fact": e.fact, "value": e.value} for e in decision.evidence],
        "considered": [
            {"rule": c.rule, "service": c.subject, "fired": c.fired, "read": dict(c.read)}
            for c in decision.considered
        ],
        "data_problems": list(facts.problems),
        "script": {"lang": rep.lang, "text": script_text(decision, rep.lang, verified=view.verified,
                                                          tz=view.tz)},
    }


# The document's top-level keys, in order: what `diagnose --fields` may select.
FIELDS = ("schema_version", "verified", "masked", "identifier", "outcome", "step", "problem", "rule",
          "matched_by", "user", "organisation", "admins", "unable_admins", "organisations",
          "organisation_chosen", "candidates", "candidates_total", "services", "actions", "evidence",
          "considered", "data_problems", "script")


def fields(text: str) -> tuple[str, ...]:
    """The fields a comma-separated list names, each once, in the order given. Raises InvalidInput
    for a name that is no field of the document, before anything is asked."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise InvalidInput("fields", f"needs field names, separated by commas: {', '.join(FIELDS)}")
    for name in names:
        if name not in FIELDS:
            raise InvalidInput("fields", f"{name!r} is no field of the diagnosis; the fields are "
                               f"{', '.join(FIELDS)}")
    return tuple(dict.fromkeys(names))


def selected(document: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: document[name] for name in names}


def jq_program(expression: str) -> Any:
    """`expression` compiled by jq (the `jq` package, imported here only: it is not needed at start).
    Raises InvalidInput with jq's own first line for one it can't compile."""
    import jq

    if re.search(r"\$ENV\b|(?<![\w$.])(env|inputs?)\b", expression):
        # jq hands the whole process environment to $ENV and env: a token in POSTISUPPORT_TOKEN
        # would be printed. input/inputs would read our stdin. Neither is about the diagnosis.
        raise InvalidInput("jq", "may not read the environment ($ENV, env) or further input (input, "
                           "inputs); it filters the diagnosis only")
    try:
        return jq.compile(expression)
    except ValueError as error:
        raise InvalidInput("jq", f"cannot be compiled: {_jq_reason(error)}") from None


def jq_lines(program: Any, document: Any) -> Iterator[str]:
    """What the program makes of the document, one line per result as it comes (so `range(1e9) |
    head` prints at once and holds nothing), as gh prints them: a string as it is (its control
    characters escaped), anything else as one line of JSON."""
    try:
        for result in program.input_value(document):
            yield _safe(result) if isinstance(result, str) else dumps_line(result)
    except ValueError as error:
        raise InvalidInput("jq", f"failed on the diagnosis: {_jq_reason(error)}") from None


def _jq_reason(error: ValueError) -> str:
    lines = str(error).strip().splitlines()
    return lines[0].removeprefix("jq: error: ").rstrip(":") if lines else "jq cannot run it"


def user_json(user: UserFacts) -> dict[str, Any]:
    return {
        "id": user.id,
        "userName": user.user_name,
        "displayName": user.display_name,
        "active": user.active,
        "isAdmin": user.is_admin,
        "emails": list(user.emails),
        "preferredLanguage": user.preferred_language,
        "legacyUserId": user.legacy_user_id,
        "resetPending": user.reset_pending,
        "forcePasswordReset": user.force_password_reset,
        "passwordResetSentAt": iso(user.reset_sent_at),
        "passwordResetSentTo": user.reset_sent_to,
        "lastPasswordUpdateTime": iso(user.last_password_update),
        "lastLoginTime": iso(user.last_login),
        "lastFailedLoginTime": iso(user.last_failed_login),
        "accountLocked": user.locked,
        "phone": user.phone,
        "entitlements": [_service_json(s) for s in user.entitlements],
    }


def _organisation_json(org: OrganisationFacts) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "businessId": org.business_id,
        "services": [_service_json(s) for s in org.services],
    }


def _service_json(service: Service) -> dict[str, Any]:
    return {"id": service.id, "name": service.name}


def _contact_json(contact: Contact) -> dict[str, Any]:
    return {"id": contact.id, "displayName": contact.display_name, "email": contact.email,
            "phone": contact.phone, "state": contact.state}


def dumps(document: Any) -> str:
    """JSON text that is safe on a terminal and in a log: UTF-8 for readable text, but every character
    that is not printable (C1 controls, bidi overrides such as U+202E, line separators U+2028/2029,
    invisible format characters) written as a \\u escape, so a value from the API cannot reorder,
    hide or split what the reader sees. The parsed value is unchanged."""
    return _safe(json.dumps(document, ensure_ascii=False, indent=2))


def dumps_line(document: Any) -> str:
    """The same, on one line: one record of an NDJSON stream."""
    return _safe(json.dumps(document, ensure_ascii=False))


def _safe(text: str) -> str:
    if text.replace("\n", "").isprintable():
        return text  # the common case, checked in one pass in C: bulk writes thousands of lines
    return "".join(ch if ch.isprintable() or ch in " \n" else _escaped(ch) for ch in text)


def _escaped(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # outside the basic plane JSON needs a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
