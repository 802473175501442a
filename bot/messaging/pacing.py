"""How fast the bot may talk to Telegram: one budget per bot token for replies and pushes
alike, one message a second per private chat (20 a minute per group), and Telegram's 429
flood waits (one message held back, or everything when they come thick).

Every call goes: `turn(chat)` (wait for the chat's turn, then for a slot of the budget:
replies before pushes), then `clear(chat)` just before the call (the exact guard: never
closer than the chat's gap to its previous call, never more than `rate` calls in any
second of this process; replies first here too). A push splits its turn in two
(`chat_turn`, then `slot` once its "sending" mark is committed), so that nothing but the
exact guard stands between its slot and its call: a slot granted to a push is used at
once, never held through a database commit while a reply waits for the window, and what
a crash can leave unknown is only what the sender's workers had in hand.

The slots come from a `SlotSource` (`bot.messaging.budget`): a local clock on one
instance, or grants from the database shared by every instance of the token.
Time is a `Timer` (monotonic seconds and sleeps), injectable so that tests do not sleep.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections import deque
from typing import Protocol

log = logging.getLogger(__name__)

PER_CHAT_SECONDS = 1.0
PER_GROUP_SECONDS = 3.0  # 20 messages a minute
MARGIN = 0.1  # seconds added to every retry_after, as PTB's own limiter does
REPLY, PUSH = 0, 1  # priorities: a waiting reply takes the next slot before any push


class Timer(Protocol):
    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class LoopTimer:
    """Real time: the event loop's monotonic clock."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class SlotSource(Protocol):
    async def next_slot(self, now: float) -> float:
        """The moment (on the timer) the next message may go, taken from the budget."""
        ...


CATCH_UP = 0.05  # seconds of slots a late dispatcher may still use (sleeps overshoot)
EARLY = 0.002  # a slot this close is given at once: shorter sleeps cost more than they keep


class LocalSlots:
    """One instance's budget: `rate` evenly spaced slots a second."""

    def __init__(self, rate: float) -> None:
        self.interval, self._next = 1.0 / rate, 0.0

    async def next_slot(self, now: float) -> float:
        slot = max(now - CATCH_UP, self._next)
        self._next = slot + self.interval
        return slot


def chat_gap(chat_id: int) -> float:
    return PER_GROUP_SECONDS if chat_id < 0 else PER_CHAT_SECONDS


