"""Masking for screen sharing and screenshots: enough left to recognise, too little to misuse."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import Any

from postisupport.core.facts import Contact, OrganisationFacts, UserFacts
from postisupport.core.report import Report
from postisupport.core.text import CUT
from postisupport.idp.reading import is_language_tag

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


def phone(value: str | None) -> str | None:
    """A phone number as `digits` masks it; any letters in the field (a directory that keeps a note
    there: "ask Maija at ...") are hidden as well, since they may be a name."""
    masked = digits(value)
    return "".join("*" if ch.isalpha() else ch for ch in masked) if masked else masked


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


def words(text: str) -> str:
    """Free text that may hold a name and addresses ("Aino Private <aino@example.fi>"): every
    address masked, every other word only its initial ("A. P. <a***o@e***.fi>")."""
    return " ".join(in_text(word) if "@" in word else f"{word[0]}." for word in text.split())


# Data problems about these attributes quote no personal value (a moment, a yes or no, an id).
# Any other attribute's, or one whose attribute can't be told, may quote a name, an address, a
# phone number or a role: its quoted values are masked whole, not only the addresses in them.
NOT_PERSONAL = frozenset({"id", "active", "primary", "forcePasswordReset", "accountLocked",
                          "passwordResetSentAt", "lastPasswordUpdateTime", "lastLoginTime",
                          "lastFailedLoginTime"})
# A value that is digits and a moment's signs ("2021-02-30T00:00:00Z", "-1", "TRUE" is not) is no one's.
_MOMENT_LIKE = re.compile(r"[\d:.+\-TZ ]*")
# What a note says of a value that could not be read (models, the LDAP reader).
UNREAD = (" ignored (", "can't be read", "is no time")
# "user u-1: emails.value: 'x' ignored (...)": the attribute after the resource it is about (an
# administrator's named by the address, which in_text masks).
_NOTED = re.compile(r"(?:(?:user|group|administrator) \S*: )?(?P<attribute>[A-Za-z][\w.]*): ")
# A value as the models quote it (repr), closed, or cut at its end by shortened() with CUT.
_QUOTED = re.compile(r"""(?<!\w)(?:'(?:[^'\\]|\\.)*'(?!\w)|"(?:[^"\\]|\\.)*"|['"].*""" + re.escape(CUT) + ")")
_NUMBER = re.compile(r"\d{5,}")  # a phone number or an ID sent as a number, not as a string


# An RDN whose value is someone's or an organisation's name (an LDAP id is a DN: "CN=Aino Korhonen,OU=
# Esimerkki Oy,DC=example,DC=fi"); a domain component is the directory's, kept.
_NAMED_RDN = re.compile(r"(?i)(?<![\w-])(cn|ou|o|uid|sn|givenName|displayName)=((?:[^,+\\]|\\.)+)")


def dn(value: str | None) -> str | None:
    """An id as --mask shows it: a DN's names as their initials (F32-1); any other id as it is."""
    if not value or "=" not in value:
        return value
    return _NAMED_RDN.sub(lambda found: f"{found[1]}={name(found[2].strip()) or ''}", value)


def problem(text: str) -> str:
    """A data-problem note as --mask shows it."""
    text = dn(text) or text  # "user CN=Aino Korhonen,...: ...": the DN the note is about
    noted = _NOTED.match(text)
    # A moment or a yes-or-no quoted is no one's; a value quoted because it could not be read as one is
    # whatever the directory put there, a name or a phone number (F32-2).
    unread = any(said in text for said in UNREAD) and any(
        not _MOMENT_LIKE.fullmatch(found.group(0).strip("'\"")) for found in _QUOTED.finditer(text))
    if noted is not None and noted["attribute"].rsplit(".", 1)[-1] in NOT_PERSONAL and not unread:
        return in_text(text)
    head, rest = (text[:noted.end()], text[noted.end():]) if noted is not None else ("", text)
    rest = _QUOTED.sub(lambda found: _quoted(found.group(0)), rest)
    if noted is not None:
        rest = _NUMBER.sub(lambda found: str(digits(found.group(0))), rest)
    return in_text(head) + in_text(rest)


_BUSINESS_ID = re.compile(r"\b\d{7}-\d\b")


def error_line(text: str, plain: tuple[str, ...] = ()) -> str:
    """A one-line error as --mask shows it: what it quotes (an identifier typed, a name) as its words'
    initials and addresses masked, every address and business ID anywhere in it masked; but what is
    quoted of `plain` (a service's id it suggests: no one's data, and the one useful part)."""
    text = _QUOTED.sub(lambda found: _quoted(found.group(0), plain), text)
    return _BUSINESS_ID.sub(lambda found: str(digits(found.group(0), 1)), in_text(text))


def _quoted(literal: str, plain: tuple[str, ...] = ()) -> str:
    quote, cut = literal[0], literal.endswith(CUT) and not literal.endswith(literal[0])
    inner = literal[1:-len(CUT)] if cut else literal[1:-1]
    return literal if not cut and inner in plain else f"{quote}{words(inner)}{CUT if cut else quote}"


