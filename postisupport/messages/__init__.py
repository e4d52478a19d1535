"""Caller scripts, one catalog per language, keyed by rule id.

Every catalog has the same keys and, per key, the same {placeholders}; a test
holds them to it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"


@cache
def catalog(lang: str) -> dict[str, str]:
    text = resources.files(__package__).joinpath(f"{lang}.json").read_text(encoding="utf-8")
    return json.loads(text)


def language_for(preferred: str | None, override: str | None = None) -> str:
    """--lang first, then the user's preferredLanguage (RFC 7231 tags such as sv-FI), then Finnish."""
    for tag in (override, preferred):
        if tag:
            primary = tag.replace("_", "-").split("-")[0].strip().lower()
            if primary in LANGUAGES:
                return primary
    return DEFAULT_LANGUAGE
