"""`python -m bot` with timers, for `owners_during.py`: the same bot, the same `main()`,
plus a few lines written to the file `BOT_PROBE_FILE` names (one per event,
`<kind> <monotonic moment> <seconds or count>`), so that a benchmark can say where an
owner's wait came from:

- `budget`: how long a message the Application's bot sends (a reply) waited for the
  Telegram budget (`BudgetRateLimiter`: the chat's turn, a slot, the exact guard) before
  its call; pushes go through the sender's own bot and are not counted here;
- `lock`: how long SQLite's `BEGIN IMMEDIATE` waited for the write lock (busy handler);
- `pool`: how long a session waited for the pooled connection (one per process on SQLite);
  both noted at the moment the wait began, so that a wait is counted in the phase that
  caused it even when it ends after;
- `lag`: the event loop's worst lateness in each quarter second (a 10 ms sleep woken
  late: CPU work holding the loop);
- `sweep_start`/`sweep_end` (the daily sweep of a store, value: reminders queued) and
  `release_start`/`release_end` (a broadcast queued, by the scheduler's
  `release_in_batches` or at once by `release`; value: recipients).

The moments are `time.monotonic()`, the same clock as the driver's event loop on Linux.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LAG_TICK = 0.01  # seconds between the loop-lag monitor's wake-ups
LAG_REPORT = 0.25  # seconds per `lag` line


class Probe:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def note(self, kind: str, value: float, at: float | None = None) -> None:
        self.out.write(f"{kind} {time.monotonic() if at is None else at:.6f} {value:.6f}\n")

    def timed(self, kind: str, call: Any) -> Any:
        """`call` (a plain function) with its duration noted as `kind`."""

        @functools.wraps(call)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            try:
                return call(*args, **kwargs)
            finally:  # noted at the moment the wait began: the phase that caused it
                self.note(kind, time.monotonic() - started, started)

        return wrapper

    def marked(self, kind: str, call: Any, value: Any) -> Any:
        """The coroutine function `call` with `<kind>_start` and `<kind>_end` noted."""

        @functools.wraps(call)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.note(f"{kind}_start", 0)
            result = await call(*args, **kwargs)
            self.note(f"{kind}_end", value(result))
            return result

        return wrapper

    async def watch_loop(self) -> None:
        worst, since = 0.0, time.monotonic()
        while True:
            before = time.monotonic()
            await asyncio.sleep(LAG_TICK)
            worst = max(worst, time.monotonic() - before - LAG_TICK)
            if time.monotonic() - since >= LAG_REPORT:
                self.note("lag", worst)
                worst, since = 0.0, time.monotonic()


def install(probe: Probe) -> None:
    from sqlalchemy.pool import QueuePool

    import bot.app
    import bot.jobs
    import db.engine
    from bot.club.broadcasts import campaigns
    from bot.messaging.budget import COUNTED, BudgetRateLimiter

    db.engine._begin_immediate = probe.timed("lock", db.engine._begin_immediate)
    QueuePool._do_get = probe.timed("pool", QueuePool._do_get)
    bot.jobs.sweep_store = probe.marked("sweep", bot.jobs.sweep_store, lambda r: r["reminders"])
    campaigns.release = probe.marked("release", campaigns.release, lambda n: n or 0)
    campaigns.release_in_batches = probe.marked(
        "release", campaigns.release_in_batches, lambda n: n or 0
    )

    limited = BudgetRateLimiter.process_request

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        asked = time.monotonic()

        async def call(*a: Any, **k: Any) -> Any:
            if endpoint.startswith(COUNTED):
                probe.note("budget", time.monotonic() - asked)
            return await callback(*a, **k)

        return await limited(self, call, args, kwargs, endpoint, data, rate_limit_args)

    BudgetRateLimiter.process_request = process_request
    post_init = bot.app._post_init

    async def started(app: Any) -> None:
        app.bot_data["probe_lag"] = asyncio.create_task(probe.watch_loop())
        await post_init(app)

    bot.app._post_init = started


def main() -> None:
    path = Path(os.environ["BOT_PROBE_FILE"])
    out = path.open("a", buffering=1)  # open for the whole run, a line at a time
    install(Probe(out))
    from bot.__main__ import main as run_bot

    run_bot()


if __name__ == "__main__":
    main()
