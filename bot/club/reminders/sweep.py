"""The daily care-reminder sweep: every reminder due today becomes a queued push.

Cars (joined to their owners) and then members are read in keyset pages of `chunk_size`
rows, in short transactions: a page is read, its rules computed with no transaction
open, then the page's opt-outs and visits are looked up and its pushes inserted
(`INSERT … ON CONFLICT DO NOTHING`) and committed. No transaction spans the sweep, so
on SQLite (BEGIN IMMEDIATE) other writers wait at most one page, and memory stays flat.
The outbox's unique (member, purpose, dedupe_key) makes each reminder happen once
however many times or on however many instances the sweep runs; the sender sends the
rows later.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.club.points import ledger
from bot.club.policy.model import ClubPolicy
from bot.club.reminders import rules
from bot.club.reminders.rules import CarFacts, Due
from bot.messaging import outbox
from db.models import Car, Member, PointsEntry, Push, PushOptOut, Visit

CHUNK = 5000

_cars, _members, _pushes = Car.__table__, Member.__table__, Push.__table__
_visits, _opt_outs, _points = Visit.__table__, PushOptOut.__table__, PointsEntry.__table__
_CAR_COLUMNS = [_cars.c[name] for name in CarFacts._fields]
_OWNER = len(_CAR_COLUMNS)  # a car page's row: the CarFacts columns, member id, chat id
_REACHABLE = (_members.c.telegram_user_id.is_not(None), _members.c.blocked_at.is_(None))
_OWNER_COLUMNS = [_members.c[n] for n in ("id", "telegram_user_id", "birthday", "valid_until")]

Found = tuple[int, int, Due]  # a reminder for one member: (member id, chat id, reminder)


@dataclass
class SweepReport:
    by_purpose: dict[str, int] = field(default_factory=dict)  # pushes newly queued
    due: int = 0  # reminders found due (including ones queued by an earlier run)
    opted_out: int = 0  # of those, dropped because the owner turned the kind off
    cars: int = 0  # cars of reachable owners scanned
    members: int = 0  # reachable members scanned
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
    sessionmaker: async_sessionmaker[AsyncSession]
    policy: ClubPolicy
    store_id: int
    today: date
    at: datetime  # not_before of every push queued
    chunk: int
    report: SweepReport = field(default_factory=SweepReport)

    async def page(self, query: Select[Any], key: Any, after: int) -> Sequence[Row[Any]]:
        async with self.sessionmaker() as session:
            return (await session.execute(query.where(key > after).limit(self.chunk))).all()

    async def cars(self) -> None:
        query = (
            select(*_CAR_COLUMNS, _members.c.id, _members.c.telegram_user_id)
            .join_from(_cars, _members, _members.c.id == _cars.c.member_id)
            .where(_cars.c.store_id == self.store_id, _members.c.store_id == self.store_id)
            .where(*_REACHABLE)
            .order_by(_cars.c.id)
        )
        after, first = 0, outbox.Purpose.FIRST_MAINTENANCE
        while page := await self.page(query, _cars.c.id, after):
            after = page[-1][0]
            self.report.cars += len(page)
            # First-maintenance reminders wait for one look at the visits of their cars.
            found: list[Found] = []
            firsts: dict[int, Found] = {}
            for row in page:
                member_id, chat_id = row[_OWNER], row[_OWNER + 1]
                car = CarFacts._make(row[:_OWNER])
                for due in rules.car_reminders(car, self.today, self.policy.reminders):
                    if due.purpose is first:
                        firsts[row[0]] = (member_id, chat_id, due)
                    else:
                        found.append((member_id, chat_id, due))
            if found or firsts:
                async with self.sessionmaker() as session:
                    done = await maintained(session, list(firsts))
                    found += [item for car_id, item in firsts.items() if car_id not in done]
                    await self.queue(session, found, {m for m, _, _ in found})
                    await session.commit()

    async def members(self) -> None:
        query = (
            select(*_OWNER_COLUMNS)
            .where(_members.c.store_id == self.store_id, *_REACHABLE)
            .order_by(_members.c.id)
        )
        policy, today = self.policy.reminders, self.today
        holiday = rules.holiday(today, policy)  # the same greeting for every owner
        after = 0
        while page := await self.page(query, _members.c.id, after):
            after = page[-1][0]
            self.report.members += len(page)
            found: list[Found] = []
            for member_id, chat_id, born, valid_until in page:
                for due in (
                    rules.birthday(born, today),
                    rules.membership(valid_until, today, policy),
                ):
                    if due is not None:
                        found.append((member_id, chat_id, due))
            if not found and holiday is None:
                continue
            async with self.sessionmaker() as session:
                ids = [row[0] for row in page] if holiday else [m for m, _, _ in found]
                off = await self.queue(session, found, ids)
                if holiday is not None:
                    await self.fan_out(session, holiday, page[0][0], after, len(page), off)
                await session.commit()

    async def points(self) -> None:
        """Owners whose redeemable points expire within [gifts].expiry_reminder_days: the
        candidates from the ledger's expiry dates, then each one's lots (what is left)."""
        days = self.policy.gifts.expiry_reminder_days
        if self.policy.points_expiry_months == 0 or days == 0:
            return
        until = self.today + timedelta(days=days)
        async with self.sessionmaker() as session:
            candidates = await session.execute(
                select(_members.c.id, _members.c.telegram_user_id)
                .where(
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
                .order_by(_members.c.id)
            )
            found: list[Found] = []
            for member_id, chat_id in candidates.all():
                lot = await ledger.upcoming_expiry(session, member_id, self.today)
                if lot is None:
                    continue
                due = rules.points_expiry(lot.expires_on, lot.remaining, self.today, days)
                if due is not None:
                    found.append((member_id, chat_id, due))
            if found:
                await self.queue(session, found, [m for m, _, _ in found])
                await session.commit()

    async def queue(
        self, session: AsyncSession, found: list[Found], ids: Iterable[int]
    ) -> set[tuple[int, str]]:
        """Drop opted-out kinds, insert the rest (once per key), count what was new; the
        opt-outs of members `ids` (a superset of those in `found`)."""
        off = await _turned_off(session, ids)
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for member_id, chat_id, due in found:
            kind = str(due.purpose)
            if (member_id, kind) in off:
                self.report.opted_out += 1
                continue
            groups[kind].append(self.row(due, member_id, chat_id))
        self.report.due += len(found)
        for kind, rows in sorted(groups.items()):  # one lock order for every instance
            self.report.add(kind, await outbox.enqueue_many(session, rows))
        return off

    def row(self, due: Due, member_id: int, chat_id: int) -> dict[str, Any]:
        return outbox.push_row(
            store_id=self.store_id,
            member_id=member_id,
            chat_id=chat_id,
            purpose=str(due.purpose),
            dedupe_key=due.dedupe_key,
            params=due.params,
            not_before=self.at,
        )

    async def fan_out(
        self,
        session: AsyncSession,
        due: Due,
        low: int,
        high: int,
        count: int,
        off: set[tuple[int, str]],
    ) -> None:
        """Queue `due` for every reachable member with an id in [low, high] who has not
        turned it off, in one INSERT … SELECT (on a holiday, every owner is due)."""
        kind = str(due.purpose)
        turned_off = select(_opt_outs.c.id).where(
            _opt_outs.c.member_id == _members.c.id, _opt_outs.c.kind == kind
        )
        recipients = select(_members.c.id, _members.c.telegram_user_id).where(
            _members.c.store_id == self.store_id,
            *_REACHABLE,
            _members.c.id.between(low, high),
            ~turned_off.exists(),
        )
        fields = self.row(due, 0, 0)
        del fields["member_id"], fields["chat_id"], fields["status"], fields["attempts"]
        queued = await outbox.enqueue_for(session, recipients, **fields)
        opted_out = sum(1 for _, k in off if k == kind)
        self.report.due += count
        self.report.opted_out += opted_out
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


async def _turned_off(session: AsyncSession, member_ids: Iterable[int]) -> set[tuple[int, str]]:
    ids = sorted(set(member_ids))
    if not ids:
        return set()
    query = select(_opt_outs.c.member_id, _opt_outs.c.kind).where(_opt_outs.c.member_id.in_(ids))
    return {(member_id, kind) for member_id, kind in await session.execute(query)}


async def sweep(
    sessionmaker: async_sessionmaker[AsyncSession],
    policy: ClubPolicy,
    store_id: int,
    today: date,
    tz: ZoneInfo,
    *,
    chunk_size: int = CHUNK,
) -> SweepReport:
    """Queue every care reminder due on `today` (store date) for the store's owners who
    can be reached (a chat, not blocked) and have not turned the kind off; safe to run
    again, on several instances, or late (a missed day is caught up within the windows)."""
    started = perf_counter()
    run = _Sweep(sessionmaker, policy, store_id, today, not_before(today, policy, tz), chunk_size)
    await run.cars()
    await run.members()
    await run.points()
    run.report.seconds = perf_counter() - started
    return run.report
