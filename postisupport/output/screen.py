"""The agent's screen: what to do first, in plain words in the agent's language; the details after.

The common outcomes fit a 24-line, 80-column terminal. Rule ids, SCIM attribute
names, internal ids and raw data-problem notes are for `--explain`. Every value
from the API goes in as plain Text, never as markup, with its control
characters replaced: a display name like "[/]" or one carrying escape
sequences must neither crash the screen nor drive the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from postisupport.core.facts import Contact, Facts, OrganisationFacts, Service, UserFacts, renewal_request
from postisupport.core.identifiers import equal_folded
from postisupport.core.language import DEFAULT_LANGUAGE, LANGUAGES
from postisupport.core.report import Report
from postisupport.core.rules import TICKETED, Action, Decision
from postisupport.core.text import shortened, terminal_safe
from postisupport.output.messages import catalog, ui_catalog
from postisupport.output.script import catalog_service, listing, script_text, service_name
from postisupport.output.view import View

# A phone number as a directory writes one: digits with spaces or dashes between ("+358 40 123 4567").
PHONE = re.compile(r"\+?\d[\d -]{4,}\d")
UNBROKEN = "\u00a0"  # a space the wrap keeps, as textwrap breaks at ASCII blanks only
SHOWN_CANDIDATES = 10  # an agent on a call reads a few names, not a directory
SCREEN_LINE = 1000  # characters of a line that holds a server's value: a name, an address, who to verify

OUTCOME_STYLE = {
    "change-password": "bold yellow",
    "use-login-email": "bold yellow",
    "contact-admin": "bold cyan",
    "check-service-rights": "bold cyan",
    "contact-customer-service": "bold magenta",
    "no-fault-found": "bold green",
    "not-found": "bold red",
    "not-searched": "bold yellow",
    "ambiguous": "bold red",
    "organisation": "bold cyan",
}


SCREEN_ROWS = 22  # a 24-row terminal less the command line and the next prompt


def screen(rep: Report, view: View) -> Any:
    """A rich renderable for one report. Unless explained, a screen taller than SCREEN_ROWS repeats
    its step on its last line, so the headline is in view whatever scrolled away."""
    from rich.console import Group as Stack
    from rich.panel import Panel
    from rich.text import Text

    facts, decision = rep.facts, rep.decision
    headline_key = _untold_key(_looked_up_key(f"headline.{decision.rule}", facts, view), facts, view)
    headline = Text(view.text(headline_key),
                    style=OUTCOME_STYLE[decision.outcome])
    parts: list[Any] = [headline, _labelled(view.text("label.do"), _do(facts, decision, view))]
    if facts.user and not view.verified:
        parts += _verify(facts, view)
    if facts.candidates:
        by_name = facts.asked is not None and facts.asked.kind == "name"
        warning = view.text("label.candidates.warning" if not by_name else "label.candidates.warning.name"
                            + (".no-legacy" if "legacy_user_id" in facts.unaskable else ""))
        parts.append(Text(terminal_safe(warning), style="bold yellow"))
    note = _language_note(rep, view)
    if note:
        parts.append(Text(terminal_safe(note), style="yellow"))
    who = _who(facts, decision, view)
    if who.row_count:
        parts += [Text(), who]
    script = script_text(decision, rep.lang, verified=view.verified, tz=view.tz, spoken=True)
    # The title as Text, not markup: markup would replace :emoji: codes, loading their table (5 ms).
    parts += [Text(), Panel(ScriptText(script), title=Text(view.text("label.script", lang=rep.lang)),
                            title_align="left", border_style="green")]
    if facts.problems and not view.explain:
        # In the shell it is a command of its own, not a flag.
        hint = "label.data-problems.hint.session" if view.in_session else "label.data-problems.hint"
        parts.append(Text(view.text(hint, n=len(facts.problems)), style="dim"))
    if view.explain:
        parts += _explanation(facts, decision, view)
        return Fitted(Stack(*parts), None)
    # What scrolled away with "Verify first" is said again under the headline: until verified, the
    # agent names no one, whatever the box below says once verified.
    unverified = Text(terminal_safe(view.text("label.footer.unverified")), style="bold yellow") \
        if not view.verified and (facts.user or facts.organisation) else None
    return Fitted(Stack(*parts), headline, unverified)


class ScriptText:
    """The script, wrapped at word boundaries to the box it is drawn in, a phone number never split
    across two lines: an agent reading it out would read half a number."""

    def __init__(self, text: str) -> None:
        self.text = terminal_safe(text)

    def __rich_console__(self, console: Any, options: Any) -> Any:
        import textwrap

        from rich.text import Text

        kept = PHONE.sub(lambda number: number.group().replace(" ", UNBROKEN), self.text)
        lines = [wrapped for paragraph in kept.split("\n")
                 for wrapped in textwrap.wrap(paragraph, width=options.max_width, break_long_words=False,
                                              break_on_hyphens=False) or [""]]
        yield Text("\n".join(lines).replace(UNBROKEN, " "), overflow="fold")


class Fitted:
    """A screen whose lines carry no trailing blanks, and whose step is repeated on its last line
    when it is taller than SCREEN_ROWS."""

    def __init__(self, body: Any, headline: Any, footer: Any = None) -> None:
        self.body, self.headline, self.footer = body, headline, footer

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.segment import Segment

        lines = console.render_lines(self.body, options, pad=False)
        if self.headline is not None and len(lines) > SCREEN_ROWS:
            lines += console.render_lines(self.headline, options, pad=False)
            if self.footer is not None:
                lines += console.render_lines(self.footer, options, pad=False)
        for line in lines:
            yield from _trimmed(line)
            yield Segment.line()


def _trimmed(line: list[Any]) -> list[Any]:
    """A rendered line without the blanks a table or a fold pads it with at its end."""
    from rich.segment import Segment

    line = list(line)
    while line and not line[-1].control and not line[-1].text.rstrip() and not _has_background(line[-1]):
        line.pop()
    if line and not line[-1].control and not _has_background(line[-1]):
        last = line[-1]
        line[-1] = Segment(last.text.rstrip(), last.style)
    return line


def _has_background(segment: Any) -> bool:
    return bool(segment.style and segment.style.bgcolor)


def _do(facts: Facts, decision: Decision, view: View) -> str:
    """What the agent does: one sentence per group of verdicts, named when there are several, each
    said once. Until the caller is verified, no "give the contact details". A ticket is opened once:
    what else may need one goes into the same ticket; an administrator the login's step gives already
    is not given again for a service."""
    actions = decision.actions or (Action(decision.rule),)
    # The login's step first, as the headline and the script have it (a password to change comes
    # before any service); then the ticket is opened, so that what joins it comes after it.
    actions = tuple(sorted(actions, key=lambda a: (not a.rule.startswith("login."), a.rule not in TICKETED)))
    ticketed = any(a.rule in TICKETED for a in actions)
    admin_given = any(a.rule in ("login.contact-admin", "login.other-admin") for a in actions)
    words = catalog(view.ui_lang)
    ui = ui_catalog(view.ui_lang)
    at, question = next(((n, p) for n, p in enumerate(decision.script)
                         if p.key.startswith("check.reset-pending")), (0, None))
    # Step 2 whose login waits on step 1's question: which address logs in, then the question, then
    # logging in with it, as the script has it; "log in with ... Then ask" had the caller try before the
    # change that may be pending (N21-3).
    asked_after = question is not None and at > 0 and decision.rule == "login.not-login-email" \
        and not decision.services
    texts = []
    login = 0  # how many of the texts are the login step's
    for action in actions:
        key = _looked_up_key(f"do.{action.rule}", facts, view)
        if asked_after and action.rule == "login.not-login-email" and f"{key}.asked" in ui:
            key += ".asked"
        # Who can help, or whether the right is theirs (told a verified caller only), is beyond what the
        # directory tells.
        key = _untold_key(key, facts, view)
        key = _organisation_key(key, facts, view)
        key = _state_key(key, facts)
        if key == "do.login.no-admin.unknown" and view.verified and facts.user is not None \
                and facts.user.is_admin:
            # "Confirm the caller may act for the organisation" of one the screen shows is its administrator,
            # verified: what is unknown is whether the others can act (N21-4).
            key += ".admin"
        if ticketed and action.rule not in TICKETED and f"{key}.ticketed" in ui:
            key += ".ticketed"
        elif admin_given and action.rule in ("service.missing-right", "service.other-admin"):
            # Whether they lack the right is theirs to hear once verified, as on every other path.
            key = "do.service.missing-right.same" + ("" if view.verified else ".unverified")
        elif not view.verified and f"{key}.unverified" in ui:
            key += ".unverified"
        business_id = facts.organisation.business_id if facts.organisation else None
        # Another look-up as the agent types it here: on the command line ("diagnose ..."), or in the shell.
        command = view.text("label.command.session" if view.in_session else "label.command")
        # Where business IDs are recorded for no organisation, one is found by its name.
        by = view.text("label.by-name" if "business_id" in facts.unrecorded else "label.by-business-id")
        text = view.text(key, n=len(facts.admins), unable=len(facts.unable_admins),
                         business_id=business_id or "NNNNNNN-N", command=command, by=by)
        user = facts.user
        ticketed = key.startswith(("do.login.no-admin", "do.login.user-is-admin"))
        if ticketed and user is not None and user.state:
            # The caller's own account is closed too: the ticket that gets the organisation an
            # administrator (or the only administrator help) would leave them closed, when the script
            # has told them it will be opened (N16-4, N17-12).
            text += " " + view.text(f"do.also.reopen.{_said_state(user)}")
        if not view.verified and action.rule in ("service.no-admin", "service.user-is-admin"):
            # The script says their rights once verified, as on every other service path (N19-11).
            text = view.text("do.verify-rights", do=text)
        elif not view.verified and action.rule == "login.user-is-admin":
            # An administrator's own account reopened on a call's word is what a social engineer asks
            # for: the check comes first, in the line the agent acts on (N21-10).
            text = view.text("do.verify-first", do=text)
        named = _action_services(action, decision, words)
        if len(actions) > 1 and named:
            # Running on after the colon: Finnish and Swedish go on in lower case (each Do-line
            # starts with a verb, never a name).
            text = view.text("label.do-for", services=listing(named, words["and"]),
                             do=text[:1].lower() + text[1:])
        if text not in texts:
            texts.append(text)
            login += action.rule.startswith("login.")
    # What the script asks of the administrator, or of the caller once the account is open, beyond the
    # step: with the login's step, before any service's (as the script has it: N21-9).
    for key, then in (("then.check-lock", "do.also.check-lock"),
                      ("then.reset-pending", "do.then.reset-pending"),
                      ("then.reset-unknown", "do.then.reset-unknown")):
        if any(part.key.startswith(key) for part in decision.script):
            texts.insert(login, view.text(then))
            login += 1
    if question is not None:
        # The script asks a question the directory could not answer: the agent asks it when the script
        # does, first, or after which address logs in (since a known change, or about a known request).
        # The same line on every path, and after the seed page's test too.
        asked = question.key.removesuffix(".after-test").removesuffix(".service").removesuffix(".told")
        key = f"do.{asked}" if f"do.{asked}" in ui else "do.check.reset-pending"
        dates = {name: view.moment(when, ago=False) for name, when in question.params.items()
                 if name in ("sent_at", "changed_at")}
        # After the login's line, if it has one; else first, before a service's (as docs/agents.md says).
        place = min(at, 1, login)
        then = ".told" if asked_after and f"{key}.told" in ui else ".then" if place else ""
        sent = question.params.get("sent_at")
        public = "changed_at" not in question.params and sent is not None and renewal_request(sent) \
            and ".elsewhere" not in key
        if not view.verified and not public and f"{key}{then}.unverified" in ui:
            # Its dates (but the renewal's, which anyone may hear), and where a request went, are the
            # account's own: as the script leaves them out, so does the line the agent reads from
            # (docs/agents.md; N24-1).
            then, dates = f"{then}.unverified", {}
        texts.insert(place, view.text(key + then, **dates))
    return " ".join(texts)


def _action_services(action: Action, decision: Decision, words: dict[str, Any]) -> list[str]:
    """The services an action is about, in the agent's language: those the directory names, then
    those it does not know (a service the organisation lacks), as the catalog names them or as typed.
    The agent typed them, so they label the agent's own line, never the caller's script."""
    names = [service_name(s, words) for s in action.services]
    for verdict in decision.services:
        if verdict.rule == action.rule and not verdict.known_as:
            own = catalog_service(verdict.asked)
            name = service_name(Service(own, None), words) if own else verdict.asked
            if name not in names:
                names.append(name)
    return names


def _untold_key(key: str, facts: Facts, view: View) -> str:
    """A headline's or Do-line's own words for when what it rests on is beyond what the directory
    tells: who can help, whether the right is theirs (told of a verified caller only), or whether
    their organisation has the service."""
    ui = ui_catalog(view.ui_lang)
    untold = facts.admins_unknown if key.endswith("no-admin") else facts.rights_unknown and view.verified
    if untold and f"{key}.unknown" in ui:
        return f"{key}.unknown"
    # Whether the organisation has the service is unknown too: the administrator grants it only if so.
    if facts.services_unknown and f"{key}.unrecorded" in ui:
        return f"{key}.unrecorded"
    return key


def _organisation_key(key: str, facts: Facts, view: View) -> str:
    """A Do-line's own words for an organisation sent in a form that can't be read (not one the
    directory does not record), and for a directory that records no legacy IDs or business IDs."""
    ui = ui_catalog(view.ui_lang)
    user = facts.user
    if key.endswith("organisation-unknown") and user is not None \
            and "organisation" in user.unknown - user.untold:
        return f"{key}.unreadable"
    # What the store records for no one is never what the agent is told to look up by.
    for fact, form in (("legacy_user_id", "no-legacy"), ("business_id", "no-business-id")):
        if fact in facts.unaskable and f"{key}.{form}" in ui:
            key = f"{key}.{form}"
    return key


def _state_key(key: str, facts: Facts) -> str:
    """A Do-line's own words for what the account's or the administrators' state asks of the ticket: an
    account in no organisation that is also closed is opened as well as linked; administrators whose
    accounts are open but who can't log in (no login since the renewal, a failed one, a change pending)
    need help logging in, not their accounts reopened."""
    user = facts.user
    if key == "do.login.no-organisation" and user is not None and user.state:
        return f"{key}.{_said_state(user)}"
    if key not in ("do.login.no-admin", "do.service.no-admin"):
        return key
    # A service's no-admin may be another organisation's of the user (the one that has the service): every
    # organisation's administrators count, or "their accounts are open" is said of a deactivated one
    # (N19-12). The organisation the decision uses is one of them.
    unable = [a for m in facts.memberships for a in m.admins if not a.can_act] \
        if key == "do.service.no-admin" else facts.unable_admins
    if unable and all(admin.active is not False and not admin.locked for admin in unable):
        return f"{key}.logins"
    return key


def _said_state(user: UserFacts) -> str:
    """A closed account's state as a ticket asks for it to be opened: deactivated and locked, both."""
    return "inactive-locked" if user.state == "inactive" and user.locked else str(user.state)


