"""Pacing: a bulk run spreads its request starts over the round trip instead of sending them in waves."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from postisupport.scim.pacing import Pacer
from tests.servers import generated_directory, serving
from tests.test_bulk import lines_of, write


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 9))
        self.now += seconds


def pacer(concurrency: int) -> tuple[Pacer, FakeTime]:
    fake = FakeTime()
    return Pacer(concurrency, clock=fake.clock, sleep=fake.sleep), fake


def starts(paced: Pacer, count: int) -> list[float]:
    async def all_of_them() -> list[float]:
        return [round(await paced.start(), 9) for _ in range(count)]

    return asyncio.run(all_of_them())


def test_nothing_is_held_back_before_a_first_answer() -> None:
    paced, fake = pacer(4)
    fake.now = 0.0  # a clock just started holds nothing back either
    assert (starts(paced, 3), fake.slept, paced.gap) == ([0.0, 0.0, 0.0], [], 0.0)


def test_one_at_a_time_is_spaced_by_most_of_the_round_trip_and_none_counts_as_one() -> None:
    for concurrency in (1, 0):
        paced, fake = pacer(concurrency)
        paced.answered(fake.now - 0.5)
        assert round(paced.gap, 9) == 0.4


def test_after_an_answer_starts_are_spaced_by_most_of_the_round_trip_over_the_concurrency() -> None:
    paced, fake = pacer(4)
    started = starts(paced, 1)[0]
    fake.now += 0.1
    paced.answered(started)
    # 0.8 x 0.1 s / 4 = 20 ms between starts, the first one at once.
    assert (paced.round_trip, round(paced.gap, 9)) == (pytest.approx(0.1), 0.02)
    assert starts(paced, 3) == [100.1, 100.12, 100.14]
    assert fake.slept == [0.02, 0.02]


def test_a_start_after_a_quiet_spell_is_not_held_back() -> None:
    paced, fake = pacer(2)
    paced.answered(starts(paced, 1)[0] - 0.1)
    fake.now += 5.0
    assert (starts(paced, 1), fake.slept) == ([105.0], [])


def test_the_round_trip_is_a_moving_average_and_one_stall_moves_it_only_so_far() -> None:
    paced, fake = pacer(1)
    paced.answered(fake.now - 0.1)
    paced.answered(fake.now - 0.2)
    assert paced.round_trip == pytest.approx(0.1 + 0.1 * (0.2 - 0.1))
    paced.answered(fake.now - 30.0)  # counted as 4 estimates, not 30 s
    assert paced.round_trip == pytest.approx(0.11 + 0.1 * (4 * 0.11 - 0.11))


def test_a_clock_that_steps_back_counts_as_an_instant_answer() -> None:
    paced, fake = pacer(1)
    paced.answered(fake.now + 1.0)
    assert paced.round_trip == 0.0


class Arrivals:
    """ASGI middleware: records when each request arrives, then answers it after `delay`."""

    def __init__(self, app: Any, delay: float) -> None:
        self.app, self.delay = app, delay
        self.times: list[float] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.times.append(time.monotonic())
            await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)


def test_a_bulk_run_spreads_the_requests_after_its_first_wave(run, tmp_path: Path) -> None:
    from postisupport.sandbox.app import SandboxApplication
    from postisupport.sandbox.datafile import build_storage

    source = write(tmp_path / "in.txt", "".join(f"user{i}@example.com\n" for i in range(12)))
    app = Arrivals(SandboxApplication(build_storage(generated_directory(12, 1))), 0.2)
    with serving(app) as url:
        result = run("--api", url, "bulk", str(source), "-o", str(tmp_path / "out.ndjson"),
                     "--concurrency", "4", "-q", "--no-audit")
    assert (result.exit_code, len(lines_of(tmp_path / "out.ndjson"))) == (0, 12)
    # The first 4 look-ups leave together. Unpaced, the next 4 would follow within a millisecond or
    # two of each other; paced, 0.8 x 0.2 s / 4 = 40 ms apart, so 3 gaps span 120 ms.
    second_wave = sorted(app.times)[4:8]
    assert second_wave[-1] - second_wave[0] > 0.06
