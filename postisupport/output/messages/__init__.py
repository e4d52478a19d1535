"""Caller scripts, one catalog per language (core.report.LANGUAGES), keyed by rule id.

Every catalog has the same keys and, per key, the same {placeholders}; a test
holds them to it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def catalog(lang: str) -> dict[str, str]:
    text = resources.files(__package__).joinpath(f"{lang}.json").read_text(encoding="utf-8")
    return json.loads(text)
