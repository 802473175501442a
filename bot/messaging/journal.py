"""The sender's writes, group-committed: "sending" marks before calls, outcomes after.

A worker about to call Telegram asks `mark(push_id)` and waits until that mark is
committed; after the call it hands its outcome to `outcome(...)`, written in the next
transaction. One transaction carries every mark and outcome that arrived while the
previous one was being committed, so the window in which a crash can leave a message
unknown is one commit long, and 1,000 messages a second still need only a few hundred
transactions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messaging import claims
from db.models import Push

log = logging.getLogger(__name__)

Entry = tuple[str, Push, Any]  # (kind, push, detail): see `claims.record`


class Journal:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        instance: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessionmaker, self.instance, self.clock = sessionmaker, instance, clock
        self._marks: list[tuple[int, asyncio.Future[bool]]] = []
        self._outcomes: list[Entry] = []
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        self._closing = False
        self._task = asyncio.create_task(self._run(), name=f"push-journal {self.instance}")

    async def close(self) -> None:
        """Write what is pending and stop; marks asked for after this are refused."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.write()

    async def mark(self, push_id: int) -> bool:
        """Mark the row "sending" and wait for the commit; False: do not send it."""
        if self._closing:
            return False
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._marks.append((push_id, future))
        self._wake.set()
        return await future

    def outcome(self, kind: str, push: Push, detail: Any = None) -> None:
        self._outcomes.append((kind, push, detail))
        self._wake.set()

    @property
    def pending(self) -> bool:
        return bool(self._marks or self._outcomes)

    async def _run(self) -> None:
        while not self._closing:
            await self._wake.wait()
            self._wake.clear()
            if not await self.write():
                await asyncio.sleep(0.5)  # the database is failing: do not spin

    async def write(self) -> bool:
        """One transaction for everything pending; False if the database failed."""
        async with self._lock:
            marks, self._marks = self._marks, []
            outcomes, self._outcomes = self._outcomes, []
            if not marks and not outcomes:
                return True
            rows = [(kind, push.id, push.member_id, detail) for kind, push, detail in outcomes]
            try:
                async with self.sessionmaker() as session:
                    await claims.record(session, self.instance, rows, self.clock())
                    marked = await claims.begin_sending(
                        session, self.instance, [push_id for push_id, _ in marks]
                    )
                    await session.commit()
            except BaseException as exc:  # cancelled too: nothing pending may be forgotten
                self._outcomes[:0] = outcomes
                for _, future in marks:
                    if not future.done():
                        future.set_result(False)  # not marked, so not sent: taken back later
                if not isinstance(exc, Exception):
                    raise
                log.exception("push journal %s: could not write", self.instance)
                return False
            for push_id, future in marks:
                if not future.done():
                    future.set_result(push_id in marked)
            return True
