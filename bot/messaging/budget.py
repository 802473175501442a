"""One Telegram budget per bot token, for replies and pushes, across instances.

The choice: a shared budget row in the database (`send_budgets`, one per bot id) that
every instance takes slots from in small batches (a tenth of a second's worth, at least
three), rather than one elected sending instance. Why: with webhooks behind a load
balancer every instance answers owners, so replies are sent by all of them and must draw
from the same budget as pushes anyway; an elected sender would still need a shared
budget for the replies, and a fail-over. The row holds `next_free` (epoch seconds): one
conditional UPSERT … RETURNING moves it by `n / rate` from max(next_free, now) and
grants that span, so two instances never get the same moment, and an idle instance costs
nothing. On SQLite (one instance by design) the slots are counted in memory
(`LocalSlots`).

Within an instance, `Pacer` hands the slots out, replies first (`REPLY` priority), so an
owner's answer never queues behind a 10,000-member broadcast: it waits a slot or two.
Replies reach it through `BudgetRateLimiter`, PTB's rate-limiter hook; pushes through the
sender, which shares the same `Pacer` (`sender.PushSender.for_app`).
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from sqlalchemy import Float, func, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.messaging.pacing import (
    CATCH_UP,
    REPLY,
    LocalSlots,
    LoopTimer,
    Pacer,
    SlotSource,
    Timer,
)
from db.models import SendBudget

log = logging.getLogger(__name__)

COUNTED = ("send", "edit", "copy", "forward")  # methods that put something in a chat


async def take_span(
    session: AsyncSession, bot_id: int, seconds: float, now: float
) -> tuple[float, float]:
    """Take `seconds` of the token's budget from max(next_free, now); (start, end)."""
    postgres = session.bind is not None and session.bind.dialect.name == "postgresql"
    dialect = postgresql if postgres else sqlite
    table = SendBudget.__table__
    floor = literal(now - CATCH_UP, Float)
    later = (func.greatest if postgres else func.max)(table.c.next_free, floor)
    statement = (
        dialect.insert(table)
        .values(bot_id=bot_id, next_free=now + seconds)
        .on_conflict_do_update(
            index_elements=[table.c.bot_id],
            set_={"next_free": later + literal(seconds, Float)},
        )
        .returning(table.c.next_free)
    )
    end = float((await session.execute(statement)).scalar_one())
    return end - seconds, end


class SharedSlots:
    """Slots granted by the database, `batch` at a time, shared by every instance."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        bot_id: int,
        rate: float,
        timer: Timer,
        wall: Callable[[], float] = time.time,
        batch: int | None = None,
    ) -> None:
        self.sessionmaker, self.bot_id, self.rate = sessionmaker, bot_id, rate
        self.timer, self.wall = timer, wall
        self.batch = batch or max(3, int(rate // 10))
        self._granted: deque[float] = deque()
        self._taking: asyncio.Task[None] | None = None

    async def next_slot(self, now: float) -> float:
        while self._granted and self._granted[0] < now - CATCH_UP:
            self._granted.popleft()  # granted while nobody waited: gone
        if not self._granted:
            await self._take()
        elif len(self._granted) <= self.batch // 2 and self._taking is None:
            self._taking = asyncio.create_task(self._take())  # the next span, in advance
        return self._granted.popleft()

    async def _take(self) -> None:
        try:
            wall = self.wall()
            async with self.sessionmaker() as session:
                start, _ = await take_span(session, self.bot_id, self.batch / self.rate, wall)
                await session.commit()
            offset = self.timer.now() - self.wall()  # the wall clock on the timer's scale
            self._granted.extend(start + offset + i / self.rate for i in range(self.batch))
        finally:
            self._taking = None


def bot_id_of(token: str) -> int:
    head = token.split(":", 1)[0]
    return int(head) if head.isascii() and head.isdigit() and len(head) < 19 else 0


def slot_source(
    sessionmaker: async_sessionmaker[AsyncSession], url: str, token: str, rate: int, timer: Timer
) -> SlotSource:
    """Shared slots on PostgreSQL (several instances may run), local ones on SQLite. The
    instances agree on the wall clock; a test's own timer stands in for it."""
    if url.startswith("postgresql"):
        wall = time.time if isinstance(timer, LoopTimer) else timer.now
        return SharedSlots(sessionmaker, bot_id_of(token), rate, timer, wall)
    return LocalSlots(rate)


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that it will become a timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _chat(data: dict[str, Any]) -> int | None:
    raw = data.get("chat_id")
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None  # "@channel": no per-chat turn, still the global budget


class BudgetRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """Replies (everything the Application's bot sends) through the shared `Pacer`, ahead
    of pushes; a 429 is waited out and retried, so a staff member never reads "something
    went wrong" because Telegram asked the bot to slow down."""

    def __init__(self, pacer: Pacer, max_retries: int = 5) -> None:
        self.pacer, self.max_retries = pacer, max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[Any] | None]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[Any] | None:
        counted = endpoint.startswith(COUNTED)
        chat = _chat(data) if counted else None
        for attempt in range(self.max_retries + 1):
            if counted:
                # A reply of several messages to an owner goes at once (Telegram allows
                # short bursts in a private chat; PTB's own limiter did the same), but it
                # counts as the chat's last message, so pushes keep their second. Groups
                # keep their 20 a minute.
                burst = attempt > 0 or (chat or 0) > 0
                await self.pacer.turn(chat or 0, again=burst, priority=REPLY)
                await self.pacer.clear(chat or 0, again=burst, priority=REPLY)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt >= self.max_retries:
                    raise
                wait = self.pacer.flooded(retry_seconds(exc))
                log.info("%s: 429, waiting %.1f s before retrying", endpoint, wait)
                await self.pacer.timer.sleep(wait)
        raise AssertionError("unreachable")
