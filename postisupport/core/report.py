"""A diagnosis as every renderer starts from it: the facts, the decision, and the caller's language."""

from __future__ import annotations

from dataclasses import dataclass

from postisupport.core.facts import Facts
from postisupport.core.language import language_for
from postisupport.core.rules import Decision


@dataclass(frozen=True)
class Report:
    """Everything one diagnosis produced."""

    facts: Facts
    decision: Decision
    lang: str
    asked: str = ""  # the identifier exactly as it was given, to join any output back to its input


def report(facts: Facts, decision: Decision, lang: str | None = None, fallback: str | None = None,
           asked: str = "") -> Report:
    """`lang` the language asked for; else the user's; else `fallback` (a profile's default); else Finnish."""
    return Report(facts, decision, language_for(_preferred_language(facts), lang, fallback), asked)


def _preferred_language(facts: Facts) -> str | None:
    if facts.user:
        return facts.user.preferred_language
    # Several candidates who all prefer the same language are surely a caller who does too.
    spoken = {language_for(c.preferred_language) for c in facts.candidates if c.preferred_language}
    return spoken.pop() if len(spoken) == 1 else None
