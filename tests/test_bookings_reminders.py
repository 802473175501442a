"""A booking's reminders as the owner gets them: the evening before and two hours before
(never in quiet hours), with the store as a map pin; none for a cancelled or moved
booking, none twice across a restart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.club.bookings import book
from bot.jobs import daily_sweep
from db.models import Car, Push
from tests import factories
from tests.flows import member_of, services

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY, TUESDAY, WEDNESDAY = date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9)
OWNER = 8101


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


NOW = at(MONDAY, 8)  # Monday 08:00 store time, when the owner books

POLICY = """
[pushes]
quiet_start = "21:00"
quiet_end = "08:00"

[bookings]
address = { zh_Hans = "天河路1号", en = "1 Tianhe Road" }
latitude = 23.1291
longitude = 113.2644
"""


def policy_file(tmp_path: Path, text: str = POLICY) -> Path:
    path = tmp_path / "policy_bookings.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def booked(bot, start: datetime, key: str = "k1"):
    owner = await factories.owner(bot, OWNER)
    svc = services(bot)
    member = await member_of(bot, OWNER)
    async with svc.sessionmaker() as session:
        car = await session.scalar(select(Car.id).where(Car.member_id == member.id))
        done = await book.book(
            session,
            svc.default_store,
            member_id=member.id,
            car_id=car,
            service="regular_maintenance",
            starts_at=start,
            request_key=key,
            now=NOW,
        )
        await session.commit()
    return owner, done.booking


async def queued(bot) -> list[Push]:
    async with services(bot).sessionmaker() as session:
        return list((await session.scalars(select(Push).order_by(Push.not_before))).all())


def venues(bot) -> list:
    return bot.api.calls_to("sendVenue")


async def test_a_booking_is_reminded_the_evening_before_and_two_hours_before(make_bot, tmp_path):
    bot = await make_bot(policy_file=policy_file(tmp_path))
    owner, _ = await booked(bot, at(TUESDAY, 10))
    pushes = await queued(bot)
    assert [(p.purpose, p.not_before) for p in pushes] == [
        ("booking_eve", at(MONDAY, 19)),  # [bookings].evening_reminder_at, store time
        ("booking_soon", at(TUESDAY, 8)),
    ]
    t = services(bot).translator("en", services(bot).default_store)

    await bot.drain(at=at(MONDAY, 18, 59))
    assert owner.received() == []  # not yet
    await bot.drain(at=at(MONDAY, 19, 1))
    eve = owner.last.text
    assert eve.startswith("Reminder: tomorrow, " + t.datetime(at(TUESDAY, 10)))
    assert "Regular maintenance for 粤B12345 at 星河汽车" in eve
    assert "Address: 1 Tianhe Road" in eve and "/bookings" in eve
    [pin] = venues(bot)
    assert pin.chat_id == OWNER and pin.params["title"] == "星河汽车"
    assert pin.params["address"] == "1 Tianhe Road"
    assert float(pin.params["latitude"]) == 23.1291

    await bot.drain(at=at(TUESDAY, 8, 1))
    soon = owner.last.text
    assert soon.startswith("Reminder: in about 2 hours, at " + t.clock(at(TUESDAY, 10)))
    assert len(owner.received()) == 2 and len(venues(bot)) == 2

    again = await make_bot(policy_file=policy_file(tmp_path))  # a restart, the same data
    await again.drain(at=at(TUESDAY, 9))
    assert again.api.calls_to("sendMessage") == [] and venues(again) == []
    assert {p.status for p in await queued(again)} == {"sent"}


async def test_a_soon_reminder_in_quiet_hours_goes_when_they_end(make_bot, tmp_path):
    bot = await make_bot(policy_file=policy_file(tmp_path))
    owner, _ = await booked(bot, at(TUESDAY, 9))  # two hours before is 07:00, quiet
    pushes = await queued(bot)
    assert [p.not_before for p in pushes] == [at(MONDAY, 19), at(TUESDAY, 8)]
    await bot.drain(at=at(TUESDAY, 8, 1))
    assert "in about 1 hour, at" in owner.last.text


async def test_a_cancelled_booking_is_never_reminded(make_bot, tmp_path):
    bot = await make_bot(policy_file=policy_file(tmp_path))
    owner, booking = await booked(bot, at(TUESDAY, 10))
    svc = services(bot)
    async with svc.sessionmaker() as session:
        await book.cancel(session, svc.default_store, booking.id, now=NOW + timedelta(hours=1))
        await session.commit()
    await bot.drain(at=at(MONDAY, 19, 1))
    await bot.drain(at=at(TUESDAY, 8, 1))
    assert owner.received() == [] and venues(bot) == []
    assert {p.status for p in await queued(bot)} == {"cancelled"}


async def test_a_moved_booking_is_reminded_of_its_new_time_only(make_bot, tmp_path):
    bot = await make_bot(policy_file=policy_file(tmp_path))
    owner, booking = await booked(bot, at(TUESDAY, 10))
    svc = services(bot)
    async with svc.sessionmaker() as session:
        await book.reschedule(
            session, svc.default_store, booking.id, at(WEDNESDAY, 14), now=NOW + timedelta(hours=1)
        )
        await session.commit()
    await bot.drain(at=at(MONDAY, 19, 1))
    await bot.drain(at=at(TUESDAY, 8, 1))
    assert owner.received() == []  # the old time's reminders are not sent
    await bot.drain(at=at(TUESDAY, 19, 1))
    t = svc.translator("en", svc.default_store)
    assert owner.last.text.startswith("Reminder: tomorrow, " + t.datetime(at(WEDNESDAY, 14)))
    await bot.drain(at=at(WEDNESDAY, 12, 1))
    assert len(owner.received()) == 2
    assert "at " + t.clock(at(WEDNESDAY, 14)) in owner.last.text


async def test_a_reminder_in_chinese_and_without_a_location(make_bot, tmp_path):
    text = POLICY.split("latitude")[0]  # the address only: no map pin
    bot = await make_bot(policy_file=policy_file(tmp_path, text))
    await factories.owner(bot, OWNER, language="zh-hans")
    svc = services(bot)
    member = await member_of(bot, OWNER)
    async with svc.sessionmaker() as session:
        car = await session.scalar(select(Car.id).where(Car.member_id == member.id))
        await book.book(
            session,
            svc.default_store,
            member_id=member.id,
            car_id=car,
            service="first_maintenance",
            starts_at=at(TUESDAY, 10),
            request_key="zh",
            now=NOW,
        )
        await session.commit()
    await bot.drain(at=at(MONDAY, 19, 1))
    owner = bot.person(OWNER)
    assert "首次保养" in owner.last.text and "天河路1号" in owner.last.text
    assert venues(bot) == []


async def test_a_failing_location_still_counts_the_reminder_as_sent(make_bot, tmp_path):
    bot = await make_bot(policy_file=policy_file(tmp_path))
    owner, _ = await booked(bot, at(TUESDAY, 10))
    bot.api.fail("sendVenue", status=400, times=5)
    report = await bot.drain(at=at(MONDAY, 19, 1))
    assert report.sent == 1 and len(owner.received()) == 1
    await bot.drain(at=at(MONDAY, 19, 30))
    assert len(owner.received()) == 1  # not sent again


# --- "Book now" on the maintenance reminders -------------------------------------------


async def car_due(bot, user_id: int, *, first: bool) -> tuple:
    """An owner whose car is due for its first (or a regular) maintenance today."""
    owner = await factories.owner(bot, user_id, phone=f"+86138{user_id:08d}", plate=f"粤B{user_id}")
    svc = services(bot)
    today = svc.default_store.today()
    member = await member_of(bot, user_id)
    async with svc.sessionmaker() as session:
        car = await session.scalar(select(Car).where(Car.member_id == member.id))
        if first:
            car.delivery_date = today - timedelta(days=70)  # in the 2–3 month window
        else:
            car.last_service_date = today - timedelta(days=180)  # six months ago, about
        await session.commit()
    return owner, car.id


def noon(bot) -> datetime:
    store = services(bot).default_store
    return datetime.combine(store.today(), datetime.min.time().replace(hour=12), store.tz)


async def test_maintenance_reminders_offer_book_now_when_booking_is_open(bot):
    first, first_car = await car_due(bot, 8201, first=True)
    second, second_car = await car_due(bot, 8202, first=False)
    await daily_sweep(services(bot))
    await bot.drain(at=noon(bot))
    assert "first maintenance" in first.last.text
    assert [(b["text"], b["callback_data"]) for b in first.last.buttons] == [
        ("Book now", f"book:go:{first_car}:first_maintenance")
    ]
    assert "regular maintenance" in second.last.text
    assert [(b["text"], b["callback_data"]) for b in second.last.buttons] == [
        ("Book now", f"book:go:{second_car}:regular_maintenance")
    ]


async def test_maintenance_reminders_keep_call_me_when_booking_is_off(make_bot, tmp_path):
    text = '[pushes]\nquiet_start = "00:00"\nquiet_end = "00:00"\n[bookings]\nenabled = false\n'
    bot = await make_bot(policy_file=policy_file(tmp_path, text))
    first, _ = await car_due(bot, 8203, first=True)
    second, _ = await car_due(bot, 8204, first=False)
    await daily_sweep(services(bot))
    await bot.drain(at=noon(bot))
    assert first.last.button_labels == ["Call me to book"]
    assert second.last.button_labels == ["Call me to book"]
