"""Credentials: storing a profile's secret in the keyring, checking it against the API, removing it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from pathlib import Path

from postisupport.config import profiles, secrets
from postisupport.config.names import Origin
from postisupport.config.settings import (
    LDAP_MAPPING,
    PROFILE_NAME,
    Settings,
    checked_secret,
    checked_url,
    is_ldap,
)
from postisupport.errors import ApiError, AuthError, FileProblem, InvalidSetting, UnreachableError, os_reason
from postisupport.sources import open_directory


@dataclass(frozen=True)
class LoginOptions:
    """A bearer token (no token_url), OAuth2 client credentials (token_url and client_id), or an LDAP
    directory's service account (bind_dn, its password the secret)."""

    profile: str
    api_url: str
    secret: str
    token_url: str | None = None
    client_id: str | None = None
    scope: str | None = None
    allow_insecure_http: bool = False
    make_default: bool = False
    bind_dn: str | None = None
    mapping: str | None = None  # kept in the profile when given (an LDAP directory's preset, say)
    starttls: bool = False  # a plain ldap:// directory's TLS, kept in the profile

    @property
    def kind(self) -> str:
        return "bind" if self.bind_dn else "oauth2" if self.token_url else "token"

    @property
    def secret_kind(self) -> secrets.Kind:
        return SECRET_OF[self.kind]


SECRET_OF: dict[str, secrets.Kind] = {"token": "token", "oauth2": "client_secret", "bind": "bind_password"}


def login(config_path: Path, options: LoginOptions, check: Settings | None = None) -> profiles.ConfigFile:
    """Store the secret in the keyring, bound to the profile's URLs, and the profile in the config file;
    returns the config. With `check` (how to reach servers: settings.transport_only), the secret is
    first tried against the API with the request `auth status` makes; a refusal stores nothing.

    All or nothing: everything is checked first, and when writing the config
    fails, the keyring gets back what it had.
    """
    api_url = checked_url(options.api_url, Origin.FLAG, options.allow_insecure_http,
                          starttls=options.starttls)
    if options.starttls and not api_url.lower().startswith("ldap://"):
        raise InvalidSetting("starttls", Origin.FLAG, "only a plain ldap:// directory's connection starts "
                             f"TLS, and {api_url} is TLS already")
    token_url = (checked_url(options.token_url, Origin.FLAG, options.allow_insecure_http, setting="token_url")
                 if options.token_url else None)
    if not PROFILE_NAME.fullmatch(options.profile):
        raise InvalidSetting("profile", Origin.FLAG,
                             "a profile's name is letters, digits, '.', '_' and '-' only")
    if (options.kind == "bind") != is_ldap(api_url):
        raise InvalidSetting("api_url", Origin.FLAG, "a service account's DN and password go with an "
                             "ldap:// or ldaps:// directory" if options.bind_dn else
                             "an LDAP directory is bound as a service account: give --bind-dn and "
                             "--with-password")
    kind = options.secret_kind
    secret = checked_secret(options.secret, kind, Origin.LOGIN)
    config = profiles.load(config_path)
    if check is not None:
        _check(check, options, api_url, token_url, secret)
    stale = [k for k in SECRET_OF.values() if k != kind]
    # Read first: a keyring that can't tell what it holds could not have it put back.
    before = {k: secrets.held(options.profile, k) for k in (kind, *stale)}
    secrets.put(options.profile, kind, secret, api_url, token_url)
    for other in stale:
        secrets.delete(options.profile, other)  # a profile that changed kind keeps no secret of the old one
    values = {
        "api_url": api_url,
        "auth": options.kind,
        "token_url": token_url,
        "client_id": options.client_id,
        "scope": options.scope,
        "bind_dn": options.bind_dn,
        "allow_insecure_http": options.allow_insecure_http or None,
        "starttls": options.starttls or None,
    }
    if options.mapping is not None:
        values["mapping"] = options.mapping  # else the profile keeps the one it has
    kept = {k: v for k, v in config.profiles.get(options.profile, {}).items() if k not in values}
    try:
        return profiles.save_profile(config, options.profile, {**kept, **values}, options.make_default)
    except (OSError, FileProblem) as error:
        for k, old in before.items():
            if old is None:
                secrets.delete(options.profile, k)
            else:
                secrets.put_raw(options.profile, k, old)
        reason = error.reason if isinstance(error, FileProblem) else os_reason(error)
        raise InvalidSetting("config", "config file", f"{config.path}: cannot write it "
                             f"({reason}); nothing was changed") from None


