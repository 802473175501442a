"""Bookings put straight into the club for the desk's tests: through `book.book` (the
rules apply) on a future open weekday, or as rows on any day (today's, whose time may
have passed), and the days tests use, relative to the store's real today."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import count

from bot.club.bookings import book
from bot.club.bookings.rules import Status
from bot.club.bookings.slots import local_instant
from db.models import Booking, Car, Member
from tests.flows import services

_keys = count(1)


def store(bot):
    return services(bot).default_store


def open_weekdays(bot, first_after: int = 2) -> list[date]:
    """Weekdays (Monday to Friday, no holiday) from `first_after` days ahead to the last
    day one may book, in order."""
    s = store(bot)
    policy, today = s.policy.bookings, s.today()
    days = [today + timedelta(days=n) for n in range(first_after, policy.days_ahead + 1)]
    return [d for d in days if d.weekday() < 5 and policy.opening(d) is not None]


def at(bot, day: date, hour: int, minute: int = 0) -> datetime:
    return local_instant(day, time(hour, minute), store(bot).tz)


async def member_and_car(bot, user_id: int) -> tuple[Member, Car]:
    from db import queries

    s = services(bot)
    async with s.sessionmaker() as session:
        member = await queries.member_by_user(session, s.default_store.id, user_id)
        await session.refresh(member, ["cars"])
        return member, member.cars[0]


async def booked(
    bot, member: Member, car: Car, day: date, hour: int, minute: int = 0, **fields
) -> Booking:
    """A booking made as the owner's confirm makes it (now = the real now)."""
    s = services(bot)
    async with s.sessionmaker() as session:
        made = await book.book(
            session,
            s.default_store,
            member_id=member.id,
            car_id=car.id,
            service=fields.pop("service", "regular_maintenance"),
            starts_at=at(bot, day, hour, minute),
            request_key=f"test-{next(_keys)}",
            now=s.default_store.now(),
            **fields,
        )
        await session.commit()
        return made.booking


async def booking_row(
    bot,
    member: Member,
    car: Car | None,
    day: date,
    start: datetime,
    *,
    service: str = "regular_maintenance",
    status: Status = Status.BOOKED,
    **fields,
) -> Booking:
    """A booking row as it stands, whatever its time (e.g. earlier today)."""
    s = services(bot)
    async with s.sessionmaker() as session:
        row = Booking(
            store_id=s.default_store.id,
            member_id=member.id,
            car_id=car.id if car is not None else None,
            service=service,
            day=day,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            status=str(status),
            request_key=f"row-{next(_keys)}",
            version=1,
            **fields,
        )
        session.add(row)
        await session.commit()
        return row


async def current(bot, booking: Booking) -> Booking:
    async with services(bot).sessionmaker() as session:
        return await session.get(Booking, booking.id)
