"""`postisupport bulk` over a slow API: concurrency, requests per row, and peak memory on a million rows.

Run: python -m benchmarks.bulk [--users N] [--organisations K] [--latency S] [--concurrency C]
                                [--naive-rows M] [--skip-memory]   (from the repository root)

Serves a generated directory (tests.servers.generated_directory) on 127.0.0.1 behind a middleware
that sleeps `--latency` seconds before each HTTP request and counts the requests, then, side by
side in one run:
- bulk: `postisupport --api URL bulk INPUT -o OUT.ndjson --concurrency C -q --no-audit` over every
  user, one identifier per line, timed start to exit (the process start-up included);
- naive: the same command with `--concurrency 1`, one row at a time, over a subset of M users (to keep
  the run short) and extrapolated per row. The subset is the users of the first organisations, as
  many rows per organisation as the full run, so both share organisation answers alike and the
  speed-up is the concurrency's alone;
- memory: peak RSS of `postisupport --sandbox bulk` over 100,000 and 1,000,000 malformed identifiers
  (no row needs the API: each becomes an error row, exercising the streaming reader, the window of
  tasks and the writer).
Efficiency is the time the requests would take at `--concurrency` in flight with nothing else to do
(requests x latency / concurrency) over the wall time. Targets: efficiency >= 0.9 at concurrency 16,
<= 1.5 requests per row, and a flat peak RSS of at most 150 MB.
The subprocesses get a temporary HOME, config and state folder, no POSTISUPPORT_* variables and no
keyring; nothing is recorded in an audit trail (--no-audit).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 1800.0  # seconds any one subprocess may take
MEMORY_ROWS = (100_000, 1_000_000)
# Runs a command and prints its peak RSS in kB: the fallback where GNU time is missing.
RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


class Latency:
    """ASGI middleware: sleeps before passing each HTTP request on; counts requests and the peak in flight."""

    def __init__(self, app: Any, delay: float) -> None:
        self.app, self.delay = app, delay
        self.in_flight = 0
        self.reset()

    def reset(self) -> None:
        self.requests = self.peak = 0
        self.first = self.last = 0.0
        self.busy = 0.0  # the integral of requests in flight over time, in request-seconds
        self.answering = 0.0  # seconds the application took to answer, after the added latency, summed

    def _change(self, by: int) -> None:
        now = time.perf_counter()
        if self.in_flight:
            self.busy += self.in_flight * (now - self.last)
        self.first = self.first or now
        self.last = now
        self.in_flight += by
        self.peak = max(self.peak, self.in_flight)

    def mean_in_flight(self) -> float:
        """Requests in flight on average, from the first request's arrival to the last one's answer."""
        return self.busy / (self.last - self.first) if self.last > self.first else 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests += 1
        self._change(+1)
        try:
            await asyncio.sleep(self.delay)
            slept = time.perf_counter()
            await self.app(scope, receive, send)
        finally:
            self.answering += time.perf_counter() - slept
            self._change(-1)


@dataclass
class Run:
    rows: int
    seconds: float
    requests: int
    peak_in_flight: int
    mean_in_flight: float
    serving: float  # seconds from the first request's arrival to the last one's answer
    errors: int
    first_error: str | None
    cpu: float  # user + system seconds of the bulk process
    answering: float  # mean seconds the served application took per request beyond the added latency

    @property
    def rate(self) -> float:
        return self.rows / self.seconds

    @property
    def per_row(self) -> float:
        return self.requests / self.rows


def environment(home: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("POSTISUPPORT_") and name != "SSL_CERT_FILE"}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", NO_COLOR="1")
    return env


def postisupport(*argv: str) -> list[str]:
    return [sys.executable, "-m", "postisupport", *argv]


def run_bulk(url: str, latency: Latency, source: Path, output: Path, concurrency: int,
             env: dict[str, str]) -> Run:
    """One timed `bulk` process against the served directory; every output row must have no error."""
    command = postisupport("--api", url, "bulk", str(source), "-o", str(output),
                           "--concurrency", str(concurrency), "-q", "--no-audit")
    latency.reset()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if done.returncode not in (0, 6):  # 6: some rows ended with an error (counted below)
        raise SystemExit(f"bulk --concurrency {concurrency} exited {done.returncode}:\n{done.stderr}")
    rows = errors = 0
    first_error = None
    with output.open(encoding="utf-8") as lines:
        for line in lines:
            rows += 1
            error = json.loads(line).get("error")
            if error:
                errors += 1
                first_error = first_error or f"row {rows}: {json.dumps(error)}"
    return Run(rows, seconds, latency.requests, latency.peak, latency.mean_in_flight(),
               latency.last - latency.first, errors, first_error, cpu,
               latency.answering / latency.requests if latency.requests else 0.0)


def naive_subset(users: int, organisations: int, count: int) -> list[int]:
    """`count` users from the fewest first organisations, as many rows per organisation as all users have."""
    needed = max(1, -(-count * organisations // users))  # ceiling
    return [i for i in range(users) if i % organisations < needed][:count]


def warm_up(url: str) -> None:
    """The server's first look-up builds its indexes: not part of any timed run."""
    import httpx

    from postisupport.sources.scim.filters import lookup_filter

    response = httpx.get(url + "/Users", params={"filter": lookup_filter("user0@example.com")}, timeout=60)
    response.raise_for_status()


