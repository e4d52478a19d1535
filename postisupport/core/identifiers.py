"""What a caller gives us to find their account: an e-mail address or a legacy user ID."""

from __future__ import annotations

import unicodedata

from postisupport.errors import InvalidInput

MAX_LENGTH = 254  # the longest e-mail address SMTP can carry (RFC 5321)


def normalise(raw: str) -> str:
    """The form identifiers are compared in: trimmed and case-folded.

    Raises InvalidInput for what cannot be anyone's identifier, so that the API
    is never asked about it.
    """
    def invalid(reason: str) -> InvalidInput:
        return InvalidInput("identifier", reason)

    # Bytes that are not UTF-8 reach us as lone surrogates (Python's surrogateescape).
    if any("\ud800" <= ch <= "\udfff" for ch in raw):
        raise invalid("the identifier is not valid text (its bytes are not UTF-8)")
    value = unicodedata.normalize("NFC", raw.strip())
    if not value:
        raise invalid("the identifier is empty: give an e-mail address or a legacy user ID")
    if len(value) > MAX_LENGTH:
        raise invalid(f"the identifier is {len(value)} characters long; at most {MAX_LENGTH}")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        raise invalid("the identifier contains control characters")
    if "@" in value and not looks_like_email(value):
        raise invalid(f"{value!r} is not a valid e-mail address")
    if any(ch.isspace() for ch in value):  # an address with spaces was refused just above
        raise invalid(f"{value!r} is not a valid legacy user ID: it contains spaces")
    return fold(value)


def looks_like_email(value: str) -> bool:
    """A deliberately loose check: one @, something on both sides, a dot in the domain."""
    local, at, domain = value.partition("@")
    return (
        bool(at and local and domain)
        and "@" not in domain
        and "." in domain.strip(".")
        and not any(ch.isspace() for ch in value)
    )


def fold(value: str) -> str:
    """The comparison key: what the API calls case-insensitive, ignoring surrounding space."""
    return unicodedata.normalize("NFC", value.strip()).casefold()


def equal_folded(a: str | None, b: str | None) -> bool:
    """Whether two values are the same identifier once both are folded (None equals nothing)."""
    return a is not None and b is not None and fold(a) == fold(b)
