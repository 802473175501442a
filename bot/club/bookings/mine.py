"""An owner's side of booking: their cars, their upcoming bookings, one of theirs to move."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.bookings.rules import BookingRefused, Refusal, Status
from db.models import Booking, Car


@dataclass(frozen=True)
class Upcoming:
    """A booking with the plate of its car (None if the car was removed)."""

    booking: Booking
    plate: str | None


async def car(session: AsyncSession, store_id: int, member_id: int, car_id: int) -> Car | None:
    """The member's car `car_id`, or None when it is not theirs (or not in this store)."""
    found = await session.get(Car, car_id)
    if found is None or found.store_id != store_id or found.member_id != member_id:
        return None
    return found


async def plate_of(session: AsyncSession, car_id: int | None) -> str | None:
    if car_id is None:
        return None
    return await session.scalar(select(Car.plate).where(Car.id == car_id))


async def upcoming(
    session: AsyncSession, store_id: int, member_id: int, now: datetime
) -> list[Upcoming]:
    """The member's booked (not cancelled, not yet due) bookings, soonest first."""
    rows = await session.execute(
        select(Booking, Car.plate)
        .outerjoin(Car, Car.id == Booking.car_id)
        .where(
            Booking.store_id == store_id,
            Booking.member_id == member_id,
            Booking.status == Status.BOOKED,
            Booking.starts_at > now,
        )
        .order_by(Booking.starts_at, Booking.id)
    )
    return [Upcoming(booking, plate) for booking, plate in rows.all()]


async def movable(
    session: AsyncSession, store_id: int, member_id: int, booking_id: int, now: datetime
) -> Booking:
    """The member's booking `booking_id` if it can still be moved, else BookingRefused
    (NOT_FOUND for another owner's or no booking, NOT_ACTIVE when cancelled or past)."""
    booking = await session.get(Booking, booking_id)
    if booking is None or booking.store_id != store_id or booking.member_id != member_id:
        raise BookingRefused(Refusal.NOT_FOUND)
    if booking.status != Status.BOOKED or booking.starts_at <= now:
        raise BookingRefused(Refusal.NOT_ACTIVE)
    return booking
