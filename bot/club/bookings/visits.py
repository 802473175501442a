"""Visits fulfil bookings: a visit recorded at the desk, or imported from the DMS, links
the booking of that car on that day and marks it arrived (the appointment and show rates
count it; its reminders are called off)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Integer, String, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.bookings.rules import ACTIVE, Status
from bot.messaging import booking_pushes
from db.base import utcnow
from db.models import Booking, Visit
from db.queries import import_open_bookings
from db.writes import execute_many


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


_ACTIVE = tuple(str(s) for s in ACTIVE)
_ARRIVED = str(Status.ARRIVED)
_b = Booking.__table__.c
# Built once: an import links a batch's bookings in one executemany of this.
_link = (
    update(Booking.__table__)
    .where(_b.id == bindparam("booking", type_=Integer), _b.visit_id.is_(None))
    .values(
        visit_id=bindparam("visit", type_=Integer),
        status=bindparam("status", type_=String),
        updated_at=bindparam("now", type_=Booking.__table__.c.updated_at.type),
    )
)


async def link_imported(
    session: AsyncSession, store_id: int, visits: Sequence[tuple[int, int, date]]
) -> int:
    """Link the bookings that imported visits fulfil, set-based: `visits` are (visit id,
    car id, visit date) of one batch. One read and one write for the whole batch; how
    many were linked."""
    if not visits:
        return 0
    days = [day for _, _, day in visits]
    open_ = await import_open_bookings(
        session, store_id, {car for _, car, _ in visits}, min(days), max(days), _ACTIVE
    )
    if not open_:
        return 0
    waiting: dict[tuple[int, date], list[int]] = {}
    for booking_id, car_id, day in open_:
        waiting.setdefault((car_id, day), []).append(booking_id)
    now = utcnow()
    links = []
    for visit_id, car_id, day in visits:
        queue = waiting.get((car_id, day))
        if queue:
            booking = queue.pop(0)
            links.append({"booking": booking, "visit": visit_id, "status": _ARRIVED, "now": now})
    # Its reminders still queued are skipped when due: it is not "booked".
    await execute_many(session, _link, links)
    return len(links)
