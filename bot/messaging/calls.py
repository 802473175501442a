"""The Telegram side of the sender (`bot.messaging.sender`): one push's way out. Its
chat's turn (`Pacer.chat_turn`), its "sending" mark committed (`Journal.mark`), then a
slot of the budget (`Pacer.slot`) and the exact guard (`Pacer.clear`) right before the
call, and its outcome handed to the journal. The slot comes after the commit, so a slot
granted to a push is used at once: a reply never waits for the second's window behind
pushes whose marks were still being written."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import telegram
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.club.policy.pushes import PushPolicy
from bot.messaging.budget import retry_seconds
from bot.messaging.journal import Journal
from bot.messaging.pacing import Pacer, Timer
from db.models import Member, Push

if TYPE_CHECKING:
    from bot.messaging.booking_pushes import Venue

log = logging.getLogger("bot.messaging.sender")

LEASE_MARGIN = timedelta(seconds=15)  # a claim this close to its end is not sent any more


@dataclass(frozen=True)
class Rendered:
    text: str
    photo: str | None = None  # a Telegram file_id; the text becomes its caption
    markup: telegram.InlineKeyboardMarkup | None = None
    venue: Venue | None = None  # sent right after the text (a booking reminder's store)


@dataclass
class SendReport:
    sent: int = 0
    requeued: int = 0  # queued again for later: a flood wait or the retry schedule
    failed: int = 0
    blocked: int = 0
    unknown: int = 0  # left "sending" by a crash before this start
    capped: int = 0
    cancelled: int = 0
    flood_waits: int = 0  # 429 answers
    paused_seconds: float = 0.0  # time all sending stood still for flood waits
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


Render = Callable[[AsyncSession, Push, Member | None], Awaitable[Rendered | None]]
Job = tuple[Push, Rendered]


class TelegramCalls:
    """Workers: what `PushSender` hands them goes out once, or back to the outbox."""

    bot: telegram.Bot
    clock: Callable[[], datetime]
    timer: Timer
    pacer: Pacer
    journal: Journal
    policy: PushPolicy
    backoff: tuple[float, ...]
    report: SendReport
    _in_hand: int
    _blocked: set[int]
    _marked: set[int]
    _sending: set[asyncio.Task[Any] | None]
    _closing: bool
    _stopping: bool

    def _outcome(self, kind: str, push: Push, detail: Any = None) -> None:
        if kind == "blocked" and push.member_id is None:
            kind, detail = "failed", "the bot cannot post to this chat"  # e.g. left the group
        self.journal.outcome(kind, push, detail)
        if kind in ("sent", "failed", "blocked"):
            setattr(self.report, kind, getattr(self.report, kind) + 1)
        self.report.requeued += kind == "retry"

    # --- the Telegram side: workers ------------------------------------------------------

    async def _worker(self, queue: asyncio.Queue[Job | None]) -> None:
        while (job := await queue.get()) is not None:
            try:
                await self._deliver(*job)
            except Exception:
                log.exception("push %s: unexpected error", job[0].id)
                self._retry(job[0], "internal error")
            finally:
                self._in_hand -= 1

    def _late(self, push: Push) -> bool:
        until = push.claimed_until
        return (
            self._closing
            or self._stopping
            or (until is not None and self.clock() >= until - LEASE_MARGIN)
        )

    async def _deliver(self, push: Push, message: Rendered) -> None:
        error, task, marked = "", asyncio.current_task(), False
        for pause in (*self.backoff, None):
            await self.pacer.chat_turn(push.chat_id, again=bool(error))
            if self._gone(push, marked, error):
                return None
            if not marked:
                # Not marked "sending" through a flood wait: a crash then would leave the
                # row unknown, never sent, for what may be minutes.
                await self.pacer.unpaused()
                if self._gone(push, marked, error):
                    return None
                self._marked.add(push.id)
                if not await self.journal.mark(push.id):
                    # Not ours to send (any more). It stays in _marked: should the mark
                    # have been written after all, the stop puts the row back.
                    return None
                marked = True
            # The slot after the mark's commit: only the exact guard between it and the call.
            await self.pacer.slot()
            if self._gone(push, marked, error):
                return None
            await self.pacer.clear(push.chat_id, again=bool(error))
            self._sending.add(task)
            self._marked.discard(push.id)
            try:
                sent = await self._send(push.chat_id, message)
            except RetryAfter as exc:
                again = self.clock() + timedelta(seconds=self.pacer.flooded(retry_seconds(exc)))
                return self._outcome("retry", push, (again, "429 flood wait", False))
            except Forbidden:
                log.info("push %s: member %s has blocked the bot", push.id, push.member_id)
                if push.member_id is not None:
                    self._blocked.add(push.member_id)
                return self._outcome("blocked", push)
            except (BadRequest, ChatMigrated) as exc:
                log.warning("push %s failed: %s", push.id, exc.message)
                return self._outcome("failed", push, exc.message)
            except TelegramError as exc:  # timeouts, network errors, 5xx
                error = f"{type(exc).__name__}: {exc.message}"
            else:
                self._outcome("sent", push, sent.message_id)
                if message.venue is not None:
                    await self._send_venue(push, message.venue)
                return None
            finally:
                self._sending.discard(task)
            if pause is not None:
                await self.timer.sleep(pause)
        self._retry(push, error)

    def _gone(self, push: Push, marked: bool, error: str) -> bool:
        """Not to be called any more (its outcome handed to the journal): its member
        blocked the bot (a 403 while it waited), or it is too late (never handed to
        Telegram, or refused by it: back to the queue)."""
        if push.member_id in self._blocked:
            self._outcome("blocked", push)
            return True
        if self._late(push):
            back = (self.clock(), error, False)
            self._outcome("retry" if marked else "release", push, back)
            return True
        return False

    def _retry(self, push: Push, error: str) -> None:
        minutes = self.policy.retry_minutes
        if push.attempts >= len(minutes):
            log.warning("push %s failed after %s tries: %s", push.id, push.attempts + 1, error)
            return self._outcome("failed", push, error)
        again = self.clock() + timedelta(minutes=minutes[push.attempts])
        self._outcome("retry", push, (again, error, True))

    async def _send_venue(self, push: Push, venue: Venue) -> None:
        """The map pin after a text that was sent: its own turn in the budget; if it
        fails, the push still counts as sent (the text says the address)."""
        try:
            await self.pacer.turn(push.chat_id)
            await self.pacer.clear(push.chat_id)
            await self.bot.send_venue(
                push.chat_id, venue.latitude, venue.longitude, venue.title, venue.address
            )
        except Exception as exc:  # never a reason to send the text again
            log.warning("push %s: the location after it failed: %s", push.id, exc)

    async def _send(self, chat_id: int, message: Rendered) -> telegram.Message:
        extra = {"allow_paid_broadcast": True} if self.policy.paid_broadcast else {}
        text, markup = message.text, message.markup
        if message.photo:
            return await self.bot.send_photo(
                chat_id, message.photo, caption=text, reply_markup=markup, **extra
            )
        return await self.bot.send_message(chat_id, text, reply_markup=markup, **extra)
