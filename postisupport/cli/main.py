"""The console script, and the one place that turns a failure into words for the user and an exit code.

Library errors carry data (postisupport.errors); only here are they worded with
the flags and environment variables the user knows, and mapped to exit codes.
Every failure is one line on stderr; a traceback only for a bug under --debug.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence
from enum import IntEnum

import typer

from postisupport.cli.app import app
from postisupport.cli.options import State
from postisupport.cli.stdout import StdoutFailed, guarded, to_devnull
from postisupport.config.environment import Environment
from postisupport.config.names import ENVIRONMENT_VARIABLES, Origin
from postisupport.core.text import terminal_safe
from postisupport.errors import (
    ApiError,
    AuthError,
    ConfigurationError,
    ConflictingSettings,
    DataFileError,
    FileProblem,
    InvalidInput,
    InvalidSetting,
    KeyringUnavailable,
    ListenError,
    NotConfigured,
    OutputExists,
    PostisupportError,
    UnboundSecret,
    UnreachableError,
)

PROG = "postisupport"


class ExitStatus(IntEnum):
    OK = 0
    INTERNAL_ERROR = 1
    USAGE = 2
    AUTH = 3
    UNREACHABLE = 4
    API_ERROR = 5
    ROWS_FAILED = 6
    REPLAY_DIFFERS = 7
    DOCTOR_FAILED = 8
    INTERRUPTED = 130


# What each exit code means, for --help and the docs (docs/cli.md is generated from this).
MEANINGS = {
    ExitStatus.OK: "A diagnosis was produced, whatever its outcome (also `not-found`, `ambiguous`).",
    ExitStatus.INTERNAL_ERROR: "Internal error (a bug): one line, or the traceback with `--debug`.",
    ExitStatus.USAGE: "Usage or bad input: unknown or contradictory option, malformed identifier, "
                      "bad URL, token or setting (plain http beyond this machine, a CA file that is "
                      "missing), bad config or sandbox data file, no API configured, no usable keyring "
                      "for `auth login`, port taken.",
    ExitStatus.AUTH: "Authentication: the API (or the OAuth2 token endpoint) refused the credentials "
                     "(401 or 403); `auth status` when the API does not accept them.",
    ExitStatus.UNREACHABLE: "The API could not be reached (its TLS certificate not trusted included), it "
                            "closed the connection before its answer was whole, or a request or the whole "
                            "diagnosis ran past its deadline.",
    ExitStatus.API_ERROR: "The API answered with an error (a redirect, 4xx other than 401/403, 5xx, "
                          "429 after retries) or with data that is not a usable SCIM answer (a malformed "
                          "HTTP response, a body that can't be decompressed included); `doctor`: a "
                          "check went untested (the API was rate limiting, or no user is visible).",
    ExitStatus.ROWS_FAILED: "`bulk`: every row was done, but some ended with an error (in their output "
                            "row); `--retry-failed` runs them again.",
    ExitStatus.REPLAY_DIFFERS: "`replay`: today's rules decide differently from the captured decision "
                               "(the difference is shown).",
    ExitStatus.DOCTOR_FAILED: "`doctor`: a check failed; diagnoses against this identity API can't be "
                              "trusted (the failing check says why).",
    ExitStatus.INTERRUPTED: "Interrupted with Ctrl-C.",
}

# Most specific first: the first class an error is an instance of decides its code.
EXIT_STATUS: tuple[tuple[type[BaseException], ExitStatus], ...] = (
    (InvalidInput, ExitStatus.USAGE),
    (ConfigurationError, ExitStatus.USAGE),
    (DataFileError, ExitStatus.USAGE),
    (FileProblem, ExitStatus.USAGE),
    (ListenError, ExitStatus.USAGE),
    (AuthError, ExitStatus.AUTH),
    (UnreachableError, ExitStatus.UNREACHABLE),
    (ApiError, ExitStatus.API_ERROR),
    (KeyboardInterrupt, ExitStatus.INTERRUPTED),
    (typer.Abort, ExitStatus.INTERRUPTED),
)

# Settings and inputs by the name the user gave them under.
FLAGS = {"api_url": "--api", "base_dn": "--base-dn", "sandbox": "--sandbox", "sandbox_data": "--sandbox-data",
         "timeout": "--timeout", "service": "--service", "profile": "--profile",
         "ca_bundle": "--ca-bundle", "allow_insecure_http": "--allow-insecure-http", "starttls": "--starttls",
         "token_url": "--token-url", "client_id": "--client-id", "scope": "--scope", "ui_lang": "--ui-lang",
         "fields": "--fields", "jq": "--jq", "pseudonymise": "--pseudonymise", "organisation": "--org",
         "mapping": "--mapping"}
# What to do about a setting's error, by the setting that would fix it.
REMEDIES = {
    "token": f"; put the token in {ENVIRONMENT_VARIABLES['token']} or the keyring (auth login) instead",
    "allow_insecure_http": " (or pass --allow-insecure-http, to a test server only)",
}


# The kind of a bulk row's error, as its `error` object names it.
ERROR_KINDS = {InvalidInput: "invalid-input", ApiError: "api-error", UnreachableError: "unreachable"}


def error_object(error: Exception) -> dict[str, object]:
    """A bulk row's error as data: its kind, the exit code `diagnose` would end with, one line. An
    unexpected error of one row (a bug, odd data) is that row's `internal-error`, not the run's end."""
    if not isinstance(error, PostisupportError):
        return {"kind": "internal-error", "exit_code": int(ExitStatus.INTERNAL_ERROR),
                "message": one_line(f"internal error: {type(error).__name__}: {error}")}
    kind = next((name for cls, name in ERROR_KINDS.items() if isinstance(error, cls)), "error")
    # A row's service and organisation come from the input's columns, not from flags bulk does not have.
    said = str(error) if isinstance(error, InvalidInput) and error.field in ROW_FIELDS else wording(error)
    return {"kind": kind, "exit_code": int(exit_status_of(error)), "message": one_line(said)}


ROW_FIELDS = frozenset({"service", "organisation"})


def exit_status_of(error: BaseException) -> ExitStatus:
    for kind, status in EXIT_STATUS:
        if isinstance(error, kind):
            return status
    return ExitStatus.INTERNAL_ERROR


def wording(error: PostisupportError) -> str:
    """The error in the user's terms: the flag or variable they used, and what to do."""
    if isinstance(error, InvalidSetting) and error.setting == "config":
        return error.reason  # it names the file
    if isinstance(error, InvalidSetting):
        text = f"{_source(error.setting, error.origin)}: {error.reason}"
        return text + REMEDIES.get(error.remedy or "", "")
    if isinstance(error, ConflictingSettings):
        return f"{' and '.join(FLAGS[s] for s in error.settings)} contradict each other; give one of them"
    if isinstance(error, OutputExists) and not error.resumable:
        return f"{error}: add --force to overwrite it"
    if isinstance(error, OutputExists):
        return f"{error}: add --resume to finish it, --retry-failed to redo its errors, or --force"
    if isinstance(error, KeyringUnavailable) and error.removing:
        return f"{error}: nothing was removed; a secret stored there stays until the keyring works again"
    if isinstance(error, KeyringUnavailable) and error.left_behind:
        return (f"{error}: the keyring may still hold what it was given; remove it with auth logout once "
                f"the keyring works, and set {_instead(error.kind)} meanwhile")
    if isinstance(error, KeyringUnavailable):
        return f"{error}: set {_instead(error.kind)} instead, or install a keyring backend"
    if isinstance(error, NotConfigured):
        return (f"{error}: pass --api URL or set {ENVIRONMENT_VARIABLES['api_url']} (and the bearer "
                f"token in {ENVIRONMENT_VARIABLES['token']}), or try the demo directory with --sandbox")
    if isinstance(error, InvalidInput) and error.field in FLAGS:
        return f"{FLAGS[error.field]} {error.reason}"
    if isinstance(error, AuthError):
        return f"{error}; {_what_to_check(error)}"
    if isinstance(error, UnboundSecret):
        return (f"{error}; run auth login --profile {error.profile} again to store it for the URLs the "
                "profile names")
    if error.unstored is not None:
        return (f"{error}; the {error.unstored.replace('_', ' ')} given to auth login was not stored "
                "(--no-check stores it without trying it)")
    return str(error)


