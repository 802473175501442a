"""Engine and session factory for SQLite (default) or PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, start transactions (see _begin_immediate).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _begin_immediate(conn: Any) -> None:
    # Take the write lock up front: a read-then-write transaction can then never fail
    # with "database is locked" half-way (STACK-NOTES: 1,000 of 1,000 right this way).
    # Writers in other processes take turns with ours first (sqlite_driver.WriterGate).
    from db.sqlite_driver import begin_write

    begin_write(conn)


def _reader_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA query_only=ON")  # a view that tried to write would fail loudly
    cursor.execute("PRAGMA busy_timeout=1000")  # WAL readers wait only in rare recoveries
    cursor.close()


def _begin_reading(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")  # no lock until the first read; never the write lock


def _one_trip(url: str) -> Any:
    """The URL with aiosqlite swapped for the adapter that makes one trip to the
    driver's thread per statement (db.sqlite_driver): same database, same SQL."""
    from db import sqlite_driver

    parsed = make_url(url)
    if parsed.drivername != "sqlite+aiosqlite":
        return url
    return parsed.set(drivername=f"sqlite+{sqlite_driver.DRIVER}")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL, foreign keys and a busy timeout.

    SQL parameters are kept out of error messages and logs: they hold phone numbers,
    VINs and birthdays, which must never reach a log in clear.
    """
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        # One connection per process: SQLite takes one writer at a time, and every
        # transaction here is a writer (BEGIN IMMEDIATE). Waiting in the pool's queue is
        # first come, first served; waiting in SQLite's busy handler is not (with 15
        # connections, some waited past the busy timeout under a burst of 1,000 confirms).
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", 60)
        engine = create_async_engine(_one_trip(url), **kwargs)
        # Listeners must sit on the sync engine (STACK-NOTES).
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def make_reader(url: str, *, on_loop: bool = True) -> AsyncEngine | None:
    """The engine for views that only read (/points, /card), or None where the one
    engine serves them too (an in-memory SQLite database; PostgreSQL's sweeps).

    On SQLite WAL readers never wait for the writer, and its transactions can never
    write (PRAGMA query_only). `on_loop`: its connections run on the event loop's own
    thread (db.sqlite_driver's inline dialect), for a view's indexed look-ups that take
    microseconds; without, each statement runs on a thread of its own connection, for
    the sweeps' long scans that must not hold up the loop.

    On PostgreSQL (views only: sweeps stream in transactions) its statements run without
    BEGIN and COMMIT, and its pooled connections are not pinged before each use: three of
    a view's six round trips. A view loses nothing by it. In a READ COMMITTED transaction
    (PostgreSQL's default, ours) each statement sees what was committed when it began
    anyway, and a connection found dead is read again on a fresh one
    (handlers.common: reading twice changes nothing). Such a view must not write: a write
    would be committed at once."""
    from db import sqlite_driver

    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        if not on_loop:
            return None
        return create_async_engine(
            url,
            hide_parameters=True,
            pool_size=5,
            max_overflow=10,
            pool_pre_ping=False,
            isolation_level="AUTOCOMMIT",
        )
    if not is_sqlite(url) or parsed.database in (None, "", ":memory:"):
        return None
    driver = sqlite_driver.INLINE if on_loop else sqlite_driver.DRIVER
    engine = create_async_engine(
        parsed.set(drivername=f"sqlite+{driver}"),
        hide_parameters=True,
        pool_size=2,
        max_overflow=6,
    )
    event.listen(engine.sync_engine, "connect", _reader_pragmas)
    event.listen(engine.sync_engine, "begin", _begin_reading)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
