"""How fast pushes may go: the configured rate overall, one a second per chat, and
Telegram's 429 flood waits (one message held back, or everything when they come thick)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from aiolimiter import AsyncLimiter

log = logging.getLogger(__name__)

PER_CHAT_SECONDS = 1.0
MARGIN = 0.1  # seconds added to every retry_after, as PTB's own limiter does


class Pacer:
    def __init__(self, rate: int) -> None:
        bucket = max(1.0, rate / 10)  # small bursts, the configured rate on average
        self._limiter = AsyncLimiter(bucket, bucket / rate)
        self._paused_until = 0.0
        self._next_in_chat: dict[int, float] = {}
        self._recent_429s: deque[float] = deque()
        self._recent_sends: deque[float] = deque()
        self.held_until = 0.0  # pushes held back by a lone 429 come due by then
        self.flood_waits = 0  # 429 answers
        self.paused_seconds = 0.0  # time all sending stood still

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    async def turn(self, chat_id: int, again: bool) -> None:
        """Wait for this chat's turn (a quick retry keeps its turn), the global rate, and
        the end of any flood wait."""
        if not again:
            turn = max(now := self._now(), self._next_in_chat.get(chat_id, 0.0))
            self._next_in_chat[chat_id] = turn + PER_CHAT_SECONDS
            await asyncio.sleep(turn - now)
        while True:
            while (wait := self._paused_until - self._now()) > 0:
                await asyncio.sleep(wait)
            await self._limiter.acquire()
            if not self.paused():
                return

    def forget_idle_chats(self) -> None:
        if len(self._next_in_chat) > 10_000:
            moment = self._now()
            self._next_in_chat = {c: t for c, t in self._next_in_chat.items() if t > moment}

    def sending(self) -> None:
        """Note one call to Telegram (429s are judged against the calls of the last second)."""
        now, sends = self._now(), self._recent_sends
        sends.append(now)
        while sends[0] < now - 1.0:
            sends.popleft()

    def flooded(self, seconds: float) -> float:
        """A 429: that push waits `retry_after`. Only when 429s come thick (at least 3, and
        more than a fifth of the calls, within the last second) is the bot as a whole over
        Telegram's limit, and then all sending pauses. Returns the push's wait."""
        now, recent, sends = self._now(), self._recent_429s, self._recent_sends
        recent.append(now)
        for window in (recent, sends):
            while window and window[0] < now - 1.0:
                window.popleft()
        self.flood_waits += 1
        if len(recent) >= 3 and len(recent) > len(sends) / 5:
            if (until := now + seconds + MARGIN) > self._paused_until:
                self.paused_seconds += until - max(now, self._paused_until)
                self._paused_until = until
            log.warning("flood wait: all pushes pause for %.1f s", seconds)
            return seconds
        self.held_until = max(self.held_until, now + seconds + MARGIN)
        return seconds + MARGIN

    def paused(self) -> bool:
        return self._now() < self._paused_until
