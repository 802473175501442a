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
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import date
from itertools import islice
from typing import Any, BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.club.imports.dms.reader import FileKind, open_rows
from bot.club.imports.dms.rows import (
    RowError,
    normalise_car,
    normalise_member,
    normalise_visit,
)
from bot.club.imports.report import ImportReport
from bot.club.imports.visit_writes import write_visits
from bot.club.imports.writes import Rejected, write_cars, write_members
from bot.club.policy.headers import header_fields
from bot.club.policy.model import ClubPolicy
from bot.club.staff import audit
from db.sqlite_driver import inline_writes
from db.wal import batch_log

# Rows per batch transaction. A batch holds SQLite's write lock (and its one connection)
# while it writes: at 1,000 rows that took 100-200 ms on two shared cores, at 500 about
# 60-80 ms, so no owner waits much more than that for an import (issue 12: <= 100 ms).
BATCH = 500
OnError = Callable[[int, str, str | None, dict[str, str]], None]
Writer = Callable[
    [AsyncSession, ClubPolicy, int, list[tuple[int, Any]], date, ImportReport], Awaitable[Rejected]
]


def _batches(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


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
) -> None:
    """Write one checked batch in its own short transaction and report its rows in file
    order: refused by the checks, refused by the database, imported with a warning.
    `committing` is set when only the commit is left (the database's work, not ours)."""
    batch, good, refused = parsed
    raws = dict(batch)
    report.rows += len(batch)
    report.errors += len(refused)
    if on_error is not None:
        for number, exc in refused:
            on_error(number, exc.code, exc.field, raws[number])
    began = time.perf_counter()
    async with sessionmaker() as session:
        async with inline_writes(session):  # a few dozen statements, none long
            rejected = await writer(session, policy, store_id, good, today, report)
        committing.set()
        await session.commit()
    report.longest_batch_seconds = max(report.longest_batch_seconds, time.perf_counter() - began)
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


async def _until(task: asyncio.Future[None], event: asyncio.Event) -> None:
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
    batch_size: int = BATCH,
    *,
    as_of: date | None = None,
    on_warning: OnError | None = None,
) -> ImportReport:
    """Import one DMS file; refused rows go to `on_error(row, code, field, raw)`, rows
    imported with a warning to `on_warning(...)` alike.

    `as_of` is the export's own date (default: today): visits and deliveries after it are
    refused. Raises `FileFormatError` when the file is not a spreadsheet we can read.
    """
    started = time.perf_counter()
    as_of = min(as_of or today, today)
    async with batch_log(sessionmaker) as log:
        headers = header_fields(policy.import_headers)
        with open_rows(data, filename, headers) as rows:
            report = ImportReport(kind=str(rows.kind))

            def parse(number: int, raw: dict[str, str]) -> Any:
                if rows.kind is FileKind.VISITS:
                    return normalise_visit(
                        raw,
                        today=today,
                        categories=policy.category_aliases,
                        max_amount_fen=policy.max_visit_fen,
                        as_of=as_of,
                    )
                if rows.kind is FileKind.CARS:
                    return normalise_car(raw, today=today, as_of=as_of)
                return normalise_member(raw, today=today)

            writer = {
                FileKind.MEMBERS: write_members,
                FileKind.CARS: write_cars,
                FileKind.VISITS: write_visits,
            }[rows.kind]
            batches = _batches(rows, batch_size)

            def read_next() -> Parsed | None:
                """The next batch, read and checked (outside any transaction)."""
                batch = next(batches, None)
                if batch is None:
                    return None
                good, refused = [], []
                for number, raw in batch:
                    try:
                        good.append((number, parse(number, raw)))
                    except RowError as exc:
                        refused.append((number, exc))
                return batch, good, refused

            parsed = read_next()
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
                    parsed = read_next()
                finally:
                    await write  # cancelled meanwhile: the batch still ends, one way or the other
                await log.after()
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