def _looked_up_key(key: str, facts: Facts, view: View) -> str:
    """A look-up's Do-line for what was typed, when it has its own (a name not found: its spelling,
    or the other identifiers), else `key`."""
    asked = facts.asked
    if asked is not None and asked.kind == "name" and key == "do.login.not-login-email":
        return f"{key}.name"  # they gave no old user ID
    if facts.matched_by == "email" and key == "do.login.not-login-email":
        return f"{key}.email"  # they gave another address on the account, not the old user ID
    if key == "do.login.user-is-admin":
        if facts.matched_by == "userName" or (facts.user is not None and facts.user.state):
            # The address is the login address, or the account can't log in whatever the address:
            # nothing to check first.
            return f"{key}.login-address"
        if facts.matched_by == "legacyUserId":
            return f"{key}.old-id"  # they gave no address to check: the old ID is what to correct
    if asked is None or not key.startswith(("do.lookup.", "headline.lookup.")):
        return key
    kind = "organisation" if asked.kind == "name" and not asked.organisation_found else asked.kind
    own = f"{key}.{kind}"
    return own if own in ui_catalog(view.ui_lang) else key


def _asked_line(facts: Facts, view: View) -> str | None:
    """What was typed, as typed, and what it was taken for: said back when nothing answers to it."""
    asked = facts.asked
    if asked is None:
        return None
    line = view.text(f"asked.{asked.kind}", typed=asked.text, organisation=asked.organisation)
    if asked.kind == "name" and not asked.organisation_found:
        line += " · " + view.text("asked.organisation-unknown", organisation=asked.organisation)
    return line


