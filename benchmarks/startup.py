"""Start-up cost of the CLI: medians of whole commands against `python -c pass`.

Run: python -m benchmarks.startup [--runs N] [--against REV]   (from the repository root)

Timed: --version, --help, a diagnosis over HTTP (`--api URL diagnose`, against `postisupport sandbox
serve` on 127.0.0.1, the way a desk uses a real identity API: no scim2 libraries are loaded) and one on
the embedded sandbox (`--sandbox diagnose`, which builds the sandbox in the process).
The commands run interleaved, round by round, so machine noise hits them alike.
With --against REV the same commands also run on the code of git revision REV (checked out in a
temporary worktree, run with this virtualenv's packages), side by side, each ratio measured in this
one run. Every tree is byte-compiled first, as an installed package is (PYTHONDONTWRITEBYTECODE would
otherwise make each run compile it again). The subprocesses get a temporary HOME, config and state
folder, no POSTISUPPORT_* variables, no SSL_CERT_FILE and no keyring; no run writes to the audit
trail (--no-audit where the revision knows it). The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Runs `python -m postisupport` from the source folder given first, not from the installed package.
RUNNER = (
    "import runpy, sys\n"
    "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]\n"
    "sys.path.insert(0, sys.argv.pop(1))\n"
    "runpy.run_module('postisupport', run_name='__main__', alter_sys=True)\n"
)
IDENTIFIER = "ESIM0042"
COMMANDS = {
    "--version": ["--version"],
    "--help": ["--help"],
    f"--api URL diagnose {IDENTIFIER}": ["--api", "{url}", "diagnose", IDENTIFIER],
    f"--sandbox diagnose {IDENTIFIER}": ["--sandbox", "diagnose", IDENTIFIER, "--json"],
}


def environment(home: Path) -> dict[str, str]:
    """The subprocesses' environment: nothing of the user's settings, secrets or trust store."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("POSTISUPPORT_") and name != "SSL_CERT_FILE"}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", NO_COLOR="1", COLUMNS="100")
    return env


def command(source: Path, *argv: str) -> list[str]:
    """`python -m postisupport ARGV` on the code in `source`."""
    return [sys.executable, "-c", RUNNER, str(source), *argv]


@contextlib.contextmanager
def sources(against: str | None, scratch: Path) -> Iterator[dict[str, Path]]:
    """This tree, and REV checked out in a temporary worktree; each byte-compiled."""
    found = {"this tree": ROOT}
    worktree = scratch / "against"
    if against:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(worktree), against],
                       check=True)
        found[against] = worktree
    try:
        for source in found.values():
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(source / "postisupport")],
                           check=True, stdout=subprocess.DEVNULL)
        yield found
    finally:
        if against:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                           check=True)


def serve(source: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """`postisupport sandbox serve --port 0` from `source`, and the SCIM base URL it printed."""
    server = subprocess.Popen(command(source, "sandbox", "serve", "--port", "0"), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert server.stdout is not None
    url = server.stdout.readline().strip()
    if not url.startswith("http://"):
        server.terminate()
        raise SystemExit(f"sandbox serve did not print its URL (got {url!r})")
    return server, url


def knows_no_audit(source: Path) -> bool:
    return any("--no-audit" in path.read_text() for path in (source / "postisupport").rglob("*.py"))


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--against", metavar="REV", help="also time the code of this git revision")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        env = environment(Path(scratch))
        with sources(args.against, Path(scratch)) as found:
            # One server for every tree: what is timed here is the client's start, not the server.
            server, url = serve(ROOT, env)
            try:
                run(found, args.runs, url, env)
            finally:
                server.terminate()
                server.wait(10)


def run(found: dict[str, Path], runs: int, url: str, env: dict[str, str]) -> None:
    commands = {"python -c pass": [sys.executable, "-c", "pass"]}
    for label, source in found.items():
        audit = ["--no-audit"] if knows_no_audit(source) else []
        for name, argv in COMMANDS.items():
            extra = audit if "diagnose" in name else []
            commands[f"{name} ({label})"] = command(source, *(a.format(url=url) for a in argv), *extra)
    for argv in commands.values():  # once each, untimed: the server's indexes, the OS's file cache
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
    before = load()
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            times[name].append(timed(argv, env))
    baseline = statistics.median(times["python -c pass"])
    print(f"{'command':52} {'median ms':>10} {'x python':>9}   ({runs} runs each, interleaved)")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:52} {median * 1000:10.0f} {median / baseline:9.1f}")
    if len(found) == 2:
        this, other = found
        print(f"this tree against {other}, ratio of medians (below 1: faster):")
        for name in COMMANDS:
            mine, theirs = (statistics.median(times[f"{name} ({label})"]) for label in (this, other))
            ratio = mine / theirs
            print(f"  {name:50} {ratio:9.2f}")
    print(f"before: {before}; after: {load()}")


if __name__ == "__main__":
    main()
