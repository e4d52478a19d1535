"""The caller script: a decision's script parts put into words in the caller's language.

Catalog entries are plain text, or plural forms chosen by the length of one
list parameter: {"count": "services", "none": ..., "one": ..., "other": ...}; a form
may itself be plural forms by another parameter (the "none" of a list whose items the
directory could not name, by how many there were). "none.besides" is that "none" said after a
sentence that named some of the services asked ("the other service you asked about").
Until the caller is verified, parts that name someone (the login address, the
administrators) or tell what only the account's owner may hear are left out, or
said in words that hold either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from typing import Any

from postisupport.core.facts import Contact, Service
from postisupport.core.identifiers import equal_folded
from postisupport.core.language import LANGUAGES
from postisupport.core.rules import RIGHTS_ASKED, RIGHTS_UNVERIFIED, Decision, ScriptPart
from postisupport.output.messages import catalog

SPOKEN_URL = "posti.fi/changepassword"  # what a caller on the phone hears; the full URL is for chat
ADDRESS_UNKNOWN = "then.address-unknown."  # who can tell the login address; the agent can once verified
# Of those, the ones that say nothing but that the agent can tell it once verified: said with the rights.
TOLD_WITH_RIGHTS = frozenset({"then.address-unknown.support", "then.address-unknown.tested.support"})


def script_text(decision: Decision, lang: str, *, verified: bool = True, tz: tzinfo = UTC,
                spoken: bool = False) -> str:
    """The script in `lang`. `spoken` for the agent's screen, read aloud on a call (the short
    address); else for pasting into a chat or a ticket (the full URL)."""
    words = catalog(lang)
    sentences = [s for part in said(decision.script, verified) if (s := _sentence(part, words, tz, spoken))]
    return " ".join(sentences)


def said(parts: Sequence[ScriptPart], verified: bool) -> list[ScriptPart]:
    """The parts a caller hears: until verified, a personal part is said as its `unverified` key, or not."""
    if verified:
        return [part for part in parts if not part.until_verified]
    heard: list[ScriptPart] = []
    instead: set[str] = set()  # a key said instead of several parts is said once, at the first
    for part in parts:
        if not part.personal:
            heard.append(part)
        elif part.unverified and part.unverified not in instead:
            instead.add(part.unverified)
            heard.append(replace(part, key=part.unverified, personal=False))
    # How many organisations the account is in is theirs to hear once verified: until then each is
    # spoken of as "your organisation" (N18-12).
    heard = [replace(p, params={**p.params, "orgs": 1}) if isinstance(p.params.get("orgs"), int) else p
             for p in heard]
    # "Once I've checked who you are, I can tell you about your rights" is said last: followed by "I'll
    # pass this on", the login's ticket sounded like one about the rights.
    last = (RIGHTS_UNVERIFIED, RIGHTS_ASKED)
    rights = [p for p in heard if p.key in last]
    heard = [p for p in heard if p.key not in last]
    if rights and any(p.key.startswith(ADDRESS_UNKNOWN) for p in heard):
        # "Once I've checked who you are, I can tell you the address myself" then "Once I've checked who you
        # are, I can tell you about your access rights": the condition said once, of both (N24-5).
        heard = [replace(p, key=f"{p.key}.rights") if p.key.startswith(ADDRESS_UNKNOWN) else p
                 for p in heard if p.key not in TOLD_WITH_RIGHTS]
        rights = [replace(p, key=f"{p.key}.address") for p in rights]
    return heard + rights


def _sentence(part: ScriptPart, words: dict[str, Any], tz: tzinfo, spoken: bool = False) -> str:
    entry = words[part.key]
    while isinstance(entry, dict):
        counted = part.params[entry["count"]]
        form = plural_form(counted if isinstance(counted, int) else len(counted), entry)
        if form == "none" and part.params.get("besides") and "none.besides" in entry:
            form = "none.besides"  # "the other service you asked about": one was named before it
        entry = entry[form]
    params = {name: _param(name, value, words, tz, spoken) for name, value in part.params.items()}
    if isinstance(part.params.get("contact"), Contact):
        contact = part.params["contact"]
        params["name"] = contact.display_name or contact.email or contact.id or "?"
        params["reach"] = reach_text(contact, words)
        if not params["reach"]:
            return ""  # no way to reach them to read out
    text = str(entry).format(**params)
    # A value that ends a sentence with its own full stop (masked initials: "M. V.") gets no second one.
    for value in {v for v in params.values() if isinstance(v, str) and v.endswith(".")}:
        text = text.replace(f"{value}.", value)
    return text


def plural_form(count: int, forms: dict[str, Any]) -> str:
    """"none" for nothing (when the entry has that form), "one" for one, "other" for more."""
    if count == 0 and "none" in forms:
        return "none"
    return "one" if count == 1 else "other"


def _param(name: str, value: Any, words: dict[str, Any], tz: tzinfo, spoken: bool = False) -> str:
    if name == "admins":  # the people who can help, by name: their contacts follow one by one
        return listing([c.display_name or c.email or c.id or "?" for c in value], words["and"])
    if name in ("services", "missing"):
        # What the user lacks is listed as the language lists what one could ask for (en "A or B").
        conjunction = words["and.missing" if name == "missing" else "and"]
        return listing([service_name(s, words) for s in value], conjunction)
    if name == "change_url" and spoken:
        return SPOKEN_URL
    if isinstance(value, datetime):
        return local_date(value, words, tz)
    return str(value)


def service_name(service: Service | str, words: dict[str, Any]) -> str:
    """A service as the caller's language calls it: the catalog's name for its id, else the directory's."""
    if isinstance(service, str):
        return service
    own = words.get(f"service-name.{service.id}") if service.id else None
    return str(own or service.name or service.id or "?")


def catalog_service(asked: str) -> str | None:
    """The id of the service the catalogs name `asked` by (its id, or its name in any language), or
    None: a service the user and the organisation lack can still be said in the agent's words."""
    for lang in LANGUAGES:
        for key, name in catalog(lang).items():
            if key.startswith("service-name.") and (equal_folded(key.removeprefix("service-name."), asked)
                                                    or equal_folded(str(name), asked)):
                return key.removeprefix("service-name.")
    return None


def catalog_names(service_id: str | None) -> tuple[str, ...]:
    """The names the catalogs give the service with this id, in every language (none for a service
    they don't name): the names an agent may type, having read them on the screen."""
    names = (catalog(lang).get(f"service-name.{service_id}") for lang in LANGUAGES) if service_id else ()
    return tuple(dict.fromkeys(str(name) for name in names if name))


def listing(items: Sequence[str], conjunction: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def local_date(moment: datetime, words: dict[str, Any], tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return str(words["date"]).format(day=local.day, month=local.month, year=local.year,
                                     month_name=words["months"][local.month - 1])


def reach_text(contact: Contact, words: dict[str, Any]) -> str:
    """How to reach someone, read out as words: "e-mail address a@b, phone number +358 ..."."""
    pieces = [str(words["contact.email"]).format(email=contact.email) if contact.email else "",
              str(words["contact.phone"]).format(phone=contact.phone) if contact.phone else ""]
    return listing([p for p in pieces if p], words["and"])


def contact_text(contact: Contact) -> str:
    """A contact on one line, for a table or a list: "Name (address, phone)"."""
    reach = ", ".join(x for x in (contact.email, contact.phone) if x)
    if contact.display_name and reach:
        return f"{contact.display_name} ({reach})"
    return contact.display_name or reach or contact.id or "?"