def _language_note(rep: Report, view: View) -> str | None:
    """When the caller's own language has no script: which language the script is in, and why."""
    preferred = rep.facts.user.preferred_language if rep.facts.user else None
    primary = preferred.replace("_", "-").split("-")[0].strip().lower() if preferred else None
    if not preferred or primary in LANGUAGES:
        return None
    # A bare code reads as a word of the agent's language ("se" is a Finnish pronoun): named, with the code.
    named = f"lang-name.{primary}"
    asked = f"{view.text(named)} ({preferred})" if named in ui_catalog(view.ui_lang) else preferred
    # The default is what a language with no script gets; any other was chosen (--lang, a profile's).
    key = "label.lang-unsupported" if rep.lang == DEFAULT_LANGUAGE else "label.lang-unsupported.chosen"
    return view.text(key, asked=asked, lang_name=view.text(f"lang.{rep.lang}"))


def _who(facts: Facts, decision: Decision, view: View) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    asked = _asked_line(facts, view) if decision.outcome in ("not-found", "not-searched") else None
    if asked is not None:
        table.add_row(view.text("label.asked"), _plain(asked))
    if facts.user:
        table.add_row(view.text("label.user"), _plain(_user_line(facts.user, facts, view)))
    if facts.organisation:
        line = _organisation_line(facts.organisation, view, facts.unrecorded)
        if facts.chosen:
            line += " · " + view.text(f"label.chosen.{facts.chosen}")
        table.add_row(view.text("label.organisation"), _plain(line))
    elif facts.user and "organisation" in facts.user.unknown and "organisation" not in facts.unrecorded:
        # Not "no organisation": the directory doesn't say, or sent one that can't be read.
        table.add_row(view.text("label.organisation"),
                      _plain(view.text(_unknown_event(facts.user, "organisation"))))
    for n, candidate in enumerate(facts.candidates[:SHOWN_CANDIDATES]):
        line = _user_line(candidate, None, view)
        if n < len(facts.candidate_organisations):
            orgs = facts.candidate_organisations[n]
            line += " · " + (", ".join(orgs) or view.text("label.no-organisation"))
        table.add_row(view.text("label.candidate"), _plain(line))
    hidden = facts.candidates_total - min(len(facts.candidates), SHOWN_CANDIDATES)
    if hidden > 0:
        table.add_row("", Text(view.text("label.more-candidates", more=hidden, total=facts.candidates_total),
                               style="dim"))
    for label, text in _services(facts, decision, view):
        table.add_row(label, _plain(text))
    if facts.user:
        for label, text in _timeline(facts.user, view, facts.unrecorded):
            table.add_row(label, _plain(text))
    admins = (*facts.admins, *facts.unable_admins)
    # The user's own organisation's administrators other than the user: "other" to an administrator.
    label = "label.admins.others" if facts.user is not None and facts.user.is_admin else "label.admins"
    _admin_rows(table, view.text(label, n=len(admins)), admins, view)
    if not admins and facts.admins_unknown and facts.organisation is not None:
        # Not "none": whose roles can't be read may be an administrator who can act.
        table.add_row(view.text(label, n=2), _plain(view.text("label.no-admins.unknown")))
    for membership in facts.memberships:
        if facts.organisation is not None and membership.organisation.id == facts.organisation.id:
            continue
        line = _organisation_line(membership.organisation, view, facts.unrecorded)
        if not any(a.can_act for a in membership.admins):
            line += " · " + view.text("label.no-admins" + (".unknown" if facts.admins_unknown else ""))
        table.add_row(view.text("label.other-organisation"), _plain(line))
        if decision.services:  # where else a service asked about may be
            table.add_row("", _plain(_organisation_services(membership.organisation, view, facts.unrecorded)))
        _admin_rows(table, "", membership.admins, view)
    return table


