"""The desk's day: the bookings of one store day with their cars, owners and advisors,
what staff changed about the day, marking arrivals and no-shows, and linking a recorded
visit to the booking it fulfils."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.bookings import answers
from bot.club.bookings.rules import ACTIVE, Status
from bot.club.bookings.slots import Block, DayChange, DayPlan, Taken
from bot.club.stores.context import StoreContext
from bot.messaging import booking_pushes
from db.models import Booking, BookingBlock, BookingDay, Car, Member


def parse_day(text: str, today: date) -> date | None:
    """A day as staff type it: 2026-12-05, 12-05 or 12/5 (month first; the year is the
    one that puts the day nearest to `today`); None when it is not a date."""
    return answers.parse_day(text, today, nearest=True, words=False)


@dataclass(frozen=True)
class Line:
    """One booking on the sheet, with what the desk needs to receive the car."""

    booking: Booking
    plate: str | None
    model: str | None
    owner: str | None
    phone: str | None
    advisor: str | None  # the booking's advisor, else the owner's dedicated advisor's name


@dataclass(frozen=True)
class Sheet:
    day: date
    plan: DayPlan
    change: BookingDay | None  # staff's row for the day (closed, capacities), if any
    blocks: list[BookingBlock]
    lines: list[Line]  # booked, arrived and no-show, by start time
    counts: Counter[str] = field(default_factory=Counter)  # status → bookings that day


async def _advisor_names(
    session: AsyncSession, store_id: int, user_ids: set[int]
) -> dict[int, str]:
    """The names the club knows its staff by (their own member rows), where it has one."""
    if not user_ids:
        return {}
    rows = await session.execute(
        select(Member.telegram_user_id, Member.name).where(
            Member.store_id == store_id, Member.telegram_user_id.in_(user_ids)
        )
    )
    return {uid: name for uid, name in rows if uid is not None and name}


async def day_sheet(session: AsyncSession, store: StoreContext, day: date) -> Sheet:
    """Everything the desk sees for `day`: its plan, staff changes and bookings (the
    plan is built from the rows the sheet reads anyway)."""
    change = await session.scalar(
        select(BookingDay).where(BookingDay.store_id == store.id, BookingDay.day == day)
    )
    blocks = list(
        await session.scalars(
            select(BookingBlock)
            .where(BookingBlock.store_id == store.id, BookingBlock.day == day)
            .order_by(BookingBlock.starts_at, BookingBlock.id)
        )
    )
    rows = (
        await session.execute(
            select(Booking, Car.plate, Car.model, Member.name, Member.phone, Member.advisor_user_id)
            .join(Member, Member.id == Booking.member_id)
            .outerjoin(Car, Car.id == Booking.car_id)
            .where(Booking.store_id == store.id, Booking.day == day)
            .order_by(Booking.starts_at, Booking.id)
        )
    ).all()
    plan = DayPlan(
        store.policy.bookings,
        store.tz,
        day,
        DayChange.of(change.closed, change.capacity) if change is not None else None,
        [Block(b.starts_at, b.ends_at, b.service) for b in blocks],
        [Taken(b.id, b.service, b.starts_at, b.ends_at) for b, *_ in rows if b.status in ACTIVE],
    )
    counts: Counter[str] = Counter(row[0].status for row in rows)
    shown = [row for row in rows if row[0].status != Status.CANCELLED]
    wanted = {row[5] for row in shown if row[5] is not None and not row[0].advisor}
    names = await _advisor_names(session, store.id, wanted)
    lines = [
        Line(
            booking,
            plate,
            model,
            name,
            phone,
            booking.advisor or (names.get(advisor_id) if advisor_id is not None else None),
        )
        for booking, plate, model, name, phone, advisor_id in shown
    ]
    return Sheet(day, plan, change, blocks, lines, counts)


class Marked(StrEnum):
    DONE = "done"
    ALREADY = "already"  # a double tap: it was marked so already
    CANCELLED = "cancelled"
    NOT_FOUND = "not_found"
    TOO_EARLY = "too_early"  # arrival before its day, no-show before its time
    ARRIVED = "arrived"  # a no-show for a car that arrived


@dataclass(frozen=True)
class Mark:
    outcome: Marked
    booking: Booking | None = None


# What each mark may follow: a car marked no-show that turns up late is received.
_FROM = {
    Status.ARRIVED: (Status.BOOKED, Status.NO_SHOW),
    Status.NO_SHOW: (Status.BOOKED,),
}


async def mark(
    session: AsyncSession,
    store: StoreContext,
    booking_id: int,
    status: Status,
    *,
    by: int,
    now: datetime,
) -> Mark:
    """Mark a booking arrived or no-show (a conditional UPDATE, so two taps or two
    colleagues mark it once); its reminders still queued are called off."""
    if status not in _FROM:
        raise ValueError(status)
    booking = await session.scalar(
        select(Booking).where(Booking.id == booking_id, Booking.store_id == store.id)
    )
    if booking is None:
        return Mark(Marked.NOT_FOUND)
    if booking.status == Status.CANCELLED:
        return Mark(Marked.CANCELLED, booking)
    if booking.status == status:
        return Mark(Marked.ALREADY, booking)
    if status == Status.ARRIVED and store.today(now) < booking.day:
        return Mark(Marked.TOO_EARLY, booking)
    if status == Status.NO_SHOW and now < booking.starts_at:
        return Mark(Marked.TOO_EARLY, booking)
    done = await session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status.in_([str(s) for s in _FROM[status]]))
        .values(status=str(status), marked_by=by, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(booking)
    if done.rowcount == 1:
        await booking_pushes.drop_reminders(session, booking)
        return Mark(Marked.DONE, booking)
    if booking.status == status:
        return Mark(Marked.ALREADY, booking)
    if booking.status == Status.CANCELLED:
        return Mark(Marked.CANCELLED, booking)
    return Mark(Marked.ARRIVED, booking)
