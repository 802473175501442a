"""Places are never oversold: the slot rules (opening hours, lengths, daylight saving),
and booking, moving and cancelling racing on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.club.bookings import book
from bot.club.bookings.rules import BookingRefused, Refusal, Status
from bot.club.bookings.slots import END_OF_DAY, Block, DayChange, DayPlan, Taken
from bot.club.policy.model import load_policy
from db.models import Booking, Car
from tests.factories import add_member
from tests.flows import services

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=SHANGHAI).astimezone(UTC)  # Monday 08:00 store time


def at(day: date, hour: int, minute: int = 0, tz: ZoneInfo = SHANGHAI) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(UTC)


POLICY = load_policy().bookings
REGULAR = POLICY.service("regular_maintenance")
BODYWORK = POLICY.service("bodywork")


def test_a_weekday_has_half_hour_slots_within_opening_hours():
    plan = DayPlan(POLICY, SHANGHAI, MONDAY)
    assert plan.slots[0] == at(MONDAY, 8, 30) and plan.slots[-1] == at(MONDAY, 17)
    assert len(plan.slots) == 18
    # An hour's service cannot start in the last half hour; two hours need two hours.
    assert plan.places(REGULAR, at(MONDAY, 16, 30)) == 4
    assert plan.places(REGULAR, at(MONDAY, 17)) == 0
    assert plan.places(BODYWORK, at(MONDAY, 15, 30)) == 1
    assert plan.places(BODYWORK, at(MONDAY, 16)) == 0
    assert plan.places(REGULAR, at(MONDAY, 9, 10)) == 0  # not a slot start


def test_places_count_every_slot_a_booking_covers_and_blocks_and_day_changes():
    bodywork = Taken(1, "bodywork", at(MONDAY, 10), at(MONDAY, 12))
    plan = DayPlan(POLICY, SHANGHAI, MONDAY, taken=[bodywork])
    assert plan.places(BODYWORK, at(MONDAY, 11, 30)) == 0  # overlaps 11:30–12:00
    assert plan.places(BODYWORK, at(MONDAY, 12)) == 1
    assert plan.places(BODYWORK, at(MONDAY, 9)) == 0  # 9:00–11:00 runs into it
    assert plan.places(BODYWORK, at(MONDAY, 10), ignore=1) == 1  # the one being moved
    assert plan.places(REGULAR, at(MONDAY, 10)) == 4  # another service's places
    blocked = DayPlan(
        POLICY, SHANGHAI, MONDAY, blocks=[Block(at(MONDAY, 14), at(MONDAY, 15), None)]
    )
    assert blocked.places(REGULAR, at(MONDAY, 13, 30)) == 0
    assert blocked.places(REGULAR, at(MONDAY, 15)) == 4
    fewer = DayPlan(POLICY, SHANGHAI, MONDAY, DayChange(capacity={"regular_maintenance": 1}))
    assert fewer.places(REGULAR, at(MONDAY, 9)) == 1
    assert DayPlan(POLICY, SHANGHAI, MONDAY, DayChange(closed=True)).closed
    assert DayPlan(POLICY, SHANGHAI, date(2027, 1, 1)).closed  # a holiday of the policy


def test_a_daylight_saving_day_has_its_slots_at_the_right_instants():
    spring = date(2027, 3, 28)  # Berlin: 02:00 CET becomes 03:00 CEST
    before, on = (
        DayPlan(POLICY, BERLIN, spring - timedelta(days=1)),
        DayPlan(POLICY, BERLIN, spring),
    )
    assert (len(before.slots), len(on.slots)) == (16, 14)  # Saturday's and Sunday's hours
    assert on.slots[0] == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert before.slots[0] == datetime(2027, 3, 27, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert [s.astimezone(BERLIN).strftime("%H:%M") for s in on.slots][:3] == [
        "09:00",
        "09:30",
        "10:00",
    ]
    # A store open round the clock has 23 hours of slots that Sunday, 25 in October.
    always = replace(POLICY, hours=dict.fromkeys(range(7), (time(0), END_OF_DAY)))
    assert len(DayPlan(always, BERLIN, spring).slots) == 46
    assert len(DayPlan(always, BERLIN, date(2027, 10, 31)).slots) == 50
    assert len(DayPlan(always, BERLIN, spring - timedelta(days=1)).slots) == 48


async def owners(bot, count: int, first_user: int) -> list[tuple[int, int]]:
    """`count` members with one car each: (member id, car id)."""
    out = []
    for i in range(count):
        member = await add_member(
            bot, first_user + i, phone=f"+86139{first_user + i:08d}", plate=f"粤B{i:05d}"
        )
        async with services(bot).sessionmaker() as session:
            car = await session.scalar(select(Car.id).where(Car.member_id == member.id))
        out.append((member.id, car))
    return out


async def try_book(bot, member_id: int, car_id: int, start: datetime, key: str) -> str:
    svc = services(bot)
    async with svc.sessionmaker() as session:
        try:
            await book.book(
                session,
                svc.default_store,
                member_id=member_id,
                car_id=car_id,
                service="regular_maintenance",
                starts_at=start,
                request_key=key,
                now=NOW,
            )
        except BookingRefused as refused:
            await session.rollback()
            return str(refused.code)
        await session.commit()
    return "ok"


async def active_at(bot, start: datetime) -> int:
    async with services(bot).sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.count()).where(
                    Booking.starts_at == start, Booking.status == Status.BOOKED
                )
            )
        )


async def test_a_hundred_owners_racing_for_four_places_get_four(bot):
    people = await owners(bot, 100, 810000)
    start = at(MONDAY + timedelta(days=1), 10)
    results = await asyncio.gather(
        *[try_book(bot, m, c, start, f"race-{i}") for i, (m, c) in enumerate(people)]
    )
    assert results.count("ok") == 4
    assert set(results) == {"ok", Refusal.FULL}
    assert await active_at(bot, start) == 4
    # The same confirm twice is the same booking, not a second place.
    member, car = people[results.index("ok")]
    assert await try_book(bot, member, car, start, f"race-{results.index('ok')}") == "ok"
    assert await active_at(bot, start) == 4


async def test_a_full_slot_offers_the_three_nearest_free_starts(bot):
    people = await owners(bot, 5, 820000)
    start = at(MONDAY + timedelta(days=1), 10)
    for i, (m, c) in enumerate(people[:4]):
        assert await try_book(bot, m, c, start, f"full-{i}") == "ok"
    svc = services(bot)
    async with svc.sessionmaker() as session:
        with pytest.raises(BookingRefused) as refused:
            await book.book(
                session,
                svc.default_store,
                member_id=people[4][0],
                car_id=people[4][1],
                service="regular_maintenance",
                starts_at=start,
                request_key="full-4",
                now=NOW,
            )
    assert refused.value.code is Refusal.FULL
    # 10:00 and 10:30 are taken, so 9:30 and 10:30 are full: 9:00 and 11:00, then 8:30
    # (as near as 11:30, and earlier).
    day = MONDAY + timedelta(days=1)
    assert list(refused.value.nearest) == [at(day, 8, 30), at(day, 9), at(day, 11)]


async def test_times_too_soon_past_closed_and_not_your_car_are_refused(bot):
    (member, car), (_, other_car) = await owners(bot, 2, 830000)
    assert await try_book(bot, member, car, at(MONDAY, 10), "a") == Refusal.TOO_SOON
    assert await try_book(bot, member, car, at(MONDAY, 7), "b") == Refusal.PAST
    assert await try_book(bot, member, car, at(MONDAY + timedelta(days=30), 10), "c") == (
        Refusal.TOO_FAR
    )
    assert await try_book(bot, member, car, at(date(2027, 1, 1), 10), "d") in (
        Refusal.TOO_FAR,
        Refusal.CLOSED,
    )
    assert await try_book(bot, member, other_car, at(MONDAY, 14), "e") == Refusal.NOT_YOUR_CAR
    assert await try_book(bot, member, car, at(MONDAY, 14), "f") == "ok"
    assert await try_book(bot, member, car, at(MONDAY, 16), "g") == Refusal.ALREADY


async def _move(bot, booking_id: int, member_id: int, start: datetime) -> str:
    svc = services(bot)
    async with svc.sessionmaker() as session:
        try:
            await book.reschedule(
                session, svc.default_store, booking_id, start, now=NOW, member_id=member_id
            )
        except BookingRefused as refused:
            await session.rollback()
            return str(refused.code)
        await session.commit()
    return "ok"


async def test_a_move_racing_for_the_last_place_holds_exactly_one_place(bot):
    people = await owners(bot, 24, 840000)
    day = MONDAY + timedelta(days=2)
    for round_ in range(4):
        old, new = at(day, 9 + 2 * round_), at(day, 10 + 2 * round_)
        mover, *others = people[6 * round_ : 6 * round_ + 6]
        assert await try_book(bot, *mover, old, f"m{round_}") == "ok"
        for i, (m, c) in enumerate(others[:3]):
            assert await try_book(bot, m, c, new, f"fill{round_}-{i}") == "ok"
        async with services(bot).sessionmaker() as session:
            booking_id = await session.scalar(
                select(Booking.id).where(Booking.request_key == f"m{round_}")
            )
        rival = others[3]
        moved, booked = await asyncio.gather(
            _move(bot, booking_id, mover[0], new),
            try_book(bot, *rival, new, f"rival{round_}"),
        )
        assert sorted([moved, booked]) in (["full", "ok"], ["ok", "ok"]) and "ok" in (
            moved,
            booked,
        )
        assert await active_at(bot, new) == 4
        assert await active_at(bot, old) == (0 if moved == "ok" else 1)


async def test_cancelling_frees_the_place_at_once(bot):
    people = await owners(bot, 5, 850000)
    start = at(MONDAY + timedelta(days=1), 15)
    for i, (m, c) in enumerate(people[:4]):
        assert await try_book(bot, m, c, start, f"c{i}") == "ok"
    assert await try_book(bot, *people[4], start, "c4") == Refusal.FULL
    svc = services(bot)
    async with svc.sessionmaker() as session:
        booking_id = await session.scalar(select(Booking.id).where(Booking.request_key == "c0"))
        with pytest.raises(BookingRefused):  # not theirs
            await book.cancel(
                session, svc.default_store, booking_id, now=NOW, member_id=people[1][0]
            )
        await book.cancel(session, svc.default_store, booking_id, now=NOW, member_id=people[0][0])
        await session.commit()
    assert await try_book(bot, *people[4], start, "c5") == "ok"
