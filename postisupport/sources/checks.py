"""What doctor finds of a store, whatever its protocol: checks that pass, warn or fail."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pass", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    id: str
    status: Status
    detail: str
    # The server rate limited the check's requests: nothing was learnt, and doctor should run again.
    untested: bool = field(default=False, compare=False)
    # What a failure or a warning means for diagnoses, in the runbook's terms (None: nothing).
    consequence: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Findings:
    checks: list[Check]
    draft: Any = None  # asked for: the mapping proposed for this server (idp/drafting.py's Draft)


def nobody() -> str:
    """An address no one has, new for each check: a look-up for it must find no one."""
    return f"postisupport-doctor-{secrets.token_hex(6)}@example.invalid"
