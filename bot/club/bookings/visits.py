"""Visits fulfil bookings: a visit recorded at the desk, or imported from the DMS, links
the booking of that car on that day and marks it arrived (the appointment and show rates
count it; its reminders are called off)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.bookings.rules import ACTIVE, Status
from bot.messaging import booking_pushes
from db.base import utcnow
from db.models import Booking, Visit


async def link_visit(session: AsyncSession, store_id: int, visit: Visit) -> Booking | None:
    """The booking a just-recorded visit fulfils (that car, that store, that day, booked
    or arrived, not yet linked; the earliest when there are several), now linked to it
    and marked arrived; None if there is none."""
    if visit.car_id is None:
        return None
    found = list(
        await session.scalars(
            select(Booking)
            .where(
                Booking.store_id == store_id,
                Booking.car_id == visit.car_id,
                Booking.day == visit.visit_date,
                Booking.status.in_([str(s) for s in ACTIVE]),
                Booking.visit_id.is_(None),
            )
            .order_by(Booking.starts_at, Booking.id)
        )
    )
    if not found:
        return None
    booking = found[0]
    done = await session.execute(
        update(Booking)
        .where(
            Booking.id == booking.id,
            Booking.visit_id.is_(None),
            Booking.status.in_([str(s) for s in ACTIVE]),
        )
        .values(
            visit_id=visit.id,
            status=str(Status.ARRIVED),
            marked_by=visit.recorded_by if booking.status == Status.BOOKED else booking.marked_by,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return None
    await session.refresh(booking)
    await booking_pushes.drop_reminders(session, booking)
    return booking


async def link_imported(
    session: AsyncSession, store_id: int, visits: Sequence[tuple[int, int, date]]
) -> int:
    """Link the bookings that imported visits fulfil, set-based: `visits` are (visit id,
    car id, visit date) of one batch. One read for the whole batch; how many were linked."""
    if not visits:
        return 0
    days = [day for _, _, day in visits]
    open_ = await session.execute(
        select(Booking.id, Booking.car_id, Booking.day)
        .where(
            Booking.store_id == store_id,
            Booking.day.between(min(days), max(days)),
            Booking.car_id.in_({car for _, car, _ in visits}),
            Booking.status.in_([str(s) for s in ACTIVE]),
            Booking.visit_id.is_(None),
        )
        .order_by(Booking.starts_at, Booking.id)
    )
    waiting: dict[tuple[int, date], list[int]] = {}
    for booking_id, car_id, day in open_:
        waiting.setdefault((car_id, day), []).append(booking_id)
    linked = 0
    for visit_id, car_id, day in visits:
        queue = waiting.get((car_id, day))
        if not queue:
            continue
        booking_id = queue.pop(0)
        await session.execute(
            update(Booking)
            .where(Booking.id == booking_id, Booking.visit_id.is_(None))
            .values(visit_id=visit_id, status=str(Status.ARRIVED), updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        linked += 1  # its reminders still queued are skipped when due: it is not "booked"
    return linked
