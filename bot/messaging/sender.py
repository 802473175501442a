"""The one sender of everything the bot sends unasked (rows of `bot.messaging.outbox`),
to owners and to the staff chat alike.

A cycle is one short transaction: claim due rows, apply the weekly cap, render
(`bot.messaging.claims`). Workers then wait for their chat's turn (one message a second
per chat), have the row marked "sending" and committed (`bot.messaging.journal`), take a
slot of the token's one budget, shared with replies (`bot.messaging.pacing`), call
Telegram at once, and hand the outcome to the journal, committed right after. On start
the sender takes back its own claims from before a crash at once (`claims.recover`: the
instance id is the host and `SENDER_ID`, stable across restarts): rows never handed to
Telegram are queued again, rows left "sending" become unknown, never sent twice.
429: the row is queued again after `retry_after` (all sending pauses when 429s come
thick); a drain waits for it. 403: member blocked. 400: failed. Network errors and 5xx:
quick retries here, then later ones by `retry_minutes`, then failed. Quiet hours are
each store's, on its own time zone: in a store's night only its urgent pushes go out.
"""

from __future__ import annotations

import asyncio
import logging
import math
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import telegram
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application

from bot.club.common.clock import in_quiet_hours
from bot.messaging import claims as delivery
from bot.messaging import weekly_cap
from bot.messaging.budget import BudgetRateLimiter
from bot.messaging.calls import Job, Render, Rendered, SendReport, TelegramCalls
from bot.messaging.journal import Journal
from bot.messaging.pacing import Pacer, Timer
from bot.services import Services
from db.models import Member

log = logging.getLogger(__name__)

__all__ = ["PushSender", "Rendered", "SendReport", "stop_sender"]

BACKOFF = (0.5, 1.0, 2.0)  # seconds between quick retries after a network error or 5xx
LEASE = timedelta(minutes=2)  # how long a claim holds; a dead instance's are then taken over
IDLE = 1.0  # seconds between look-ups when the outbox is empty
HOLD_SLACK = 0.05  # s a drain's last claim looks past a 429 hold: wall clock ≠ timer
KEY = "push_sender"  # where `start` keeps the sender in `app.bot_data`


def default_instance(sender_id: str = "") -> str:
    """Stable across restarts, so that a restarted sender knows its own claims."""
    return f"{socket.gethostname()[:24]}:{sender_id or 'main'}"[:40]


