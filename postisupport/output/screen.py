"""The agent's screen: what to do first, in plain words in the agent's language; the details after.

The common outcomes fit a 24-line, 80-column terminal. Rule ids, SCIM attribute
names, internal ids and raw data-problem notes are for `--explain`. Every value
from the API goes in as plain Text, never as markup, with its control
characters replaced: a display name like "[/]" or one carrying escape
sequences must neither crash the screen nor drive the terminal.
"""

from __future__ import annotations

from typing import Any

from postisupport.core.facts import Facts, UserFacts
from postisupport.core.report import Report
from postisupport.core.rules import Decision
from postisupport.core.text import terminal_safe
from postisupport.output.script import script_text
from postisupport.output.view import View

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


def screen(rep: Report, view: View) -> Any:
    """A rich renderable for one report."""
    from rich.console import Group as Stack
    from rich.panel import Panel
    from rich.text import Text

    facts, decision = rep.facts, rep.decision
    parts: list[Any] = [
        Text(view.text(f"headline.{decision.rule}"), style=OUTCOME_STYLE[decision.outcome]),
        _labelled(view.text("label.do"), view.text(f"do.{decision.rule}")),
    ]
    who = _who(facts, decision, view)
    if who.row_count:
        parts += [Text(), who]
    if facts.user and not view.verified:
        parts += [Text(), _verify(facts, view)]
    script = script_text(decision, rep.lang, verified=view.verified, tz=view.tz)
    parts += [Text(), Panel(_plain(script), title=view.text("label.script", lang=rep.lang),
                            title_align="left", border_style="green")]
    if facts.problems and not view.explain:
        parts.append(Text(view.text("label.data-problems.hint", n=len(facts.problems)), style="dim"))
    if view.explain:
        parts += _explanation(facts, decision, view)
    return Stack(*parts)


def _who(facts: Facts, decision: Decision, view: View) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    if facts.user:
        table.add_row(view.text("label.user"), _plain(_user_line(facts.user, facts, view)))
    if facts.organisation:
        org = facts.organisation
        business_id = org.business_id or view.text("label.no-business-id")
        table.add_row(view.text("label.organisation"), _plain(f"{org.name or org.id} ({business_id})"))
    for candidate in facts.candidates[:SHOWN_CANDIDATES]:
        table.add_row(view.text("label.candidate"), _plain(_user_line(candidate, None, view)))
    hidden = facts.candidates_total - min(len(facts.candidates), SHOWN_CANDIDATES)
    if hidden > 0:
        table.add_row("", Text(view.text("label.more-candidates", more=hidden, total=facts.candidates_total),
                               style="dim"))
    for label, text in _services(facts, decision, view):
        table.add_row(label, _plain(text))
    if facts.user:
        for label, text in _timeline(facts.user, view):
            table.add_row(label, _plain(text))
    for n, admin in enumerate(facts.admins):
        # Name and phone on one line, the address on the next: neither is ever split by the fold.
        who = " · ".join(x for x in (admin.display_name, admin.phone) if x) or admin.id or "?"
        table.add_row(view.text("label.admins") if n == 0 else "", _plain(who))
        if admin.email:
            table.add_row("", _plain(admin.email))
    return table


def _user_line(user: UserFacts, facts: Facts | None, view: View) -> str:
    name = user.display_name or view.text("label.no-name")
    line = f"{name} <{user.user_name or view.text('label.no-login')}>"
    notes = []
    if facts is not None and facts.matched_by:
        notes.append(view.text(f"matched.{facts.matched_by}"))
    if user.active is False:
        notes.append(view.text("state.inactive"))
    if user.locked:
        notes.append(view.text("state.locked"))
    if user.is_admin:
        notes.append(view.text("state.admin"))
    return " · ".join([line, *notes])


