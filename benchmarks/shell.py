"""A look-up in the warm shell vs a cold `diagnose` process, against the server's own time.

Run: python -m benchmarks.shell [--lookups N]   (from the repository root)

Starts `postisupport sandbox serve --port 0`, then, side by side in one run:
- the shell: `postisupport --api URL shell` on a pseudo-terminal (pexpect), as an agent uses it;
  each look-up timed from sending the line to the next prompt (the screen drawn);
- a cold process: `postisupport --api URL diagnose ID` for the same identifier, start to exit;
- the server: the same requests a diagnosis makes (round 1, then round 2's two at once) on a warm
  httpx client, so what the shell adds beyond the server is plain.
Nothing is recorded in the audit trail (--no-audit), and the subprocesses get a temporary HOME,
config and state folder and no keyring.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
IDENTIFIERS = [
    "ESIM0042",
    "aino.korhonen@esimerkki.example.fi",
    "karin.holm@exempel.example.fi",
    "johanna.makinen@esimerkki.example.fi",
]
PROMPT = "postisupport>"  # prompt_toolkit draws the space after it as a cursor move
SCREEN_END = "╯"  # the bottom corner of the caller script's box: the last thing a screen draws


def environment(home: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("POSTISUPPORT_") and name != "SSL_CERT_FILE"}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", TERM="xterm", NO_COLOR="1",
               # pexpect's terminal answers no cursor position requests; real ones do.
               PROMPT_TOOLKIT_NO_CPR="1")
    env.pop("COLUMNS", None)
    return env


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen([sys.executable, "-m", "postisupport", "sandbox", "serve", "--port", "0"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    url = server.stdout.readline().strip()
    if not url.startswith("http://"):
        server.terminate()
        raise SystemExit(f"sandbox serve did not print its URL (got {url!r})")
    return server, url


async def server_times(url: str, identifiers: list[str]) -> list[float]:
    """Per identifier, the time of the requests a diagnosis makes, on a warm client: round 1 finds
    the user, round 2 asks for their groups and the administrators at once (ops/fetch.py)."""
    import httpx

    from postisupport.idp import contract
    from postisupport.scim.client import LOOKUP_COUNT, PAGE_COUNT
    from postisupport.scim.filters import admins_filter, groups_filter, lookup_filter

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


def cold(url: str, identifier: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "postisupport", "--api", url, "diagnose", identifier, "--no-audit"],
                   cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    import pexpect

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lookups", type=int, default=30)
    args = parser.parse_args()
    identifiers = [IDENTIFIERS[n % len(IDENTIFIERS)] for n in range(args.lookups)]

    with tempfile.TemporaryDirectory() as scratch:
        env = environment(Path(scratch))
        server, url = serve(env)
        try:
            asyncio.run(server_times(url, IDENTIFIERS))  # the server's first answers build its indexes
            started = time.perf_counter()
            shell = pexpect.spawn(sys.executable, ["-m", "postisupport", "--api", url, "shell", "--no-audit"],
                                  cwd=str(ROOT), env=env, dimensions=(40, 100), encoding="utf-8", timeout=30)
            shell.delaybeforesend = None  # pexpect waits 50 ms before each send unless told not to
            shell.expect_exact(PROMPT)
            ready = time.perf_counter() - started

            def look_up(identifier: str) -> float:
                start = time.perf_counter()
                shell.sendline(identifier)
                shell.expect_exact(SCREEN_END)
                shell.expect_exact(PROMPT)
                return time.perf_counter() - start

            first = look_up(IDENTIFIERS[0])  # imports the rendering, opens the connection
            shell_samples, cold_samples = [], []
            for identifier in identifiers:  # interleaved, so machine noise hits both alike
                shell_samples.append(look_up(identifier))
                cold_samples.append(cold(url, identifier, env))
            shell.sendline("quit")
            shell.expect(pexpect.EOF)
            shell.close()
            server_samples = asyncio.run(server_times(url, identifiers))
        finally:
            server.terminate()
            server.wait(10)

    ms = {name: statistics.median(samples) * 1000 for name, samples in (
        ("server", server_samples), ("shell", shell_samples), ("cold", cold_samples))}
    print(f"{args.lookups} look-ups cycling over {len(IDENTIFIERS)} demo identifiers, against "
          f"`sandbox serve` on 127.0.0.1 (medians)")
    print(f"  server: the 3 requests of a diagnosis, warm httpx  {ms['server']:8.1f} ms")
    print(f"  shell: line sent to next prompt (screen drawn)     {ms['shell']:8.1f} ms")
    print(f"  cold `diagnose` process                            {ms['cold']:8.1f} ms")
    print(f"  shell faster than a cold process                   {ms['cold'] / ms['shell']:8.1f} x")
    print(f"  shell beyond the server's own time                 {ms['shell'] - ms['server']:8.1f} ms")
    print(f"  (shell start-up to first prompt {ready * 1000:.0f} ms; "
          f"its first look-up {first * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
