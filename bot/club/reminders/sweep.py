"""The daily care-reminder sweep: every reminder due today becomes a queued push.

Kind by kind, the sweep reads the cars (joined to their owners), then the members, that
the kind's loose filter (`bot.club.reminders.candidates`) lets through, in keyset pages
of `chunk_size` rows; the rules decide exactly. Reads go through `reads` (on SQLite a
connection of their own that never takes the write lock) and take no lock a writer
waits for; each page's opt-outs are looked up and its pushes inserted
(`INSERT … ON CONFLICT DO NOTHING`) and committed in one short write transaction. No
transaction spans the sweep, so other writers wait at most one page, and memory stays
flat. The outbox's unique (member, purpose, dedupe_key) makes each reminder happen once
however many times or on however many instances the sweep runs; the sender sends the
rows later.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, and_, bindparam, null, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.club.points import ledger
from bot.club.policy.model import ClubPolicy
from bot.club.reminders import candidates, rules
from bot.club.reminders.candidates import CarKind, MemberFacts, MemberKind
from bot.club.reminders.rules import CarFacts, Due
from bot.messaging import outbox
from db import wal
from db.models import Car, Member, PointsEntry, PushOptOut, Visit
from db.wal import BatchLog

CHUNK = 5000
WRITE_BATCH = 1000  # reminders per write transaction: SQLite's write lock held ≤ ~50 ms
YIELD_EVERY = 200  # rows computed between two chances for the event loop to run others

_cars, _members = Car.__table__, Member.__table__
_visits, _opt_outs, _points = Visit.__table__, PushOptOut.__table__, PointsEntry.__table__
_OWNER = len(CarFacts._fields)  # a car page's row: the CarFacts columns, member id, chat id
_REACHABLE = (_members.c.telegram_user_id.is_not(None), _members.c.blocked_at.is_(None))
_MEMBER_COLUMNS = [_members.c.id, _members.c.telegram_user_id] + [
    _members.c[name] for name in MemberFacts._fields
]

Found = tuple[int, int, Due]  # a reminder for one member: (member id, chat id, reminder)


def _car_columns(reads: tuple[str, ...]) -> list[Any]:
    """The CarFacts columns, those a rule does not read as NULL (nothing to fetch or
    convert: a kind may read 150,000 cars)."""
    return [_cars.c[name] if name in reads else null() for name in CarFacts._fields]


@dataclass
class SweepReport:
    by_purpose: dict[str, int] = field(default_factory=dict)  # pushes newly queued
    due: int = 0  # reminders found due (including ones queued by an earlier run)
    opted_out: int = 0  # of those, dropped because the owner turned the kind off
    cars: int = 0  # car rows of reachable owners read (a car once per kind it may be due)
    members: int = 0  # member rows of reachable owners read (likewise)
    seconds: float = 0.0

    @property
    def queued(self) -> int:
        return sum(self.by_purpose.values())

    def add(self, kind: str, new: int) -> None:
        self.by_purpose[kind] = self.by_purpose.get(kind, 0) + new


def not_before(today: date, policy: ClubPolicy, tz: ZoneInfo) -> datetime:
    """When today's reminders may go: the policy's send_at in store time, in UTC."""
    return datetime.combine(today, policy.reminders.send_at, tzinfo=tz).astimezone(UTC)


@dataclass
class _Sweep:
    writes: async_sessionmaker[AsyncSession]
    reads: async_sessionmaker[AsyncSession]
    policy: ClubPolicy
    store_id: int
    today: date
    at: datetime  # not_before of every push queued
    chunk: int
    report: SweepReport = field(default_factory=SweepReport)
    writing: asyncio.Task[None] | None = None  # the page being written
    log: BatchLog = field(default_factory=lambda: BatchLog(None))  # SQLite's WAL, beside

    async def pages(self, query: Select[Any], key: Any) -> AsyncIterator[Sequence[Row[Any]]]:
        """`query`'s rows in keyset pages on `key` (its first column), each read in a
        short transaction of its own."""
        after = 0
        while True:
            async with self.reads() as session:
                page = (await session.execute(query.where(key > after).limit(self.chunk))).all()
            if not page:
                return
            yield page
            after = page[-1][0]

    async def cars(self) -> None:
        for kind in candidates.CAR_KINDS:
            await self.car_kind(kind)

    async def car_kind(self, kind: CarKind) -> None:
        rule, today, policy = kind.rule, self.today, self.policy.reminders
        query = (
            select(*_car_columns(kind.reads), _members.c.id, _members.c.telegram_user_id)
            .join_from(_cars, _members, _members.c.id == _cars.c.member_id)
            .where(_cars.c.store_id == self.store_id, _members.c.store_id == self.store_id)
            .where(*_REACHABLE, kind.where(today, policy))
            .order_by(_cars.c.id)
        )
        async for page in self.pages(query, _cars.c.id):
            self.report.cars += len(page)
            found: dict[int, Found] = {}  # by car
            for i, row in enumerate(page, 1):
                if (due := rule(CarFacts._make(row[:_OWNER]), today, policy)) is not None:
                    found[row[0]] = (row[_OWNER], row[_OWNER + 1], due)
                if i % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
            await self.write_later(kind.purpose, found)
        await self.written()

    async def members(self) -> None:
        for kind in candidates.MEMBER_KINDS:
            await self.member_kind(kind)
        if (holiday := rules.holiday(self.today, self.policy.reminders)) is not None:
            await self.holiday(holiday)  # the same greeting for every owner

    async def member_kind(self, kind: MemberKind) -> None:
        rule, today, policy = kind.rule, self.today, self.policy.reminders
        query = (
            select(*_MEMBER_COLUMNS)
            .where(_members.c.store_id == self.store_id, *_REACHABLE)
            .where(kind.where(today, policy))
            .order_by(_members.c.id)
        )
        async for page in self.pages(query, _members.c.id):
            self.report.members += len(page)
            found: dict[int, Found] = {}  # by member
            for member_id, chat_id, *facts in page:
                if (due := rule(MemberFacts._make(facts), today, policy)) is not None:
                    found[member_id] = (member_id, chat_id, due)
            await self.write_later(kind.purpose, found)
        await self.written()

    async def holiday(self, due: Due) -> None:
        """On a holiday every reachable owner is due: pages of member ids, each queued in
        one INSERT … SELECT."""
        query = (
            select(_members.c.id)
            .where(_members.c.store_id == self.store_id, *_REACHABLE)
            .order_by(_members.c.id)
        )
        async for page in self.pages(query, _members.c.id):
            self.report.members += len(page)
            await self.log.before()
            async with self.writes() as session:
                await self.fan_out(session, due, [member_id for (member_id,) in page])
                await session.commit()
            await self.log.after()

    async def points(self) -> None:
        """Owners whose redeemable points expire within [gifts].expiry_reminder_days: the
        candidates from the ledger's expiry dates, then each one's lots (what is left)."""
        days = self.policy.gifts.expiry_reminder_days
        if self.policy.points_expiry_months == 0 or days == 0:
            return
        until = self.today + timedelta(days=days)
        query = select(_members.c.id, _members.c.telegram_user_id).where(
            _members.c.store_id == self.store_id,
            *_REACHABLE,
            select(_points.c.id)
            .where(
                _points.c.member_id == _members.c.id,
                _points.c.redeemable > 0,
                _points.c.expires_on.between(self.today, until),
            )
            .exists(),
        )
        async for page in self.pages(query.order_by(_members.c.id), _members.c.id):
            found: dict[int, Found] = {}  # by member
            async with self.reads() as session:
                for member_id, chat_id in page:
                    lot = await ledger.upcoming_expiry(session, member_id, self.today)
                    if lot is None:
                        continue
                    due = rules.points_expiry(lot.expires_on, lot.remaining, self.today, days)
                    if due is not None:
                        found[member_id] = (member_id, chat_id, due)
            await self.write_later(outbox.Purpose.POINTS_EXPIRY, found)
        await self.written()

    async def write_later(self, purpose: outbox.Purpose, found: dict[int, Found]) -> None:
        """Queue a page's reminders on the writer while the next page is read and computed
        (the threads of two connections and the event loop work at once); the page
        before is written first: one write at a time, in page order."""
        await self.written()
        if found:
            self.writing = asyncio.create_task(self.write(purpose, found))

    async def written(self) -> None:
        if self.writing is not None:
            writing, self.writing = self.writing, None
            await writing

    async def write(self, purpose: outbox.Purpose, found: dict[int, Found]) -> None:
        """`queue` in write transactions of at most WRITE_BATCH reminders each."""
        keys = list(found)  # cars for the car kinds, else members
        for start in range(0, len(keys), WRITE_BATCH):
            batch = keys[start : start + WRITE_BATCH]
            await self.log.before()
            async with self.writes() as session:
                if purpose is outbox.Purpose.FIRST_MAINTENANCE:  # until a maintenance visit
                    done = await maintained(session, batch)
                    batch = [car_id for car_id in batch if car_id not in done]
                await self.queue(session, purpose, [found[key] for key in batch])
                await session.commit()
            await self.log.after()

    async def queue(
        self, session: AsyncSession, purpose: outbox.Purpose, found: list[Found]
    ) -> None:
        """Reminders of one kind: drop the owners who turned it off, insert the rest (once
        per key), count what was new."""
        if not found:
            return
        ids = [member_id for member_id, _, _ in found]
        off = await _turned_off(session, str(purpose), min(ids), max(ids))
        rows = [
            {"member_id": m, "chat_id": c, "dedupe_key": due.dedupe_key, "params": due.params}
            for m, c, due in found
            if m not in off
        ]
        self.report.due += len(found)
        self.report.opted_out += len(found) - len(rows)
        fields = {"store_id": self.store_id, "purpose": purpose, "not_before": self.at}
        self.report.add(str(purpose), await outbox.enqueue_each(session, rows, **fields))

    async def fan_out(self, session: AsyncSession, due: Due, ids: list[int]) -> None:
        """Queue `due` for the reachable members `ids` (ascending) who have not turned it
        off, in one INSERT … SELECT over their id range."""
        kind, low, high = str(due.purpose), ids[0], ids[-1]
        turned_off = select(_opt_outs.c.id).where(
            _opt_outs.c.member_id == _members.c.id, _opt_outs.c.kind == kind
        )
        recipients = select(_members.c.id, _members.c.telegram_user_id).where(
            _members.c.store_id == self.store_id,
            *_REACHABLE,
            _members.c.id.between(low, high),
            ~turned_off.exists(),
        )
        queued = await outbox.enqueue_for(
            session,
            recipients,
            store_id=self.store_id,
            purpose=kind,
            dedupe_key=due.dedupe_key,
            params=due.params,
            not_before=self.at,
        )
        off = await _turned_off(session, kind, low, high)
        self.report.due += len(ids)
        self.report.opted_out += len(off.intersection(ids))
        self.report.add(kind, queued)


async def maintained(session: AsyncSession, car_ids: list[int]) -> set[int]:
    """Of `car_ids`, the cars with a maintenance visit on or after their delivery."""
    if not car_ids:
        return set()
    visit_of_car = and_(
        _visits.c.member_id == _cars.c.member_id,  # ix_visits_member_date
        _visits.c.car_id == _cars.c.id,
        _visits.c.visit_date >= _cars.c.delivery_date,
    )
    query = (
        select(_cars.c.id)
        .join_from(_cars, _visits, visit_of_car)
        .where(_cars.c.id.in_(car_ids), _visits.c.category.in_(rules.MAINTENANCE_CATEGORIES))
        .distinct()
    )
    return set((await session.execute(query)).scalars())


_OFF = select(_opt_outs.c.member_id).where(
    _opt_outs.c.kind == bindparam("kind"),
    _opt_outs.c.member_id.between(bindparam("low"), bindparam("high")),
)


async def _turned_off(session: AsyncSession, kind: str, low: int, high: int) -> set[int]:
    """The members with ids in [low, high] who turned `kind` off (one prebuilt statement:
    a page's thousands of ids in an IN list cost more to compile than to look up)."""
    found = await session.execute(_OFF, {"kind": kind, "low": low, "high": high})
    return set(found.scalars())


async def sweep(
    sessionmaker: async_sessionmaker[AsyncSession],
    policy: ClubPolicy,
    store_id: int,
    today: date,
    tz: ZoneInfo,
    *,
    chunk_size: int = CHUNK,
    reads: async_sessionmaker[AsyncSession] | None = None,
) -> SweepReport:
    """Queue every care reminder due on `today` (store date) for the store's owners who
    can be reached (a chat, not blocked) and have not turned the kind off; safe to run
    again, on several instances, or late (a missed day is caught up within the windows).
    `reads`: sessions for the pages read (default: `sessionmaker`'s)."""
    started = perf_counter()
    at = not_before(today, policy, tz)
    run = _Sweep(sessionmaker, reads or sessionmaker, policy, store_id, today, at, chunk_size)
    async with wal.batch_log(sessionmaker) as run.log:  # commits never checkpoint meanwhile
        try:
            await run.cars()
            await run.members()
            await run.points()
        finally:
            if run.writing is not None:  # failed or cancelled half-way: none is left running
                run.writing.cancel()
                await asyncio.gather(run.writing, return_exceptions=True)
    run.report.seconds = perf_counter() - started
    return run.report
