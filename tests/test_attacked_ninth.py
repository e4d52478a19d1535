"""Issue 12, as a ninth attacker's pass found the tree: bulk runs stopped by the API, inputs named like
options, and what is left of a run that replaces its output at the end."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

from postisupport.cli.main import ExitStatus
from postisupport.sandbox.app import application
from tests.servers import serving
from tests.test_bulk import ROOT, write
from tests.test_bulk_files import csv_rows, finish


class Refusing:
    """The demo sandbox, or a 401 for every request while `refusing`."""

    def __init__(self) -> None:
        self.app, self.refusing = application(), True

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.refusing:
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/scim+json")]})
            await send({"type": "http.response.body", "body": b'{"detail": "refused"}'})
            return
        await self.app(scope, receive, send)


def test_a_run_the_api_stops_prints_the_command_that_finishes_it_even_for_an_input_named_like_an_option(
        run, tmp_path: Path, monkeypatch: Any) -> None:
    """A9A-02: `-in.csv` came back as `bulk -in.csv ...`, which fails with "No such option: -i"."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "-in.csv", "email\naino.korhonen@esimerkki.example.fi\nESIM0042\n")
    server = Refusing()
    with serving(server) as url:
        stopped = run("--api", url, "--no-audit", "bulk", "-o", "out.csv", "--rate", "1234567", "-q", "--",
                      "-in.csv")
        server.refusing = False
        command = finish(stopped.stderr)
        done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (stopped.exit_code, stopped.stderr.splitlines()[0]) == (
        ExitStatus.AUTH, f"postisupport: stopped; to finish: postisupport --api {url} --no-audit bulk "
        "-o out.csv --concurrency 8 --rate 1234567 --quiet --resume -- -in.csv")
    assert (done.returncode, done.stderr) == (0, "")
    assert [row[1] for row in csv_rows(tmp_path / "out.csv")] == [
        "identifier", "aino.korhonen@esimerkki.example.fi", "ESIM0042"]


def test_a_forced_run_the_api_stops_says_the_output_is_as_it_was_and_how_to_start_again(
        run, tmp_path: Path) -> None:
    """A9A-03: a --force run stopped by the API kept nothing and said nothing of it; following the docs'
    "--resume finishes the run" then passed the earlier run's rows off as the refresh."""
    source = write(tmp_path / "in.csv", "email\nESIM0042\n")
    out = tmp_path / "fr.csv"
    assert run("--sandbox", "--no-audit", "bulk", str(source), "-o", str(out), "-q").exit_code == 0
    before = out.read_bytes()
    workbook = tmp_path / "new.xlsx"
    with serving(Refusing()) as down:
        stopped = run("--api", down, "--no-audit", "bulk", str(source), "-o", str(out), "--force", "-q")
        stopped_book = run("--api", down, "--no-audit", "bulk", str(source), "-o", str(workbook), "-q")
    assert (stopped.exit_code, stopped.stderr.splitlines()[0], out.read_bytes() == before) == (
        ExitStatus.AUTH, "postisupport: stopped; the output was left as it was; to start again: "
        + shlex.join(["postisupport", "--api", down, "--no-audit", "bulk", str(source), "-o", str(out),
                      "--concurrency", "8", "--quiet", "--force"]), True)
    assert (stopped_book.exit_code, stopped_book.stderr.splitlines()[0], workbook.exists()) == (
        ExitStatus.AUTH, "postisupport: stopped; to start again: " + shlex.join(
            ["postisupport", "--api", down, "--no-audit", "bulk", str(source), "-o", str(workbook),
             "--concurrency", "8", "--quiet"]), False)
