"""Importing DMS exports: members, cars and visits, in batches, idempotently.

A file is read as a stream and written a batch at a time (one transaction per batch),
so memory stays flat and a 100,000-row file imports in seconds. Re-importing the same
file changes nothing: members match by phone, cars by plate, visits by order number.
Imported history earns points by the policy and sets starting tiers, but sends no
messages: owners who are not in the chat yet must not be flooded.

Every row of the file ends up counted once: new, already there, or refused (with its
reason and its values); `rows == created + unchanged + errors`. Rows imported with a
doubt (a VIN whose check digit does not add up) are also reported as warnings.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.club.imports.checked import RowChecks, open_checked
from bot.club.imports.dms.reader import FileKind
from bot.club.imports.dms.rows import RowError
from bot.club.imports.report import ImportReport
from bot.club.imports.visit_writes import write_visits
from bot.club.imports.writes import Rejected, write_cars, write_members
from bot.club.policy.headers import header_fields
from bot.club.policy.model import ClubPolicy
from bot.club.staff import audit
from db.sqlite_driver import inline_writes
from db.wal import batch_log

# A batch transaction holds SQLite's write lock (and the process's one writing
# connection) while it writes and commits: an owner's write waits for it (issue 12: at
# most 100 ms). In the bot, reading and checking a batch and writing it also hold the
# event loop. So each batch is sized to take about BATCH_SECONDS of both on the machine
# at hand (the commit runs beside the next batch's reading); or, for a file read in a
# helper process (bot.club.imports.ahead), to hold the write lock about BATCH_SECONDS,
# its commit included (100k visits: a batch held it 40 ms at the median, 61-65 ms at
# the 99th percentile; 52 and 91 ms with the commit left out). The first has BATCH
# rows, each next one as many as the pace so far fits (`sized`). Every batch also costs
# the same few milliseconds whatever its size (its statements' set-up, the commit's hop
# to the driver's thread): visits in batches of 500 went 30% slower than in batches of
# 2,000 on two shared cores.
BATCH = 500
BATCH_SECONDS = 0.04
MIN_BATCH, MAX_BATCH = 100, 4000
OnError = Callable[[int, str, str | None, dict[str, str]], None]
Writer = Callable[
    [AsyncSession, ClubPolicy, int, list[tuple[int, Any]], date, ImportReport], Awaitable[Rejected]
]


def sized(rows: int, seconds: float) -> int:
    """The next batch's size after `rows` rows took `seconds` (see BATCH_SECONDS): as
    many rows as fit in BATCH_SECONDS at that pace, at most twice as many (a batch that
    went fast by chance does not make the next one long), within MIN_BATCH and
    MAX_BATCH."""
    fits = int(rows * BATCH_SECONDS / seconds) if seconds > 0 else 2 * rows
    return max(MIN_BATCH, min(MAX_BATCH, 2 * rows, fits))


Parsed = tuple[list[tuple[int, dict[str, str]]], list[tuple[int, Any]], list[tuple[int, RowError]]]


async def _write_batch(
    sessionmaker: async_sessionmaker[AsyncSession],
    writer: Writer,
    policy: ClubPolicy,
    store_id: int,
    parsed: Parsed,
    today: date,
    report: ImportReport,
    on_error: OnError | None,
    on_warning: OnError | None,
    committing: asyncio.Event,
) -> tuple[float, float]:
    """Write one checked batch in its own short transaction and report its rows in file
    order: refused by the checks, refused by the database, imported with a warning.
    `committing` is set when only the commit is left (the database's work, not ours).
    Returns how long the writing took, until then, and how long the write lock was held
    (the commit too)."""
    batch, good, refused = parsed
    raws = dict(batch)
    report.rows += len(batch)
    report.errors += len(refused)
    if on_error is not None:
        for number, exc in refused:
            on_error(number, exc.code, exc.field, raws[number])
    began = time.perf_counter()
    async with sessionmaker() as session:
        # A few dozen statements, none long. A visits batch reads every parent it names
        # (cars, their members, the visits it writes) itself, under its write lock.
        async with inline_writes(session, parents_known=writer is write_visits):
            rejected = await writer(session, policy, store_id, good, today, report)
        written = time.perf_counter() - began
        committing.set()
        await session.commit()
    held = time.perf_counter() - began
    report.longest_batch_seconds = max(report.longest_batch_seconds, held)
    report.batches += 1
    for number, code, field_name in rejected:
        report.errors += 1
        if on_error is not None:
            on_error(number, code, field_name, raws[number])
    dropped = {number for number, _, _ in rejected}
    for number, record in good:
        for code, field_name in getattr(record, "warnings", ()):
            if number not in dropped:
                report.warnings += 1
                if on_warning is not None:
                    on_warning(number, code, field_name, raws[number])
    return written, held


async def _until(task: asyncio.Future[Any], event: asyncio.Event) -> None:
    """Wait until `event` is set or `task` has ended (with or without it)."""
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait((task, waiter), return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()


async def import_file(
    sessionmaker: async_sessionmaker[AsyncSession],
    policy: ClubPolicy,
    store_id: int,
    actor_id: int | None,
    data: BinaryIO,
    filename: str,
    today: date,
    on_error: OnError | None = None,
    batch_size: int | None = None,
    *,
    as_of: date | None = None,
    on_warning: OnError | None = None,
    ahead: bool | None = None,
) -> ImportReport:
    """Import one DMS file; refused rows go to `on_error(row, code, field, raw)`, rows
    imported with a warning to `on_warning(...)` alike.

    `as_of` is the export's own date (default: today): visits and deliveries after it are
    refused. Batches are sized by time (see BATCH_SECONDS), or have `batch_size` rows
    each when it is given. A large file is read and checked in a helper process (see
    bot.club.imports.ahead; `ahead` says whether, default by the file's size). Raises
    `FileFormatError` when the file is not a spreadsheet we can read.
    """
    started = time.perf_counter()
    as_of = min(as_of or today, today)
    checks = RowChecks(
        today=today,
        as_of=as_of,
        categories=dict(policy.category_aliases),
        max_amount_fen=policy.max_visit_fen,
        headers=header_fields(policy.import_headers),
    )
    async with batch_log(sessionmaker) as log:
        rows = await open_checked(data, filename, checks, ahead)
        try:
            report = ImportReport(kind=str(rows.kind))
            writer = {
                FileKind.MEMBERS: write_members,
                FileKind.CARS: write_cars,
                FileKind.VISITS: write_visits,
            }[rows.kind]
            size = batch_size or BATCH

            async def read_next() -> tuple[Parsed | None, float]:
                """The next batch, read and checked (outside any transaction), and the
                seconds that held this thread."""
                began = time.perf_counter()
                taken = await rows.take(size)
                if not taken:
                    return None, 0.0
                good, refused = [], []
                for number, _raw, result in taken:
                    if isinstance(result, RowError):
                        refused.append((number, result))
                    else:
                        good.append((number, result))
                batch = [(number, raw) for number, raw, _result in taken]
                return (batch, good, refused), (
                    time.perf_counter() - began if rows.on_this_thread else 0.0
                )

            parsed, reading = await read_next()
            while parsed is not None:
                await log.before()
                committing = asyncio.Event()
                write = asyncio.ensure_future(
                    _write_batch(
                        sessionmaker,
                        writer,
                        policy,
                        store_id,
                        parsed,
                        today,
                        report,
                        on_error,
                        on_warning,
                        committing,
                    )
                )
                try:  # the next batch is read and checked while the database commits this one
                    await _until(write, committing)
                    upcoming, next_reading = await read_next()
                finally:
                    # cancelled meanwhile: the batch still ends, either way
                    writing, held = await write
                await log.after()
                if batch_size is None:  # what held the loop, or (read elsewhere) the lock
                    busy = reading + writing if rows.on_this_thread else held
                    size = sized(len(parsed[0]), busy)
                parsed, reading = upcoming, next_reading
        finally:
            rows.close()
    report.seconds = time.perf_counter() - started
    async with sessionmaker() as session:
        audit.record(
            session,
            store_id,
            actor_id,
            "dms.import",
            filename[:80],
            kind=report.kind,
            rows=report.rows,
            created=report.created,
            unchanged=report.unchanged,
            errors=report.errors,
            warnings=report.warnings,
            as_of=as_of.isoformat(),
        )
        await session.commit()
    return report
