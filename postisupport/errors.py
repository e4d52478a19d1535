"""Every failure postisupport can explain, as data.

    PostisupportError                 any failure we can explain in one line
    ├── InvalidInput                  a value the user gave is unusable (which input, why)
    ├── ConfigurationError            the tool is not set up to run
    │   ├── NotConfigured             no identity API and no sandbox
    │   ├── InvalidSetting            a setting's value is unusable (which setting, from where, why)
    │   ├── ConflictingSettings       two settings contradict each other
    │   ├── KeyringUnavailable        no usable OS keyring to store or remove a secret
    │   ├── UnboundSecret             a stored secret is not for the URLs the profile names now
    │   ├── UnusableSecret            a stored secret no request could carry (damaged)
    │   ├── AuditError                the audit trail cannot be written or read (which file, why)
    │   └── OutputExists              a bulk run would overwrite an output it was not told to
    ├── DataFileError                 a sandbox data file is unusable (which file, where in it, why)
    ├── FileProblem                   a file or folder the user named can't be read or written
                                      (which path, why: missing, a directory, disk full, ...)
    ├── ListenError                   the sandbox cannot listen on the address asked for
    ├── AuthError                     the API refused our credentials (status, endpoint, detail)
    ├── UnreachableError              no connection, or a request timed out (base URL, reason)
    └── ApiError                      the API answered with an error or unusable data
                                      (endpoint, status, detail)

Library code raises these with their data and a plain message that names no
command-line flag, environment variable or exit code; the command line words
them for its user and maps each to its exit code, in one place
(postisupport.cli.main). Anything not in this tree is a bug.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Self


class PostisupportError(Exception):
    """The message is the exception's text; subclasses keep their data in attributes. `unstored`
    names the secret ("token", "client_secret") that auth login did not store because trying it
    failed this way."""

    unstored: str | None = None

    def scrubbed(self, cut: Callable[[str], str]) -> Self:
        """This error with `cut` applied to its message and every text it carries: what a server said
        back may echo the credentials it was given."""
        self.args = tuple(cut(a) if isinstance(a, str) else a for a in self.args)
        for name, value in vars(self).items():
            if isinstance(value, str):
                setattr(self, name, cut(value))
        return self


class InvalidInput(PostisupportError):
    """`field` names the input ("identifier", "service"); one bad bulk row is one of these. `reason`
    is the English text; `key` and `params`, when given, the same said by a key of the agent's
    catalogs, so that a session can say it in the agent's language. `plain`: what the text quotes that
    is no one's personal data (a service's id it suggests), which masking leaves as it is."""

    plain: tuple[str, ...] = ()

    def __init__(self, field: str, reason: str, key: str | None = None, **params: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.key = key
        self.params = params


class ConfigurationError(PostisupportError):
    pass


class NotConfigured(ConfigurationError):
    def __init__(self) -> None:
        super().__init__("no identity API configured")


class InvalidSetting(ConfigurationError):
    """`setting` is the settings field ("api_url", "timeout"); `origin` where its value came from;
    `remedy` another setting that would fix it, when there is one ("token", "allow_insecure_http")."""

    def __init__(self, setting: str, origin: str, reason: str, remedy: str | None = None) -> None:
        super().__init__(reason)
        self.setting = setting
        self.origin = origin
        self.reason = reason
        self.remedy = remedy


class ConflictingSettings(ConfigurationError):
    def __init__(self, settings: tuple[str, ...], reason: str) -> None:
        super().__init__(reason)
        self.settings = settings
        self.reason = reason


class KeyringUnavailable(ConfigurationError):
    """`removing`: the keyring was asked to remove a secret (logout), not to store one; `kind`: which
    secret ("token", "client_secret", "bind_password"), for what can be used instead."""

    def __init__(self, reason: str, removing: bool = False, left_behind: bool = False,
                 kind: str = "token") -> None:
        doing = "remove the secret from" if removing else "store the secret in"
        super().__init__(f"no usable keyring to {doing} ({reason})")
        self.reason = reason
        self.removing = removing
        self.kind = kind
        # Stored, but not as given, and it could not be taken out again: the keyring may still hold it.
        self.left_behind = left_behind


class UnboundSecret(ConfigurationError):
    """A profile's secret in the keyring was stored for other URLs than the profile names now (someone
    edited the config file?), or by an older version for none: it is never sent. `stored_for` is the
    URL it was stored for (None: none), `named` the one the profile names instead."""

    def __init__(self, profile: str, kind: str, stored_for: str | None, named: str | None) -> None:
        what = f"profile {profile}: its {kind.replace('_', ' ')} in the keyring"
        if stored_for is None:
            super().__init__(f"{what} was stored by an older version, for no API in particular, "
                             "and is not sent anywhere")
        else:
            super().__init__(f"{what} was stored for {stored_for}, not for {named}, and is not sent there")
        self.profile = profile
        self.kind = kind
        self.stored_for = stored_for
        self.named = named


class AuditError(ConfigurationError):
    """A look-up that cannot be recorded is not shown: no unaudited reading of personal data."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"the audit trail at {path} cannot be used: {reason}")
        self.path = path
        self.reason = reason


