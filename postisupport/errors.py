"""Every failure postisupport reports, and the exit code each one ends with.

    PostisupportError                 any failure we can explain in one line
    ├── UsageError          (2)       bad option, malformed identifier or input file
    │   └── NotConfiguredError        no identity API and no --sandbox
    ├── AuthError           (3)       the API refused our credentials (401/403)
    ├── UnreachableError    (4)       no connection, or a request timed out
    └── ApiError            (5)       the API answered with an error or unusable data

A diagnosis that was produced always exits 0, whatever its outcome. Anything
not in this tree is a bug: exit 1, with a traceback only under --debug.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    INTERNAL_ERROR = 1
    USAGE = 2
    AUTH = 3
    UNREACHABLE = 4
    API_ERROR = 5
    INTERRUPTED = 130


class PostisupportError(Exception):
    exit_status: ExitStatus = ExitStatus.INTERNAL_ERROR


class UsageError(PostisupportError):
    exit_status = ExitStatus.USAGE


class NotConfiguredError(UsageError):
    pass


class AuthError(PostisupportError):
    exit_status = ExitStatus.AUTH


class UnreachableError(PostisupportError):
    exit_status = ExitStatus.UNREACHABLE


class ApiError(PostisupportError):
    exit_status = ExitStatus.API_ERROR


def exit_status_of(error: BaseException) -> ExitStatus:
    """The one place that turns a failure into an exit code."""
    if isinstance(error, PostisupportError):
        return error.exit_status
    if isinstance(error, KeyboardInterrupt):
        return ExitStatus.INTERRUPTED
    return ExitStatus.INTERNAL_ERROR
