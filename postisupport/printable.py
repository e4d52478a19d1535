"""Text from the API, made safe to show on a terminal."""

from __future__ import annotations

REPLACEMENT = "\ufffd"


def printable(text: str) -> str:
    """Replace control characters, so no value from a server can move the cursor,
    clear the screen or fake a line of output."""
    return "".join(ch if ch.isprintable() or ch == " " else REPLACEMENT for ch in text)


def shortened(text: str, limit: int) -> str:
    """At most `limit` characters, with "..." marking a cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
