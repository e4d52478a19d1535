"""`doctor`: the checks of the identity store the settings name, as its backend makes them
(sources/scim/doctor.py for a SCIM service provider), and the draft mapping's file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from postisupport.config.settings import Settings
from postisupport.errors import FileProblem
from postisupport.sources import backend


def run(settings: Settings, observe: Any = None, draft: bool = False) -> Any:
    """The backend's findings: `checks` in order, and with `draft` the mapping proposed for the store."""
    return backend(settings).checks(settings, observe, draft)


def check_draft_file(path: Path) -> None:
    """Refused before anything is asked: a draft goes only into a new file, never over one, nor onto
    standard output, where the checks are."""
    if str(path) == "-":
        raise FileProblem(path, "a draft is written to a file, not to standard output (the checks go "
                          "there): name a new file")
    if os.path.lexists(path):
        raise FileProblem(path, "is a folder, not a file" if path.is_dir() else
                          "exists; a draft is written only to a new file: name another one")
    if not path.parent.is_dir():
        raise FileProblem(path, f"its folder {path.parent} does not exist")


def write_draft(path: Path, text: str) -> None:
    """The draft into a new file (it names attributes only: no one's data), that no one else may
    change (a mapping decides who is an administrator), whatever the umask."""
    import os

    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.fchmod(descriptor, 0o644)
        with open(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as error:
        raise FileProblem.of(error, path) from None