def _check(transport: Settings, options: LoginOptions, api_url: str, token_url: str | None,
           secret: str) -> None:
    """The secret tried against the API (through the token endpoint for OAuth2); AuthError if refused."""
    kind = options.secret_kind
    trial = replace(transport, profile=options.profile, api_url=api_url, auth=options.kind,
                    token=secret if kind == "token" else None, token_url=token_url,
                    client_id=options.client_id, scope=options.scope,
                    client_secret=secret if kind == "client_secret" else None,
                    bind_dn=options.bind_dn, bind_password=secret if kind == "bind_password" else None,
                    mapping=LDAP_MAPPING if kind == "bind_password" else transport.mapping,
                    allow_insecure_http=options.allow_insecure_http, starttls=options.starttls,
                    origins={**transport.origins, kind: Origin.LOGIN})

    async def probe() -> None:
        async with open_directory(trial) as directory:
            await directory.probe()

    try:
        asyncio.run(probe())
    except (UnreachableError, ApiError) as error:
        error.unstored = kind  # not refused, but not tried either: it was not stored
        raise


@dataclass(frozen=True)
class Status:
    profile: str | None
    api_url: str | None
    auth: str
    secret: str  # which secret is in use: "token", "client_secret" or "bind_password"
    secret_origin: str  # "environment", "keyring" or "none"
    refused: AuthError | None  # None: the API accepted the credentials, or was not reached
    unreached: UnreachableError | None = None  # the API (or token endpoint) could not be asked at all
    # What the credentials lack to be tried at all (an OAuth2 profile without its client secret): its
    # status is still shown, as a token profile's is without its token.
    unset: InvalidSetting | None = None
    bind_dn: str | None = None  # an LDAP directory's service account
    # What the accepted credentials may not read that a look-up needs (an LDAP account's rights), and
    # why they read nothing at all.
    rights: tuple[str, ...] = ()
    blind: ApiError | None = None


def status(settings: Settings) -> Status:
    """Where the credentials come from, and whether the API takes them (one cheap request); for an
    LDAP directory also what the account can't read."""
    ldap = settings.uses_ldap
    oauth2 = settings.auth == "oauth2" and not settings.token
    secret = "bind_password" if ldap else "client_secret" if oauth2 else "token"
    origin = str(settings.origin(secret)) if getattr(settings, secret) else "none"
    rights: tuple[str, ...] = ()

    async def probe() -> None:
        nonlocal rights
        async with open_directory(settings) as directory:
            await directory.probe()
            rights = await directory.rights()

    refused, unreached, unset, blind = None, None, None, None
    try:
        asyncio.run(probe())
    except ApiError as error:
        if error.endpoint != "search":
            raise
        blind = error
    except AuthError as error:
        refused = error
    except UnreachableError as error:
        unreached = error  # what is known without the API is still worth showing
    except InvalidSetting as error:
        missing = ("bind_dn", "bind_password") if ldap else \
            ("token_url", "client_id", "client_secret") if settings.auth == "oauth2" else ()
        if error.setting not in missing:
            raise
        unset = error
    return Status(settings.profile, settings.api_url, "bind" if ldap else settings.auth, secret, origin,
                  refused, unreached, unset, settings.bind_dn if ldap else None, rights, blind)


def logout(profile: str) -> list[str]:
    """Remove the profile's secrets from the keyring; the kinds that were there."""
    kinds: tuple[secrets.Kind, ...] = ("token", "client_secret", "bind_password")
    return [kind for kind in kinds if secrets.delete(profile, kind)]

