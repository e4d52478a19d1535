"""Pacing: request starts spread evenly over the round trip, for bulk runs.

A bulk run starts its first `concurrency` requests at once. Their answers then come back together,
the next requests leave together, and the run goes in waves: a server that answers one request at
a time (a single Node.js or Python process, a small thread pool) makes the last of every wave wait
for all the others, each round trip. Spacing the starts by a little less than the round trip over
the concurrency breaks the waves up after the first one and never holds back a steady run, since
in-flight requests free a slot only once per round trip over the concurrency anyway.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

# Below 1, so pacing alone never keeps a run under its concurrency: starts may come a little
# faster than slots free up, and the slots decide.
SPREAD = 0.8
SMOOTHING = 0.1  # how much one answer moves the round-trip estimate
OUTLIER = 4.0  # an answer that slow counts as this many estimates, so one stall can't slow the run


class Pacer:
    """Spaces request starts by SPREAD x the round trip (a moving average of answered requests)
    over the concurrency. Until a first answer comes, nothing is held back."""

    def __init__(self, concurrency: int, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.concurrency = max(1, concurrency)
        self.round_trip: float | None = None
        self._next = 0.0  # the earliest time the next request may start
        self._clock, self._sleep = clock, sleep

    @property
    def gap(self) -> float:
        return 0.0 if self.round_trip is None else SPREAD * self.round_trip / self.concurrency

    async def start(self) -> float:
        """Wait for this request's turn; returns the time it starts, for `answered`."""
        now = self._clock()
        at = max(now, self._next)
        self._next = at + self.gap
        if at > now:
            await self._sleep(at - now)
        return at

    def answered(self, started: float) -> None:
        """A request that started at `started` has its answer now."""
        took = max(0.0, self._clock() - started)
        if self.round_trip is None:
            self.round_trip = took
        else:
            took = min(took, OUTLIER * self.round_trip)
            self.round_trip += SMOOTHING * (took - self.round_trip)
