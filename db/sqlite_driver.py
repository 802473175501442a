"""SQLAlchemy's aiosqlite dialect with one trip to the driver's thread per statement.

aiosqlite runs every sqlite3 call on a thread of its own, and SQLAlchemy's adapter makes
four calls per statement (open a cursor, execute, fetch the rows, close the cursor), each
a trip to that thread and back through the event loop. A trip costs far more CPU than
the indexed look-up it carries (SQLite answers those in microseconds), so a command that
reads three rows spent most of its database time travelling. This adapter does the four
calls in one function on the driver's thread, and keeps the rows, description, row count
and last row id it brought back: the same SQL, the same results, a quarter of the trips.
A batch of many short writes can go without the trips altogether (`inline_writes`), and
writing transactions of different processes take turns (`WriterGate`).

Used for every `sqlite+aiosqlite` URL (see `db.engine.make_engine`); server-side cursors
(streamed results) keep SQLAlchemy's own adapter.
"""

from __future__ import annotations

import collections
import fcntl
import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util.concurrency import await_

log = logging.getLogger(__name__)
DRIVER = "clubsqlite"
INLINE = "clubsqlite_inline"

Outcome = tuple[Any, list[Any], int, int | None]  # description, rows, rowcount, lastrowid
BEGIN_WRITE = "BEGIN IMMEDIATE"  # every transaction of the writing engine (db.engine)
# A writing transaction whose every row's parents are read in it, under its write lock
# (an import batch: `inline_writes(parents_known=True)`): SQLite's foreign-key checks, a
# look-up per parent per row, are off for it and back on when it ends.
PARENTS_KNOWN = "club_parents_known"  # the execution option that asks for it
_BEGIN_PARENTS_KNOWN = "BEGIN IMMEDIATE -- parents known"
GATE_SECONDS = 5.0  # as long as SQLite's busy timeout (db.engine)


class WriterGate:
    """Writing transactions on one database file take turns through this lock, across
    processes, and it passes on the moment one ends.

    SQLite's own write lock makes a writer that finds it taken sleep and retry (1, 2, 5,
    … 100 ms between tries): behind another process that writes batch after batch (an
    import from the command line) the bot's writes waited up to a second, finding the
    lock taken again each time they looked. A blocking `flock` on a file beside the
    database is woken as soon as the holder lets go, so a writer waits for one batch at
    most; a process that dies lets go with its files. Within a process the connection
    pool already queues writers first come, first served."""

    def __init__(self, database: str) -> None:
        path = f"{database}-writers"
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except PermissionError:  # made by another user: flock needs no write access
            self._fd = os.open(path, os.O_RDONLY)
        self._held = False
        weakref.finalize(self, os.close, self._fd)

    def enter(self) -> None:
        """Wait for this connection's turn; after `GATE_SECONDS` go on without it
        (SQLite's own lock and busy timeout then decide: nothing waits forever)."""
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._held = self._wait(GATE_SECONDS)
        else:
            self._held = True

    def _wait(self, timeout: float) -> bool:
        # A blocking flock cannot time out, so it waits on a thread of its own; given
        # up on, that thread lets go as soon as it gets the lock.
        got, settled, gave_up = threading.Event(), threading.Lock(), []

        def wait() -> None:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            with settled:
                if gave_up:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                else:
                    got.set()

        threading.Thread(target=wait, name="writer-gate", daemon=True).start()
        if got.wait(timeout):
            return True
        with settled:
            if got.is_set():
                return True
            gave_up.append(True)
        return False

    def leave(self) -> None:
        if self._held:
            self._held = False
            fcntl.flock(self._fd, fcntl.LOCK_UN)


def _gate_for(database: Any) -> WriterGate | None:
    name = str(database)
    if name in ("", ":memory:") or name.startswith("file:"):
        return None
    try:
        return WriterGate(name)
    except OSError as error:  # a folder we cannot write to: SQLite's own lock alone
        log.warning("no writers' lock file beside %s: %s", name, error.strerror)
        return None


