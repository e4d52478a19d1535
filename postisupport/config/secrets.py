"""Secrets in the OS keyring, one entry per profile and kind; never in the config file, never on argv.

An entry holds the secret with the URLs it was stored for, as JSON:

    {"secret": "...", "api_url": "https://idp.example.com/scim/v2", "token_url": null}

so that a config file edited to name another API (or token endpoint) does not send the secret there:
settings.resolve() compares them with the profile's. An entry of an older version holds the bare
secret; it is bound to no URL, and is not used until `auth login` stores it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

from postisupport.errors import KeyringUnavailable

SERVICE = "postisupport"
Kind = Literal["token", "client_secret", "bind_password"]


@dataclass(frozen=True)
class Stored:
    """A secret and where it may go; the URLs are None for an entry of an older version."""

    secret: str = field(repr=False)
    api_url: str | None = None
    token_url: str | None = None

    @property
    def bound(self) -> bool:
        return self.api_url is not None


def _entry(profile: str, kind: str) -> str:
    return f"{profile}:{kind}"


@dataclass(frozen=True)
class Unreadable:
    """The keyring could not be read: what it holds for the profile is unknown, never none."""

    reason: str  # the backend's error, by its class name


def get(profile: str, kind: str) -> Stored | Unreadable | None:
    """The stored secret, None when there is none, Unreadable when the keyring could not be read
    (reading never fails a command: a command that needs the secret says so)."""
    try:
        raw = held(profile, kind)
    except KeyringUnavailable as error:
        return Unreadable(error.reason)
    return None if raw is None else parse(raw)


def parse(raw: str) -> Stored:
    try:
        entry = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to be an entry of ours
        entry = None
    if not (isinstance(entry, dict) and isinstance(entry.get("secret"), str)
            and isinstance(entry.get("api_url"), str)):
        return Stored(raw)  # a bare secret, as older versions stored it
    token_url = entry.get("token_url")
    return Stored(entry["secret"], entry["api_url"], token_url if isinstance(token_url, str) else None)


def put(profile: str, kind: Kind, secret: str, api_url: str, token_url: str | None = None) -> None:
    """Store `secret` for `api_url` (and, for OAuth2, `token_url`) only."""
    put_raw(profile, kind, json.dumps({"secret": secret, "api_url": api_url, "token_url": token_url}))


# What a keyring backend may raise besides keyring's own errors: a backend named in
# PYTHON_KEYRING_BACKEND that is not installed (ModuleNotFoundError), a keyring file it cannot read
# (OSError), a D-Bus or secret-service fault. None of them is the command's fault.
BACKEND_FAULTS = (Exception,)


def held(profile: str, kind: str) -> str | None:
    """The entry as the keyring holds it, None when there is none; KeyringUnavailable when it can't be
    read (locked): then what is there could not be put back after a failed store, so none is tried."""
    try:
        import keyring

        raw = keyring.get_password(SERVICE, _entry(profile, kind))
    except BACKEND_FAULTS as error:
        raise KeyringUnavailable(type(error).__name__, kind=kind) from None
    return raw if isinstance(raw, str) else None


def put_raw(profile: str, kind: Kind, raw: str) -> None:
    """Store `raw`, all or nothing: what can't be read back as given is taken out again (or the entry
    there before put back), and KeyringUnavailable says whether that worked."""
    previous = held(profile, kind)
    try:
        import keyring

        keyring.set_password(SERVICE, _entry(profile, kind), raw)
    except BACKEND_FAULTS as error:
        raise KeyringUnavailable(type(error).__name__, kind=kind) from None
    # keyring's null backend (what `keyring --disable` sets) and some broken ones drop what they are
    # given without a word, or keep it cut short, or store it and then can't read (a locked keyring).
    try:
        kept = keyring.get_password(SERVICE, _entry(profile, kind)) == raw
        why = "it did not keep what it was given"
    except BACKEND_FAULTS as error:
        kept, why = False, type(error).__name__
    if not kept:
        raise KeyringUnavailable(why, left_behind=not _undone(profile, kind, previous), kind=kind)


def _undone(profile: str, kind: Kind, previous: str | None) -> bool:
    """Whether the keyring holds again what it held before a store that could not be read back."""
    from keyring.errors import PasswordDeleteError

    try:
        import keyring

        if previous is None:
            keyring.delete_password(SERVICE, _entry(profile, kind))
        else:
            keyring.set_password(SERVICE, _entry(profile, kind), previous)
    except PasswordDeleteError:
        return True  # nothing there: nothing was kept
    except BACKEND_FAULTS:
        return False
    return True


def delete(profile: str, kind: Kind) -> bool:
    """Whether a secret was there to remove."""
    from keyring.errors import PasswordDeleteError

    try:
        import keyring

        # Some backends delete what is not there without a word: ask first, so "removed" is true.
        if not isinstance(keyring.get_password(SERVICE, _entry(profile, kind)), str):
            return False
        keyring.delete_password(SERVICE, _entry(profile, kind))
    except PasswordDeleteError as error:
        # The entry was there a moment ago: "nothing to delete" from a backend that can't delete it (a
        # locked or read-only collection) is no removal.
        raise KeyringUnavailable(type(error).__name__, removing=True, kind=kind) from None
    except BACKEND_FAULTS as error:
        raise KeyringUnavailable(type(error).__name__, removing=True, kind=kind) from None
    return True
