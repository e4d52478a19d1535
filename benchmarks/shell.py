"""A look-up in the warm shell vs a cold `diagnose` process, against the server's own time.

Run: python -m benchmarks.shell [--lookups N] [--against REV]   (from the repository root)

Starts `postisupport sandbox serve --port 0`, then, side by side in one run:
- the shell: `postisupport --api URL shell` on a pseudo-terminal (pexpect), as an agent uses it. The
  identifier is typed, and once its echo is drawn, Enter is pressed: the look-up is timed from Enter
  to the next prompt (the screen drawn), the wait an agent has on a call. The same look-up with the
  whole line sent at once (typing included, as this benchmark timed it before) is shown too, and
  Enter on an empty line (the prompt's own cost, no look-up);
- a cold process: `postisupport --api URL diagnose ID` for the same identifier, start to exit;
- the server: the same requests a diagnosis makes (round 1, then round 2's two at once) on a warm
  httpx client, so what the shell adds beyond the server is plain.
With --against REV, REV's code (checked out in a temporary worktree, run with this virtualenv's
packages) serves its own sandbox and runs its own shell and cold processes, interleaved look-up by
look-up with this tree's, so each ratio is measured in this one run. Every tree is byte-compiled
first. Nothing is recorded in the audit trail (--no-audit), and the subprocesses get a temporary
HOME, config and state folder and no keyring. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.startup import command, environment, load, serve, sources

IDENTIFIERS = [
    "ESIM0042",
    "aino.korhonen@esimerkki.example.fi",
    "karin.holm@exempel.example.fi",
    "johanna.makinen@esimerkki.example.fi",
]
# prompt_toolkit draws the space after the prompt as a cursor move; the prompt may name the API.
PROMPT = r"postisupport[^\r\n>]*>"
SCREEN_END = "╯"  # the bottom corner of the caller script's box: the last thing a screen draws
QUIET = 0.05  # seconds without output after typing: the echo is drawn


def shell_environment(home: Path) -> dict[str, str]:
    env = environment(home)
    env.update(TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")  # pexpect's terminal answers no cursor requests
    env.pop("COLUMNS", None)
    return env


async def server_times(url: str, identifiers: list[str]) -> list[float]:
    """Per identifier, the time of the requests a diagnosis makes, on a warm client: round 1 finds
    the user, round 2 asks for their groups and the administrators at once (sources/scim/directory.py)."""
    import httpx

    from postisupport.idp import contract
    from postisupport.scim.client import LOOKUP_COUNT, PAGE_COUNT
    from postisupport.sources.scim.filters import admins_filter, groups_filter, lookup_filter

    headers = {"Accept": "application/scim+json, application/json"}
    async with httpx.AsyncClient(base_url=url + "/", headers=headers) as client:
        async def get(path: str, params: dict[str, str]) -> Any:
            response = await client.get(path, params=params)
            response.raise_for_status()
            return response

        samples = []
        for identifier in identifiers:
            start = time.perf_counter()
            found = await get("Users", {"filter": lookup_filter(identifier.casefold()),
                                        "count": str(LOOKUP_COUNT)})
            groups = [g["value"] for user in found.json()["Resources"] for g in user.get("groups", [])]
            assert groups, f"{identifier}: the benchmark needs users with groups"
            await asyncio.gather(
                get("Groups", {"filter": groups_filter(groups), "count": str(PAGE_COUNT),
                               "excludedAttributes": contract.MEMBERS}),
                get("Users", {"filter": admins_filter(groups), "count": str(PAGE_COUNT)}),
            )
            samples.append(time.perf_counter() - start)
        return samples


@dataclass
class Side:
    """One tree's server, shell and timings."""

    label: str
    source: Path
    server: subprocess.Popen[str]
    url: str
    shell: Any = None
    ready: float = 0.0
    first: float = 0.0
    enter: list[float] = field(default_factory=list)
    line: list[float] = field(default_factory=list)
    empty: list[float] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)
    server_samples: list[float] = field(default_factory=list)

    def start_shell(self, env: dict[str, str]) -> None:
        import pexpect

        started = time.perf_counter()
        argv = command(self.source, "--api", self.url, "shell", "--no-audit")
        self.shell = pexpect.spawn(argv[0], argv[1:], cwd=str(self.source), env=env, dimensions=(40, 100),
                                   encoding="utf-8", timeout=30)
        self.shell.delaybeforesend = None  # pexpect waits 50 ms before each send unless told not to
        self.shell.expect(PROMPT)
        self.ready = time.perf_counter() - started

    def _drain(self) -> None:
        import pexpect

        while True:
            try:
                self.shell.read_nonblocking(100_000, timeout=QUIET)
            except pexpect.TIMEOUT:
                return

    def _screen(self, start: float) -> float:
        self.shell.expect_exact(SCREEN_END)
        self.shell.expect(PROMPT)
        return time.perf_counter() - start

    def look_up(self, identifier: str) -> float:
        """Typed, then Enter: timed from Enter."""
        self.shell.send(identifier)
        self._drain()
        start = time.perf_counter()
        self.shell.send("\r")
        return self._screen(start)

    def look_up_line(self, identifier: str) -> float:
        """The whole line at once, typing included."""
        start = time.perf_counter()
        self.shell.sendline(identifier)
        return self._screen(start)

    def empty_line(self) -> float:
        """Enter on an empty line, to the next prompt: what the prompt itself costs a look-up."""
        start = time.perf_counter()
        self.shell.send("\r")
        self.shell.expect(PROMPT)
        return time.perf_counter() - start

    def cold_run(self, identifier: str, env: dict[str, str]) -> float:
        start = time.perf_counter()
        subprocess.run(command(self.source, "--api", self.url, "diagnose", identifier, "--no-audit"),
                       env=env, stdout=subprocess.DEVNULL, check=True)
        return time.perf_counter() - start

    def stop(self) -> None:
        import pexpect

        if self.shell is not None:
            self.shell.sendline("quit")
            self.shell.expect(pexpect.EOF)
            self.shell.close()
        self.server.terminate()
        self.server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lookups", type=int, default=30)
    parser.add_argument("--against", metavar="REV", help="also time the code of this git revision")
    args = parser.parse_args()
    identifiers = [IDENTIFIERS[n % len(IDENTIFIERS)] for n in range(args.lookups)]

    with tempfile.TemporaryDirectory() as scratch:
        env = shell_environment(Path(scratch))
        with sources(args.against, Path(scratch)) as found:
            sides: list[Side] = []
            try:
                for label, source in found.items():
                    sides.append(Side(label, source, *serve(source, env)))
                for side in sides:
                    asyncio.run(server_times(side.url, IDENTIFIERS))  # the first answers build indexes
                    side.start_shell(env)
                    side.first = side.look_up(IDENTIFIERS[0])  # imports the rendering, opens the connection
                before = load()
                for identifier in identifiers:  # interleaved, so machine noise hits all alike
                    for side in sides:
                        side.enter.append(side.look_up(identifier))
                        side.line.append(side.look_up_line(identifier))
                        side.empty.append(side.empty_line())
                        side.cold.append(side.cold_run(identifier, env))
                for side in sides:
                    side.server_samples = asyncio.run(server_times(side.url, identifiers))
                after = load()
            finally:
                for side in sides:
                    side.stop()
    report(args.lookups, sides, before, after)