def _run(
    conn: sqlite3.Connection,
    operation: str,
    parameters: Any,
    many: bool,
    gate: WriterGate | None = None,
) -> Outcome:
    """Execute one statement and bring back all it returned (on the driver's thread).
    A writing transaction begins once it is this connection's turn (`WriterGate`)."""
    if operation == _BEGIN_PARENTS_KNOWN:
        conn.execute("PRAGMA foreign_keys=OFF")  # outside a transaction: it takes effect
        try:
            return _run(conn, BEGIN_WRITE, parameters, many, gate)
        except BaseException:
            conn.execute("PRAGMA foreign_keys=ON")  # it never began
            raise
    if gate is not None and operation == BEGIN_WRITE:
        gate.enter()
        try:
            return _run(conn, operation, parameters, many)
        except BaseException:
            gate.leave()
            raise
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class _Cursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor that opens nothing until it executes, then holds the results."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:  # type: ignore[override]
        return self._lastrowid  # type: ignore[return-value]

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def _trip(self, operation: Any, parameters: Any, many: bool) -> Any:
        connection = self._connection
        try:
            adapted = self._adapt_connection
            if operation == _BEGIN_PARENTS_KNOWN:
                adapted.parents_known = True  # checks back on when it ends (`_end`)
            if adapted.inline:  # see `inline_writes`
                outcome = _run(connection._connection, operation, parameters, many, adapted.gate)
            else:
                outcome = await_(self._hold(connection, operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)
        return None

    async def _hold(self, connection: Any, operation: Any, parameters: Any, many: bool) -> Outcome:
        adapted = self._adapt_connection
        async with adapted._execute_mutex:
            return await connection._execute(
                _run, connection._conn, operation, parameters, many, adapted.gate
            )

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        return self._trip(operation, parameters, False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        return self._trip(operation, seq_of_parameters, True)


def _end(
    conn: sqlite3.Connection, how: Any, gate: WriterGate | None, parents_known: bool = False
) -> bool:
    """Commit or roll back; foreign-key checks back on after a transaction that had them
    off. Whether they are (False while the transaction is still open: a failed commit)."""
    try:
        how(conn)
    finally:
        try:
            if parents_known and not conn.in_transaction:
                conn.execute("PRAGMA foreign_keys=ON")
                parents_known = False
        finally:
            if gate is not None:
                gate.leave()
    return not parents_known


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("gate", "inline", "parents_known")
    _cursor_cls = _Cursor

    def __init__(self, dbapi: Any, connection: Any, gate: WriterGate | None = None) -> None:
        super().__init__(dbapi, connection)
        self.inline = False  # statements on the caller's thread (`inline_writes`)
        self.parents_known = False  # foreign-key checks off in this transaction
        self.gate = gate

    def _finish(self, how: Any) -> None:
        """Commit or roll back (`how`), then let the next writer in (`WriterGate`)."""
        raw = self._connection._connection
        if not raw:
            self._let_go()
            return
        try:
            if self.inline:
                checked = _end(raw, how, self.gate, self.parents_known)
            else:
                checked = await_(
                    self._connection._execute(_end, raw, how, self.gate, self.parents_known)
                )
            if checked:
                self.parents_known = False
        except Exception as error:
            self._handle_exception(error)

    def commit(self) -> None:
        self._finish(sqlite3.Connection.commit)

    def rollback(self) -> None:
        self._finish(sqlite3.Connection.rollback)

    def _let_go(self) -> None:
        if self.gate is not None:
            self.gate.leave()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._let_go()

    def terminate(self) -> None:
        try:
            super().terminate()
        finally:
            self._let_go()


class _DBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> _Connection:
        # Made on aiosqlite's thread; `inline_writes` uses it from the loop's too, never
        # both at once (the connection is the one session's meanwhile).
        kw["check_same_thread"] = False
        adapted = super().connect(*arg, **kw)
        database = arg[0] if arg else kw.get("database", "")
        return _Connection(self, adapted._connection, _gate_for(database))


def begin_write(connection: Any) -> None:
    """Begin a writing transaction (db.engine's "begin" listener): BEGIN IMMEDIATE, with
    foreign-key checks off when the transaction asked for it (PARENTS_KNOWN)."""
    known = connection.get_execution_options().get(PARENTS_KNOWN)
    connection.exec_driver_sql(_BEGIN_PARENTS_KNOWN if known else BEGIN_WRITE)


@asynccontextmanager
async def inline_writes(
    session: AsyncSession, *, parents_known: bool = False
) -> AsyncIterator[None]:
    """Run the session's statements on the event loop's thread while inside: for a batch
    of many short writes (an import's), whose trips to the driver's thread and back cost
    more than the statements. The loop waits for each statement meanwhile, so a batch
    inside must stay short (tens of milliseconds); owners' writes wait for it anyway, as
    SQLite has one writer. The commit is best left outside, on the driver's thread, for
    the caller to do other work meanwhile. Elsewhere (PostgreSQL) it does nothing.

    `parents_known`: every row the transaction writes names parents (members, cars,
    visits, the store) it has read itself, under its write lock, so they exist: SQLite's
    foreign-key checks are left out (an import's 100k visits: about a quarter of its
    inserts' time). Must be the session's first use, which begins the transaction."""
    options = {PARENTS_KNOWN: True} if parents_known else None
    connection = await session.connection(execution_options=options)  # begins it (a trip)
    raw = (await connection.get_raw_connection()).dbapi_connection
    if not isinstance(raw, _Connection):
        yield
        return
    raw.inline = True
    try:
        yield
    finally:
        raw.inline = False


class Dialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> _DBAPI:  # type: ignore[override]
        return _DBAPI(__import__("aiosqlite"), __import__("sqlite3"))


class _InlineCursor:
    """A cursor run on the caller's thread: `_run` straight on the sqlite3 connection."""

    arraysize = 1

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._rows: collections.deque[Any] = collections.deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    def _take(self, outcome: Outcome) -> None:
        self.description, rows, self.rowcount, self.lastrowid = outcome
        self._rows = collections.deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._take(_run(self._conn, operation, parameters, False))

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._take(_run(self._conn, operation, seq_of_parameters, True))

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(size or self.arraysize, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def close(self) -> None:
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        return None


class _InlineConnection:
    """A sqlite3 connection used from the event loop's thread, behind SQLAlchemy's
    asyncio API (nothing it does is awaited)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def cursor(self, server_side: bool = False) -> _InlineCursor:
        return _InlineCursor(self._conn)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._conn.isolation_level = value

    def __getattr__(self, name: str) -> Any:  # commit, rollback, close, create_function…
        return getattr(self._conn, name)


class _InlineDBAPI:
    def __getattr__(self, name: str) -> Any:  # exceptions, paramstyle, version…
        return getattr(sqlite3, name)

    def connect(self, *arg: Any, **kw: Any) -> _InlineConnection:
        kw["check_same_thread"] = False  # made by the pool, used on the loop's thread
        return _InlineConnection(sqlite3.connect(*arg, **kw))


class InlineDialect(SQLiteDialect_pysqlite):
    """SQLite read on the event loop's own thread, for the readers' engine only
    (`db.engine.make_reader`): a view's indexed look-ups take microseconds, far less than
    a trip to a driver thread, and a reader in WAL mode never waits for a lock."""

    driver = INLINE
    is_async = True
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> Any:
        return _InlineDBAPI()

    @classmethod
    def get_pool_class(cls, url: Any) -> Any:
        return AsyncAdaptedQueuePool


registry.register(f"sqlite.{INLINE}", __name__, "InlineDialect")
registry.register(f"sqlite.{DRIVER}", __name__, "Dialect")
