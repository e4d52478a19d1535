"""The agent's screen: one rich renderable, readable on an 80-column terminal."""

from __future__ import annotations

from typing import Any

from postisupport.core.facts import UserFacts
from postisupport.core.report import Report
from postisupport.core.rules import RULES
from postisupport.core.text import terminal_safe
from postisupport.output.script import script_text

SHOWN_CANDIDATES = 10  # an agent on a call reads a few names, not a directory

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
        return Text(terminal_safe(value), style=style, overflow="fold")

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
    for candidate in facts.candidates[:SHOWN_CANDIDATES]:
        who.add_row("Candidate", plain(_user_line(candidate, None)))
    hidden = facts.candidates_total - min(len(facts.candidates), SHOWN_CANDIDATES)
    if hidden > 0:
        who.add_row("", Text(f"... and {hidden} more ({facts.candidates_total} candidates in all)",
                             style="dim"))
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
