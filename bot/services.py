"""What every handler and job needs, built once in `main()` (or by a test) and passed down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.club.policy.model import ClubPolicy
from bot.club.stores.context import StoreContext
from bot.config import Settings
from bot.i18n import Translator, translator
from db.base import utcnow
from db.engine import make_sessionmaker

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Deployment-wide things (settings, the policy's staff and push rules, the database)
    plus the stores served. Nothing store-specific is read from here: an update gets its
    store from `resolve_store`, a job takes each store from `stores`."""

    settings: Settings
    policy: ClubPolicy  # deployment-wide parts: staff roles, the Telegram push budget
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    stores: dict[int, StoreContext]
    default_store: StoreContext  # the store configured by STORE_CODE
    bot_username: str = ""
    # The engine views that only read use (db.engine.make_reader); None: `engine`.
    reader: AsyncEngine | None = None
    # The engine sweeps read their pages with (make_reader(on_loop=False)); None: `engine`.
    scanner: AsyncEngine | None = None
    # Work started by `run_soon` and not finished yet (held here until it ends).
    _background: set[asyncio.Task[Any]] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self._readers = make_sessionmaker(self.reader) if self.reader else self.sessionmaker
        self.scans = make_sessionmaker(self.scanner) if self.scanner else self.sessionmaker

    def read_session(self) -> AsyncSession:
        """A session for a view that only reads: on SQLite it never waits for the write
        lock and cannot write; on PostgreSQL it runs without BEGIN and COMMIT
        (`db.engine.make_reader`)."""
        return self._readers()

    def run_soon(self, work: Coroutine[Any, Any, object], name: str) -> asyncio.Task[Any]:
        """Run `work` in the background on the running loop: long work an update starts
        once its transaction is committed (a broadcast sent now), so that neither that
        transaction nor the chat's next update waits for it. The task is held until it
        ends (never garbage-collected midway) and a failure is logged. Only for work a
        crash may cut short: what it does must be completed by a job from the database
        (see `settle`)."""
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._background.add(task)
        task.add_done_callback(self._ended)
        return task

    def _ended(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("background work %s failed", task.get_name(), exc_info=error)

    async def settle(self, timeout: float | None = None) -> None:
        """Wait for the background work started so far (`run_soon`); what is still running
        after `timeout` seconds is cancelled (at shutdown: a job completes it later)."""
        tasks = set(self._background)
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)

    async def close(self) -> None:
        """Close the database connections (at shutdown, or before another event loop)."""
        await self.engine.dispose()
        for engine in (self.reader, self.scanner):
            if engine is not None:
                await engine.dispose()

    def store_by_code(self, code: str) -> StoreContext | None:
        return next((s for s in self.stores.values() if s.code == code), None)

    async def resolve_store(self, session: AsyncSession, user_id: int) -> StoreContext:
        """The store an update from `user_id` works for.

        One store per deployment for now; a dealer group would pick the member's (or the
        staff member's) store here, from `session`, and every handler follows."""
        del session, user_id
        return self.default_store

    def now(self) -> datetime:
        return utcnow()

    def translator(self, locale: str, store: StoreContext | None = None) -> Translator:
        """Texts in `locale`, dates on `store`'s clock (default: the configured store)."""
        return translator(locale, (store or self.default_store).tz)

    def store(self, store_id: int) -> StoreContext:
        """The context of the store a row belongs to (a push, a member, a broadcast)."""
        return self.stores.get(store_id, self.default_store)
