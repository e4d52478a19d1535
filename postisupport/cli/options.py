"""Option groups shared by several commands, each declared once, and the state commands share.

A group is a frozen dataclass whose fields carry their Typer options;
`with_options` puts those options on a command (or the app's callback) and
hands the command one object instead of loose parameters. The connection
options work before and after the subcommand (`postisupport --sandbox diagnose X`
and `postisupport diagnose X --sandbox`); given in both places, they must agree.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_type_hints
from urllib.parse import urlsplit

import typer

from postisupport.config.environment import Environment
from postisupport.core.language import LANGUAGES

if TYPE_CHECKING:
    from postisupport.config.settings import Settings
    from postisupport.ops.audit import AuditTrail

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class ConnectionOptions:
    """Which identity API to read: a real one, or the embedded sandbox."""

    api: Annotated[str | None, typer.Option(
        "--api", metavar="URL", show_default=False,
        help="SCIM base URL of the identity API, or ldaps://HOST[:PORT] of an LDAP directory (also "
             "POSTISUPPORT_API_URL); the token comes from POSTISUPPORT_TOKEN.")] = None
    base_dn: Annotated[str | None, typer.Option(
        "--base-dn", metavar="DN", show_default=False,
        help="An LDAP directory's users are searched for under this DN (also POSTISUPPORT_BASE_DN; "
             "default: the directory's own naming context).")] = None
    sandbox: Annotated[bool, typer.Option(
        "--sandbox", help="Use the embedded sandbox with its fictional demo directory.")] = False
    sandbox_data: Annotated[Path | None, typer.Option(
        "--sandbox-data", metavar="FILE", show_default=False,
        help='Use the sandbox with this directory file ({"Users": [...], "Groups": [...]}).')] = None
    timeout: Annotated[float | None, typer.Option(
        "--timeout", metavar="SECONDS", show_default=False,
        help="Seconds one API request may take, whole (also POSTISUPPORT_TIMEOUT; default 10).")] = None
    profile: Annotated[str | None, typer.Option(
        "--profile", metavar="NAME", show_default=False,
        help="Settings profile from the config file (also POSTISUPPORT_PROFILE).")] = None
    ca_bundle: Annotated[Path | None, typer.Option(
        "--ca-bundle", metavar="FILE", show_default=False,
        help="Also trust the CA certificates in this PEM file (a private CA).")] = None
    allow_insecure_http: Annotated[bool, typer.Option(
        "--allow-insecure-http", help="Allow a plain-http API that is not on this machine (warned).")] = False
    starttls: Annotated[bool, typer.Option(
        "--starttls", help="Start TLS on a plain ldap:// directory's connection before the bind, verified "
                           "as ldaps:// is (also the profile).")] = False
    no_audit: Annotated[bool, typer.Option(
        "--no-audit", help="Do not record this look-up in the audit trail.")] = False
    trace: Annotated[Path | None, typer.Option(
        "--trace", metavar="FILE", show_default=False,
        help="Append every HTTP exchange to FILE as a JSON line, secrets cut (also the profile).")] = None
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="A short line per HTTP request on stderr.")] = False
    mapping: Annotated[str | None, typer.Option(
        "--mapping", metavar="NAME|FILE", show_default=False,
        help="Which attributes hold the facts: a preset (postisupport, scim-core, wso2) or a mapping "
             "file (also POSTISUPPORT_MAPPING; default postisupport).")] = None

    def flags(self) -> dict[str, Any]:
        """As the settings resolver takes them: only what was given."""
        return {"api_url": self.api, "base_dn": self.base_dn, "sandbox": self.sandbox or None,
                "sandbox_data": self.sandbox_data,
                "timeout": self.timeout, "profile": self.profile, "ca_bundle": self.ca_bundle,
                "allow_insecure_http": self.allow_insecure_http or None, "starttls": self.starttls or None,
                "audit": False if self.no_audit else None, "trace": self.trace,
                "verbose": self.verbose or None, "mapping": self.mapping}

    def given(self) -> list[str]:
        """The options given, by their flag."""
        return [OPTION_NAMES[name] for name, value in vars(self).items() if _given(value)]


OPTION_NAMES = {"api": "--api", "base_dn": "--base-dn", "sandbox": "--sandbox",
                "sandbox_data": "--sandbox-data",
                "timeout": "--timeout", "profile": "--profile", "ca_bundle": "--ca-bundle",
                "allow_insecure_http": "--allow-insecure-http", "starttls": "--starttls",
                "no_audit": "--no-audit",
                "trace": "--trace", "verbose": "--verbose", "mapping": "--mapping"}


def merged(before: ConnectionOptions, after: ConnectionOptions) -> ConnectionOptions:
    """The options given before the subcommand with those given after it; a disagreement is refused."""
    values: dict[str, Any] = {}
    for name in OPTION_NAMES:
        first, second = getattr(before, name), getattr(after, name)
        if _given(first) and _given(second) and first != second:
            raise typer.BadParameter(f"given twice with different values ({first} and {second})",
                                     param_hint=f"'{OPTION_NAMES[name]}'")
        values[name] = second if _given(second) else first
    return ConnectionOptions(**values)


def _given(value: Any) -> bool:
    # Not `value not in (None, False)`: 0.0 == False, and --timeout 0 is given (and refused).
    return value is not None and value is not False


@dataclass
class State:
    """What the app's callback learnt, for the command that runs after it."""

    env: Environment
    connection: ConnectionOptions = field(default_factory=ConnectionOptions)
    debug: bool = False

    def config_path(self) -> Path:
        from postisupport.config.settings import config_path

        return config_path(self.env.environ, self.env.config_dir)

    def settings(self, after: ConnectionOptions | None = None, **flags: Any) -> Settings:
        """The settings in force for a command, with a warning on stderr for plain http. `flags`:
        the command's own settings flags (None when not given)."""
        from postisupport.config import profiles, secrets
        from postisupport.config.settings import resolve

        given = merged(self.connection, after) if after is not None else self.connection
        config = profiles.load(self.config_path())
        settings = resolve({**given.flags(), **flags}, self.env.environ, config, secrets.get)
        for url in settings.insecure_urls:
            self.env.say(f"postisupport: warning: {url} is plain http: credentials and personal data "
                         "travel unencrypted")
        if settings.mapping_file is not None:
            exposed = profiles.others_can_write(settings.mapping_file)
            if exposed is not None:
                what = "" if exposed.is_file() else f"a folder above {settings.mapping_file}, "
                self.env.say(f"postisupport: warning: {what}{exposed} can be changed by other users, who "
                             "could decide who is an administrator or hide a lock; make it yours alone "
                             "(chown to you, chmod go-w)")
        return settings

    def refuse_connection(self, reason: str, *meaningful: str) -> None:
        """The connection options given before the subcommand, but the `meaningful` ones, refused with
        `reason`: a command they mean nothing to would ignore them silently."""
        misplaced = [flag for flag in self.connection.given() if flag not in meaningful]
        if misplaced:
            raise typer.BadParameter(reason, param_hint=" and ".join(f"'{flag}'" for flag in misplaced))

    def observer(self, settings: Settings, **files: Path | None) -> Callable[[dict[str, Any]], None] | None:
        """What sees every HTTP exchange: the trace file (0600: it holds personal data) and -v lines.

        `files`: the files the command itself reads or writes, by what they are to it ("input",
        "output"; None or "-": none, or stdin/stdout, which are compared anyway). The trace is
        appended to, so it may be none of them, nor a file of the audit trail's folder."""
        if settings.trace is None and not settings.verbose:
            return None
        from postisupport.config.private import open_private
        from postisupport.errors import FileProblem
        from postisupport.output.document import dumps_line

        env, path = self.env, settings.trace
        if path is not None:
            # A trace that can't be written (a missing folder, a directory, a pipe) or that is
            # another file in disguise is refused before any request is made, not halfway through.
            read = {"directory file (--sandbox-data)": settings.sandbox_data,
                    "CA bundle (--ca-bundle)": settings.ca_bundle, "config file": self.config_path(),
                    "mapping file (--mapping)": settings.mapping_file}
            _check_trace(path, env, {**files, **read})
            with open_private(path, "a"):
                pass

        def observe(record: dict[str, Any]) -> None:
            if path is not None:
                try:
                    with open_private(path, "a") as out:
                        out.write(dumps_line(record) + "\n")
                except FileProblem:
                    raise
                except OSError as error:  # a write's own error names no file (a full disk, ulimit -f)
                    raise FileProblem.of(error, path) from None
            if settings.verbose and record.get("protocol") == "ldap":
                # One line per LDAP operation: what, where, which filter, its result, what it found.
                result = record["result"] or "no answer"
                searched = record["method"] == "search"
                where = f" {record['base'] or '(rootDSE)'} {record['filter']}" if searched else ""
                entries = f" {record['entries']} entries" if searched else ""
                env.say(f"{record['method']}{where} {result}{entries} {record['elapsed_ms']:g} ms")
            elif settings.verbose:
                target = urlsplit(record["url"])
                status = record["status"] if record["status"] is not None else "no answer"
                env.say(f"{record['method']} {target.path} {status} {record['elapsed_ms']:g} ms")

        return observe

    def audit_trail(self, settings: Settings) -> AuditTrail | None:
        if not settings.audit:
            return None
        from postisupport.ops.audit import AuditTrail

        return AuditTrail(self.env.state_dir, self.env.clock)