def _instead(kind: str) -> str:
    """What to set when the keyring can't hold a secret of `kind`: an LDAP bind password has its own
    variable; an OAuth2 client's secret has none, and a bearer token is used instead."""
    if kind == "bind_password":
        return f"the bind password in {ENVIRONMENT_VARIABLES['bind_password']}"
    return f"the token in {ENVIRONMENT_VARIABLES['token']}"


def _what_to_check(error: AuthError) -> str:
    """Where the refused secret came from, so the user knows which one to fix."""
    source = error.source
    client = "the client id and secret" if error.token_endpoint else None
    if source is not None and source.secret == "client_secret" and not error.token_endpoint \
            and source.origin != Origin.LOGIN:
        # The token endpoint took the secret and issued a token: it is the token the API refuses.
        return ("the token endpoint accepted the client secret, so check that the tokens it issues are "
                "for this API (the scope, the audience, the token URL)")
    if source is not None and source.origin == Origin.LOGIN:
        return (f"the {source.secret.replace('_', ' ')} given to auth login was not stored "
                "(--no-check stores it without trying it)")
    if source is not None and source.origin == Origin.KEYRING and source.profile:
        what = client or f"the {source.secret.replace('_', ' ')}"
        return (f"check {what} of profile {source.profile} (in the keyring; auth login --profile "
                f"{source.profile})")
    if source is not None and source.secret == "bind_password":
        # The DN and the password are refused alike (LDAP result 49 tells neither apart).
        where = (f"{ENVIRONMENT_VARIABLES['bind_dn']} and {ENVIRONMENT_VARIABLES['bind_password']}"
                 if source.origin == Origin.ENVIRONMENT else
                 f"the bind DN and password of profile {source.profile} (auth login --profile "
                 f"{source.profile})")
        return f"check {where}"
    if source is not None and source.origin == Origin.ENVIRONMENT and source.secret in ENVIRONMENT_VARIABLES:
        return f"check {ENVIRONMENT_VARIABLES[source.secret]}"
    if client:
        return "check the profile's client id and secret (auth login)"
    if source is None:  # nothing was configured: there is nothing to check, but one to give
        return (f"no token was sent: put one in {ENVIRONMENT_VARIABLES['token']}, or store one with "
                "auth login")
    return f"check {ENVIRONMENT_VARIABLES['token']}"


