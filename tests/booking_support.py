"""What the booking chat tests share: a future open weekday, its instants, the .ics sent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
from sqlalchemy import select

from db.models import Booking
from tests.flows import services
from tests.harness import Bot, Call

STAFF_CHAT = -1009876001


def open_day(bot: Bot, ahead: int = 2) -> date:
    """A weekday (Monday to Friday hours) at least `ahead` days from today, not a holiday."""
    store = services(bot).default_store
    policy = store.policy.bookings
    day = store.today() + timedelta(days=ahead)
    while day.weekday() >= 5 or policy.opening(day) is None:
        day += timedelta(days=1)
    return day


def at(bot: Bot, day: date, hour: int, minute: int = 0) -> datetime:
    tz = services(bot).default_store.tz
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(UTC)


async def bookings(bot: Bot) -> list[Booking]:
    async with services(bot).sessionmaker() as session:
        return list((await session.scalars(select(Booking).order_by(Booking.id))).all())


def documents(bot: Bot, chat_id: int) -> list[Call]:
    return [c for c in bot.api.calls if c.method == "sendDocument" and c.chat_id == chat_id]


def ics_event(call: Call) -> icalendar.Event:
    item = call.files["document"]
    content = item[1] if isinstance(item, tuple) else item
    return icalendar.Calendar.from_ical(content).walk("VEVENT")[0]


def staff_posts(bot: Bot) -> list[str]:
    return [c.text for c in bot.api.calls if c.chat_id == STAFF_CHAT]


def slot_label(bot: Bot, day: date, hour: int, minute: int = 0, places: int = 4) -> str:
    """The time button as an English-speaking owner sees it: "10:00 AM (4)"."""
    store = services(bot).default_store
    clock = services(bot).translator("en", store).clock(at(bot, day, hour, minute))
    return f"{clock} ({places})"


async def set_day(bot: Bot, day: date, *, closed: bool = False, places: int | None = None) -> None:
    """Staff's change of a day: closed, or `places` per slot for every service."""
    from db.models import BookingDay

    store = services(bot).default_store
    async with services(bot).sessionmaker() as session:
        session.add(
            BookingDay(
                store_id=store.id,
                day=day,
                closed=closed,
                capacity={"*": places} if places is not None else {},
                lock=0,
            )
        )
        await session.commit()


async def book_directly(
    bot: Bot, member, start: datetime, service: str = "regular_maintenance", key: str = ""
) -> Booking:
    """A booking made as the use-case makes it (someone else took the place)."""
    from bot.club.bookings import book

    store = services(bot).default_store
    async with services(bot).sessionmaker() as session:
        done = await book.book(
            session,
            store,
            member_id=member.id,
            car_id=member.cars[0].id,
            service=service,
            starts_at=start,
            request_key=key or f"test:{member.id}:{start.isoformat()}",
            now=store.now(),
        )
        await session.commit()
    return done.booking