def gnu_time() -> str | None:
    path = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if path is None:
        return None
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if "GNU" in version.stdout + version.stderr else None


def peak_rss(command: list[str], env: dict[str, str], scratch: Path) -> tuple[float, float, int]:
    """Seconds, peak RSS in MB and exit code of one command, measured by GNU time or a Python wrapper."""
    timer = gnu_time()
    report = scratch / "rss.txt"
    if timer is not None:
        wrapped = [timer, "-v", "-o", str(report), *command]
    else:
        wrapped = [sys.executable, "-c", RSS_WRAPPER, *command]
    start = time.perf_counter()
    done = subprocess.run(wrapped, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, timeout=TIMEOUT)
    seconds = time.perf_counter() - start
    if timer is not None:
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read_text())
        if found is None:
            raise SystemExit(f"no peak RSS in GNU time's report:\n{report.read_text()}")
        kilobytes = int(found.group(1))
        errors = done.stderr
    else:
        *rest, last = done.stderr.rstrip("\n").split("\n")
        kilobytes, errors = int(last), "\n".join(rest)
    if done.returncode not in (0, 6):
        raise SystemExit(f"{' '.join(command[3:])} exited {done.returncode}:\n{errors}")
    return seconds, kilobytes / 1024, done.returncode


def memory(scratch: Path, env: dict[str, str]) -> None:
    print(f"peak memory: `--sandbox bulk` over malformed identifiers (bad@@x{{i}}; every row an error row, "
          f"no API request), measured by {'GNU time -v' if gnu_time() else 'getrusage(RUSAGE_CHILDREN)'}")
    print(f"  {'rows':>9} {'seconds':>8} {'rows/s':>8} {'peak MB':>8} {'error rows':>11}")
    for count in MEMORY_ROWS:
        source, output = scratch / f"big-{count}.txt", scratch / f"big-{count}.ndjson"
        with source.open("w", encoding="utf-8") as lines:
            lines.writelines(f"bad@@x{i}\n" for i in range(count))
        command = postisupport("--sandbox", "bulk", str(source), "-o", str(output), "-q", "--no-audit")
        seconds, megabytes, _ = peak_rss(command, env, scratch)
        rows = errors = 0
        with output.open(encoding="utf-8") as results:
            for line in results:
                rows += 1
                errors += bool(json.loads(line).get("error"))
        print(f"  {rows:9,} {seconds:8.1f} {rows / seconds:8.0f} {megabytes:8.1f} {errors:11,}")
        source.unlink()
        output.unlink()
    print("  target: flat, <= 150 MB")