def _check_trace(path: Path, env: Environment, files: dict[str, Path | None]) -> None:
    """Refuse a trace that is not a regular file (a FIFO with no reader would hang the open), that
    is a file of the audit trail's folder or takes one of its names (the trail and its key, rotated
    files included: the trace holds in clear what the trail never does, and a trace appended to the
    key damages it), or that is the same file as one the command reads or writes (the exchanges
    would be appended into it)."""
    import errno
    import stat

    from postisupport.config.private import same_file
    from postisupport.errors import FileProblem
    from postisupport.ops.audit import KEY_FILE, RECORD_FILE

    if str(path) == "-":
        raise FileProblem(path, "is stdout, which carries the data: the trace goes to a file of its own")
    state_dir = env.state_dir
    if state_dir.is_dir():
        for kept in sorted(state_dir.iterdir()):
            if same_file(path, kept):
                raise FileProblem(path, f"is the audit trail's {kept.name}: the trace holds the exchanges "
                                  "in clear; name another file for it")
        if same_file(path.parent, state_dir) and path.name.startswith((RECORD_FILE, KEY_FILE)):
            # Not there yet, but a name the trail takes (a rotated file): the trail would append to it.
            raise FileProblem(path, f"is a name of the audit trail's files in {state_dir}: name another "
                              "file for the trace")
    streams = {"stdin": env.stdin, "stdout": env.stdout}
    for what, named in files.items():
        if named is not None and str(named) != "-" and same_file(path, named):
            raise FileProblem(path, f"is this command's {what} too: name another file for the trace")
    try:
        # Non-blocking: a FIFO with no reader answers ENXIO at once instead of waiting for one.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600)
    except OSError as error:
        if error.errno == errno.ENXIO:
            raise FileProblem(path, "is not a regular file") from None
        raise FileProblem.of(error, path) from None
    try:
        info = os.fstat(fd)
    finally:
        os.close(fd)
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem(path, "is not a regular file")
    for what, stream in streams.items():
        if _fd_is(stream, info):
            raise FileProblem(path, f"is this command's {what} too: name another file for the trace")