def _source(setting: str, origin: str) -> str:
    if origin == Origin.ENVIRONMENT:
        return ENVIRONMENT_VARIABLES[setting]
    if origin == Origin.PROFILE and setting == "profile":
        return "the config file's default_profile"  # the profile named by the config file itself
    if origin == Origin.PROFILE:
        return f"the profile's {setting}"
    if origin == Origin.KEYRING:
        return f"the keyring's {setting.replace('_', ' ')}"
    if origin == Origin.FLAG:
        return FLAGS.get(setting, setting)
    if origin == Origin.LOGIN:
        return f"the {setting.replace('_', ' ')} given to auth login"
    return setting.replace("_", " ")  # a default: the setting by its name


def one_line(text: str) -> str:
    return " ".join(terminal_safe(text).split())


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> None:
    """Run the command line and exit with its status: `postisupport ARGS`."""
    _without_pydantic_plugins()
    import warnings

    # A run stopped by an error (refused credentials in bulk) cancels connections anyio is still
    # opening; their coroutines are collected at exit, and Python would print a warning after the
    # one-line error. Nothing is lost: the connection was never made.
    warnings.filterwarnings("ignore", category=RuntimeWarning,
                            message=r"coroutine 'connect_tcp\.<locals>\.try_connect' was never awaited")
    sys.exit(run(list(sys.argv[1:] if argv is None else argv), env or Environment()))


def _without_pydantic_plugins() -> None:
    """The command line uses no pydantic plugins, so pydantic is told there are none rather than
    looking: its look reads the metadata of every installed distribution (importlib.metadata and the
    scan: 10-40 ms of every diagnosis, however many plugins there are). Only pydantic's schema
    builder asks its plugin loader, for `get_plugins`; PYDANTIC_DISABLE_PLUGINS would skip the scan
    but not the import. Library users of postisupport keep pydantic as it is."""
    import types

    loader = types.ModuleType("pydantic.plugin._loader", "No pydantic plugins in the command line.")
    loader.get_plugins = tuple  # type: ignore[attr-defined]  # get_plugins() -> (): none installed
    sys.modules.setdefault(loader.__name__, loader)


