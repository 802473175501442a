"""SQLite's write-ahead log during a long run of write batches (a DMS import).

Each import batch rewrites much the same few thousand pages (members' balances, cars'
readings, the visits' and ledger's indexes). With SQLite's default autocheckpoint (1,000
pages) every batch's COMMIT then copied them all back to the database file and synced
it, on the one connection the process has (db.engine), while owners' updates waited.

`batch_log` takes that work off the batches: while it is open the connection does not
checkpoint on commit; once CHECKPOINT_SECONDS have passed since the last one began, a
checkpoint runs after a batch on a connection of its own, on a thread, beside the next
batches (PASSIVE: it never takes a lock a writer or reader waits for). When the log has
grown past `LOG_PAGES` since it last started afresh, the next batch after the running
checkpoint first copies what the batches beside it wrote, so SQLite restarts the log at
its next write: the file stays a few tens of MB. The writer's page cache is larger
meanwhile (`BATCH_CACHE_KIB`). Where there is no file (PostgreSQL, an in-memory SQLite
database) it does nothing.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

LOG_PAGES = 8000  # ~32 MB of 4 KB pages
# Each checkpoint copies every page the batches since the last one rewrote, once: for an
# import that is most of the hot set (the visits', ledger's and members' pages that random
# members' rows land on, ~20 MB) whether one batch or ten rewrote it. So checkpoints go by
# time, not by batches: every fourth of the time-sized import batches (~40 ms each) copied
# the hot set six times a second or more, and that memory traffic slowed the batches on
# the other core (100k visits: ~9% slower). Four a second keeps the log near 60 MB.
CHECKPOINT_SECONDS = 0.25


class BatchLog:
    """Hooks around each batch: `before()` outside its transaction, `after()` once it
    has committed."""

    def __init__(self, path: str | None) -> None:
        self._conn: sqlite3.Connection | None = None
        self._task: asyncio.Future[tuple[int, int, int]] | None = None
        self._log = 0  # the log's length in pages at the last checkpoint
        self._began = time.monotonic()  # when the last checkpoint began (or the run)
        if path:
            self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def _checkpoint(self) -> tuple[int, int, int]:
        assert self._conn is not None
        row = self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(row[0]), int(row[1]), int(row[2])  # busy, log pages, pages copied

    async def before(self) -> None:
        if self._conn is None or self._log <= LOG_PAGES:
            return
        if self._task is not None:
            if not self._task.done():
                return  # this batch goes on beside it; the next one looks again
            await self._finish()
        # A checkpoint that ran beside batches leaves their pages in the log, so SQLite
        # cannot start it afresh. Between batches nothing of ours writes: copy the rest
        # (one batch's pages), and the next batch's first write restarts the log.
        with suppress(sqlite3.Error):
            _busy, self._log, _copied = await asyncio.to_thread(self._checkpoint)
        if self._log <= LOG_PAGES:
            self._log = 0

    async def after(self) -> None:
        if self._conn is None:
            return
        if self._task is not None and self._task.done():
            await self._finish()
        if self._task is None and time.monotonic() - self._began >= CHECKPOINT_SECONDS:
            self._began = time.monotonic()
            self._task = asyncio.ensure_future(asyncio.to_thread(self._checkpoint))

    async def _finish(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            try:
                _busy, self._log, _copied = await task
            except sqlite3.Error:
                self._log = 0  # the next one tries again

    async def close(self) -> None:
        if self._conn is None:
            return
        with suppress(sqlite3.Error):
            await self._finish()
            await asyncio.to_thread(self._checkpoint)
        self._conn.close()
        self._conn = None


# While batches run, the writer's connection keeps this much of the database in memory
# (KiB, SQLite's negative form): the pages a batch rewrites (indexes of visits, ledger,
# members, cars) are read from memory, not again from the file, batch after batch.
BATCH_CACHE_KIB = 65536
_SETTINGS = {"wal_autocheckpoint": 0, "cache_size": -BATCH_CACHE_KIB}


async def _pragma(session: AsyncSession, name: str, value: int | None = None) -> int:
    """A setting's value, or set it (some settings answer with their new value, some not)."""
    statement = f"PRAGMA {name}" + ("" if value is None else f"={int(value)}")
    result = await session.execute(text(statement))
    return int(result.scalar_one()) if result.returns_rows else int(value or 0)


@dataclass
class _Shared:
    """One database file's runs inside batch_log, and the connection's own settings."""

    runs: int = 1
    own: dict[str, int] = field(default_factory=dict)


_open: dict[str, _Shared] = {}


@asynccontextmanager
async def batch_log(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[BatchLog]:
    """Checkpoint beside the batches run inside (see the module's note). Runs may overlap
    (an import during the sweep): the first in turns the connection's checkpointing off,
    the last out puts its own settings back (and the writer's cache its own size)."""
    async with sessionmaker() as session:
        bind = session.bind
        path = bind.url.database if bind is not None and bind.dialect.name == "sqlite" else None
        if path in (None, "", ":memory:") or (path or "").startswith("file:"):
            path = None
        if path is not None:
            if path in _open:
                _open[path].runs += 1
            else:
                shared = _open[path] = _Shared()  # before any await: a run meanwhile joins
                for name, value in _SETTINGS.items():  # SQLite has one writing connection here
                    shared.own[name] = await _pragma(session, name)
                    await _pragma(session, name, value)
            await session.commit()
    log = BatchLog(path)
    try:
        yield log
    finally:
        await log.close()
        if path is not None:
            _open[path].runs -= 1
            if _open[path].runs == 0:
                own = _open.pop(path).own
                async with sessionmaker() as session:
                    for name, value in own.items():
                        await _pragma(session, name, value)
                    await session.commit()
