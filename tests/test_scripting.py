"""Scripting postisupport: options shared by every command that reads (--trace), `diagnose --json
FIELDS`, `--jq`, identifiers on stdin, and shell completion."""

from __future__ import annotations

from pathlib import Path

import pytest

from postisupport.cli.main import ExitStatus
from tests.servers import Hostile, serving

LIST = b'{"totalResults": 0, "Resources": []}'


# -- --trace FILE that can't be written --------------------------------------------------------------


@pytest.mark.parametrize(("where", "reason"), [
    ("missing/trace.log", "no such file or folder"),
    ("", "is a folder, not a file"),
])
@pytest.mark.parametrize("command", [["diagnose", "ESIM0042"], ["doctor"]])
def test_a_trace_that_cannot_be_written_is_refused_before_any_request(
    run, tmp_path: Path, where: str, reason: str, command: list[str]
) -> None:
    server = Hostile(200, LIST, b"application/scim+json")
    trace = tmp_path / where
    with serving(server) as url:
        result = run("--api", url, "--trace", str(trace), *command)
    assert (result.exit_code, result.stdout) == (ExitStatus.USAGE, "")
    assert result.stderr == f"postisupport: error: {trace}: {reason}\n"
    assert server.requests == 0
