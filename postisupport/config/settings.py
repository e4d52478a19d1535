"""Settings: ONE resolver, with one lookup order for every setting.

    1. a flag on the command line          (origin "flag")
    2. the environment (POSTISUPPORT_*)    (origin "environment")
    3. the profile in the config file      (origin "profile"; profiles arrive with credentials)
    4. the built-in default                (origin "default")

The first layer that has a value wins, setting by setting. Each resolved
setting remembers its origin, so an error can say where a bad value came from
and `config show` can tell the user. This module is the only one that knows
the environment variables' names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from postisupport.errors import ConflictingSettings, InvalidSetting


class Origin(StrEnum):
    FLAG = "flag"
    ENVIRONMENT = "environment"
    PROFILE = "profile"
    DEFAULT = "default"


# Setting -> its environment variable. The token is read only from here (or,
# later, a keyring): never from a flag, where it would land in shell history.
ENVIRONMENT_VARIABLES = {
    "api_url": "POSTISUPPORT_API_URL",
    "token": "POSTISUPPORT_TOKEN",
    "timeout": "POSTISUPPORT_TIMEOUT",
    "sandbox_token": "POSTISUPPORT_SANDBOX_TOKEN",
}
DEFAULTS: dict[str, Any] = {
    "api_url": None,
    "token": None,
    "timeout": 10.0,
    "sandbox": False,
    "sandbox_data": None,
    "sandbox_token": None,
}
MIN_TIMEOUT = 0.1


@dataclass(frozen=True)
class Settings:
    api_url: str | None = None
    sandbox: bool = False
    sandbox_data: Path | None = None
    timeout: float = DEFAULTS["timeout"]
    token: str | None = field(default=None, repr=False)
    sandbox_token: str | None = field(default=None, repr=False)
    origins: Mapping[str, Origin] = field(default_factory=dict, compare=False)

    @property
    def uses_sandbox(self) -> bool:
        return self.sandbox or self.sandbox_data is not None

    def origin(self, setting: str) -> Origin:
        return self.origins.get(setting, Origin.DEFAULT)


def resolve(
    flags: Mapping[str, Any],
    environ: Mapping[str, str],
    profile: Mapping[str, Any] | None = None,
) -> Settings:
    """The settings in force. `flags` holds only what was given on the command line (None = not given).

    Raises InvalidSetting for an unusable value and ConflictingSettings for
    flags that contradict each other.
    """
    layers: list[tuple[Origin, Mapping[str, Any]]] = [
        (Origin.FLAG, {k: v for k, v in flags.items() if v is not None and v is not False}),
        (Origin.ENVIRONMENT, _from_environment(environ)),
        (Origin.PROFILE, profile or {}),
    ]
    values = dict(DEFAULTS)
    origins = dict.fromkeys(DEFAULTS, Origin.DEFAULT)
    for setting in DEFAULTS:
        for origin, layer in layers:
            if layer.get(setting) is not None:
                values[setting], origins[setting] = layer[setting], origin
                break

    sandbox = bool(values["sandbox"]) or values["sandbox_data"] is not None
    if sandbox and origins["api_url"] is Origin.FLAG:
        raise ConflictingSettings(
            ("api_url", "sandbox"), "an identity API and the sandbox exclude each other"
        )
    if sandbox:
        # The sandbox was chosen on the command line, which outranks an API set elsewhere.
        values["api_url"], origins["api_url"] = None, Origin.DEFAULT
    elif values["api_url"] is not None:
        values["api_url"] = checked_url(values["api_url"], origins["api_url"])
    values["timeout"] = _checked_timeout(values["timeout"], origins["timeout"])
    return Settings(**values, origins=origins)


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    # An empty variable counts as unset, as shells make it easy to set one to "".
    return {setting: environ[name] for setting, name in ENVIRONMENT_VARIABLES.items() if environ.get(name)}


def _checked_timeout(value: Any, origin: Origin) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise InvalidSetting("timeout", origin, f"{value!r} is not a number of seconds") from None
    if not math.isfinite(seconds) or seconds < MIN_TIMEOUT:
        raise InvalidSetting("timeout", origin, f"{str(value)!r} is not a finite number of seconds, "
                             f"at least {MIN_TIMEOUT:g}")
    return seconds


def checked_url(url: str, origin: Origin = Origin.FLAG) -> str:
    """The API's base URL, or InvalidSetting: every malformed URL is caught here, before any I/O."""
    url = url.strip()

    def invalid(reason: str) -> InvalidSetting:
        return InvalidSetting("api_url", origin, reason)

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as error:
        raise invalid(f"{url!r} is not a valid URL ({error})") from None
    if parts.username is not None or parts.password is not None:
        # Not echoed: the part before the @ is likely a secret.
        raise InvalidSetting("api_url", origin, "the URL holds credentials", instead="token")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid(f"{url!r} is not an http(s) URL, e.g. https://idp.example.com/scim/v2")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise invalid(f"{url!r} contains spaces or control characters")
    return url.rstrip("/")