def main() -> None:
    from postisupport.sandbox.app import SandboxApplication
    from postisupport.sandbox.datafile import build_storage
    from tests.servers import generated_directory, serving

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1200)
    parser.add_argument("--organisations", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added before each request")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--naive-rows", type=int, default=50, help="rows of the one-at-a-time run")
    parser.add_argument("--skip-memory", action="store_true", help="skip the peak-memory runs")
    parser.add_argument("--runs", type=int, default=5,
                        help="timed bulk runs (the machine may be shared: best and median are shown)")
    args = parser.parse_args()

    start = time.perf_counter()
    app = Latency(SandboxApplication(build_storage(generated_directory(args.users, args.organisations))),
                  args.latency)
    loaded = time.perf_counter() - start
    naive_users = naive_subset(args.users, args.organisations, args.naive_rows)
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as folder:
        scratch = Path(folder)
        env = environment(scratch)
        everyone, subset, empty = scratch / "users.txt", scratch / "subset.txt", scratch / "empty.txt"
        everyone.write_text("".join(f"user{i}@example.com\n" for i in range(args.users)), encoding="utf-8")
        subset.write_text("".join(f"user{i}@example.com\n" for i in naive_users), encoding="utf-8")
        with serving(app) as url:
            warm_up(url)
            empty.write_text("", encoding="utf-8")
            fixed = run_bulk(url, app, empty, scratch / "empty.ndjson", args.concurrency, env)
            runs = []
            for _ in range(max(1, args.runs)):
                (scratch / "bulk.ndjson").unlink(missing_ok=True)
                runs.append(run_bulk(url, app, everyone, scratch / "bulk.ndjson", args.concurrency, env))
            bulk = sorted(runs, key=lambda one: one.seconds)[len(runs) // 2]  # the median run
            naive = run_bulk(url, app, subset, scratch / "naive.ndjson", 1, env)

        ideal = bulk.requests * args.latency / args.concurrency
        organisations_of_subset = len({i % args.organisations for i in naive_users})
        print(f"directory: {args.users} users, {args.organisations} organisations "
              f"(loaded in {loaded:.1f} s), served on 127.0.0.1 with {args.latency * 1000:.0f} ms "
              "added before each request")
        print(f"bulk, --concurrency {args.concurrency}, all {args.users} users (process start-up included), "
              f"{len(runs)} runs:")
        efficiencies = sorted(one.requests * args.latency / args.concurrency / one.seconds for one in runs)
        best, median = efficiencies[-1], statistics.median(efficiencies)
        print(f"  efficiency, best and median    {best:8.3f} {median:6.3f}   "
              "(requests x latency / concurrency over wall time; target >= 0.9)")
        print(f"  CPU of the bulk process        {min(one.cpu for one in runs):8.2f} s   best, "
              f"{statistics.median(one.cpu for one in runs):.2f} s median (user + system)")
        print("  the median run:")
        print(f"  wall time                      {bulk.seconds:8.2f} s")
        print(f"  rows/s                         {bulk.rate:8.1f}")
        print(f"  requests                       {bulk.requests:8d}   (peak {bulk.peak_in_flight} in flight; "
              f"{bulk.mean_in_flight:.1f} on average over the {bulk.serving:.2f} s from first to last)")
        print(f"  requests per row               {bulk.per_row:8.2f}   (target <= 1.5)")
        print(f"  efficiency                     {ideal / bulk.seconds:8.3f}   "
              f"(requests x latency / concurrency = {ideal:.2f} s, over wall time; target >= 0.9)")
        print(f"  fixed cost (empty input)       {fixed.seconds:8.2f} s   ({fixed.requests} requests; "
              f"efficiency without it {ideal / (bulk.seconds - fixed.seconds):.3f})")
        print(f"  server's own time per request  {bulk.answering * 1000:8.1f} ms (beyond the added latency: "
              "the sandbox answering, on the same machine; "
              f"{bulk.answering * bulk.requests / args.concurrency:.2f} s of the wall time at best)")
        print(f"  rows with an error             {bulk.errors:8d}"
              + (f"   (first: {bulk.first_error})" if bulk.first_error else ""))
        print(f"naive, --concurrency 1, {naive.rows} users of {organisations_of_subset} organisation(s) "
              f"(a subset to keep the run short; extrapolated per row):")
        print(f"  wall time                      {naive.seconds:8.2f} s   "
              f"(all {args.users} users: ~{args.users / naive.rate:.0f} s)")
        print(f"  rows/s                         {naive.rate:8.1f}")
        print(f"  requests per row               {naive.per_row:8.2f}   ({naive.requests} requests)")
        print(f"  rows with an error             {naive.errors:8d}"
              + (f"   (first: {naive.first_error})" if naive.first_error else ""))
        print(f"speed-up of bulk over naive      {bulk.rate / naive.rate:8.1f} x   (rows/s)")
        if not args.skip_memory:
            memory(scratch, env)


if __name__ == "__main__":
    main()
