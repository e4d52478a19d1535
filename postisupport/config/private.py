"""Files only their owner can read: what postisupport writes holds personal data or secrets."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any


def open_private(path: Path | str, mode: str = "w", encoding: str | None = "utf-8") -> IO[Any]:
    """`path` opened for writing ("w", "a", "wb"), created with mode 0600 when new.

    An existing file keeps its mode: the audit trail makes its own private on every open.
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    return os.fdopen(fd, mode, encoding=None if "b" in mode else encoding)
