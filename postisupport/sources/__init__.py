"""The one seam between the commands and an identity store: a Directory answers a look-up with a
Snapshot (core/facts.py), whatever the store; the commands above it name no store.

Each store is a backend package of its own (sources/scim today), registered in BACKENDS by module name
as any other would be: it is imported only when a setting chooses it, and backends do not import one
another (import-linter keeps them apart). A backend module provides `open(settings, **options)`,
returning a Directory, `checks(settings, observe, draft)`, doctor's checks of the store, and a
`capture` module: what a look-up read, kept as a file that replays offline (`record`, `check`,
`replayed`, `pseudonymised`, `as_read`; sources/scim/capture.py)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

from postisupport.core.facts import Snapshot
from postisupport.core.identifiers import Asked

if TYPE_CHECKING:
    from postisupport.config.settings import Settings

# The built-in backends, by the name a setting gives them.
BACKENDS: dict[str, str] = {"scim": "postisupport.sources.scim", "ldap": "postisupport.sources.ldap"}


class Directory(Protocol):
    """An identity store, asked about one caller at a time; open until closed."""

    @property
    def requests(self) -> int:
        """How many requests it has sent so far (a bulk run's summary)."""

    @property
    def unrecorded(self) -> frozenset[str]:
        """The facts (by field, core.facts.FACT_NAMES) this store records for no one."""

    def secrets(self) -> Sequence[str]:
        """The credentials it uses, for what is written to disk to be cut of them."""

    async def snapshot(self, identifier: str, asked: Asked | None = None) -> Snapshot:
        """The users an e-mail address or legacy user ID (normalised) answers to, and their context."""

    async def snapshot_by_name(self, name: str, organisation: str) -> Snapshot:
        """A caller by their name among an organisation's members (by its name or business ID)."""

    async def organisation(self, business_id: str) -> Snapshot:
        """An organisation by its business ID, and its administrators."""

    async def probe(self) -> None:
        """One cheap request: raises AuthError when the store refuses the credentials."""

    async def rights(self) -> tuple[str, ...]:
        """What the credentials accepted may not read that a look-up needs, each as a sentence (none: all
        it needs is readable, or the store can't be asked); ApiError when they read nothing at all."""

    async def aclose(self) -> None: ...

    async def __aenter__(self) -> Directory: ...

    async def __aexit__(self, *exc: object) -> None: ...


def backend(settings: Settings) -> ModuleType:
    """The backend module the settings choose: an ldap:// or ldaps:// API is an LDAP directory's, any
    other (and the sandbox) a SCIM service provider's."""
    return importlib.import_module(BACKENDS["ldap" if settings.uses_ldap else "scim"])


def capturing(settings: Settings) -> ModuleType:
    """The capture part of the backend the settings choose."""
    return importlib.import_module(f"{BACKENDS['ldap' if settings.uses_ldap else 'scim']}.capture")


def replaying(data: dict[str, Any]) -> ModuleType:
    """The capture part of the backend a capture file was made by: an LDAP directory's holds "Entries"
    and "Searches", a SCIM service provider's "Users" and "Groups"."""
    record = data.get("capture")
    ldap = isinstance(record, dict) and record.get("source") == "ldap"
    return importlib.import_module(f"{BACKENDS['ldap' if ldap else 'scim']}.capture")


def mapping_text(settings: Settings) -> str:
    """The mapping in force as a file's text: an LDAP directory's (or an LDAP preset named), else the
    SCIM one (the default mapping when none is named)."""
    ldap = importlib.import_module(BACKENDS["ldap"])
    chosen = ldap if settings.uses_ldap or ldap.names_preset(settings.mapping) else backend(settings)
    text: str = chosen.mapping_text(settings)
    return text


def presets() -> list[tuple[str, str]]:
    """Every shipped preset, each backend's in turn: its name and what it reads."""
    return [shipped for module in BACKENDS.values() for shipped in importlib.import_module(module).presets()]


def open_directory(settings: Settings, **options: Any) -> Directory:
    """The store the settings name, opened: `options` are the backend's (concurrency, patience,
    a shared rate limit, the engineer's trace, shared answers for a run)."""
    directory: Directory = backend(settings).open(settings, **options)
    return directory


def read_through(settings: Settings) -> str | None:
    """What the store's answers are read through, as an output records it to be resumed by the same: a
    preset's name, or a mapping file's name with the start of its SHA-256 (an edited file reads
    otherwise); None for the default mapping, which outputs don't name (they are as they always were)."""
    import hashlib
    from pathlib import Path

    from postisupport.idp.mapping import DEFAULT, PRESETS

    if settings.mapping == DEFAULT:
        return None
    if settings.mapping in PRESETS:
        return settings.mapping
    path = Path(settings.mapping).expanduser()
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:  # the source says why it can't be read, when it opens
        return settings.mapping
    return f"{path.name} sha256:{digest[:12]}"