class PushSender(TelegramCalls):
    def __init__(
        self,
        services: Services,
        bot: telegram.Bot,
        render: Render,
        instance: str | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        timer: Timer | None = None,
        pacer: Pacer | None = None,
        workers: int | None = None,
        batch: int | None = None,
        backoff: tuple[float, ...] = BACKOFF,
        own_bot: bool = False,
    ) -> None:
        sender_id = getattr(services.settings, "sender_id", "")
        self.services, self.bot, self.render = services, bot, render
        self.instance = (instance or default_instance(sender_id))[:40]
        self.clock = clock or services.now
        self.policy = rules = services.policy.pushes
        self.workers = workers or max(4, min(200, math.ceil(rules.rate / 5)))
        self.batch = batch or max(2 * self.workers, min(500, 2 * rules.rate))
        self.backoff = backoff
        self.pacer, self._own_bot = pacer or Pacer(rules.rate, timer), own_bot
        self.timer = self.pacer.timer
        self.journal = Journal(services.sessionmaker, self.instance, self.clock)
        self._in_hand, self._recovered = 0, False
        self._looked = -math.inf  # the timer just before the last claim read the clock
        self._blocked: set[int] = set()
        self._marked: set[int] = set()  # marked "sending", not yet called
        self._sending: set[asyncio.Task[Any] | None] = set()
        self._stopping, self._closing, self._wake = False, False, asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.report = SendReport()

    @classmethod
    def for_app(cls, services: Services, app: Application, render: Render) -> PushSender:
        """Pushes share the replies' budget (the app's `BudgetRateLimiter` pacer) but go
        through a plain Bot of their own: the limiter would pace and retry them twice."""
        bot = app.bot
        limiter = getattr(bot, "rate_limiter", None)
        if limiter is None:
            return cls(services, bot, render)
        urls = {"base_url": lambda _: bot.base_url, "base_file_url": lambda _: bot.base_file_url}
        pacer = limiter.pacer if isinstance(limiter, BudgetRateLimiter) else None
        plain = telegram.Bot(bot.token, **urls)
        return cls(services, plain, render, pacer=pacer, own_bot=True)

    def start(self, app: Application) -> None:
        """Run in the background (from post_init); `stop_sender(app)` ends it."""
        app.bot_data[KEY] = self
        self._task = asyncio.create_task(self.run(), name=f"push-sender {self.instance}")

    async def stop(self, timeout: float = 15.0) -> None:
        """Finish the sends under way, record them, put the rest back; then return."""
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        if task is not None and not (await asyncio.wait({task}, timeout=timeout))[0]:
            task.cancel()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    async def run(self) -> None:
        """Send until stopped or cancelled; a failing database is retried, not fatal."""
        if self._own_bot:
            await self.bot.initialize()
        try:
            while not self._stopping:
                try:
                    await self._pump(forever=True)
                except Exception:
                    log.exception("push sender %s failed; starting again", self.instance)
                    await self._nap(5 * IDLE)
        finally:
            if self._own_bot:
                await self.bot.shutdown()

    async def drain(
        self, max_seconds: float | None = None, *, limit: int | None = None
    ) -> SendReport:
        """Send until no due row is left (or `limit` rows were claimed); for tests, benchmarks."""
        return await self._pump(forever=False, max_seconds=max_seconds, limit=limit)

    async def recover(self) -> int:
        """Take back this instance's claims from before a crash; how many became unknown."""
        async with self.services.sessionmaker() as session:
            back, unknown = await delivery.recover(session, self.instance)
            await session.commit()
        if back or unknown:
            log.warning("push sender %s: %s claims back, %s unknown", self.instance, back, unknown)
        self._recovered = True
        return unknown

    async def _pump(
        self, *, forever: bool, max_seconds: float | None = None, limit: int | None = None
    ) -> SendReport:
        now = self.timer.now
        began, self.report = now(), SendReport()
        waits, paused = self.pacer.flood_waits, self.pacer.paused_seconds
        if not self._recovered:
            self.report.unknown = await self.recover()
        end = began + (math.inf if max_seconds is None else max_seconds)
        queue: asyncio.Queue[Job | None] = asyncio.Queue()
        self.journal.start()
        workers = [asyncio.create_task(self._worker(queue)) for _ in range(self.workers)]
        claimed, self._closing = 0, False
        try:
            while not self._stopping and now() < end:
                want = self.batch if limit is None else min(self.batch, limit - claimed)
                if want <= 0 or queue.qsize() >= self.batch // 2 or self.pacer.paused():
                    if want <= 0 and not self._in_hand:
                        break  # the limit is reached and sent
                    await self._nap(0.02)
                    continue
                jobs = await self._cycle(want)
                claimed, self._in_hand = claimed + len(jobs), self._in_hand + len(jobs)
                for job in jobs:
                    queue.put_nowait(job)
                if jobs or self._in_hand or self.pacer.paused():
                    await self._nap(0 if jobs else 0.05)  # outcomes may bring rows back
                elif not forever and self._nothing_held():
                    break
                elif not forever:
                    await self._nap(0.1)  # a push held back by a 429 comes due soon
                else:
                    await self._nap(IDLE)
        finally:
            await self._wind_down(queue, workers)
            self.report.seconds = now() - began
            self.report.flood_waits = self.pacer.flood_waits - waits
            self.report.paused_seconds = self.pacer.paused_seconds - paused
        return self.report

    def _nothing_held(self) -> bool:
        """After an empty claim, nothing in hand: did that claim look when every push a
        429 held back was due again (and is every outcome written)? The timer is read
        before the claim's clock, and a 429 reads the clock before the pacer's timer, so
        a claim whose timer was past `held_until` saw the held row due. (Comparing the
        timer after the claim let a hold end while the claim ran, and the drain stopped
        with that push queued.) A clock standing still (a test's fixed moment) never
        lets it come due: the drain ends once the hold is over, the row stays queued."""
        held = self.pacer.held_until + HOLD_SLACK
        return self._looked >= held and not self.journal.pending

    async def _wind_down(self, queue: asyncio.Queue[Job | None], workers: list[Any]) -> None:
        """Let workers finish the message in hand; record everything; hand back the rest
        (rows claimed, or marked but never handed to Telegram)."""
        self._closing = True
        while not queue.empty():
            queue.get_nowait()
        for worker in workers:
            if worker not in self._sending:
                worker.cancel()
            queue.put_nowait(None)
        await asyncio.wait(workers, timeout=30)
        for worker in workers:
            worker.cancel()
        self._in_hand = 0
        await self.journal.close()
        async with self.services.sessionmaker() as session:
            await delivery.unmark(session, self.instance, self._marked)
            await delivery.release(session, self.instance)
            await session.commit()
        self._marked.clear()

    async def _nap(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        woken = asyncio.ensure_future(self._wake.wait())
        napping = asyncio.ensure_future(self.timer.sleep(seconds))
        try:
            await asyncio.wait({woken, napping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            napping.cancel()
        if not self._stopping:
            self._wake.clear()

    async def _cycle(self, want: int) -> list[Job]:
        """Write the outcomes so far, then claim and render `want` rows in one transaction."""
        await self.journal.write()
        async with self.services.sessionmaker() as session:
            jobs = await self._claim(session, want)
            await session.commit()
        return jobs

    def quiet_stores(self, now: datetime) -> list[int]:
        """The stores where it is quiet hours at `now`, each on its own time zone and
        policy: only their urgent pushes go out."""
        return [
            store.id
            for store in self.services.stores.values()
            if in_quiet_hours(
                now, store.tz, store.policy.pushes.quiet_start, store.policy.pushes.quiet_end
            )
        ]

    async def _claim(self, session: AsyncSession, want: int) -> list[Job]:
        self._looked = self.timer.now()  # before the clock: see `_nothing_held`
        now, rules = self.clock(), self.policy
        self.pacer.forget_idle_chats()
        await delivery.expire_in_flight(session, now)
        pushes = await delivery.claim_due(
            session,
            instance=self.instance,
            now=now,
            limit=want,
            lease=LEASE,
            quiet_stores=self.quiet_stores(now),
        )
        kept = await weekly_cap.apply_weekly_cap(session, pushes, now, rules.weekly_cap)
        self.report.capped += len(pushes) - len(kept)
        ids = {p.member_id for p in kept if p.member_id is not None}
        found = await session.scalars(select(Member).where(Member.id.in_(ids))) if ids else []
        members, jobs = {member.id: member for member in found}, []
        for push in kept:
            try:
                member = members.get(push.member_id) if push.member_id is not None else None
                message = await self.render(session, push, member)
            except Exception as exc:  # a bug in one text must not stop the whole outbox
                log.exception("push %s: rendering failed", push.id)
                await delivery.mark_failed(session, push.id, f"render: {type(exc).__name__}")
                self.report.failed += 1
                continue
            if message is None:
                await delivery.mark_cancelled(session, push.id)
                self.report.cancelled += 1
            else:
                jobs.append((push, message))
        return jobs


async def stop_sender(app: Application) -> None:
    """Stop the sender `PushSender.start` left in `app.bot_data` (post_stop/post_shutdown)."""
    if (sender := app.bot_data.pop(KEY, None)) is not None:
        await sender.stop()
