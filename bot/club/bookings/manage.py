"""Staff changing a store day: closing and reopening it, blocking and unblocking slots,
and setting the places per slot. Each change takes the day's lock first (as every booking
does), so nothing books into a slot while it is being closed, and reports the bookings
already in the closed time or over the new places: nothing is cancelled automatically."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.bookings import desk
from bot.club.bookings.book import lock_days
from bot.club.bookings.rules import Status
from bot.club.bookings.slots import EVERY, DayPlan, local_instant, opening
from bot.club.staff import audit
from bot.club.stores.context import StoreContext
from db.models import BookingBlock, BookingDay

MAX_PLACES = 99
ALL = "all"
_CLOCK = r"([01]?\d|2[0-4])(?:[:：.]([0-5]\d))?"
_RANGE = re.compile(rf"^{_CLOCK}\s*[-–~]\s*{_CLOCK}$")


class SlotRefusal(StrEnum):
    PAST = "past"
    BAD_RANGE = "bad_range"
    OUTSIDE_HOURS = "outside_hours"  # the range starts before opening or ends after closing
    NOT_OPEN = "not_open"  # a range on a day the opening hours or holidays close
    UNKNOWN_SERVICE = "unknown_service"


class SlotRefused(Exception):
    def __init__(self, code: SlotRefusal, hours: tuple[datetime, datetime] | None = None) -> None:
        super().__init__(str(code))
        self.code, self.hours = code, hours


@dataclass(frozen=True)
class Change:
    """What a staff change did, and the bookings the desk should call about."""

    day: date
    changed: bool  # False: the day was so already
    span: tuple[datetime, datetime] | None = None  # the blocked or reopened time
    service: str | None = None  # a service code; None for every service
    places: int | None = None
    removed: int = 0  # blocks taken away
    policy_closed: bool = False  # the opening hours or holidays keep the day closed
    affected: list[desk.Line] = field(default_factory=list)


def parse_range(text: str) -> tuple[time, time] | None:
    """A range such as 10:00-11:30 or 10-12 as two clock times, the end after the start."""
    match = _RANGE.match(text.strip())
    if match is None:
        return None
    h1, m1, h2, m2 = (int(g or 0) for g in match.groups())
    if h1 == 24 or (h2 == 24 and m2):
        return None
    start, end = time(h1, m1), (time(23, 59, 59) if h2 == 24 else time(h2, m2))
    return (start, end) if end > start else None


def service_code(store: StoreContext, word: str) -> str:
    """A service code as typed (or "all" → "*"); raises for an unknown one."""
    code = word.strip().lower()
    if code in (ALL, EVERY):
        return EVERY
    if store.policy.bookings.service(code) is None:
        raise SlotRefused(SlotRefusal.UNKNOWN_SERVICE)
    return code


def _not_past(store: StoreContext, day: date, now: datetime) -> None:
    if day < store.today(now):
        raise SlotRefused(SlotRefusal.PAST)


def _span(store: StoreContext, day: date, clock: tuple[time, time]) -> tuple[datetime, datetime]:
    """The range as instants, widened to whole slots, within the day's opening hours."""
    policy = store.policy.bookings
    hours = opening(policy, store.tz, day)
    if hours is None:
        raise SlotRefused(SlotRefusal.NOT_OPEN)
    start, end = (local_instant(day, c, store.tz) for c in clock)
    if start < hours[0] or end > hours[1]:
        raise SlotRefused(SlotRefusal.OUTSIDE_HOURS, hours)
    step = timedelta(minutes=policy.slot_minutes)
    start = hours[0] + ((start - hours[0]) // step) * step
    end = min(hours[0] + -((hours[0] - end) // step) * step, hours[1])
    return start, end


async def _day_row(session: AsyncSession, store: StoreContext, day: date) -> BookingDay:
    """The day's row, locked (every booking of the day waits for this change)."""
    await lock_days(session, store.id, [day])
    row = await session.scalar(
        select(BookingDay).where(BookingDay.store_id == store.id, BookingDay.day == day)
    )
    assert row is not None  # lock_days created it
    await session.refresh(row)
    return row


async def _booked(
    session: AsyncSession, store: StoreContext, day: date, now: datetime
) -> tuple[DayPlan, list[desk.Line]]:
    """The day's plan and its bookings still to come (the ones worth a call)."""
    sheet = await desk.day_sheet(session, store, day)
    waiting = [x for x in sheet.lines if x.booking.status == Status.BOOKED]
    return sheet.plan, [x for x in waiting if x.booking.ends_at > now]


async def close_day(
    session: AsyncSession,
    store: StoreContext,
    day: date,
    *,
    by: int,
    now: datetime,
    reason: str | None = None,
) -> Change:
    _not_past(store, day, now)
    row = await _day_row(session, store, day)
    changed = not row.closed
    row.closed, row.note = True, (reason or "").strip()[:200] or row.note
    row.updated_by, row.updated_at = by, now
    audit.record(session, store.id, by, "booking.close_day", f"day:{day.isoformat()}")
    return Change(day, changed, affected=(await _booked(session, store, day, now))[1])


async def block(
    session: AsyncSession,
    store: StoreContext,
    day: date,
    clock: tuple[time, time],
    *,
    by: int,
    now: datetime,
    service: str | None = None,
    reason: str | None = None,
) -> Change:
    """Take [start, end) of `day` out of booking, for `service` or (None) for all."""
    _not_past(store, day, now)
    span = _span(store, day, clock)
    await _day_row(session, store, day)
    code = None if service in (None, EVERY) else service
    session.add(
        BookingBlock(
            store_id=store.id,
            day=day,
            starts_at=span[0],
            ends_at=span[1],
            service=code,
            reason=(reason or "").strip()[:200] or None,
            created_by=by,
            created_at=now,
        )
    )
    await session.flush()
    audit.record(session, store.id, by, "booking.block", f"day:{day.isoformat()}", service=code)
    affected = [
        line
        for line in (await _booked(session, store, day, now))[1]
        if line.booking.starts_at < span[1]
        and line.booking.ends_at > span[0]
        and code in (None, line.booking.service)
    ]
    return Change(day, True, span, code, affected=affected)


async def reopen(
    session: AsyncSession,
    store: StoreContext,
    day: date,
    clock: tuple[time, time] | None,
    *,
    by: int,
    now: datetime,
) -> Change:
    """Without a range: the day open again and all its blocks gone; with one: the blocks
    that overlap it gone."""
    _not_past(store, day, now)
    span = _span(store, day, clock) if clock is not None else None
    row = await _day_row(session, store, day)
    was_closed = bool(row.closed)
    where = [BookingBlock.store_id == store.id, BookingBlock.day == day]
    if span is not None:
        where += [BookingBlock.starts_at < span[1], BookingBlock.ends_at > span[0]]
    else:
        row.closed, row.note = False, None
    removed = (await session.execute(delete(BookingBlock).where(*where))).rowcount or 0
    row.updated_by, row.updated_at = by, now
    audit.record(session, store.id, by, "booking.reopen", f"day:{day.isoformat()}")
    policy_closed = store.policy.bookings.opening(day) is None
    changed = bool(removed) or (span is None and was_closed)
    return Change(day, changed, span, removed=removed, policy_closed=policy_closed)


def _over(plan: DayPlan, lines: list[desk.Line]) -> list[desk.Line]:
    """The bookings in a slot that now holds more cars of their service than it has places."""
    used: Counter[tuple[str, datetime]] = Counter()
    for taken in plan.taken:
        for slot in plan.slots:
            if taken.starts_at <= slot < taken.ends_at:
                used[taken.service, slot] += taken.count
    out = []
    for line in lines:
        b = line.booking
        service = plan.policy.service(b.service)
        if service is None:
            continue
        cap = plan.capacity(service)
        if any(used[b.service, s] > cap for s in plan.slots if b.starts_at <= s < b.ends_at):
            out.append(line)
    return out


async def set_capacity(
    session: AsyncSession,
    store: StoreContext,
    day: date,
    service: str,
    places: int,
    *,
    by: int,
    now: datetime,
) -> Change:
    """Places per slot on `day` for a service code, or "*" for every service (which
    replaces the day's per-service changes)."""
    _not_past(store, day, now)
    row = await _day_row(session, store, day)
    before = dict(row.capacity or {})
    after = {EVERY: places} if service == EVERY else {**before, service: places}
    row.capacity = after  # a new dict: the JSON column sees the change
    row.updated_by, row.updated_at = by, now
    audit.record(
        session, store.id, by, "booking.capacity", f"day:{day.isoformat()}", service=service
    )
    await session.flush()
    affected = _over(*await _booked(session, store, day, now))
    code = None if service == EVERY else service
    return Change(day, before != after, service=code, places=places, affected=affected)
