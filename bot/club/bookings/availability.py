"""Reading a store's days as plans: staff's changes, blocked slots and the places taken,
three statements for any number of days."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.bookings.rules import ACTIVE
from bot.club.bookings.slots import Block, DayChange, DayPlan, Taken, earliest, window_days
from bot.club.policy.bookings import Service
from bot.club.stores.context import StoreContext
from db.models import Booking, BookingBlock, BookingDay


async def plans(
    session: AsyncSession,
    store: StoreContext,
    first: date,
    last: date,
    *,
    ignore: int | None = None,
    service: str | None = None,
) -> dict[date, DayPlan]:
    """Every store day from `first` to `last` (inclusive) as a plan. Places taken are
    read as counts per service and span; the booking `ignore` (one being moved) is read
    on its own, so `DayPlan.places(..., ignore=)` can leave it out. With `service`, only
    that service's places are read (a calendar for one service: a sixth of the rows),
    and the plans answer for it alone."""
    changes = {
        row.day: DayChange.of(row.closed, row.capacity)
        for row in await session.execute(
            select(BookingDay.day, BookingDay.closed, BookingDay.capacity).where(
                BookingDay.store_id == store.id, BookingDay.day.between(first, last)
            )
        )
    }
    blocks: dict[date, list[Block]] = defaultdict(list)
    for row in await session.execute(
        select(
            BookingBlock.day, BookingBlock.starts_at, BookingBlock.ends_at, BookingBlock.service
        ).where(BookingBlock.store_id == store.id, BookingBlock.day.between(first, last))
    ):
        blocks[row.day].append(Block(row.starts_at, row.ends_at, row.service))
    taken: dict[date, list[Taken]] = defaultdict(list)
    active = (
        Booking.store_id == store.id,
        Booking.day.between(first, last),
        Booking.status.in_([str(s) for s in ACTIVE]),
    )
    if service is not None:
        active = (*active, Booking.service == service)
    span = (Booking.day, Booking.service, Booking.starts_at, Booking.ends_at)
    counted = select(*span, func.count()).where(*active).group_by(*span)
    if ignore is not None:
        counted = counted.where(Booking.id != ignore)
        mine = select(Booking.id, *span).where(*active, Booking.id == ignore)
        for row in await session.execute(mine):
            taken[row.day].append(Taken(row.id, row.service, row.starts_at, row.ends_at))
    for day, service, starts_at, ends_at, count in await session.execute(counted):
        taken[day].append(Taken(None, service, starts_at, ends_at, count))
    policy, out = store.policy.bookings, {}
    day = first
    while day <= last:
        out[day] = DayPlan(
            policy, store.tz, day, changes.get(day), blocks[day], taken[day], only=service
        )
        day += timedelta(days=1)
    return out


async def window(
    session: AsyncSession,
    store: StoreContext,
    now: datetime,
    *,
    ignore: int | None = None,
    service: str | None = None,
) -> dict[date, DayPlan]:
    """The plans of every day one may book now (today to the last day ahead)."""
    first, last = window_days(store.policy.bookings, store.tz, now)
    return await plans(session, store, first, last, ignore=ignore, service=service)


def open_days(
    day_plans: dict[date, DayPlan],
    service: Service,
    now: datetime,
    *,
    ignore: int | None = None,
) -> dict[date, int]:
    """Each day of `day_plans` → how many start times still have a place for `service`."""
    return {
        day: len(plan.free(service, earliest(plan.policy, now), ignore=ignore))
        for day, plan in day_plans.items()
    }
