"""Where settings come from, and the environment variables' names: kept light, as the command line
needs them at start-up to word its errors."""

from __future__ import annotations

from enum import StrEnum


class Origin(StrEnum):
    FLAG = "flag"
    ENVIRONMENT = "environment"
    PROFILE = "profile"
    KEYRING = "keyring"
    DEFAULT = "default"
    LOGIN = "login"  # given to `auth login`, which checks it before storing it


# Setting -> its environment variable. Secrets are read only from here or the
# keyring: never from a flag, where they would land in shell history.
ENVIRONMENT_VARIABLES = {
    "profile": "POSTISUPPORT_PROFILE",
    "api_url": "POSTISUPPORT_API_URL",
    "token": "POSTISUPPORT_TOKEN",
    "timeout": "POSTISUPPORT_TIMEOUT",
    "ca_bundle": "POSTISUPPORT_CA_BUNDLE",
    "ssl_cert_file": "SSL_CERT_FILE",  # the OpenSSL convention, honoured as a further CA file
    "default_lang": "POSTISUPPORT_LANG",
    "ui_lang": "POSTISUPPORT_UI_LANG",
    "timezone": "POSTISUPPORT_TIMEZONE",
    "sandbox_token": "POSTISUPPORT_SANDBOX_TOKEN",
    "mapping": "POSTISUPPORT_MAPPING",
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