def report(lookups: int, sides: list[Side], before: str, after: str) -> None:
    print(f"{lookups} look-ups cycling over {len(IDENTIFIERS)} demo identifiers, against "
          f"`sandbox serve` on 127.0.0.1 (medians)")
    medians = []
    for side in sides:
        ms = {name: statistics.median(samples) * 1000 for name, samples in (
            ("server", side.server_samples), ("enter", side.enter), ("line", side.line),
            ("empty", side.empty), ("cold", side.cold))}
        medians.append(ms)
        print(f"{side.label}:")
        print(f"  server: the 3 requests of a diagnosis, warm httpx  {ms['server']:8.1f} ms")
        print(f"  shell: Enter to next prompt (screen drawn)         {ms['enter']:8.1f} ms")
        print(f"  shell: whole line sent to next prompt (typing too) {ms['line']:8.1f} ms")
        print(f"  shell: Enter on an empty line to next prompt       {ms['empty']:8.1f} ms")
        print(f"  cold `diagnose` process                            {ms['cold']:8.1f} ms")
        print(f"  shell faster than a cold process                   {ms['cold'] / ms['enter']:8.1f} x")
        print(f"  shell beyond the server's own time                 {ms['enter'] - ms['server']:8.1f} ms")
        print(f"  (shell start-up to first prompt {side.ready * 1000:.0f} ms; "
              f"its first look-up {side.first * 1000:.0f} ms)")
    if len(sides) == 2:
        this, other = medians
        print(f"{sides[0].label} against {sides[1].label}, ratio of medians (below 1: faster):")
        for name, what in (("server", "server"), ("enter", "shell, from Enter"),
                           ("line", "shell, whole line"), ("empty", "shell, empty line"),
                           ("cold", "cold process")):
            print(f"  {what:48} {this[name] / other[name]:8.2f}")
    print(f"before: {before}; after: {after}")


if __name__ == "__main__":
    main()
