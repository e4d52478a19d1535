"""The LDAP source against a real Samba AD domain controller, side by side with the SCIM sandbox over HTTP.

Run: python -m benchmarks.ldap [--runs N] [--rows N] [--concurrency N]   (from the repository root;
needs Debian's samba, as the tests in tests/ldapservers/ do)

Starts, on loopback: Samba as an AD DC, provisioned and seeded in a temporary folder as the tests'
harness does (tests/ldapservers/samba.py: six users in two OUs, administrators by managedBy, service
groups), and `postisupport sandbox serve --port 0`. Then, side by side in one run:
- a cold `diagnose` process, start to exit: `--api ldap://HOST diagnose ID` (three searches on a
  bound connection: the user, the organisation's administrators, the service groups) against
  `--api URL diagnose ID` on the sandbox (three HTTP requests), interleaved run by run;
- a warm look-up in `postisupport shell` on a pseudo-terminal, from Enter to the next prompt (the
  screen drawn), in one shell against each, interleaved look-up by look-up (benchmarks/shell.py);
- a `bulk` run of the same number of rows against each (the identifiers cycled), rows per second,
  with --concurrency N (a pool of N bound connections for LDAP, N requests in flight for SCIM).
Both sides use plain, unencrypted loopback connections (ldap:// and http://), so neither pays for TLS.
Nothing is recorded in the audit trail (--no-audit); the subprocesses get a temporary HOME, config and
state folder and no keyring; the bind DN and password reach them in the environment. The load
average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.shell import Side, shell_environment
from benchmarks.startup import ROOT, command, load, serve

LDAP_IDENTIFIERS = ["aino.virtanen@example.fi", "ESIM0102", "EXAMPLE\\ESIM0105", "olli.ojala@example.com"]
SCIM_IDENTIFIERS = ["ESIM0042", "aino.korhonen@esimerkki.example.fi", "karin.holm@exempel.example.fi",
                    "johanna.makinen@esimerkki.example.fi"]


def cold(source: Path, url: str, identifier: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command(source, "--api", url, "diagnose", identifier, "--no-audit"), env=env,
                   stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def bulk(url: str, identifiers: list[str], rows: int, concurrency: int, env: dict[str, str],
         scratch: Path) -> tuple[float, int]:
    """One `bulk` process over `rows` rows; its seconds, and how many rows ended with an error."""
    source, output = scratch / f"in-{len(identifiers)}.csv", scratch / "out.ndjson"
    source.write_text("email\n" + "".join(f"{identifiers[n % len(identifiers)]}\n" for n in range(rows)),
                      encoding="utf-8")
    output.unlink(missing_ok=True)
    start = time.perf_counter()
    done = subprocess.run(command(ROOT, "--api", url, "bulk", str(source), "-o", str(output), "-q",
                                  "--concurrency", str(concurrency), "--no-audit"),
                          env=env, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 6):
        raise SystemExit(f"bulk against {url} exited {done.returncode}:\n{done.stderr[-2000:]}")
    lines = output.read_text(encoding="utf-8").splitlines()
    if len(lines) != rows:
        raise SystemExit(f"bulk against {url} wrote {len(lines)} rows of {rows}")
    return seconds, sum(1 for line in lines if json.loads(line).get("error"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="cold processes and shell look-ups per side")
    parser.add_argument("--rows", type=int, default=600, help="rows of each bulk run")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("samba"):
        raise SystemExit("Samba is not installed (Debian: apt-get install samba; .ci/run does it)")
    from tests.ldapservers.samba import READER, READER_PASSWORD, running

    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        env = shell_environment(scratch)
        env.update(POSTISUPPORT_BIND_DN=READER, POSTISUPPORT_BIND_PASSWORD=READER_PASSWORD)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "postisupport")], check=True,
                       stdout=subprocess.DEVNULL)
        started = time.perf_counter()
        with running(scratch / "dc") as samba:
            provisioned = time.perf_counter() - started
            server, http = serve(ROOT, env)
            sides = {"ldap": Side("Samba AD over LDAP", ROOT, server, samba.url),
                     "scim": Side("SCIM sandbox over HTTP", ROOT, server, http)}
            asked = {"ldap": LDAP_IDENTIFIERS, "scim": SCIM_IDENTIFIERS}
            colds: dict[str, list[float]] = {"ldap": [], "scim": []}
            try:
                for key, side in sides.items():  # once each, untimed: the server's caches, the OS's files
                    cold(ROOT, side.url, asked[key][0], env)
                    side.start_shell(env)
                    side.first = side.look_up(asked[key][0])
                before = load()
                for n in range(args.runs):  # interleaved, so machine noise hits both alike
                    for key, side in sides.items():
                        identifier = asked[key][n % len(asked[key])]
                        colds[key].append(cold(ROOT, side.url, identifier, env))
                        side.enter.append(side.look_up(identifier))
                bulks = {key: bulk(side.url, asked[key], args.rows, args.concurrency, env, scratch)
                         for key, side in sides.items()}
                after = load()
            finally:
                for side in sides.values():
                    if side.shell is not None:
                        side.shell.sendline("quit")
                        side.shell.expect("\n", timeout=10)
                        side.shell.close()
                server.terminate()
                server.wait(10)
    report(args, provisioned, sides, colds, bulks, before, after)


def report(args: argparse.Namespace, provisioned: float, sides: dict[str, Side],
           colds: dict[str, list[float]], bulks: dict[str, tuple[float, int]], before: str,
           after: str) -> None:
    print(f"Samba AD provisioned, started and seeded in {provisioned:.1f} s; {args.runs} runs per side, "
          f"medians; bulk {args.rows} rows at --concurrency {args.concurrency}")
    medians = {}
    for key, side in sides.items():
        seconds, errors = bulks[key]
        medians[key] = (statistics.median(colds[key]) * 1000, statistics.median(side.enter) * 1000,
                        args.rows / seconds)
        cold_ms, warm_ms, rate = medians[key]
        print(f"{side.label}:")
        print(f"  cold `diagnose` process                 {cold_ms:8.1f} ms")
        print(f"  shell look-up, Enter to next prompt     {warm_ms:8.1f} ms   "
              f"(first {side.first * 1000:.0f} ms)")
        print(f"  bulk                                    {rate:8.1f} rows/s "
              f"({seconds:.1f} s, {errors} rows with an error)")
    (ldap_cold, ldap_warm, ldap_rate), (scim_cold, scim_warm, scim_rate) = medians["ldap"], medians["scim"]
    print("LDAP against SCIM over HTTP (above 1: LDAP takes longer):")
    print(f"  cold process                            {ldap_cold / scim_cold:8.2f}")
    print(f"  shell look-up                           {ldap_warm / scim_warm:8.2f}")
    print(f"  bulk, time per row                      {scim_rate / ldap_rate:8.2f}")
    print(f"before: {before}; after: {after}")


if __name__ == "__main__":
    main()
