"""The config file: profiles of settings, in TOML, in the platform's config folder. Never a secret.

    default_profile = "work"
    audit = true                      # the look-up audit trail (docs/auth.md)

    [profiles.work]
    api_url = "https://idp.example.com/scim/v2"
    auth = "oauth2"                   # or "token"
    token_url = "https://idp.example.com/oauth2/token"
    client_id = "support-desk"
    scope = "scim.read"
    ca_bundle = "/etc/ssl/private-ca.pem"
    timeout = 10
    default_lang = "sv"               # the caller script's language when the user has none

Secrets (bearer tokens, client secrets) live in the OS keyring (secrets.py).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postisupport.config.names import SETTINGS
from postisupport.config.private import replacing
from postisupport.errors import InvalidSetting

FILE_NAME = "config.toml"
# What a profile may hold, and of which TOML type; anything else is refused, so a typo is not
# silently ignored.
PROFILE_KEYS: dict[str, tuple[type, ...]] = {setting.name: setting.profile for setting in SETTINGS
                                              if setting.profile}
MAX_BYTES = 1_000_000  # far above any honest config; a bound on what a wrong path costs
TOP_KEYS = frozenset({"default_profile", "audit", "profiles"})


@dataclass(frozen=True)
class ConfigFile:
    path: Path
    default_profile: str | None = None
    audit: bool | None = None
    profiles: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Set by save_profile when the file's layout could not be kept (dotted keys, inline tables): it was
    # written anew from its settings, which are all kept, without its comments.
    rewritten: bool = False


def load(path: Path) -> ConfigFile:
    """The config file at `path`; a missing file is an empty config. Raises InvalidSetting for a bad one."""

    def bad(reason: str) -> InvalidSetting:
        return InvalidSetting("config", "config file", f"{path}: {reason}")

    try:
        # Without waiting: a named pipe with no writer would hold every command for ever.
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as file:
            if stat.S_ISFIFO(os.fstat(file.fileno()).st_mode):
                raise bad("a named pipe, not a file")
            raw = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return ConfigFile(path)
    except OSError as error:
        raise bad(f"cannot read it ({error.strerror or error})") from None
    if len(raw) > MAX_BYTES:
        raise bad(f"larger than {MAX_BYTES // 1_000_000} MB; not a config file")
    import tomllib  # only for a file there is (2-5 ms of a start without one)

    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))  # an editor on Windows may write a BOM
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise bad(f"not valid TOML ({error})") from None
    except RecursionError:  # arrays or tables nested hundreds deep: no config, and no bug of ours
        raise bad("not valid TOML (nested too deeply)") from None
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise bad(f"unknown key(s) {', '.join(sorted(unknown))}")
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict) or not all(isinstance(p, dict) for p in profiles.values()):
        raise bad("[profiles.NAME] must be tables")
    for name, profile in profiles.items():
        unknown = set(profile) - set(PROFILE_KEYS)
        if unknown:
            raise bad(f"profile {name}: unknown key(s) {', '.join(sorted(unknown))}")
        for key, value in profile.items():
            kinds = PROFILE_KEYS[key]
            if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
                words = {"str": "a string", "int": "a number", "float": "a number", "bool": "true or false"}
                wanted = " or ".join(dict.fromkeys(words[k.__name__] for k in kinds))
                raise bad(f"profile {name}: {key} must be {wanted}")
    default, audit = data.get("default_profile"), data.get("audit")
    if default is not None and not isinstance(default, str):
        raise bad("default_profile must be a profile's name")
    if audit is not None and not isinstance(audit, bool):
        raise bad("audit must be true or false")
    return ConfigFile(path, default, audit, profiles)


def save_profile(
    config: ConfigFile, name: str, values: Mapping[str, Any], make_default: bool
) -> ConfigFile:
    """Write `values` as profile `name` (replacing it), keeping the rest of the file.

    Returns the config as it now is."""
    profiles = {**config.profiles, name: {k: v for k, v in values.items() if v is not None}}
    config.path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(Path(os.path.realpath(config.path)).parent):
        rewritten, default = _edit(config.path, name, profiles[name], make_default)
    return ConfigFile(config.path, default, config.audit, profiles, rewritten)


def _trailing_trivia(table: Any) -> list[Any]:
    """The blank lines and comments at the end of a tomlkit table, taken out of it."""
    import tomlkit.items

    body = getattr(getattr(table, "value", None), "body", None)
    if not isinstance(body, list):  # not a table as tomlkit keeps one: nothing to keep in place
        return []
    cut = len(body)
    while cut and body[cut - 1][0] is None and isinstance(body[cut - 1][1],
                                                          tomlkit.items.Whitespace | tomlkit.items.Comment):
        cut -= 1
    trailing = body[cut:]
    del body[cut:]
    return trailing


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """The config's folder locked for one edit: two logins at once (a setup script's) would each write
    the file as they read it, and one's profile would be lost."""
    import fcntl

    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def _edit(path: Path, name: str, values: Mapping[str, Any], make_default: bool) -> tuple[bool, str | None]:
    """Profile `name` set to `values` in the file as it is now (another login may have added one since
    it was read), made the default profile if `make_default`. Edited, not rewritten: a hand-kept file
    keeps its comments, its layout and its line endings. The edit is read back before it is written; a
    layout tomlkit can't edit in place (dotted keys, inline tables) is written anew from its settings
    instead. Whether it was, and the file's default profile now."""
    import tomllib

    import tomlkit

    try:
        before = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        before = ""
    wanted = tomllib.loads(before)
    # The first profile of a file is its default; a file that has others and no default keeps none
    # (a desk may want every command to name its profile: production or test).
    first = not wanted.get("default_profile") and not (set(wanted.get("profiles", {})) - {name})
    default: str | None = name if make_default or first else wanted.get("default_profile")
    if default is not None:
        wanted["default_profile"] = default
    wanted.setdefault("profiles", {})[name] = dict(values)
    text: str | None
    try:
        edited = _edited(tomlkit.parse(before), name, values, default)
        text = edited if tomllib.loads(edited) == wanted else None
    except Exception:  # tomlkit refusing the change (a table inside an inline table): written anew
        text = None
    rewritten = text is None
    if text is None:
        text = tomlkit.dumps(wanted)
    if "\r\n" in before:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    # Written whole beside the file and renamed over it, so a crash never leaves half a config; a
    # symbolic link (a config kept in a dotfiles repository) is written through, not replaced.
    with replacing(os.path.realpath(path)) as out:
        out.write(text)
    return rewritten, default


