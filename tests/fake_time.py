"""A `Timer` (bot.messaging.pacing) whose seconds pass only in the test: `sleep` returns
when virtual time reaches its deadline, earliest first, so a test of "one message a
second" takes milliseconds and reads exact times."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta


class FakeTimer:
    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._driver: asyncio.Task[None] | None = None

    def now(self) -> float:
        return self._now

    def wall(self, real: Callable[[], datetime]) -> Callable[[], datetime]:
        """A wall clock for the sender (its `clock`): `real` time plus the virtual seconds
        this timer has run, so a row held back by a 429 for `retry_after` comes due in
        virtual time, and rows queued just now are due at once."""
        origin = self._now
        return lambda: real() + timedelta(seconds=self._now - origin)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), future))
        if self._driver is None or self._driver.done():
            self._driver = asyncio.create_task(self._drive())
        await future

    async def _drive(self) -> None:
        """Move time to the earliest deadline once the tasks that can run have run (a
        few real milliseconds let database threads answer too)."""
        while self._sleepers:
            await asyncio.sleep(0.004)
            when, _, future = heapq.heappop(self._sleepers)
            if future.done():
                continue
            self._now = max(self._now, when)
            future.set_result(None)
