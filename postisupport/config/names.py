"""Every setting, declared once (SETTINGS): its default, its environment variable, whether a profile
may hold it (and of which TOML types), whether it is a secret; and where a setting came from. The
resolver's defaults, the variables, the profile's keys and the secrets are all derived from it; the
command line's flags are the command line's (cli/main.py FLAGS), and a test ties them to it. Kept
light, as the command line needs them at start-up to word its errors."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Origin(StrEnum):
    FLAG = "flag"
    ENVIRONMENT = "environment"
    PROFILE = "profile"
    KEYRING = "keyring"
    DEFAULT = "default"
    LOGIN = "login"  # given to `auth login`, which checks it before storing it


class Setting:
    """One setting. A plain class, not a dataclass: every start imports this module, and a dataclass
    costs a millisecond to make."""

    __slots__ = ("default", "name", "profile", "secret", "variable")

    def __init__(self, name: str, default: Any = None, variable: str | None = None,
                 profile: tuple[type, ...] = (), secret: bool = False) -> None:
        self.name = name
        self.default = default
        self.variable = variable  # its environment variable
        self.profile = profile  # the TOML types a profile may give it; none: no profile key
        # Read only from the environment or the keyring: never from a flag, where it would land in
        # shell history, nor from the config file.
        self.secret = secret


# In the order `config show` lists them.
SETTINGS = (
    Setting("profile", variable="POSTISUPPORT_PROFILE"),
    Setting("api_url", variable="POSTISUPPORT_API_URL", profile=(str,)),
    Setting("auth", "token", profile=(str,)),
    Setting("token", variable="POSTISUPPORT_TOKEN", secret=True),
    Setting("token_url", profile=(str,)),
    Setting("client_id", profile=(str,)),
    Setting("scope", profile=(str,)),
    Setting("client_secret", secret=True),
    # An LDAP directory (an ldap:// or ldaps:// API URL): where its users are, and the read-only
    # account bound as; its password in the environment or the keyring only, as every secret.
    Setting("base_dn", variable="POSTISUPPORT_BASE_DN", profile=(str,)),
    Setting("bind_dn", variable="POSTISUPPORT_BIND_DN", profile=(str,)),
    Setting("bind_password", variable="POSTISUPPORT_BIND_PASSWORD", secret=True),
    Setting("timeout", 10.0, "POSTISUPPORT_TIMEOUT", profile=(int, float)),
    Setting("ca_bundle", variable="POSTISUPPORT_CA_BUNDLE", profile=(str,)),
    # The OpenSSL convention, honoured as a further CA file.
    Setting("ssl_cert_file", variable="SSL_CERT_FILE"),
    Setting("allow_insecure_http", False, profile=(bool,)),
    # A plain ldap:// directory's connection upgraded to TLS before the bind (RFC 4513 StartTLS).
    Setting("starttls", False, profile=(bool,)),
    Setting("default_lang", variable="POSTISUPPORT_LANG", profile=(str,)),
    Setting("ui_lang", "en", "POSTISUPPORT_UI_LANG", profile=(str,)),
    Setting("timezone", "Europe/Helsinki", "POSTISUPPORT_TIMEZONE", profile=(str,)),
    Setting("audit", True),  # the config file's top-level `audit`, not a profile's
    Setting("trace", profile=(str,)),
    Setting("verbose", False),
    Setting("sandbox", False),
    Setting("sandbox_data"),
    Setting("sandbox_token", variable="POSTISUPPORT_SANDBOX_TOKEN", secret=True),
    # idp.mapping.DEFAULT: the contract's own preset.
    Setting("mapping", "postisupport", "POSTISUPPORT_MAPPING", profile=(str,)),
)
# Setting -> its environment variable, and the config file's own.
ENVIRONMENT_VARIABLES = {
    **{setting.name: setting.variable for setting in SETTINGS if setting.variable},
    "config": "POSTISUPPORT_CONFIG",
}

# Variables honoured that are no setting of ours: read by the libraries we use, or by convention.
OTHER_VARIABLES = {
    "NO_COLOR": "no colours on the screen (any value but empty; https://no-color.org)",
    "FORCE_COLOR": "colours even when stdout is not a terminal (any value but empty)",
    "COLUMNS": "the screen's width, when it can't be told from the terminal",
    "XDG_CONFIG_HOME": "the folder the config folder is in (Linux; default ~/.config)",
    "XDG_STATE_HOME": "the folder the audit trail's folder is in (Linux; default ~/.local/state)",
}
