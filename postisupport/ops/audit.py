"""The audit trail: one JSON line per look-up of a person, and how an auditor searches it.

A record says when (UTC), who (the OS user), through which profile and API
host, what came of it (outcome, rule), and whom: as keyed hashes (HMAC-SHA256)
of the normalised identifier and of the id of the user it was found to be
(null when no one, or several, answered to it), never the identifier, the id,
a name or an address in clear. The key is random per installation and kept
beside the trail, mode 0600, so the hashes cannot be reversed by guessing
common addresses elsewhere; `find` hashes an identifier (and the user id it
resolves to) with the same key to answer "was this person looked up?", by
whichever of their addresses or legacy ID. The trail rotates by size
(RECORD_BYTES x BACKUPS at most).
"""

from __future__ import annotations

import errno
import getpass
import hashlib
import hmac
import io
import json
import logging
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any, cast

from postisupport.config.private import open_private, read_private
from postisupport.core.identifiers import fold, name_key, name_text, normalise
from postisupport.errors import AuditError, InvalidInput

RECORD_FILE = "audit.jsonl"
KEY_FILE = "audit.key"
KEY_BYTES = 32
RECORD_BYTES = 1_000_000
BACKUPS = 5


class _PrivateRotatingFile(RotatingFileHandler):
    """RotatingFileHandler whose files only their owner can read (0600), the rotated ones included,
    and whose failures reach the caller instead of logging's own traceback on stderr."""

    def _open(self) -> io.TextIOWrapper:
        stream = open_private(self.baseFilename, "a", self.encoding)
        os.fchmod(stream.fileno(), 0o600)  # a trail left readable by an older version is made private
        # A line cut short by a crash (or a full disk) is ended first: the next record on a line of its
        # own, so the damage stays that one line's.
        size = os.fstat(stream.fileno()).st_size
        if size:
            reading = os.open(self.baseFilename, os.O_RDONLY | os.O_NOFOLLOW)
            try:
                last = os.pread(reading, 1, size - 1)
            finally:
                os.close(reading)
            if last != b"\n":
                stream.write("\n")
        return cast(io.TextIOWrapper, stream)

    def handleError(self, record: logging.LogRecord) -> None:
        raise


