"""Pseudonyms for a capture that goes into a ticket: the same value always gets the same stand-in
within one file, so the directory still decides the same way, but no one can tell who it was.

Keyed (HMAC-SHA256) with a random key made for each capture and never stored: the stand-ins
can't be traced back, not even by guessing. Values are folded first (case, surrounding space),
as the look-up compares them, so matching works exactly as before.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from postisupport.core.identifiers import fold
from postisupport.idp import urns


class Pseudonyms:
    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)

    def _digest(self, value: str) -> str:
        return hmac.new(self._key, fold(value).encode("utf-8"), hashlib.sha256).hexdigest()

    def email(self, value: str) -> str:
        if "@" not in value:
            return self.text(value, "x")
        local, _, domain = value.rpartition("@")
        return f"user-{self._digest(local + '@' + domain)[:10]}@{self._digest(domain)[:8]}.example.com"

    def identifier(self, value: str) -> str:
        """What a caller gives: an address, or a legacy user ID."""
        return self.email(value) if "@" in value else self.legacy_id(value)

    def legacy_id(self, value: str) -> str:
        return "ID" + self._digest(value)[:10].upper()

    def text(self, value: str, prefix: str) -> str:
        return f"{prefix}-{self._digest(value)[:8]}"

    def business_id(self, value: str) -> str:
        number = int(self._digest(value)[:12], 16)
        return f"{number % 10**7:07d}-{number % 10}"

    def phone(self, value: str) -> str:
        return f"+000 {int(self._digest(value)[:12], 16) % 10**9:09d}"

    def user(self, user: dict[str, Any]) -> dict[str, Any]:
        out = dict(user)
        if isinstance(out.get("userName"), str):
            out["userName"] = self.email(out["userName"])
        if isinstance(out.get("displayName"), str):
            out["displayName"] = self.text(out["displayName"], "Person")
        if isinstance(out.get("name"), dict):
            out["name"] = {k: self.text(v, k) if isinstance(v, str) else v for k, v in out["name"].items()}
        out["emails"] = [_replace(e, self.email) for e in out.get("emails") or [] if isinstance(e, dict)]
        out["phoneNumbers"] = [_replace(p, self.phone) for p in out.get("phoneNumbers") or []
                               if isinstance(p, dict)]
        out["groups"] = [_replace(g, lambda v: v, display=self._group_name) for g in out.get("groups") or []
                         if isinstance(g, dict)]
        login = out.get(urns.LOGIN_EXTENSION)
        if isinstance(login, dict):
            login = dict(login)
            if isinstance(login.get("legacyUserId"), str):
                login["legacyUserId"] = self.legacy_id(login["legacyUserId"])
            if isinstance(login.get("passwordResetSentTo"), str):
                login["passwordResetSentTo"] = self.email(login["passwordResetSentTo"])
            out[urns.LOGIN_EXTENSION] = login
        return out

    def group(self, group: dict[str, Any]) -> dict[str, Any]:
        out = dict(group)
        if isinstance(out.get("displayName"), str):
            out["displayName"] = self._group_name(out["displayName"])
        organisation = out.get(urns.ORGANISATION_EXTENSION)
        if isinstance(organisation, dict) and isinstance(organisation.get("businessId"), str):
            out[urns.ORGANISATION_EXTENSION] = {**organisation,
                                                "businessId": self.business_id(organisation["businessId"])}
        return out

    def _group_name(self, value: str) -> str:
        return self.text(value, "Organisation")


def _replace(item: dict[str, Any], change: Any, display: Any = None) -> dict[str, Any]:
    out = dict(item)
    if isinstance(out.get("value"), str):
        out["value"] = change(out["value"])
    if display is not None and isinstance(out.get("display"), str):
        out["display"] = display(out["display"])
    return out