def _organisation_line(org: OrganisationFacts, view: View, unrecorded: frozenset[str] = frozenset()) -> str:
    return f"{org.name or org.id} ({_business_id(org, view, unrecorded)})"


def _business_id(org: OrganisationFacts, view: View, unrecorded: frozenset[str]) -> str:
    """The organisation's business ID as the agent compares it: a directory that records none, or one
    sent unreadable, says nothing of it, and "none" would be a guess."""
    if org.business_id:
        return org.business_id
    if "business_id" in unrecorded:
        return view.text("label.business-id.unrecorded")
    if "business_id" in org.unknown:
        return view.text("label.business-id.unreadable")
    return view.text("label.no-business-id")


def _admin_rows(table: Any, label: str, admins: Sequence[Contact], view: View) -> None:
    for n, admin in enumerate(admins):
        # Name, phone and state on one line, the address on the next: neither is split by the fold.
        # One who cannot act is no help to offer: their state, not their contacts.
        # Told unknown is not sent unreadable: "can't be read" would send the agent to data problems.
        told = ".untold" if admin.state == "unknown" and admin.untold else ""
        state = view.text(f"state.{admin.state}{told}") if admin.state else None
        reach = (admin.phone,) if state is None else ()
        who = " · ".join(x for x in (admin.display_name, *reach, state) if x) or admin.id or "?"
        table.add_row(label if n == 0 else "", _plain(who))
        if admin.email and state is None:
            table.add_row("", _plain(admin.email))


