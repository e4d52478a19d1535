"""The languages a caller script can be read in, and how one is chosen. Kept light: the command line
imports it at start-up to offer the choices."""

from __future__ import annotations

from typing import Literal, get_args

# Each has its message catalog in postisupport/output/messages/; the command line offers exactly these.
Language = Literal["fi", "sv", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "fi"


def language_for(preferred: str | None, override: str | None = None, fallback: str | None = None) -> str:
    """The asked language first, then the user's preferredLanguage (RFC 5646 tags such as sv-FI),
    then the fallback, then Finnish."""
    for tag in (override, preferred, fallback):
        if tag:
            primary = tag.replace("_", "-").split("-")[0].strip().lower()
            if primary in LANGUAGES:
                return primary
    return DEFAULT_LANGUAGE
