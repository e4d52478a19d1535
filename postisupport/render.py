"""Decisions into words: the JSON document, the agent's screen and the caller script."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from postisupport.decide import RULES, Decision, ScriptPart
from postisupport.facts import Contact, Facts, OrganisationFacts, Service, UserFacts
from postisupport.messages import catalog, language_for
from postisupport.printable import printable

OUTCOME_STYLE = {
    "change-password": "bold yellow",
    "use-login-email": "bold yellow",
    "contact-admin": "bold cyan",
    "check-service-rights": "bold cyan",
    "contact-customer-service": "bold magenta",
    "no-fault-found": "bold green",
    "not-found": "bold red",
    "ambiguous": "bold red",
}


@dataclass(frozen=True)
class Report:
    """Everything one diagnosis produced; what every renderer starts from."""

    facts: Facts
    decision: Decision
    lang: str


def report(facts: Facts, decision: Decision, lang: str | None = None) -> Report:
    return Report(facts, decision, language_for(_preferred_language(facts), lang))


def _preferred_language(facts: Facts) -> str | None:
    if facts.user:
        return facts.user.preferred_language
    # Several candidates who all prefer the same language are surely a caller who does too.
    spoken = {language_for(c.preferred_language) for c in facts.candidates if c.preferred_language}
    return spoken.pop() if len(spoken) == 1 else None


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


# -- JSON ---------------------------------------------------------------------


def as_json(rep: Report) -> dict[str, Any]:
    facts, decision = rep.facts, rep.decision
    return {
        "outcome": decision.outcome,
        "step": decision.step,
        "problem": decision.problem,
        "rule": decision.rule,
        "matched_by": facts.matched_by,
        "user": user_json(facts.user) if facts.user else None,
        "organisation": _organisation_json(facts.organisation) if facts.organisation else None,
        "admins": [_contact_json(c) for c in facts.admins],
        "candidates": [user_json(c) for c in facts.candidates],
        "services": [
            {"asked": v.asked, "outcome": v.outcome, "rule": v.rule} for v in decision.services
        ],
        "evidence": [{"rule": e.rule, "fact": e.fact, "value": e.value} for e in decision.evidence],
        "data_problems": list(facts.problems),
        "script": {"lang": rep.lang, "text": script_text(decision, rep.lang)},
    }


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
        "passwordResetSentAt": _iso(user.reset_sent_at),
        "passwordResetSentTo": user.reset_sent_to,
        "lastPasswordUpdateTime": _iso(user.last_password_update),
        "lastLoginTime": _iso(user.last_login),
        "lastFailedLoginTime": _iso(user.last_failed_login),
        "accountLocked": user.locked,
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
    return {"id": contact.id, "displayName": contact.display_name, "email": contact.email}


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


# -- the agent's screen -------------------------------------------------------


def screen(rep: Report) -> Any:
    """A rich renderable that fits an 80-column terminal.

    Every value from the API goes in as plain Text, never as markup, with its
    control characters replaced: a display name like "[/]" or one carrying
    escape sequences must neither crash the screen nor drive the terminal.
    """
    from rich.console import Group as Stack
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    def plain(value: str, style: str = "") -> Text:
        return Text(printable(value), style=style, overflow="fold")

    facts, decision = rep.facts, rep.decision
    step = f"STEP {decision.step} · " if decision.step else ""
    problem = "login problem" if decision.problem == "login" else "service access"
    headline = Text(f"{step}{decision.outcome}", style=OUTCOME_STYLE[decision.outcome])
    headline.append(f"  ({problem})", style="dim")
    parts: list[Any] = [headline, Text(f"{decision.rule}: {RULES[decision.rule].summary}")]

    who = Table.grid(padding=(0, 2))
    who.add_column(style="bold")
    who.add_column(overflow="fold")
    if facts.user:
        who.add_row("User", plain(_user_line(facts.user, facts.matched_by)))
    if facts.organisation:
        org = facts.organisation
        who.add_row("Organisation",
                    plain(f"{org.name or org.id} ({org.business_id or 'no business ID'})"))
    for candidate in facts.candidates:
        who.add_row("Candidate", plain(_user_line(candidate, None)))
    if who.row_count:
        parts += [Text(), who]

    # The deciding rule is on the second line; a rule column only earns its
    # width when other rules (other services) contributed evidence.
    several_rules = any(item.rule != decision.rule for item in decision.evidence)
    evidence = Table(box=None, padding=(0, 1), title_justify="left", title="Evidence",
                     title_style="bold")
    for header in ("Rule", "Fact", "Value") if several_rules else ("Fact", "Value"):
        evidence.add_column(header, overflow="fold")
    for item in decision.evidence:
        row = (plain(item.fact), plain(_value_text(item.value)))
        evidence.add_row(*((item.rule, *row) if several_rules else row))
    parts += [Text(), evidence]

    if facts.admins:
        admins = Table("Administrator", "E-mail", box=None, padding=(0, 1))
        for admin in facts.admins:
            admins.add_row(plain(admin.display_name or admin.id or "?"), plain(admin.email or "-"))
        parts += [Text(), admins]
    if facts.problems:
        parts += [Text(), Text("Data problems", style="bold red")]
        parts += [plain(f"- {p}") for p in facts.problems]

    script = Panel(plain(script_text(decision, rep.lang)), title=f"Say to the caller ({rep.lang})",
                   title_align="left", border_style="green")
    parts += [Text(), script]
    return Stack(*parts)


def _user_line(user: UserFacts, matched_by: str | None) -> str:
    line = f"{user.display_name or '(no name)'} <{user.user_name or 'no login e-mail'}>"
    notes = [f"id {user.id}"]
    if matched_by:
        notes.append(f"matched by {matched_by}")
    if user.active is False:
        notes.append("DEACTIVATED")
    if user.locked:
        notes.append("LOCKED")
    if user.is_admin:
        notes.append("admin")
    return f"{line} ({', '.join(notes)})"


def _value_text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