def _fd_is(stream: Any, info: os.stat_result) -> bool:
    """Whether the stream's file descriptor is the file `info` is of (a stream with none: no)."""
    try:
        there = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return False
    return (there.st_dev, there.st_ino) == (info.st_dev, info.st_ino)


def with_options(group: type, name: str) -> Callable[[F], F]:
    """Give a command the options of `group` (a dataclass), passed to it as one argument `name`."""
    hints = get_type_hints(group, include_extras=True)
    members = fields(group)

    def decorate(command: F) -> F:
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name != name]
        taken = {p.name for p in own} & {m.name for m in members}
        assert not taken, f"{command.__name__}: {taken} clash with the {group.__name__} options"
        added = [inspect.Parameter(m.name, inspect.Parameter.KEYWORD_ONLY, default=m.default,
                                   annotation=hints[m.name]) for m in members]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs[name] = group(**{m.name: kwargs.pop(m.name) for m in members})
            return command(*args, **kwargs)

        parameters = [*own, *added]
        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper  # type: ignore[return-value]

    return decorate


def state_of(ctx: typer.Context) -> State:
    state = ctx.find_root().obj
    assert isinstance(state, State), "commands run through postisupport.cli.main"
    return state


def command_group(help: str) -> typer.Typer:
    """A group of commands that looks and behaves like the app: plain help (no rich, which would
    slow start-up), -h as well as --help, its help when called alone."""
    return typer.Typer(help=help, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                       context_settings={"help_option_names": ["-h", "--help"]}, rich_markup_mode=None)


LANGUAGE_CHOICE = "|".join(LANGUAGES)


def language_option(value: str | None) -> str | None:
    """The callback of --lang and --ui-lang: the choices are the languages the catalogs have."""
    if value is not None and value not in LANGUAGES:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(LANGUAGES)}")
    return value

