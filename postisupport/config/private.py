"""Files only their owner can read: what postisupport writes holds personal data or secrets."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from postisupport.errors import FileProblem


def open_private(path: Path | str, mode: str = "w", encoding: str | None = "utf-8") -> IO[Any]:
    """`path` opened for writing ("w", "a", "wb"), owner-only (0600) whether new or not.

    A symbolic link is never followed (another user could plant one to make us overwrite their
    target), a file owned by someone else is refused, and an existing file is made 0600 again,
    so a 0666 file left by someone else cannot keep our data readable. Raises FileProblem.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as error:
        raise FileProblem.of(error, path) from None
    try:
        _make_private(fd, path)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, mode, encoding=None if "b" in mode else encoding)


def read_private(path: Path | str) -> bytes:
    """`path`'s bytes, made owner-only (0600) again if it had become readable by others: for a secret
    kept in a file (the audit trail's key), whose worth is that no one else has it. A symbolic link
    is not followed and a file owned by someone else is refused, as open_private refuses them.
    Raises OSError (FileNotFoundError when there is none), or FileProblem."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
            _make_private(fd, path)
        with os.fdopen(fd, "rb", closefd=False) as source:
            return source.read()
    finally:
        os.close(fd)


def _make_private(fd: int, path: Path | str) -> None:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem(path, "is not a regular file")
    if info.st_uid != os.geteuid():
        raise FileProblem(path, "belongs to another user; refusing to write personal data into it")
    os.fchmod(fd, 0o600)


@contextlib.contextmanager
def replacing(target: Path | str, mode: str = "w", encoding: str | None = "utf-8",
              keep_mode: bool = True) -> Iterator[IO[Any]]:
    """Write `target` whole or not at all: a private temporary file beside it, renamed over it at the end.

    The temporary file comes from mkstemp in the target's own folder (unpredictable, O_EXCL, 0600),
    so no planted file or link is followed. The result keeps the old file's owner bits when
    `keep_mode` (never more than 0600: what we write holds personal data); a new file is 0600.
    On any failure the temporary file is removed and the target is left as it was.
    """
    target = Path(target)
    folder = target.parent
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(os.stat(target).st_mode) and not target.is_dir():
            # Renamed over, a device (/dev/null, as root) or a pipe would be gone for everyone.
            raise FileProblem(target, "is not a regular file; it is written only as a file of its own")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise FileProblem.of(error, folder if not folder.is_dir() else target) from None
    try:
        final_mode = 0o600
        if keep_mode:
            with contextlib.suppress(FileNotFoundError):
                final_mode = stat.S_IMODE(os.stat(target).st_mode) & 0o600 or 0o600
        os.fchmod(fd, final_mode)
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise FileProblem.of(error, target) from None
        raise


def refuse_own(path: Path, own_files: tuple[Path, ...]) -> None:
    """Refused when `path` is one of the tool's own files (the audit trail, its rotated files and its
    key; what the run reads: its config file, its sandbox data), by name (a rotated file that isn't
    there yet) or as the same file through a link: no output may replace them."""
    if any(same_file(path, own) for own in own_files):
        raise FileProblem(path, "is one of postisupport's own files (the audit trail or its key, the config "
                          "file, or the data this run reads), never an output: the results must go to "
                          "another file")


def same_file(a: Path, b: Path) -> bool:
    """The same file (device and inode, so also through a link), or, when either is not there yet,
    the same path once resolved."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)
