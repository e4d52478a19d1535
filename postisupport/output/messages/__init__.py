"""Texts for people, one catalog per language (core.language.LANGUAGES) and audience.

`{lang}.json` holds what the agent reads to the caller, keyed by rule id (and a
few more keys); `ui.{lang}.json` holds the agent's own screen. An entry is a
text with {placeholders}, or plural forms chosen by the length or size of one
parameter ({"count": NAME, "one": ..., "other": ..., and "none" when nothing is
a case of its own}). Every catalog of an audience has the same keys, forms and
placeholders in every language; a test holds them to it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def catalog(lang: str) -> dict[str, Any]:
    """The caller script's texts in `lang`."""
    return _load(f"{lang}.json")


@cache
def ui_catalog(lang: str) -> dict[str, Any]:
    """The agent's screen's texts in `lang`."""
    return _load(f"ui.{lang}.json")


def _load(name: str) -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))