def _user_line(user: UserFacts, facts: Facts | None, view: View) -> str:
    name = user.display_name or view.text("label.no-name")
    # An address the store sent as the login one while telling it can't tell which logs in is not shown
    # as the login address.
    login = None if user.login_email_unknown else user.user_name
    line = f"{name} <{login or view.text('label.no-login')}>"
    notes = []
    if facts is not None and facts.matched_by:
        # "another address" would say it is not the login one, which can't be told either.
        untold = facts.matched_by == "email" and user.login_email_unknown
        notes.append(view.text(f"matched.{facts.matched_by}" + (".unknown" if untold else "")))
    if user.active is False:
        notes.append(view.text("state.inactive"))
    if user.locked:
        notes.append(view.text("state.locked"))
    if user.state and user.reset_pending:
        # The headline is the closed account's step: a change that follows it would be in the script only.
        notes.append(view.text("state.reset-pending"))
    if user.is_admin:
        notes.append(view.text("state.admin"))
    return " · ".join([line, *notes])


# The verdicts of a user whose organisation is none or can't be told, whatever their rights.
HELD_UNLINKED = ("service.no-organisation", "service.organisation-unknown")


def _services(facts: Facts, decision: Decision, view: View) -> list[tuple[str, str]]:
    """Each asked service with its verdict, and what the organisation has, for a mistyped name."""
    if not decision.services:
        return []
    words = catalog(view.ui_lang)
    rows = []
    for n, verdict in enumerate(decision.services):
        # The catalog's name, else the directory's, else what was asked: a service the organisation lacks
        # is still one the catalog may name.
        own = catalog_service(verdict.asked) if not verdict.known_as else None
        if verdict.known_as or own:
            name = service_name(Service(verdict.service_id or own, verdict.known_as), words)
        else:
            name = f"{verdict.asked} {view.text('label.unknown-service')}"
        headline = view.text(_untold_key(f"headline.{verdict.rule}", facts, view)).split(" — ", 1)[-1]
        if verdict.rule == "service.granted" and decision.rule.startswith("login."):
            # A login step comes first: the right is there, but nothing opens until the login works.
            headline = view.text("verdict.service.granted.after-login")
        elif verdict.rule in HELD_UNLINKED and facts.user is not None and not facts.rights_unknown \
                and facts.user.has_right_to(verdict.asked):
            # The right is theirs, and the script says so: what is ours to solve is the link.
            headline = view.text(f"verdict.{verdict.rule}.held")
        rows.append((view.text("label.services") if n == 0 else "",
                     view.text("label.verdict", asked=name, verdict=headline)))
    if facts.organisation is not None:
        rows.append(("", _organisation_services(facts.organisation, view, facts.unrecorded)))
    return rows


