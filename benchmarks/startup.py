"""Start-up cost of the CLI: medians of --help, --version and a sandbox diagnosis vs `python -c pass`.

Run: python -m benchmarks.startup [--runs N]   (from the repository root)
The commands run interleaved, round by round, so machine noise hits them alike.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "postisupport --version": [sys.executable, "-m", "postisupport", "--version"],
    "postisupport --help": [sys.executable, "-m", "postisupport", "--help"],
    "postisupport --sandbox diagnose ESIM0042": [
        sys.executable, "-m", "postisupport", "--sandbox", "diagnose", "ESIM0042", "--json"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, command in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    baseline = statistics.median(times["python -c pass"])
    print(f"{'command':45} {'median ms':>10} {'x python':>9}   ({runs} runs each, interleaved)")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:45} {median * 1000:10.0f} {median / baseline:9.1f}")


if __name__ == "__main__":
    main()
