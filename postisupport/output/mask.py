"""Masking for screen sharing and screenshots: enough left to recognise, too little to misuse."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import Any

from postisupport.core.facts import Contact, OrganisationFacts, UserFacts
from postisupport.core.report import Report

MASK = "***"


def email(address: str | None) -> str | None:
    """aino.korhonen@esimerkki.example.fi -> a***n@e***.fi: first and last letter, the top-level domain."""
    if not address:
        return address
    local, at, domain = address.partition("@")
    if not at:
        return _ends(address)
    top = domain.rsplit(".", 1)[-1] if "." in domain else ""
    return f"{_ends(local)}@{domain[:1]}{MASK}{'.' + top if top else ''}"


def name(full: str | None) -> str | None:
    """Aino Korhonen -> A. K.: initials only."""
    if not full:
        return full
    # NFC first: a name stored decomposed (A + combining acute) keeps its letter, Á, not a bare A.
    return " ".join(f"{word[0]}." for word in unicodedata.normalize("NFC", full).split() if word)


def digits(value: str | None, keep: int = 2) -> str | None:
    """2345678-0 -> *******-0 style: every digit but the last `keep` hidden, separators kept."""
    if not value:
        return value
    total = sum(ch.isdigit() for ch in value)
    seen = 0
    out = []
    for ch in value:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - keep else "*")
        else:
            out.append(ch)
    return "".join(out)


def _ends(text: str) -> str:
    return f"{text[:1]}{MASK}{text[-1:]}" if len(text) > 1 else f"{text}{MASK}"


_EMAIL = re.compile(r"[^\s'\"<>(),;]+@[^\s'\"<>(),;]+")


def in_text(text: str) -> str:
    """Every e-mail address in free text (a data-problem note) masked."""
    return _EMAIL.sub(lambda found: str(email(found.group(0))), text)


def report(rep: Report) -> Report:
    """The report as a screen share or a ticket may show it: no full e-mail address, full name,
    business ID or phone number anywhere, the script's included."""
    facts = rep.facts
    # A name typed to look the caller up is as personal as the name the directory gives.
    by_name = facts.asked is not None and facts.asked.kind == "name"
    typed = (lambda text: str(name(text))) if by_name else in_text
    masked_facts = replace(
        facts,
        identifier=typed(facts.identifier),
        asked=replace(facts.asked, text=typed(facts.asked.text)) if facts.asked is not None else None,
        user=_user(facts.user) if facts.user else None,
        candidates=tuple(_user(c) for c in facts.candidates),
        organisation=_organisation(facts.organisation) if facts.organisation else None,
        admins=tuple(_contact(c) for c in facts.admins),
        unable_admins=tuple(_contact(c) for c in facts.unable_admins),
        memberships=tuple(replace(m, organisation=_organisation(m.organisation),
                                  admins=tuple(_contact(c) for c in m.admins)) for m in facts.memberships),
        problems=tuple(in_text(p) for p in facts.problems),
    )
    decision = replace(
        rep.decision,
        script=tuple(replace(part, params={k: typed(v) if k == "typed" else _param(v)
                                           for k, v in part.params.items()})
                     for part in rep.decision.script),
        evidence=tuple(replace(e, value=typed(e.value) if e.fact == "identifier" else _param(e.value))
                       for e in rep.decision.evidence),
    )
    return replace(rep, facts=masked_facts, decision=decision, asked=typed(rep.asked))


def _user(user: UserFacts) -> UserFacts:
    return replace(user, user_name=email(user.user_name), display_name=name(user.display_name),
                   emails=tuple(str(email(e)) for e in user.emails), reset_sent_to=email(user.reset_sent_to),
                   primary_email=email(user.primary_email), phone=digits(user.phone))


def _organisation(org: OrganisationFacts) -> OrganisationFacts:
    return replace(org, business_id=digits(org.business_id, 1))


def _contact(contact: Contact) -> Contact:
    return replace(contact, display_name=name(contact.display_name), email=email(contact.email),
                   phone=digits(contact.phone))


def _param(value: Any) -> Any:
    if isinstance(value, str):
        return in_text(value)
    if isinstance(value, Contact):
        return _contact(value)
    if isinstance(value, tuple) and all(isinstance(v, Contact) for v in value):
        return tuple(_contact(v) for v in value)
    return value
