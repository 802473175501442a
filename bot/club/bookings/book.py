"""Booking, moving and cancelling: the use-cases that take places, race-safe.

Every change locks the row of each store day it touches (in day order, so two moves
between the same days never wait on each other), then counts the places from the
database: a hundred owners racing for the last place of a slot give exactly as many
bookings as there are places, and a move holds its new place before it frees the old
one, in one transaction (never two places, never none). On SQLite the write lock every
transaction takes first does the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.bookings import availability
from bot.club.bookings.rules import (
    ACTIVE,
    OFFERED,
    BookingRefused,
    Channel,
    Refusal,
    Status,
    check_time,
)
from bot.club.bookings.slots import earliest, ends, nearest
from bot.club.policy.bookings import Service
from bot.club.stores.context import StoreContext
from bot.club.visits.readings import CarReadings, advanced
from bot.messaging import booking_pushes
from db.models import Booking, BookingDay, Car
from db.writes import insert_ignoring_duplicates


@dataclass(frozen=True)
class Booked:
    booking: Booking
    again: bool = False  # the same confirm arrived twice: the booking it made


@dataclass(frozen=True)
class Moved:
    booking: Booking
    old_start: datetime


async def lock_days(session: AsyncSession, store_id: int, days: Iterable[date]) -> None:
    """Hold the rows of `days` (created when missing) until the transaction ends."""
    for day in sorted(set(days)):
        await session.execute(
            insert_ignoring_duplicates(session, BookingDay).values(
                store_id=store_id, day=day, closed=False, capacity={}, lock=0
            )
        )
        await session.execute(
            update(BookingDay)
            .where(BookingDay.store_id == store_id, BookingDay.day == day)
            .values(lock=BookingDay.lock + 1)
            .execution_options(synchronize_session=False)
        )


def service_of(store: StoreContext, code: str) -> Service:
    policy = store.policy.bookings
    if not policy.enabled:
        raise BookingRefused(Refusal.DISABLED)
    service = policy.service(code)
    if service is None:
        raise BookingRefused(Refusal.UNKNOWN_SERVICE)
    return service


async def refuse_unless_free(
    session: AsyncSession,
    store: StoreContext,
    service: Service,
    start: datetime,
    now: datetime,
    *,
    ignore: int | None = None,
    offer_for: Iterable[Refusal] = OFFERED,
) -> date:
    """The store day of `start` if it has a place for `service` now (a use-case asks
    after the lock; the dialog asks as it goes), else BookingRefused, with the nearest
    free starts when the refusal is one of `offer_for`. `ignore`: the booking moved."""
    day = store.today(start)
    plan = (
        await availability.plans(session, store, day, day, ignore=ignore, service=service.code)
    )[day]
    why = check_time(store.policy.bookings, plan, service, start, now, ignore=ignore)
    if why is None:
        return day
    offer: list[datetime] = []
    if why in tuple(offer_for):
        days = await availability.window(session, store, now, ignore=ignore, service=service.code)
        after = earliest(store.policy.bookings, now)
        offer = nearest(days.values(), service, start, after, ignore=ignore)
    raise BookingRefused(why, offer)


async def book(
    session: AsyncSession,
    store: StoreContext,
    *,
    member_id: int,
    car_id: int,
    service: str,
    starts_at: datetime,
    request_key: str,
    now: datetime,
    notes: str | None = None,
    mileage: int | None = None,
    channel: Channel = Channel.OWNER,
    booked_by: int | None = None,
) -> Booked:
    """Book `car_id` of `member_id` for `service` at `starts_at`, or raise BookingRefused
    (with the nearest free starts when the time is taken)."""
    twin = await session.scalar(
        select(Booking).where(Booking.store_id == store.id, Booking.request_key == request_key)
    )
    if twin is not None:
        return Booked(twin, again=True)
    kind = service_of(store, service)
    owner = await session.scalar(
        select(Car.member_id).where(Car.id == car_id, Car.store_id == store.id)
    )
    if owner != member_id:
        raise BookingRefused(Refusal.NOT_YOUR_CAR)
    await lock_days(session, store.id, [store.today(starts_at)])
    day = await refuse_unless_free(session, store, kind, starts_at, now)
    already = await session.scalar(
        select(Booking.id).where(
            Booking.car_id == car_id,
            Booking.service == kind.code,
            Booking.status == Status.BOOKED,
            Booking.starts_at > now,
        )
    )
    if already is not None:
        raise BookingRefused(Refusal.ALREADY, booking_id=already)
    booking = Booking(
        store_id=store.id,
        member_id=member_id,
        car_id=car_id,
        service=kind.code,
        day=day,
        starts_at=starts_at,
        ends_at=ends(kind, starts_at),
        status=Status.BOOKED,
        notes=(notes or "").strip()[:500] or None,
        mileage=mileage,
        channel=str(channel),
        booked_by=booked_by,
        request_key=request_key,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(booking)
    await session.flush()
    if mileage is not None:
        await note_mileage(session, car_id, store.today(now), mileage)
    await booking_pushes.queue_reminders(session, store, booking, now)
    return Booked(booking)


async def note_mileage(session: AsyncSession, car_id: int, today: date, mileage: int) -> None:
    """The odometer reading an owner gave when booking becomes the car's latest (the next
    maintenance reminder projects from it); a reading below the last one is ignored."""
    car = await session.get(Car, car_id)
    if car is None or (car.last_mileage is not None and mileage < car.last_mileage):
        return
    now = CarReadings(car.last_service_date, car.last_mileage, car.last_mileage_date)
    after = advanced(now, today, mileage, "")
    car.last_mileage, car.last_mileage_date = after.last_mileage, after.last_mileage_date


async def _active(
    session: AsyncSession, store: StoreContext, booking_id: int, member_id: int | None
) -> Booking:
    booking = await session.scalar(
        select(Booking).where(Booking.id == booking_id, Booking.store_id == store.id)
    )
    if booking is None or (member_id is not None and booking.member_id != member_id):
        raise BookingRefused(Refusal.NOT_FOUND)
    return booking


async def reschedule(
    session: AsyncSession,
    store: StoreContext,
    booking_id: int,
    starts_at: datetime,
    *,
    now: datetime,
    member_id: int | None = None,
) -> Moved:
    """Move a booking (the owner's own when `member_id` is given) to `starts_at`, in one
    transaction: the new place is taken and the old one freed together, or nothing."""
    booking = await _active(session, store, booking_id, member_id)
    if booking.status != Status.BOOKED or booking.starts_at <= now:
        raise BookingRefused(Refusal.NOT_ACTIVE)
    kind = service_of(store, booking.service)
    await lock_days(session, store.id, [booking.day, store.today(starts_at)])
    await session.refresh(booking)
    if booking.status != Status.BOOKED:
        raise BookingRefused(Refusal.NOT_ACTIVE)
    old_start, version = booking.starts_at, booking.version
    if starts_at == old_start:
        return Moved(booking, old_start)
    day = await refuse_unless_free(session, store, kind, starts_at, now, ignore=booking.id)
    moved = await session.execute(
        update(Booking)
        .where(
            Booking.id == booking.id,
            Booking.version == version,
            Booking.status == Status.BOOKED,
        )
        .values(
            starts_at=starts_at,
            ends_at=ends(kind, starts_at),
            day=day,
            version=version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise BookingRefused(Refusal.NOT_ACTIVE)
    await session.refresh(booking)
    await booking_pushes.queue_reminders(session, store, booking, now)
    return Moved(booking, old_start)


async def cancel(
    session: AsyncSession,
    store: StoreContext,
    booking_id: int,
    *,
    now: datetime,
    member_id: int | None = None,
) -> Booking:
    """Cancel a booking (the owner's own when `member_id` is given; owners only before
    its time): its place is free at once and its reminders are never sent."""
    booking = await _active(session, store, booking_id, member_id)
    allowed = [Status.BOOKED] if member_id is not None else [str(s) for s in ACTIVE]
    conditions = [Booking.id == booking.id, Booking.status.in_(allowed)]
    if member_id is not None:
        conditions.append(Booking.starts_at > now)
    done = await session.execute(
        update(Booking)
        .where(*conditions)
        .values(status=Status.CANCELLED, cancelled_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise BookingRefused(Refusal.NOT_ACTIVE)
    await session.refresh(booking)
    await booking_pushes.drop_reminders(session, booking)
    return booking