def _edited(document: Any, name: str, values: Mapping[str, Any], default: str | None) -> str:
    import tomlkit

    if default is not None:
        document["default_profile"] = default
    if "profiles" not in document:
        document["profiles"] = tomlkit.table(is_super_table=True)
    section = document["profiles"]
    profile = section.get(name)
    if not isinstance(profile, dict):
        section[name] = profile = tomlkit.table()
    for key in [k for k in profile if k not in values]:
        del profile[key]
    # What ends a table in tomlkit (blank lines, the comment over the next table's header) stays after
    # the keys added to it, where it was, or that comment would seem to be about them.
    trailing = _trailing_trivia(profile)
    for key, value in values.items():
        profile[key] = value
    if trailing:
        profile.value.body.extend(trailing)
    return str(tomlkit.dumps(document))


def others_can_write(path: Path) -> Path | None:
    """The config file (a link's target), or a folder above it, when someone else may change it: its
    group or everyone, or its owner when that is another user (root aside). They could point a profile
    at their own server. A folder they may write (and not sticky), or own, lets them replace what lies
    below it: each folder above the file is looked at, along the path as given (a link's own folder) and
    along the one it resolves to. None when none, or when there is no such file."""
    try:
        given = Path(os.path.abspath(path))
        target = Path(os.path.realpath(path))
        info = target.stat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    me = os.geteuid()
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or info.st_uid not in (me, 0):
        return target
    for folder in dict.fromkeys([*given.parents, *target.parents]):
        try:
            held = folder.stat()
        except OSError:
            continue
        if (held.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not held.st_mode & stat.S_ISVTX) \
                or held.st_uid not in (me, 0):
            return folder
    return None
    if not stat.S_ISREG(info.st_mode):
        return None
    me = os.geteuid()
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or info.st_uid not in (me, 0):
        return target
    if (folder.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not folder.st_mode & stat.S_ISVTX) \
            or folder.st_uid not in (me, 0):
        return target.parent
    return None
