"""stdout as every command writes it: a failure to write told apart from every other OSError, so that
a reader going away (`| head`) ends the command quietly and a full disk is one line, exit 2."""

from __future__ import annotations

from typing import IO, Any, cast


class StdoutFailed(Exception):
    """A write to stdout failed; `error` says why. Not an OSError: Click makes an EPIPE exit 1."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


class _GuardedStdout:
    """stdout, with a failed write or flush raised as StdoutFailed."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as error:
            raise StdoutFailed(error) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            raise StdoutFailed(error) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guarded(stream: IO[str]) -> IO[str]:
    return stream if isinstance(stream, _GuardedStdout) else cast(IO[str], _GuardedStdout(stream))


def to_devnull(stream: IO[str]) -> None:
    """Point the stream's file descriptor at /dev/null (a stream with none, in tests: nothing to do)."""
    import os

    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
