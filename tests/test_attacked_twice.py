"""Regression tests for what the second attacker's pass found (issue 12's closing pass)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from postisupport.cli.main import ExitStatus
from tests.servers import Hostile, serving


def test_capture_force_never_replaces_a_device_or_a_pipe(run, tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    result = run("--sandbox", "capture", "ESIM0042", "-o", str(pipe), "--force", "--no-audit")
    assert (result.exit_code, result.stdout) == (ExitStatus.USAGE, "")
    assert result.stderr == (f"postisupport: error: {pipe}: is not a regular file; capture writes only "
                             "to a file\n")
    assert pipe.is_fifo()


def test_jq_may_not_read_the_environment_where_the_token_is(run, environ) -> None:
    environ["POSTISUPPORT_TOKEN"] = "canary-token-0123456789"
    for expression in ("$ENV.POSTISUPPORT_TOKEN", "env.POSTISUPPORT_TOKEN", "env | keys", "[inputs]"):
        result = run("--sandbox", "diagnose", "ESIM0042", "--no-audit", "--jq", expression)
        assert (result.exit_code, result.stdout) == (ExitStatus.USAGE, ""), expression
        assert "canary" not in result.stderr
        assert result.stderr == ("postisupport: error: --jq may not read the environment ($ENV, env) or "
                                 "further input (input, inputs); it filters the diagnosis only\n")
    # A field merely named like them is fine.
    assert run("--sandbox", "diagnose", "ESIM0042", "--no-audit", "--jq", ".user.emails").exit_code == 0


def test_jq_results_stream_and_a_closed_pipe_is_no_failure(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "postisupport", "--sandbox", "diagnose", "ESIM0042", "--no-audit",
               "--jq", "range(1e9)"]
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert process.stdout is not None
    first = [process.stdout.readline() for _ in range(3)]
    process.stdout.close()  # as `| head -3` does
    _, err = process.communicate(timeout=60)
    assert (first, process.returncode, err) == ([b"0\n", b"1\n", b"2\n"], 0, b"")


def test_doctor_reads_resources_that_are_no_list_as_a_wrong_shape(run) -> None:
    body = json.dumps({"totalResults": "one", "Resources": {"a": 1}}).encode()
    with serving(Hostile(200, body, b"application/scim+json")) as url:
        result = run("--api", url, "doctor", "--json")
    assert (result.exit_code, result.stderr) == (ExitStatus.DOCTOR_FAILED, "")
    assert [c["id"] for c in json.loads(result.stdout)][:2] == ["service-provider-config", "extensions"]


def test_a_workbook_given_as_bulk_input_is_refused_in_one_line(run, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("ESIM0042\n")
    book = tmp_path / "results.xlsx"
    assert run("--sandbox", "bulk", str(source), "-o", str(book), "-q", "--no-audit").exit_code == 0
    result = run("--sandbox", "bulk", str(book), "-o", str(tmp_path / "again.csv"), "-q", "--no-audit")
    assert (result.exit_code, result.stdout) == (ExitStatus.USAGE, "")
    assert result.stderr == ("postisupport: error: the input is an Excel workbook (.xlsx), which bulk writes "
                             "but does not read: save it as CSV (Excel: File > Save As > CSV UTF-8) and "
                             "give that file\n")
    assert not (tmp_path / "again.csv").exists()


def test_ctrl_c_during_a_workbook_run_is_two_lines_and_leaves_no_rows_in_temporary_files(
        tmp_path: Path) -> None:
    import signal
    import time

    from tests.test_bulk import Slow, directory

    source = tmp_path / "in.txt"
    source.write_text("".join(f"user{i}@example.com\n" for i in range(200)))
    out, scratch = tmp_path / "r.xlsx", tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "XDG_STATE_HOME": str(tmp_path / "state")}
    with serving(Slow(directory(200, 4), 0.05)) as url:
        process = subprocess.Popen([sys.executable, "-m", "postisupport", "--api", url, "bulk", str(source),
                                    "-o", str(out), "--concurrency", "2", "-q"],
                                   stderr=subprocess.PIPE, text=True, env=env)
        time.sleep(2)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == ExitStatus.INTERRUPTED
    assert [line.partition(": ")[2].partition(":")[0] for line in err.splitlines()] == [
        "stopped; to start again", "interrupted"]
    assert (list(scratch.iterdir()), out.exists()) == ([], False)


def test_a_shared_answer_whose_waiters_are_gone_fails_quietly() -> None:
    import asyncio
    from typing import Any

    from postisupport.sources.scim.directory import Shared

    class Closing:
        """A client closed while the shared request is in flight, as at the end of a stopped run."""

        async def groups_by_id(self, ids: Any) -> Any:
            await asyncio.sleep(0.05)
            raise RuntimeError("Cannot send a request, as the client has been closed.")

        async def admins_of(self, ids: Any) -> Any:
            await asyncio.sleep(0.05)
            raise RuntimeError("Cannot send a request, as the client has been closed.")

    unhandled: list[dict[str, Any]] = []

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _, context: unhandled.append(context))
        waiter = asyncio.ensure_future(Shared().groups_and_admins(Closing(), ("g-1",)))  # type: ignore[arg-type]
        await asyncio.sleep(0.01)
        waiter.cancel()
        await asyncio.sleep(0.1)
        import gc

        gc.collect()

    asyncio.run(main())
    assert unhandled == []
