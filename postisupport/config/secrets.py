"""Secrets in the OS keyring, one entry per profile and kind; never in the config file, never on argv."""

from __future__ import annotations

from typing import Literal

from postisupport.errors import KeyringUnavailable

SERVICE = "postisupport"
Kind = Literal["token", "client_secret"]


def _entry(profile: str, kind: str) -> str:
    return f"{profile}:{kind}"


def get(profile: str, kind: str) -> str | None:
    """The stored secret, or None when there is none or no usable keyring (reading never fails a command)."""
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, _entry(profile, kind))
    except (KeyringError, RuntimeError):
        return None


def put(profile: str, kind: Kind, secret: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, _entry(profile, kind), secret)
    except (KeyringError, RuntimeError) as error:
        raise KeyringUnavailable(type(error).__name__) from None


def delete(profile: str, kind: Kind) -> bool:
    """Whether a secret was there to remove."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, _entry(profile, kind))
    except PasswordDeleteError:
        return False
    except (KeyringError, RuntimeError) as error:
        raise KeyringUnavailable(type(error).__name__) from None
    return True