@dataclass(frozen=True)
class AuditTrail:
    folder: Path
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # The lines the last `find` could not read, as (file, line number).
    damaged: list[tuple[Path, int]] = field(default_factory=list, compare=False, repr=False)

    @property
    def path(self) -> Path:
        return self.folder / RECORD_FILE

    def record(self, identifier: str, *, profile: str | None, api_host: str, outcome: str, rule: str,
               user_id: str | None = None, directory: str | None = None,
               shown: list[str] | None = None) -> None:
        """Append one look-up. `identifier` as the user gave it, `user_id` the id of the user it was
        found to be (None: no one, or no one alone), `shown` the ids of the others whose data it showed
        (candidates, administrators); only their keyed hashes are written."""
        entry = {
            "time": self.clock().astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "os_user": _os_user(),
            "profile": profile,
            "api_host": api_host,
            # The API URL (or sandbox data file, by a keyed hash: its name may be a person's) a user id is of.
            "directory": self.directory_digest(directory or api_host),
            "identifier_hmac": self.digest(identifier),
            "user_hmac": self.user_digest(user_id) if user_id is not None else None,
            "shown_hmacs": [self.user_digest(other) for other in shown or ()],
            "outcome": outcome,
            "rule": rule,
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.folder.chmod(0o700)
            # The rotated files; the current one is made private as it is opened.
            for rotated in (path for path in self.files() if path != self.path):
                if rotated.stat().st_mode & 0o077:
                    rotated.chmod(0o600)
            handler = _PrivateRotatingFile(self.path, maxBytes=RECORD_BYTES, backupCount=BACKUPS,
                                           encoding="utf-8")
            try:
                handler.handle(logging.makeLogRecord({"msg": json.dumps(entry, ensure_ascii=False)}))
            finally:
                handler.close()
        except OSError as error:
            raise AuditError(self.path, error.strerror or str(error)) from None

    def files(self) -> list[Path]:
        """The trail's files there are, oldest first: the rotated ones, then the current one."""
        paths = [*(self.path.with_name(f"{RECORD_FILE}.{n}") for n in range(BACKUPS, 0, -1)), self.path]
        return [path for path in paths if path.exists()]

    def find(self, identifier: str, user_id: str | None = None, api_host: str | None = None,
             directory: str | None = None) -> Iterator[dict[str, Any]]:
        """The records of look-ups of `identifier`, or of the user whose id is `user_id` in `directory` under
        any identifier or shown as a candidate or an administrator, oldest first, across the rotated files.
        A user id names a person within its directory only (another may give the same id to someone else),
        so it matches only the records of that directory (of that API host, for records older than the
        field). Lines that are no record (cut short by a crash, or damaged) are listed in `self.damaged` as
        (file, line number): they can't be matched, and whoever reads the result must know some of the trail
        was not read. Raises AuditError when there are records but no key to match them with."""
        self.damaged.clear()
        if not (self.folder / KEY_FILE).exists():
            if any(path.stat().st_size for path in self.files()):
                raise AuditError(self.folder / KEY_FILE, "the key is missing, so none of the trail's records "
                                 "can be matched (moved, deleted, or a backup restored without it)")
            return  # no key yet: nothing was ever recorded
        wanted = self.digest(identifier)
        person = self.user_digest(user_id) if user_id is not None else None
        directory = self.directory_digest(directory) if directory is not None else None
        for path in self.files():
            try:
                lines = path.open(encoding="utf-8", errors="replace")
            except FileNotFoundError:
                continue
            except OSError as error:
                raise AuditError(path, error.strerror or str(error)) from None
            with lines:
                for number, line in enumerate(lines, 1):
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        entry = None
                    if not isinstance(entry, dict):
                        if line.strip():
                            self.damaged.append((path, number))
                        continue
                    shown = entry.get("shown_hmacs")
                    if (entry.get("identifier_hmac") == wanted or (
                            person is not None and (entry.get("user_hmac") == person
                                                    or (isinstance(shown, list) and person in shown))
                            and (entry.get("directory") == directory if "directory" in entry
                                 else entry.get("api_host") == api_host))):
                        yield entry

    def digest(self, identifier: str) -> str:
        return hmac.new(self._key(), _compared(identifier).encode("utf-8"), hashlib.sha256).hexdigest()

    def directory_digest(self, directory: str) -> str:
        """A directory as the trail holds it: an API's URL as it is, a sandbox data file by a keyed hash
        of its path (a capture is often named after its caller)."""
        kind, colon, path = directory.partition(":")
        if kind != "sandbox" or not colon:
            return directory
        digest = hmac.new(self._key(), f"directory:{path}".encode(), hashlib.sha256).hexdigest()
        return f"sandbox:{digest[:32]}"

    def user_digest(self, user_id: str) -> str:
        # Prefixed so that a user id never hashes like an identifier that happens to be spelt the same.
        return hmac.new(self._key(), f"user-id:{user_id}".encode(), hashlib.sha256).hexdigest()

    def _key(self) -> bytes:
        path = self.folder / KEY_FILE
        try:
            return _checked_key(path, read_private(path))
        except FileNotFoundError:
            pass
        except OSError as error:
            if error.errno == errno.ELOOP:  # opened without following links: one could lead anywhere
                raise AuditError(path, "the key is a symbolic link; it must be a file of its own") from None
            raise AuditError(path, error.strerror or str(error)) from None
        if any(trail.stat().st_size for trail in self.files()):
            # A new key now would make every record there unmatchable, without a word to anyone.
            raise AuditError(path, "the key is missing while the trail holds records: restore it, or move "
                             "the trail's files aside to start a new trail")
        try:
            return self._new_key(path)
        except OSError as error:
            raise AuditError(path, error.strerror or str(error)) from None

    def _new_key(self, path: Path) -> bytes:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_bytes(KEY_BYTES)
        # Written whole under a private name, then linked into place: a reader never sees half a key,
        # and when two processes race, both end up using the one that was linked first.
        private = path.with_name(f"{KEY_FILE}.{os.getpid()}")
        with open_private(private, "wb") as out:
            out.write(key)
        try:
            os.link(private, path)
        except FileExistsError:
            pass
        finally:
            private.unlink()
        return _checked_key(path, path.read_bytes())


def _checked_key(path: Path, key: bytes) -> bytes:
    # A damaged key (say, emptied) would make every hash one anyone can compute.
    if len(key) != KEY_BYTES:
        raise AuditError(path, f"the key is {len(key)} bytes, not {KEY_BYTES}: damaged; move it away to "
                         "start a new one (the records made with it can then no longer be matched)")
    return key


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _compared(identifier: str) -> str:
    """The form an identifier is hashed in, so that its look-ups match however it was typed: an
    address or legacy ID normalised; a name (looked up within its organisation) or a business ID
    folded as names are compared."""
    try:
        return fold(normalise(identifier))  # "Straße" and "strasse" are one identifier to compare
    except InvalidInput:
        return "name:" + name_key(name_text(identifier))


def own_files(folder: Path) -> tuple[Path, ...]:
    """The audit trail's files in `folder`, rotated ones included, and its key: whether audit is on
    or not, no output may be one of them."""
    return (folder / RECORD_FILE, *(folder / f"{RECORD_FILE}.{n}" for n in range(1, BACKUPS + 1)),
            folder / KEY_FILE)