def _services(facts: Facts, decision: Decision, view: View) -> list[tuple[str, str]]:
    """Each asked service with its verdict, and what the organisation has, for a mistyped name."""
    if not decision.services:
        return []
    rows = []
    for n, verdict in enumerate(decision.services):
        name = verdict.known_as or f"{verdict.asked} {view.text('label.unknown-service')}"
        headline = view.text(f"headline.{verdict.rule}").split(" — ", 1)[-1]
        rows.append((view.text("label.services") if n == 0 else "",
                     view.text("label.verdict", asked=name, verdict=headline)))
    if facts.organisation is not None:
        names = [s.name or s.id or "?" for s in facts.organisation.services]
        rows.append(("", view.text("label.organisation-services", services=", ".join(names)) if names
                     else view.text("label.organisation-services.none")))
    return rows


def _timeline(user: UserFacts, view: View) -> list[tuple[str, str]]:
    events = []
    if user.reset_sent_at is not None:
        sent = view.moment(user.reset_sent_at)
        if user.reset_sent_to:
            sent += " " + view.text("event.reset-sent-to", address=user.reset_sent_to)
        events.append((view.text("event.reset-sent"), sent))
    if user.reset_sent_at is not None or user.last_password_update is not None:
        events.append((view.text("event.password-changed"), view.moment(user.last_password_update)))
    events.append((view.text("event.last-login"), view.moment(user.last_login)))
    if user.last_failed_login is not None:
        events.append((view.text("event.last-failed-login"), view.moment(user.last_failed_login)))
    return events


def _verify(facts: Facts, view: View) -> Any:
    from rich.text import Text

    assert facts.user is not None
    org = facts.organisation
    compare = [facts.user.display_name or view.text("label.no-name")]
    if org is not None:
        compare += [org.name or org.id or "?", org.business_id or view.text("label.no-business-id")]
    text = Text(f"{view.text('label.verify')}: ", style="bold yellow")
    how = view.text("label.verify.how.session" if view.in_session else "label.verify.how")
    text.append(terminal_safe(f"{how} {' · '.join(compare)}"))
    return text


def _explanation(facts: Facts, decision: Decision, view: View) -> list[Any]:
    from rich.table import Table
    from rich.text import Text

    considered = Table(box=None, padding=(0, 1), title=view.text("label.considered"), title_justify="left",
                       title_style="bold")
    for header in ("rule", "", "facts read"):
        considered.add_column(header, overflow="fold")
    for check in decision.considered:
        subject = f" [{check.subject}]" if check.subject else ""
        read = ", ".join(f"{name}={_value(value)}" for name, value in check.read)
        fired = view.text("label.fired") if check.fired else view.text("label.not-fired")
        considered.add_row(_plain(check.rule + subject), fired, _plain(read))
    evidence = Table(box=None, padding=(0, 1), title=view.text("label.evidence"), title_justify="left",
                     title_style="bold")
    for header in ("rule", "fact", "value"):
        evidence.add_column(header, overflow="fold")
    for item in decision.evidence:
        evidence.add_row(item.rule, _plain(item.fact), _plain(_value(item.value)))
    parts: list[Any] = [Text(), considered, Text(), evidence]
    ids = [f"user {facts.user.id}"] if facts.user else []
    ids += [f"organisation {facts.organisation.id}"] if facts.organisation else []
    ids += [f"candidate {c.id}" for c in facts.candidates]
    if ids:
        parts += [Text(), _plain("ids: " + ", ".join(i for i in ids if i))]
    if facts.problems:
        parts += [Text(), Text(view.text("label.data-problems"), style="bold red")]
        parts += [_plain(f"- {p}") for p in facts.problems]
    return parts


def _labelled(label: str, text: str) -> Any:
    from rich.text import Text

    line = Text(f"{label}: ", style="bold")
    line.append(terminal_safe(text))
    return line


def _plain(value: str) -> Any:
    from rich.text import Text

    return Text(terminal_safe(value), overflow="fold")


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
