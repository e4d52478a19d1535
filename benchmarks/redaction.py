"""What cutting our own credentials out of a server's answers costs, by the token's length.

Run: python -m benchmarks.redaction [--runs N] [--against REV] [--lengths 40,1024,4096]   (from the
repository root)

Every answer, error and trace line is scrubbed of the credentials the client sent (a server may echo
them, encoded), so what that costs is paid by every command. A bearer or OAuth2 access token is often
a JWT of 1 to 8 KB. Timed, for random base64url tokens of each length (medians of N runs):
- cold: the first `redacted()` in a fresh process, a 2 KB error text that echoes the token: what a
  command pays once, the forms of the token worked out and the text scrubbed;
- answer: `redacted()` of one page of 3,000 SCIM users (1.2 MB of indented JSON) that does not hold
  the token, warm: what each page of a bulk run or a listing pays;
- diagnose: a whole `--api URL diagnose` process with that token, against `postisupport sandbox serve`
  on 127.0.0.1 (it takes any token).
With --against REV the same runs on the code of git revision REV (checked out in a temporary worktree),
side by side, interleaved run by run, each ratio measured in this one run. The load average is printed
before and after.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.startup import command, environment, load, serve, sources

# Run in a fresh process on the code in argv[1], the token in the environment: prints the cold and the
# answer timings, in seconds.
PROBE = """
import base64, json, os, sys, time
sys.path.insert(0, sys.argv[1])
token = os.environ["POSTISUPPORT_TOKEN"]
error = ("the server refused the token " + token + " (" + base64.b64encode(token.encode()).decode()
         + ") " + "x" * 2048)[:2048 + len(token)]
users = [{"id": f"u-{i}", "userName": f"user{i}@example.com",
          "name": {"givenName": "Aino", "familyName": "Korhonen"},
          "emails": [{"value": f"user{i}@example.com", "primary": True}], "active": True,
          "groups": [{"value": "g-1", "display": "Organisation administrators"}]} for i in range(3000)]
page = json.dumps({"Resources": users}, indent=2)
started = time.perf_counter()
from postisupport.core.text import redacted
cut = redacted(error, [token])
cold = time.perf_counter() - started
assert token not in cut, "the token was not cut"
started = time.perf_counter()
assert redacted(page, [token]) == page
print(json.dumps({"cold": cold, "answer": time.perf_counter() - started}))
"""


def random_token(length: int) -> str:
    """A token of `length` base64url characters, as a JWT's parts are; the same each run."""
    return base64.urlsafe_b64encode(random.Random(length).randbytes(length)).decode()[:length]


def probe(source: Path, token: str, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(source)], check=True, capture_output=True,
                          text=True, env={**env, "POSTISUPPORT_TOKEN": token})
    timings: dict[str, float] = json.loads(done.stdout)
    return timings


def diagnose(source: Path, url: str, token: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command(source, "--api", url, "--no-audit", "diagnose", "ESIM0042", "--json"),
                   env={**env, "POSTISUPPORT_TOKEN": token}, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", default=None, help="a git revision to time side by side")
    parser.add_argument("--lengths", default="40,1024,4096", help="token lengths, comma-separated")
    args = parser.parse_args()
    lengths = [int(length) for length in args.lengths.split(",")]
    print(f"before: {load()}")
    with tempfile.TemporaryDirectory() as scratch, sources(args.against, Path(scratch)) as found:
        env = environment(Path(scratch))
        server, url = serve(found["this tree"], env)
        try:
            figures: dict[tuple[str, int, str], list[float]] = {}
            for length in lengths:
                token = random_token(length)
                for _ in range(args.runs):
                    for name, source in found.items():
                        timings = probe(source, token, env)
                        for what in ("cold", "answer"):
                            figures.setdefault((name, length, what), []).append(timings[what])
                        figures.setdefault((name, length, "diagnose"), []).append(
                            diagnose(source, url, token, env))
        finally:
            server.terminate()
            server.wait()
    report(figures, list(found), lengths, args.runs)
    print(f"after: {load()}")


def report(figures: dict[tuple[str, int, str], list[float]], names: list[str], lengths: list[int],
           runs: int) -> None:
    print(f"{'token':>6}  {'tree':<12} {'cold ms':>10} {'answer ms':>10} {'diagnose ms':>12}"
          f"   (medians of {runs} runs)")
    for length in lengths:
        for name in names:
            cells = [statistics.median(figures[(name, length, what)]) * 1000
                     for what in ("cold", "answer", "diagnose")]
            print(f"{length:>6}  {name:<12} {cells[0]:>10.1f} {cells[1]:>10.1f} {cells[2]:>12.0f}")
        if len(names) == 2:
            ratios = [statistics.median(figures[(names[0], length, what)])
                      / statistics.median(figures[(names[1], length, what)])
                      for what in ("cold", "answer", "diagnose")]
            print(f"{'':>6}  {'ratio':<12} {ratios[0]:>10.3f} {ratios[1]:>10.3f} {ratios[2]:>12.3f}"
                  f"   (this tree / {names[1]}; below 1: faster)")


if __name__ == "__main__":
    main()
