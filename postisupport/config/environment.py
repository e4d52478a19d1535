"""The world the command line runs in, as one object: streams, environment, config folder, clock.

Commands take what they need from here instead of from globals, so a test swaps
the whole world by passing its own Environment (as httpie's tests do).
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from postisupport.core.text import terminal_safe, wrapped

if TYPE_CHECKING:
    from rich.console import Console

APP_NAME = "postisupport"


def _now() -> datetime:
    return datetime.now(UTC)


def _config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME))


def _state_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME))


class _Closed(io.TextIOBase):
    """What stdout is when the process was started with it closed (`exec 1>&-`): Python makes it None,
    and the first write would be an AttributeError, a bug. Writing to it is the OSError it is."""

    name = "stdout"

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "closed (the command was started without it)", "stdout")


def _stdout() -> IO[str]:
    return sys.stdout if sys.stdout is not None else _Closed()  # type: ignore[return-value]


class _Unheard(io.TextIOBase):
    """What stderr is when the process was started with it closed (`2>&-`): messages, progress and
    prompts go nowhere, as asked, and never into stdout's data instead."""

    name = "stderr"

    def write(self, text: str) -> int:
        return len(text)

    def isatty(self) -> bool:
        return False


def _stderr() -> IO[str]:
    return sys.stderr if sys.stderr is not None else _Unheard()  # type: ignore[return-value]


@dataclass
class Environment:
    # A closed stdin (`<&-`, as some schedulers start a command) is Python's None: read as empty.
    stdin: IO[str] = field(default_factory=lambda: sys.stdin if sys.stdin is not None
                           else io.TextIOWrapper(io.BytesIO(b"")))
    stdout: IO[str] = field(default_factory=_stdout)
    stderr: IO[str] = field(default_factory=_stderr)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    config_home: Path | None = None  # None: the platform's config folder
    state_home: Path | None = None  # None: the platform's state folder
    clock: Callable[[], datetime] = _now

    @property
    def config_dir(self) -> Path:
        """postisupport's config folder (XDG_CONFIG_HOME honoured); not created here."""
        return self.config_home or _config_dir()

    @property
    def state_dir(self) -> Path:
        """postisupport's state folder, where the audit trail lives (XDG_STATE_HOME honoured)."""
        return self.state_home or _state_dir()

    def console(self, **options: Any) -> Console:
        """A rich console on stdout; colours and width follow the terminal, NO_COLOR and COLUMNS
        as this environment has them."""
        from rich.console import Console

        # No :emoji: codes: our texts carry none and values from the API are never markup, and
        # replacing them loads rich's table of 3,600 emoji (5 ms of a cold start's screen).
        return Console(file=self.stdout, _environ=dict(self.environ), **{"emoji": False, **options})

    def terminal_width(self, stream: IO[str]) -> int | None:
        """The width to wrap text to on `stream`: the terminal's (COLUMNS first), or None when the
        stream is a pipe or a file, whose readers (grep, a script) want one line per message."""
        try:
            if not stream.isatty():
                return None
        except (AttributeError, ValueError):
            return None
        columns = self.environ.get("COLUMNS", "")
        if columns.isdigit() and int(columns) > 0:
            return int(columns)
        try:
            return os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            return 80

    def say(self, message: str, command: str | None = None) -> None:
        """One message for the user on stderr (never stdout, which carries data), with any control
        character replaced: messages quote values the user or a server gave. On a terminal it is
        wrapped at word boundaries; to a pipe it stays one line. A `command` to run as printed ends
        it, never wrapped: on a terminal, on a line of its own, where a copy takes it whole."""
        text = terminal_safe(message)
        width = self.terminal_width(self.stderr)
        if command is not None:
            command = terminal_safe(command)
            text = f"{text} {command}" if width is None else f"{wrapped(text, width)}\n{command}"
        elif width is not None:
            text = wrapped(text, width)
        print(text, file=self.stderr, flush=True)
