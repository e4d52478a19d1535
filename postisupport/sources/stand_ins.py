"""Stand-ins for personal values in a capture that goes into a ticket, whatever store it was read
from: the same value always gets the same stand-in within one file, so the directory still decides the
same way, but no one can tell who it was (each backend's capture decides which values are whose).

Keyed (HMAC-SHA256) with a random key made for each capture and never stored: the stand-ins can't be
traced back, not even by guessing. Values are folded first (case, surrounding space), as the look-up
compares them, so matching works exactly as before."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from postisupport.core.identifiers import check_digit, fold, looks_like_business_id


class StandIns:
    """Stand-ins for personal values, keyed (HMAC-SHA256) with a key made for one capture and never
    stored: the same value (folded, as a look-up compares it) always gets the same stand-in."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)

    def _digest(self, value: str, kind: str = "") -> str:
        message = f"{kind}\0{fold(value)}" if kind else fold(value)
        # A lone surrogate (a name a server cut inside an emoji) is data: hashed as its code points.
        return hmac.new(self._key, message.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()

    def email(self, value: str) -> str:
        if "@" not in value:
            return self.text(value, "x")
        local, _, domain = value.rpartition("@")
        return f"user-{self._digest(local + '@' + domain)[:10]}@{self._digest(domain)[:8]}.example.com"

    def identifier(self, value: str) -> str:
        """What a caller gives, or what they are looked up by: an address, a legacy user ID, or an
        organisation's business ID.

        One function for all of them, so a value stands for the same whichever attribute holds it."""
        if looks_like_business_id(value):
            return self.business_id(value)
        return self.email(value) if "@" in value else self.legacy_id(value)

    def legacy_id(self, value: str) -> str:
        return "ID" + self._digest(value)[:10].upper()

    def resource_id(self, value: str) -> str:
        # Not folded: ids are compared exactly, and two ids in different case are two resources.
        digest = hmac.new(self._key, f"id\0{value}".encode(), hashlib.sha256).hexdigest()
        return f"id-{digest[:16]}"

    def text(self, value: str, prefix: str) -> str:
        return f"{prefix}-{self._digest(value)[:8]}"

    def business_id(self, value: str) -> str:
        """A business ID with a right check digit: a look-up by the stand-in is checked as any is."""
        number = int(self._digest(value.strip())[:12], 16) % 10**7
        while (check := check_digit(f"{number:07d}")) is None:  # 1 in 11 numbers has none
            number = (number + 1) % 10**7
        return f"{number:07d}-{check}"

    def phone(self, value: str) -> str:
        return f"+000 {int(self._digest(value)[:12], 16) % 10**9:09d}"