class Pacer:
    def __init__(
        self, rate: int, timer: Timer | None = None, slots: SlotSource | None = None
    ) -> None:
        self.rate, self.timer = rate, timer or LoopTimer()
        self.slots = slots or LocalSlots(rate)
        self._paused_until = 0.0
        self._next_in_chat: dict[int, float] = {}
        self._last_in_chat: dict[int, float] = {}
        self._calls: deque[float] = deque()  # this process's calls in the last second
        self._clearing: list[tuple[int, int]] = []  # (priority, order): waiting in `clear`
        self._moved: asyncio.Future[None] | None = None  # `clear`'s first left the line
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._dispatcher: asyncio.Task[None] | None = None
        self._recent_429s: deque[float] = deque()
        self.held_until = 0.0  # pushes held back by a lone 429 come due by then
        self.flood_waits = 0  # 429 answers
        self.paused_seconds = 0.0  # time all sending stood still

    def _now(self) -> float:
        return self.timer.now()

    async def turn(self, chat_id: int, again: bool = False, priority: int = PUSH) -> None:
        """Wait for this chat's turn (a quick retry keeps its turn), a slot of the budget,
        and the end of any flood wait."""
        await self.chat_turn(chat_id, again)
        await self.slot(priority)

    async def chat_turn(self, chat_id: int, again: bool = False) -> None:
        """Wait for this chat's turn: its gap after the turn before (a quick retry, or a
        reply's burst, keeps the chat's turn)."""
        if again:
            return
        turn = max(now := self._now(), self._next_in_chat.get(chat_id, 0.0))
        self._next_in_chat[chat_id] = turn + chat_gap(chat_id)
        if turn > now:
            await self.timer.sleep(turn - now)

    async def slot(self, priority: int = PUSH) -> None:
        """Wait for a slot of the budget (replies before pushes) and the end of any flood
        wait; the caller calls `clear` and then Telegram right after."""
        while True:
            await self.unpaused()
            await self._slot(priority)
            if not self.paused():
                return

    async def unpaused(self) -> None:
        """Wait for the end of any flood wait that stops all sending."""
        while (wait := self._paused_until - self._now()) > 0:
            await self.timer.sleep(wait)

    async def _slot(self, priority: int) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), future))
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="telegram-budget")
        await future  # cancelled after the slot was given: it goes unused, no harm

    async def _dispatch(self) -> None:
        """Hand out the budget's slots as they come due, each to the best waiter then."""
        while self._waiting:
            try:
                slot = await self.slots.next_slot(self._now())
            except Exception:  # the shared budget's database: wait, never give up the waiters
                log.exception("could not take slots of the Telegram budget")
                await self.timer.sleep(0.5)
                continue
            if (wait := slot - self._now()) > EARLY:
                await self.timer.sleep(wait)
            while self._waiting:
                _, _, future = heapq.heappop(self._waiting)
                if not future.done():
                    future.set_result(None)
                    break

    async def clear(self, chat_id: int, again: bool = False, priority: int = PUSH) -> None:
        """The exact guard, just before a call: wait until any flood pause is over, the
        chat's previous call is `chat_gap` ago and this process made fewer than `rate`
        calls in the last second; then count this call (no await between that and the
        call). A quick retry (`again`: the previous call failed) keeps its chat's turn.
        When the second is full, callers whose chat may go take the places it frees in
        order of `priority` (replies first), then of arrival."""
        calls, gap = self._calls, 0.0 if again else chat_gap(chat_id)
        place: tuple[int, int] | None = None
        try:
            while True:
                now = self._now()
                while calls and calls[0] <= now - 1.0:
                    calls.popleft()
                wait = max(self._paused_until, self._last_in_chat.get(chat_id, -gap) + gap) - now
                if wait > 0:  # its own chat's gap, or a pause: no place in the line yet
                    if place is not None:
                        self._leave(place)
                        place = None
                    await self.timer.sleep(wait)
                    continue
                if place is None:
                    place = (priority, next(self._order))
                    self._clearing.append(place)
                if min(self._clearing) != place:  # someone ahead may go first
                    await self._next_place()
                    continue
                if len(calls) < self.rate:
                    break
                await self.timer.sleep(calls[0] + 1.0 - now)
        finally:
            if place is not None:
                self._leave(place)
        self._last_in_chat[chat_id] = now
        calls.append(now)

    def _leave(self, place: tuple[int, int]) -> None:
        self._clearing.remove(place)
        if self._moved is not None and not self._moved.done():
            self._moved.set_result(None)
        self._moved = None

    async def _next_place(self) -> None:
        """Wait until the first in `clear`'s line leaves it (went, or gave up)."""
        if self._moved is None:
            self._moved = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._moved)

    def forget_idle_chats(self) -> None:
        if len(self._next_in_chat) > 10_000:
            moment = self._now() - PER_GROUP_SECONDS
            self._next_in_chat = {c: t for c, t in self._next_in_chat.items() if t > moment}
            self._last_in_chat = {c: t for c, t in self._last_in_chat.items() if t > moment}

    def flooded(self, seconds: float) -> float:
        """A 429: that message waits `retry_after`. Only when 429s come thick (at least 3,
        and more than a fifth of the calls, within the last second) is the bot as a whole
        over Telegram's limit, and then all sending pauses. Returns the message's wait."""
        now, recent, calls = self._now(), self._recent_429s, self._calls
        recent.append(now)
        for window in (recent, calls):
            while window and window[0] < now - 1.0:
                window.popleft()
        self.flood_waits += 1
        if len(recent) >= 3 and len(recent) > len(calls) / 5:
            if (until := now + seconds + MARGIN) > self._paused_until:
                self.paused_seconds += until - max(now, self._paused_until)
                self._paused_until = until
            log.warning("flood wait: all sending pauses for %.1f s", seconds)
            return seconds
        self.held_until = max(self.held_until, now + seconds + MARGIN)
        return seconds + MARGIN

    def paused(self) -> bool:
        return self._now() < self._paused_until