def run(argv: list[str], env: Environment) -> int:
    env.stdout = guarded(env.stdout)
    state = State(env)
    _warn_about_the_config_file(env)
    command = typer.main.get_command(app)
    try:
        # Not standalone: every failure comes back here rather than being printed by Typer.
        code = command.main(argv, prog_name=PROG, standalone_mode=False, obj=state)
    except (PostisupportError, KeyboardInterrupt, typer.Abort) as error:
        return _fail(env, error)
    except typer.TyperException as error:
        return _usage_error(env, error)
    except StdoutFailed as failed:
        # The reader went away (`| head`) with what it wanted: no failure, whatever the command. Else
        # (a full disk, stdout closed) a file fault. stdout goes to /dev/null either way, so the
        # interpreter's last flush doesn't fail again.
        to_devnull(sys.stdout)
        if failed.error.errno == errno.EPIPE:
            return ExitStatus.OK
        return _fail(env, FileProblem.of(failed.error))
    except OSError as error:
        # A file fault nobody wrapped (a disk filling up mid-write): still the user's file, not a bug.
        if state.debug:
            raise
        return _fail(env, FileProblem.of(error))
    except Exception as error:
        if state.debug:
            raise
        return _fail(env, error)
    if code == ExitStatus.INTERRUPTED:
        # Typer turns Ctrl-C into this code before we see the KeyboardInterrupt.
        return _fail(env, KeyboardInterrupt())
    return code if isinstance(code, int) else ExitStatus.OK


def _warn_about_the_config_file(env: Environment) -> None:
    from postisupport.config.profiles import others_can_write
    from postisupport.config.settings import config_path

    path = config_path(env.environ, env.config_dir)
    exposed = others_can_write(path)
    if exposed is not None:
        what = "" if exposed.is_file() else f"a folder above {path}, "
        env.say(f"{PROG}: warning: {what}{exposed} can be changed by other users, who could send your "
                "stored credentials' requests elsewhere; make it yours alone (chown to you, chmod go-w)")


def failure_line(error: BaseException, masked: bool = False) -> str:
    """The one line a failure is told in, wherever it happens (a command, a session's look-up);
    `masked` as --mask shows it: it may quote what was typed, or names the directory gave."""
    if isinstance(error, PostisupportError):
        message = f"error: {wording(error)}"
    elif isinstance(error, KeyboardInterrupt | typer.Abort):
        message = "interrupted"
    else:
        message = f"internal error: {type(error).__name__}: {error} (rerun with --debug for details)"
    if masked:
        from postisupport.output.mask import error_line

        message = error_line(message, error.plain if isinstance(error, InvalidInput) else ())
    return f"{PROG}: {one_line(message)}"


def _fail(env: Environment, error: BaseException) -> int:
    env.say(failure_line(error))
    return exit_status_of(error)


def _usage_error(env: Environment, error: typer.TyperException) -> int:
    """A Click usage error on one line, with where to find help, instead of Click's usage block."""
    ctx = getattr(error, "ctx", None)
    if type(error).__name__ == "NoArgsIsHelpError" and ctx is not None:
        # A group called without a command: its help is the most useful answer.
        env.stderr.write(ctx.get_help() + "\n")
        return ExitStatus.USAGE
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    message = error.format_message()
    if message.startswith(EXTRA_ARGUMENTS):
        # Click repeats them, and a token pasted after --with-token is one: never shown again
        # (terminal scrollback, CI logs, a shared screen).
        message = "an unexpected extra argument (not shown: it may be a secret)"
        if ctx is not None and ctx.command_path.split()[1:2] == ["auth"]:
            message += "; a token or client secret is read from stdin only"
    env.say(f"{PROG}: error: {one_line(message)}{hint}")
    return ExitStatus.USAGE


# Click's "Got unexpected extra argument (X)" / "arguments (X Y)", Typer's "argument(s) (X)".
EXTRA_ARGUMENTS = "Got unexpected extra argument"
