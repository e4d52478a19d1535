"""Settings: ONE resolver, with one lookup order for every setting.

    1. a flag on the command line          (origin "flag")
    2. the environment (POSTISUPPORT_*)    (origin "environment")
    3. the profile in the config file      (origin "profile"); secrets: the OS keyring (origin "keyring")
    4. the built-in default                (origin "default")

The first layer that has a value wins, setting by setting. Each resolved
setting remembers its origin, so an error can say where a bad value came from
and `config show` can tell the user. This module is the only one that knows
the environment variables' names.

The profile is chosen first, in the same order: --profile, POSTISUPPORT_PROFILE,
the config file's default_profile, else a profile called "default" if there is one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from postisupport.config.names import ENVIRONMENT_VARIABLES, SETTINGS, Origin
from postisupport.core.language import LANGUAGES
from postisupport.core.text import MIN_SECRET
from postisupport.core.urls import is_loopback
from postisupport.errors import (
    ConflictingSettings,
    InvalidSetting,
    UnboundSecret,
    UnreadableSecret,
    UnusableSecret,
)

if TYPE_CHECKING:
    from postisupport.config.profiles import ConfigFile
    from postisupport.config.secrets import Stored, Unreadable


DEFAULTS: dict[str, Any] = {setting.name: setting.default for setting in SETTINGS}
SECRETS = tuple(setting.name for setting in SETTINGS if setting.secret)
# What goes with a profile's API and no other: dropped when the API comes from a flag or the environment.
CREDENTIAL_SETTINGS = frozenset({"auth", "token_url", "client_id", "scope", "bind_dn"})
PROFILE_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
AUTH_KINDS = ("token", "oauth2", "bind")
MIN_TIMEOUT = 0.1
DEFAULT_PROFILE = "default"
LDAP_SCHEMES = ("ldap", "ldaps")
LDAP_MAPPING = "ad"  # the mapping an LDAP directory is read through unless another is named

# Reads a secret of a profile from the keyring: (profile, "token" | "client_secret") -> it, None when
# there is none, Unreadable when the keyring could not be read.
SecretReader = Callable[[str, str], "Stored | Unreadable | None"]
# How a server is reached, whatever the profile: what a check of a secret before it is stored uses.
TRANSPORT_SETTINGS = ("timeout", "ca_bundle", "ssl_cert_file", "allow_insecure_http", "starttls")


@dataclass(frozen=True)
class Settings:
    profile: str | None = None
    api_url: str | None = None
    auth: str = "token"
    token: str | None = field(default=None, repr=False)
    token_url: str | None = None
    client_id: str | None = None
    scope: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    base_dn: str | None = None
    bind_dn: str | None = None
    bind_password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULTS["timeout"]
    ca_bundle: Path | None = None
    ssl_cert_file: Path | None = None
    allow_insecure_http: bool = False
    starttls: bool = False  # a plain ldap:// directory: TLS started before the bind, verified
    default_lang: str | None = None
    ui_lang: str = "en"
    timezone: str = "Europe/Helsinki"
    audit: bool = True
    trace: Path | None = None  # a file: every HTTP exchange as a JSON line (scim/trace.py)
    verbose: bool = False  # a short line per HTTP request on stderr
    sandbox: bool = False
    sandbox_data: Path | None = None
    sandbox_token: str | None = field(default=None, repr=False)
    mapping: str = "postisupport"  # a preset's name or a mapping file (idp/mapping.py)
    origins: Mapping[str, Origin] = field(default_factory=dict, compare=False)
    config_path: Path | None = None
    # The profile's secret in the keyring, refused as it was stored for other URLs or can't be used:
    # raised when a client would need it (sources/scim/connect.py), so `config show` and the sandbox
    # still work.
    unbound: UnboundSecret | UnusableSecret | UnreadableSecret | None = field(default=None, compare=False,
                                                                              repr=False)

    @property
    def uses_sandbox(self) -> bool:
        return self.sandbox or self.sandbox_data is not None

    @property
    def uses_ldap(self) -> bool:
        """Whether the API is an LDAP directory (an ldap:// or ldaps:// URL)."""
        return not self.uses_sandbox and self.api_url is not None and is_ldap(self.api_url)

    @property
    def mapping_file(self) -> Path | None:
        """The mapping file in force; None for a preset (a name with neither "/" nor ".")."""
        return Path(self.mapping).expanduser() if any(c in self.mapping for c in "/.") else None

    @property
    def files_read(self) -> tuple[Path, ...]:
        """The files these settings come from or name as data: never a command's output."""
        return tuple(p for p in (self.sandbox_data, self.config_path, self.mapping_file,
                                 self.ca_bundle, self.ssl_cert_file) if p is not None)

    @property
    def insecure_urls(self) -> list[str]:
        """The URLs credentials would go to over plain http beyond this machine (allowed, warned about)."""
        urls = [] if self.uses_sandbox else [self.api_url, self.token_url if self.auth == "oauth2" else None]
        return [url for url in urls if url and _scheme(url) in ("http", "ldap") and not is_loopback(url)]

    def origin(self, setting: str) -> Origin:
        return self.origins.get(setting, Origin.DEFAULT)


def read_as_captured(settings: Settings, capture: Path) -> None:
    """A capture is read back as it was captured (its record says how), by replay and as sandbox data
    alike: a mapping other than the default, named with it, would be named as in force where it is not,
    so it is refused."""
    if settings.mapping != DEFAULTS["mapping"]:
        raise InvalidSetting("mapping", settings.origin("mapping"), f"{capture} is a capture, read as it was "
                             "captured (its record says how): name no other mapping with it")


def config_path(environ: Mapping[str, str], config_dir: Path) -> Path:
    """POSTISUPPORT_CONFIG names the config file; else config.toml in the config folder."""
    from postisupport.config.profiles import FILE_NAME

    named = environ.get(ENVIRONMENT_VARIABLES["config"])
    return Path(named).expanduser() if named else config_dir / FILE_NAME


def resolve(
    flags: Mapping[str, Any],
    environ: Mapping[str, str],
    config: ConfigFile | None = None,
    secrets: SecretReader | None = None,
) -> Settings:
    """The settings in force. `flags` holds only what was given on the command line (None = not given).

    Raises InvalidSetting for an unusable value and ConflictingSettings for
    flags that contradict each other.
    """
    given = {k: v for k, v in flags.items() if v is not None}
    from_environment = _from_environment(environ)
    profile_name, profile_origin = _profile_name(given, from_environment, config)
    profile, stored, unbound = _profile_layers(profile_name, profile_origin, given, from_environment, config,
                                               secrets)
    layers: list[tuple[Origin, Mapping[str, Any]]] = [
        (Origin.FLAG, given),
        (Origin.ENVIRONMENT, from_environment),
        (Origin.PROFILE, profile),
        (Origin.KEYRING, stored),
    ]
    values = dict(DEFAULTS)
    origins = dict.fromkeys(DEFAULTS, Origin.DEFAULT)
    for setting in DEFAULTS:
        for origin, layer in layers:
            if layer.get(setting) is not None:
                values[setting], origins[setting] = layer[setting], origin
                break
    values["profile"], origins["profile"] = profile_name, profile_origin
    if config is not None:
        _beside(values, origins, Path(config.path).parent)
    _check(values, origins)
    if unbound is not None and (values[unbound.kind] is not None or values["token"] is not None):
        unbound = None  # the environment gives a secret that outranks it: the refused one is not needed
    return Settings(**values, origins=origins, config_path=config.path if config is not None else None,
                    unbound=unbound)


def transport_only(flags: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    """Only how servers are reached (timeout, CA files, plain http): for checking a secret that no
    profile holds yet, so nothing of the profiles or the environment's credentials is taken."""
    names = {ENVIRONMENT_VARIABLES[s] for s in TRANSPORT_SETTINGS if s in ENVIRONMENT_VARIABLES}
    return resolve({k: v for k, v in flags.items() if k in TRANSPORT_SETTINGS},
                   {k: v for k, v in environ.items() if k in names})


def _profile_layers(
    name: str | None, origin: Origin, given: Mapping[str, Any], environ: Mapping[str, Any],
    config: ConfigFile | None, secrets: SecretReader | None,
) -> tuple[dict[str, Any], dict[str, Any], UnboundSecret | UnusableSecret | UnreadableSecret | None]:
    """The chosen profile's settings, its secret from the keyring, and that secret's refusal when it
    was stored for other URLs than the profile names."""
    if name is not None and not PROFILE_NAME.fullmatch(name):
        raise InvalidSetting("profile", origin, "a profile's name is letters, digits, '.', '_' and '-' only")
    profile: dict[str, Any] = {}
    if name is not None:
        profiles = config.profiles if config is not None else {}
        if name not in profiles:
            where = "" if config is None else f" in {config.path}" if Path(config.path).exists() \
                else f": {config.path} does not exist"
            raise InvalidSetting("profile", origin, f"no profile named {name!r}{where}")
        profile = dict(profiles[name])
    if config is not None and config.audit is not None:
        profile["audit"] = config.audit
    api_elsewhere = [layer["api_url"] for layer in (given, environ) if layer.get("api_url")]
    own_api = "api_url" in profile and (not api_elsewhere or _same_url(api_elsewhere[0], profile["api_url"]))
    if not own_api:
        # The profile's credentials belong to the profile's API: never send them to another one.
        return {k: v for k, v in profile.items() if k not in CREDENTIAL_SETTINGS}, {}, None
    if name is None or secrets is None:
        return profile, {}, None
    # Only the secret of the profile's kind: a stale token must not beat the OAuth2 it was replaced by.
    kind = ("bind_password" if is_ldap(str(profile["api_url"])) else
            "client_secret" if profile.get("auth") == "oauth2" else "token")
    stored = secrets(name, kind)
    if stored is None:
        return profile, {}, None
    from postisupport.config.secrets import Unreadable

    if isinstance(stored, Unreadable):  # what the keyring holds is unknown, never none
        return profile, {}, UnreadableSecret(name, kind, stored.reason)
    # The secret goes only where it was stored for: the profile's URLs are a file anyone with write
    # access to it may have changed.
    wanted = [("api_url", stored.api_url)] + ([("token_url", stored.token_url)] if kind == "client_secret"
                                              else [])
    for setting, stored_for in wanted:
        named = profile.get(setting)
        if stored_for is None or named is None or not _same_url(stored_for, named):
            return profile, {}, UnboundSecret(name, kind, stored_for, named)
    try:
        checked_secret(stored.secret, kind, Origin.KEYRING)
    except InvalidSetting as error:
        return profile, {}, UnusableSecret(name, kind, error.reason)
    return profile, {kind: stored.secret}, None


def _check(values: dict[str, Any], origins: dict[str, Origin]) -> None:
    """Every value checked, and put in its final form, in place; each error names the value's origin."""
    sandbox = bool(values["sandbox"]) or values["sandbox_data"] is not None
    if sandbox and origins["api_url"] is Origin.FLAG:
        raise ConflictingSettings(
            ("api_url", "sandbox"), "an identity API and the sandbox exclude each other"
        )
    if sandbox:
        # The sandbox was chosen on the command line, which outranks an API set elsewhere. A mapping set
        # with a directory's API (a profile's, the environment's) is that directory's: the sandbox is SCIM.
        directory = values["api_url"] is not None and is_ldap(str(values["api_url"]))
        if directory and origins["mapping"] is origins["api_url"]:
            values["mapping"], origins["mapping"] = DEFAULTS["mapping"], Origin.DEFAULT
        values["api_url"], origins["api_url"] = None, Origin.DEFAULT
    elif values["api_url"] is not None:
        values["api_url"] = checked_url(
            values["api_url"], origins["api_url"], bool(values["allow_insecure_http"]),
            starttls=bool(values["starttls"])
        )
        if values["starttls"] and _scheme(values["api_url"]) != "ldap":
            raise InvalidSetting("starttls", origins["starttls"], "only a plain ldap:// directory's "
                                 f"connection starts TLS, and {_shown(values['api_url'])} is TLS already")
        if is_ldap(values["api_url"]) and origins["mapping"] is Origin.DEFAULT:
            values["mapping"] = LDAP_MAPPING  # a directory's own default: its attributes are no SCIM's
    if values["token_url"] is not None:
        values["token_url"] = checked_url(values["token_url"], origins["token_url"],
                                          bool(values["allow_insecure_http"]), setting="token_url")
    values["timeout"] = _checked_timeout(values["timeout"], origins["timeout"])
    for lang in ("default_lang", "ui_lang"):
        if values[lang] is not None and values[lang] not in LANGUAGES:
            raise InvalidSetting(lang, origins[lang],
                                 f"{values[lang]!r} is not one of {', '.join(LANGUAGES)}")
    if not _is_time_zone(values["timezone"]):
        raise InvalidSetting("timezone", origins["timezone"],
                             f"{values['timezone']!r} is not a time zone, e.g. Europe/Helsinki")
    for secret in SECRETS:
        if sandbox and secret != "sandbox_token":
            # The embedded sandbox asks for no credentials: one left in the environment is not used,
            # so it can't stop a demo either.
            values[secret] = None
        elif values[secret] is not None:
            values[secret] = checked_secret(values[secret], secret, origins[secret])
    if values["auth"] not in AUTH_KINDS:
        raise InvalidSetting("auth", origins["auth"],
                             f"{values['auth']!r} is not one of {', '.join(AUTH_KINDS)}")
    for path_setting in ("ca_bundle", "ssl_cert_file", "sandbox_data", "trace"):
        if values[path_setting] is not None:
            # "~/..." in a config file or a quoted variable, where no shell expands it.
            values[path_setting] = Path(values[path_setting]).expanduser()


def _beside(values: dict[str, Any], origins: dict[str, Origin], folder: Path) -> None:
    """A relative path in the config file is of a file beside it, wherever the command is run: the
    mapping in force must not depend on the current folder. A mapping named with neither "/" nor "."
    is a preset's name (idp/mapping.py PRESETS: "wso2"), not a path."""
    for name in ("mapping", "trace", "ca_bundle", "ssl_cert_file", "sandbox_data"):
        value = values[name]
        preset = name == "mapping" and isinstance(value, str) and not any(c in value for c in "/.")
        if origins[name] is Origin.PROFILE and isinstance(value, str) and not preset:
            path = Path(value).expanduser()
            if not path.is_absolute():
                values[name] = str(folder / path)


def _profile_name(
    given: Mapping[str, Any], environ: Mapping[str, Any], config: ConfigFile | None
) -> tuple[str | None, Origin]:
    if given.get("profile"):
        return str(given["profile"]), Origin.FLAG
    if environ.get("profile"):
        return str(environ["profile"]), Origin.ENVIRONMENT
    if config is not None and config.default_profile:
        return config.default_profile, Origin.PROFILE
    if config is not None and DEFAULT_PROFILE in config.profiles:
        return DEFAULT_PROFILE, Origin.PROFILE
    return None, Origin.DEFAULT


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    # An empty variable counts as unset, as shells make it easy to set one to "".
    return {setting: environ[name] for setting, name in ENVIRONMENT_VARIABLES.items() if environ.get(name)}


def _checked_timeout(value: Any, origin: Origin) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise InvalidSetting("timeout", origin, f"{value!r} is not a number of seconds") from None
    if not math.isfinite(seconds):
        raise InvalidSetting("timeout", origin, f"{str(value)!r} is not a finite number of seconds")
    if seconds < MIN_TIMEOUT:
        raise InvalidSetting("timeout", origin, f"{str(value)!r} is under the shortest timeout, "
                             f"{MIN_TIMEOUT:g} s")
    return seconds


def checked_secret(value: str, setting: str, origin: Origin) -> str:
    """A secret with its surrounding white space (a trailing newline from a secret store) removed.

    Any other control or non-ASCII character cannot go into an HTTP header; an LDAP simple bind's
    password is a UTF-8 octet string (RFC 4513 section 5.1.1), so it may hold any printable character
    in any script, but no control character (a paste's line break, bytes that were no UTF-8). The error
    says so without ever holding the secret.
    """
    secret = value.strip()
    if not secret:
        raise InvalidSetting(setting, origin, "the secret is empty")
    if setting == "bind_password":
        if not secret.isprintable():
            raise InvalidSetting(setting, origin, "the secret holds a control or unprintable character")
    elif not secret.isascii() or not secret.isprintable():
        raise InvalidSetting(setting, origin, "the secret holds a control or non-ASCII character")
    if len(secret) < MIN_SECRET:
        # A secret this short could not be kept out of messages (text.redacted leaves it alone),
        # wherever it comes from: a flag, the environment, the keyring or `auth login`.
        raise InvalidSetting(setting, origin, f"only {len(secret)} character(s); a real one has at "
                             f"least {MIN_SECRET}")
    return secret


def is_ldap(url: str) -> bool:
    return _scheme(url) in LDAP_SCHEMES


def checked_url(url: str, origin: Origin = Origin.FLAG, allow_insecure_http: bool = False,
                setting: str = "api_url", starttls: bool = False) -> str:
    """An http(s) base URL (an API's also ldap(s)://HOST[:PORT], a directory's), or InvalidSetting: every
    malformed URL is caught here, before any I/O.

    Never echoes a query string, a fragment or credentials: they may hold secrets.
    """
    url = url.strip()
    shown = _shown(url)

    def invalid(reason: str, **extra: Any) -> InvalidSetting:
        return InvalidSetting(setting, origin, reason, **extra)

    if _USERINFO.search(url):
        raise invalid("the URL holds credentials", remedy="token")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as error:
        raise invalid(f"{shown!r} is not a valid URL ({error})") from None
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise invalid("the URL holds a query string or fragment; a SCIM base URL has none")
    scheme = parts.scheme.lower()
    ldap = setting == "api_url" and scheme in LDAP_SCHEMES
    if (scheme not in ("http", "https") and not ldap) or not parts.netloc:
        also = " or ldaps://dc.example.com" if setting == "api_url" else ""
        raise invalid(f"{shown!r} is not an http(s) URL, e.g. https://idp.example.com/scim/v2{also}")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise invalid(f"{shown!r} contains spaces or control characters")
    if ldap and parts.path.strip("/"):
        raise invalid(f"{shown!r} names a base DN in the URL; give ldaps://HOST[:PORT] and the base DN "
                      "with --base-dn")
    if scheme in ("http", "ldap") and not allow_insecure_http and not is_loopback(url) \
            and not (ldap and scheme == "ldap" and starttls):
        secure = "ldaps, or StartTLS (--starttls)" if ldap else "https"
        raise invalid(f"{shown!r} is plain {scheme}, which would send the credentials unencrypted; use "
                      f"{secure}", remedy="allow_insecure_http")
    return url.rstrip("/")


# user[:password]@ after the scheme, however malformed the rest of the URL is.
_USERINFO = re.compile(r"^[^:/?#]*://[^/?#]*@")


def _shown(url: str) -> str:
    """What of a URL may be echoed: no query, no fragment (they may hold tokens), shortened, printable."""
    visible = url.split("?", 1)[0].split("#", 1)[0]
    visible = "".join(ch if ch.isprintable() else "\ufffd" for ch in visible)
    return visible if len(visible) <= 200 else visible[:197] + "..."


def _is_time_zone(name: Any) -> bool:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _scheme(url: str) -> str:
    return urlsplit(url).scheme.lower()


def _same_url(a: str, b: str) -> bool:
    return a.strip().rstrip("/") == str(b).strip().rstrip("/")