class UnusableSecret(ConfigurationError):
    """A profile's secret in the keyring that no request could carry (too short, a control character):
    damaged, or stored by another tool. Raised when a client would need it, so `config show` and the
    sandbox still work."""

    def __init__(self, profile: str, kind: str, reason: str) -> None:
        super().__init__(f"profile {profile}: its {kind.replace('_', ' ')} in the keyring can't be used "
                         f"({reason}); run auth login --profile {profile} again, or auth logout --profile "
                         f"{profile}")
        self.profile = profile
        self.kind = kind
        self.reason = reason


class UnreadableSecret(ConfigurationError):
    """A profile's secret the keyring holds, or may hold, but could not be read (locked, a D-Bus fault):
    never "none", and no request is sent without it. Raised when a client would need it."""

    def __init__(self, profile: str, kind: str, reason: str) -> None:
        super().__init__(f"profile {profile}: the keyring could not be read ({reason}), so its "
                         f"{kind.replace('_', ' ')} can't be used: unlock the keyring and run this again")
        self.profile = profile
        self.kind = kind
        self.reason = reason


class OutputExists(ConfigurationError):
    """`resumable` when the run that made the output can be finished rather than only redone."""

    def __init__(self, path: Path, resumable: bool = True) -> None:
        super().__init__(f"the output {path} exists already")
        self.path = path
        self.resumable = resumable


class DataFileError(PostisupportError):
    """`path` is the file when it is known; the message names the resource and attribute at fault."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class FileProblem(PostisupportError):
    """An ordinary fault of a file the user named: `path` and a plain `reason`, never a traceback."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason

    @classmethod
    def of(cls, error: OSError, path: Path | str | None = None) -> FileProblem:
        """The OSError in plain words ("no such file or folder", "disk full"), naming `path` or its own."""
        where = path if path is not None else (error.filename or "output")
        return cls(where, os_reason(error))


# errno -> the words a user needs; anything else keeps the system's own text, lower-cased.
_REASONS = {
    errno.ENOENT: "no such file or folder",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "no space left on the device (disk full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "the file is too large (a file size limit, ulimit -f?)",
    errno.EROFS: "the file system is read-only",
    errno.ELOOP: "is a symbolic link, which is refused for a private file",
    errno.EEXIST: "exists already",
}


def os_reason(error: OSError) -> str:
    if error.errno in _REASONS:
        return _REASONS[error.errno]
    return (error.strerror or str(error)).lower()


class MappingError(Exception):
    """A mapping that can't be used (any store's): `where` names the file (and the line, where known),
    `key` the key. Not a PostisupportError: each source says which setting the mapping came from."""

    def __init__(self, where: str, key: str | None, reason: str) -> None:
        super().__init__(f"{where}: {f'{key}: ' if key else ''}{reason}")
        self.where = where
        self.key = key
        self.reason = reason


class ListenError(PostisupportError):
    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(f"cannot listen on {host}:{port}: {reason}")
        self.host = host
        self.port = port
        self.reason = reason


@dataclass(frozen=True)
class SecretSource:
    """Where the secret a server refused came from: `origin` "environment", "keyring" or "login" (given
    to auth login), `secret` "token" or "client_secret", and the profile."""

    origin: str
    secret: str
    profile: str | None = None


class AuthError(PostisupportError):
    """`token_endpoint` is set when the OAuth2 token endpoint refused the client, not the API a token;
    `source`, when known, is where the refused secret came from."""

    source: SecretSource | None = None

    def __init__(self, status: int, endpoint: str, detail: str = "", token_endpoint: bool = False,
                 ldap: bool = False) -> None:
        who = "the OAuth2 token endpoint" if token_endpoint else "the LDAP directory" if ldap \
            else "the identity API"
        # An LDAP bind refused is result 49 (invalidCredentials); 50 is a right the account lacks.
        rejected = status == (49 if ldap else 401)
        word = "rejected the credentials" if rejected else "refused access"
        suffix = f": {detail}" if detail else ""
        super().__init__(f"{who} {word} ({'LDAP result' if ldap else 'HTTP'} {status}){suffix}")
        self.status = status
        self.endpoint = endpoint
        self.detail = detail
        self.token_endpoint = token_endpoint


class UnreachableError(PostisupportError):
    """`timeout` is set when the API was reached too slowly rather than not at all; `token_endpoint`
    when it was the OAuth2 token endpoint (at `base_url`), not the identity API."""

    def __init__(self, base_url: str, reason: str, timeout: float | None = None,
                 token_endpoint: bool = False) -> None:
        who = "the OAuth2 token endpoint" if token_endpoint else "the identity API"
        if timeout is not None:
            message = f"{who} at {base_url} did not answer within {timeout:g} s"
        else:
            message = f"cannot reach {who} at {base_url}: {reason}"
        super().__init__(message)
        self.base_url = base_url
        self.reason = reason
        self.timeout = timeout
        self.token_endpoint = token_endpoint


class ApiError(PostisupportError):
    """`status` is None when the answer was unusable rather than an HTTP error."""

    def __init__(self, endpoint: str, reason: str, status: int | None = None, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.endpoint = endpoint
        self.reason = reason
        self.status = status
        self.detail = detail
