"""A diagnosis as every renderer starts from it: the facts, the decision, and the caller's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from postisupport.core.facts import Facts
from postisupport.core.rules import Decision

# The languages a caller script can be read in; each has its message catalog in
# postisupport/output/messages/, and the command line offers exactly these.
Language = Literal["fi", "sv", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE = "fi"


@dataclass(frozen=True)
class Report:
    """Everything one diagnosis produced."""

    facts: Facts
    decision: Decision
    lang: str


def report(facts: Facts, decision: Decision, lang: str | None = None) -> Report:
    return Report(facts, decision, language_for(_preferred_language(facts), lang))


def language_for(preferred: str | None, override: str | None = None) -> str:
    """The asked language first, then the user's preferredLanguage (RFC 5646 tags such as sv-FI),
    then Finnish."""
    for tag in (override, preferred):
        if tag:
            primary = tag.replace("_", "-").split("-")[0].strip().lower()
            if primary in LANGUAGES:
                return primary
    return DEFAULT_LANGUAGE


def _preferred_language(facts: Facts) -> str | None:
    if facts.user:
        return facts.user.preferred_language
    # Several candidates who all prefer the same language are surely a caller who does too.
    spoken = {language_for(c.preferred_language) for c in facts.candidates if c.preferred_language}
    return spoken.pop() if len(spoken) == 1 else None
