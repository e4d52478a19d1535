"""Plain-text helpers shared by every layer: values from a server made safe, long text cut short."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

REPLACEMENT = "\ufffd"


def terminal_safe(text: str) -> str:
    """Control characters replaced, so no value from a server can move the cursor,
    clear the screen or fake a line of output."""
    return "".join(ch if ch.isprintable() else REPLACEMENT for ch in text)


def shortened(text: str, limit: int) -> str:
    """At most `limit` characters, with "..." marking a cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def iso(moment: datetime | None) -> str | None:
    """A moment as the JSON document and the evidence show it (ISO 8601), or None."""
    return moment.isoformat() if moment is not None else None


REDACTED = "[redacted]"


def redacted(text: str, secrets: Iterable[str]) -> str:
    """`text` with every occurrence of each secret replaced: for text a server sent back, which may
    echo the credentials it was given."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
