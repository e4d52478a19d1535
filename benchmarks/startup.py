"""Start-up cost of the CLI: medians of --help, --version and a sandbox diagnosis vs `python -c pass`.

Run: python -m benchmarks.startup [--runs N] [--against REV]   (from the repository root)

The commands run interleaved, round by round, so machine noise hits them alike.
With --against REV the same commands also run on the code of git revision REV
(checked out in a temporary worktree), side by side, to show a regression.
No run writes to the audit trail (--no-audit where the revision knows it).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Runs `python -m postisupport` from the source folder given first, not from the installed package.
RUNNER = (
    "import runpy, sys\n"
    "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]\n"
    "sys.path.insert(0, sys.argv.pop(1))\n"
    "runpy.run_module('postisupport', run_name='__main__', alter_sys=True)\n"
)
COMMANDS = {
    "--version": ["--version"],
    "--help": ["--help"],
    "--sandbox diagnose ESIM0042": ["--sandbox", "diagnose", "ESIM0042", "--json"],
}


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--against", metavar="REV", help="also time the code of this git revision")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        sources = {"this tree": ROOT}
        if args.against:
            worktree = Path(scratch) / "against"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(worktree),
                            args.against], check=True)
            sources[args.against] = worktree
        try:
            run(sources, args.runs)
        finally:
            if args.against:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                               check=True)


def run(sources: dict[str, Path], runs: int) -> None:
    commands = {"python -c pass": [sys.executable, "-c", "pass"]}
    for label, source in sources.items():
        knows = any("--no-audit" in path.read_text() for path in (source / "postisupport").rglob("*.py"))
        audit = ["--no-audit"] if knows else []
        for name, argv in COMMANDS.items():
            extra = audit if "diagnose" in name else []
            commands[f"{name} ({label})"] = [sys.executable, "-c", RUNNER, str(source), *argv, *extra]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(timed(command))
    baseline = statistics.median(times["python -c pass"])
    print(f"{'command':52} {'median ms':>10} {'x python':>9}   ({runs} runs each, interleaved)")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:52} {median * 1000:10.0f} {median / baseline:9.1f}")


if __name__ == "__main__":
    main()