def report(rep: Report) -> Report:
    """The report as a screen share or a ticket may show it: no full e-mail address, full name (a
    person's or an organisation's), business ID or phone number anywhere, the script's included."""
    facts = rep.facts
    # An organisation named by a user's attribute goes by its name as its id too: masked as the name.
    named_ids = frozenset(org.id for org in (facts.organisation, *(m.organisation for m in facts.memberships))
                          if org is not None and org.id and org.id == org.name)

    def organisation(org: OrganisationFacts) -> OrganisationFacts:
        return _organisation(replace(org, id=name(org.id) if org.id in named_ids else dn(org.id)))

    def user(facts_of: UserFacts) -> UserFacts:
        return _user(replace(facts_of, id=dn(facts_of.id), group_ids=tuple(
            str(name(g)) if g in named_ids else str(dn(g)) for g in facts_of.group_ids)))

    # A name typed to look the caller up is as personal as the name the directory gives.
    by_name = facts.asked is not None and facts.asked.kind == "name"
    by_business_id = facts.asked is not None and facts.asked.kind == "business-id"
    typed = (lambda text: str(name(text))) if by_name else \
        (lambda text: str(digits(text, 1))) if by_business_id else in_text
    masked_facts = replace(
        facts,
        identifier=typed(facts.identifier),
        asked=replace(facts.asked, text=typed(facts.asked.text),
                      organisation=_typed_org(facts.asked.organisation),
                      organisation_name=name(facts.asked.organisation_name))
        if facts.asked is not None else None,
        user=user(facts.user) if facts.user else None,
        candidates=tuple(user(c) for c in facts.candidates),
        organisation=organisation(facts.organisation) if facts.organisation else None,
        admins=tuple(_contact(c) for c in facts.admins),
        unable_admins=tuple(_contact(c) for c in facts.unable_admins),
        memberships=tuple(replace(m, organisation=organisation(m.organisation),
                                  admins=tuple(_contact(c) for c in m.admins)) for m in facts.memberships),
        problems=tuple(problem(p) for p in facts.problems),
        candidate_organisations=tuple(tuple(str(name(o)) for o in orgs)
                                      for orgs in facts.candidate_organisations),
    )
    # A service typed that names none the directory knows is free text, as personal as a name typed.
    free = {v.asked: words(v.asked) for v in rep.decision.services
            if v.known_as is None and v.service_id is None}

    def fact(name: str) -> str:
        kind, colon, asked = name.partition(":")
        return f"{kind}:{free[asked]}" if colon and kind == "service" and asked in free else name

    decision = replace(
        rep.decision,
        services=tuple(replace(v, asked=free.get(v.asked, v.asked)) for v in rep.decision.services),
        script=tuple(replace(part, params={k: typed(v) if k == "typed" else _named(v) if k == "organisation"
                                           else _param(v) for k, v in part.params.items()})
                     for part in rep.decision.script),
        evidence=tuple(replace(e, fact=fact(e.fact), value=typed(e.value) if e.fact == "identifier"
                               else _fact(e.fact, e.value)) for e in rep.decision.evidence),
        considered=tuple(replace(c, subject=free.get(c.subject, c.subject) if c.subject else c.subject,
                                 read=tuple((k, typed(v) if k == "identifier" and isinstance(v, str)
                                             else _fact(k, v) if k in _BY_FACT else v) for k, v in c.read))
                         for c in rep.decision.considered),
    )
    return replace(rep, facts=masked_facts, decision=decision, asked=typed(rep.asked))


def _user(user: UserFacts) -> UserFacts:
    return replace(user, user_name=email(user.user_name), display_name=name(user.display_name),
                   emails=tuple(str(email(e)) for e in user.emails), reset_sent_to=email(user.reset_sent_to),
                   primary_email=email(user.primary_email), phone=phone(user.phone),
                   preferred_language=_language(user.preferred_language))


def _language(value: str | None) -> str | None:
    # A language tag is no one's; anything else a directory put there (an address) may be.
    return value if not value or is_language_tag(value) else words(value)


def _organisation(org: OrganisationFacts) -> OrganisationFacts:
    # A sole trader's name is its owner's ("Matti Meikäläinen Tmi"): only initials, like a person's.
    return replace(org, name=name(org.name), business_id=digits(org.business_id, 1))


def _typed_org(value: str | None) -> str | None:
    """An organisation as the agent typed it: a business ID's digits cut, a name's initials."""
    if not value or any(ch.isalpha() for ch in value):
        return name(value)
    return digits(value, 1)


def _named(value: Any) -> Any:
    """An organisation's name as a parameter or a fact: its initials."""
    return name(value) if isinstance(value, str) else value


def _contact(contact: Contact) -> Contact:
    return replace(contact, id=dn(contact.id), display_name=name(contact.display_name),
                   email=email(contact.email), phone=phone(contact.phone))


# How a fact is masked by its name in the evidence and the rules' reads, whatever its shape: an address
# that is no address (a store that wrote "(at)") is still someone's.
_BY_FACT: dict[str, Any] = {
    "passwordResetSentTo": email, "userName": email, "businessId": lambda v: digits(v, 1),
    "organisation": lambda v: _named(v),
}


def _fact(fact: str, value: Any) -> Any:
    masker = _BY_FACT.get(fact)
    return masker(value) if masker is not None and isinstance(value, str) else _param(value)


def _param(value: Any) -> Any:
    if isinstance(value, str):
        return in_text(value)
    if isinstance(value, Contact):
        return _contact(value)
    if isinstance(value, tuple) and all(isinstance(v, Contact) for v in value):
        return tuple(_contact(v) for v in value)
    return value