def _organisation_services(org: OrganisationFacts, view: View,
                           unrecorded: frozenset[str] = frozenset()) -> str:
    names = [service_name(s, catalog(view.ui_lang)) for s in org.services]
    if names:
        return view.text("label.organisation-services", services=", ".join(names))
    # Not recorded, or sent unreadable: unknown, never "no services".
    if "organisation_services" in unrecorded:
        return view.text("label.organisation-services.unrecorded")
    return view.text("label.organisation-services.unreadable" if org.services_unknown
                     else "label.organisation-services.none")


# The facts a directory may not record, as the timeline names them when it says so, in its order.
UNRECORDED_EVENTS = {"force_password_reset": "event.reset-forced", "reset_sent_at": "event.reset-sent",
                     "last_password_update": "event.password-changed", "last_login": "event.last-login",
                     "last_failed_login": "event.last-failed-login", "active": "event.deactivated",
                     "locked": "event.locked"}


def _timeline(user: UserFacts, view: View, unrecorded: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """The login's events. What this directory never records is said once, on a line of its own, and
    has no row: "never" or an empty row would read as a fact."""
    user = replace(user, unknown=user.unknown - unrecorded)

    def when(name: str, moment: datetime | None) -> str:
        # A moment the API sent in a form that can't be read is unknown, never "never".
        if moment is None and name in user.unknown:
            return view.text(_unknown_event(user, name))
        return view.moment(moment)

    events = _events(user, view, when, unrecorded)
    gone = [view.text(key) for fact, key in UNRECORDED_EVENTS.items() if fact in unrecorded]
    if gone:
        events.append((view.text("label.unrecorded"), ", ".join(gone)))
    return events


def _events(user: UserFacts, view: View, when: Callable[[str, datetime | None], str],
            unrecorded: frozenset[str]) -> list[tuple[str, str]]:
    events = []
    if user.reset_sent_at is not None or "reset_sent_at" in user.unknown:
        sent = when("reset_sent_at", user.reset_sent_at)
        # Where it went, when that is not the login address the User line shows already.
        if user.reset_sent_to and not equal_folded(user.reset_sent_to, user.user_name):
            sent += " " + view.text("event.reset-sent-to", address=user.reset_sent_to)
            # Whether an address on the account is the login one can't be told without the login address.
            if not user.has_address(user.reset_sent_to):
                sent += " · " + view.text("event.reset-sent-elsewhere")
            elif not user.login_email_unknown:
                sent += " · " + view.text("event.reset-sent-not-login")
        events.append((view.text("event.reset-sent"), sent))
    if user.reset_sent_at is not None or user.last_password_update is not None \
            or {"reset_sent_at", "last_password_update"} & user.unknown:
        events.append((view.text("event.password-changed"),
                       when("last_password_update", user.last_password_update)))
    # What tells whether a change is pending, or whether the account is locked, sent unreadable: said
    # once here, where the agent looks for it, and asked of the caller by the script.
    if "force_password_reset" in user.unknown:
        events.append((view.text("event.reset-forced"),
                       view.text(_unknown_event(user, "force_password_reset"))))
    if "last_login" not in unrecorded:
        events.append((view.text("event.last-login"), when("last_login", user.last_login)))
    if user.last_failed_login is not None or "last_failed_login" in user.unknown:
        events.append((view.text("event.last-failed-login"),
                       when("last_failed_login", user.last_failed_login)))
    # Neither shown as a state on the User line when unknown: "not DEACTIVATED" would read as a fact.
    for fact in ("active", "locked"):
        if fact in user.unknown:
            events.append((view.text(UNRECORDED_EVENTS[fact]), view.text(_unknown_event(user, fact))))
    return events


def _unknown_event(user: UserFacts, name: str) -> str:
    """Why an event can't be told: the directory says it holds none for this user, or sent it unreadable."""
    return "event.untold" if name in user.untold else "event.unreadable"


def _verify(facts: Facts, view: View) -> list[Any]:
    """Right under the Do-line, before any contact: what to ask, then the values to compare, on a
    line of their own."""
    from rich.text import Text

    assert facts.user is not None
    orgs = [m.organisation for m in facts.memberships] or ([facts.organisation] if facts.organisation else [])
    # A business ID the directory records for no one, or sends unreadable, is neither asked for nor said
    # to be none.
    untold = [not org.business_id and ("business_id" in facts.unrecorded or "business_id" in org.unknown)
              for org in orgs]
    unrecorded = "business_id" in facts.unrecorded or (bool(orgs) and all(untold))
    compare = [facts.user.display_name or view.text("label.no-name")]
    for org, unknown in zip(orgs, untold, strict=True):
        business_id = _business_id(org, view, facts.unrecorded)
        compare.append(f"{org.name or org.id or '?'} " + (f"({business_id})" if unknown else business_id))
    text = Text(f"{view.text('label.verify')}: ", style="bold yellow")
    # No organisation to compare (none the directory can tell, or none at all): the name alone is compared.
    unknown = not orgs and "organisation" in facts.user.unknown | facts.unrecorded
    how = ("label.verify.how.session" if view.in_session else "label.verify.how") + \
        (".no-organisation" if unknown else ".none-organisation" if not orgs
         else ".no-business-id" if unrecorded else "")
    text.append(terminal_safe(view.text(how)))
    return [text, Text("  " + _bounded(" · ".join(compare)), style="bold")]


def _explanation(facts: Facts, decision: Decision, view: View) -> list[Any]:
    from rich.table import Table
    from rich.text import Text

    considered = Table(box=None, padding=(0, 1), title=view.text("label.considered"), title_justify="left",
                       title_style="bold")
    for header in (view.text("label.rule"), "", view.text("label.facts-read")):
        considered.add_column(header, overflow="fold")
    for check in decision.considered:
        subject = f" [{check.subject}]" if check.subject else ""
        read = ", ".join(f"{name}={_value(value, view)}" for name, value in check.read)
        fired = view.text("label.fired") if check.fired else view.text("label.not-fired")
        if check.fired is None:  # the directory can't tell: with what it lacked
            fired = view.text("label.fired.unknown", facts=", ".join(check.unknown))
        considered.add_row(_plain(check.rule + subject), fired, _plain(read))
    evidence = Table(box=None, padding=(0, 1), title=view.text("label.evidence"), title_justify="left",
                     title_style="bold")
    for header in ("label.rule", "label.fact", "label.value"):
        evidence.add_column(view.text(header), overflow="fold")
    for item in decision.evidence:
        evidence.add_row(item.rule, _plain(item.fact), _plain(_value(item.value, view)))
    parts: list[Any] = [Text(), considered, Text(), evidence]
    ids = [f"user {facts.user.id}"] if facts.user else []
    ids += [f"organisation {facts.organisation.id}"] if facts.organisation else []
    ids += [f"candidate {c.id}" for c in facts.candidates]
    if ids:
        parts += [Text(), _plain(f"{view.text('label.ids')}: " + ", ".join(i for i in ids if i))]
    if facts.problems:
        parts += [Text(), Text(view.text("label.data-problems"), style="bold red")]
        parts += [_plain(f"- {p}") for p in facts.problems]
    return parts


def _labelled(label: str, text: str) -> Any:
    from rich.text import Text

    line = Text(f"{label}: ", style="bold")
    line.append(_bounded(text))
    return line


def _plain(value: str) -> Any:
    from rich.text import Text

    return Text(_bounded(value), overflow="fold")


def _bounded(text: str) -> str:
    """A line that holds a server's value, made safe and cut: a 100,000-character display name took
    1,300 lines of the agent's screen (F29-10). The JSON document keeps it whole."""
    return shortened(terminal_safe(text), SCREEN_LINE)


def _value(value: Any, view: View) -> str:
    """A fact as the agent reads it: yes or no in their language, a moment in their time zone."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return view.text("value.yes" if value else "value.no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return view.moment(moment, ago=False)
    return str(value)
