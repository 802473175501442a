"""Staff change the bookable days: /block closes a day or takes slots out (for one service
or all) and owners can no longer book there; /unblock gives them back; /capacity sets the
places per slot. Each answer lists the bookings already there, which keep their place."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta

import pytest

from bot.club.bookings.rules import BookingRefused, Refusal, Status
from tests.booking_desk_support import booked, current, member_and_car, open_weekdays, store
from tests.factories import add_car, owner, staff

OWNER, CS, ADVISOR, SALES, MANAGER = 8301, 8302, 8303, 8304, 8305


def plain(text: str) -> str:
    return text.replace("\u202f", " ")


async def setting(bot):
    await owner(bot, OWNER)
    member, car = await member_and_car(bot, OWNER)
    return await staff(bot, CS, "customer_service"), member, car


async def refused(bot, member, car, day, hour, minute=0, **fields) -> Refusal:
    with pytest.raises(BookingRefused) as caught:
        await booked(bot, member, car, day, hour, minute, **fields)
    return caught.value.code


async def test_a_blocked_time_takes_no_booking_until_it_is_unblocked(bot):
    cs, member, car = await setting(bot)
    day = open_weekdays(bot)[0]
    await cs.send(f"/block {day.isoformat()} 10:00-11:00 Lift repair")
    answer = plain(cs.last.text)
    assert "Blocked" in answer and "10:00 AM–11:00 AM for all services." in answer
    assert "No booking is affected." in answer
    assert await refused(bot, member, car, day, 10, 30) == Refusal.FULL
    assert await refused(bot, member, car, day, 9, 30) == Refusal.FULL  # 9:30–10:30 crosses it
    await cs.send(f"/unblock {day.isoformat()} 10:30-11:00")
    assert "Reopened" in cs.last.text and "1 block removed." in cs.last.text
    made = await booked(bot, member, car, day, 10, 30)
    assert made.status == Status.BOOKED


async def test_a_range_is_widened_to_whole_slots_and_one_service_can_be_blocked(bot):
    cs, member, car = await setting(bot)
    day = open_weekdays(bot)[0]
    await cs.send(f"/block {day.isoformat()} 10:10-10:40 tyres")
    assert "10:00 AM–11:00 AM for Tyres." in plain(cs.last.text)
    assert await refused(bot, member, car, day, 10, service="tyres") == Refusal.FULL
    assert (await booked(bot, member, car, day, 10)).status == Status.BOOKED  # maintenance


async def test_closing_a_day_lists_who_is_booked_and_reopening_it_lets_owners_book(bot):
    cs, member, car = await setting(bot)
    day = open_weekdays(bot)[0]
    kept = await booked(bot, member, car, day, 9)
    await cs.send(f"/block {day.month}/{day.day} Staff training")
    answer = plain(cs.last.text)
    assert "Closed" in answer and "for booking." in answer
    assert "Already booked there (they keep their place; call them):" in answer
    assert "· 9:00 AM 粤B12345 · Regular maintenance · Wang Wei +8613812345678" in answer
    assert (await current(bot, kept)).status == Status.BOOKED  # nothing cancelled
    other = await add_car(bot, member, "粤B22222")
    assert await refused(bot, member, other, day, 11) == Refusal.CLOSED
    await cs.send(f"/block {day.isoformat()}")
    assert "was closed already." in cs.last.text
    await cs.send(f"/unblock {day.isoformat()}")
    assert "is open for booking again." in cs.last.text
    assert (await booked(bot, member, other, day, 11)).status == Status.BOOKED


async def test_capacity_for_a_day_refuses_the_booking_past_it_and_lists_those_over(bot):
    cs, member, car = await setting(bot)
    day = open_weekdays(bot)[0]
    second = await add_car(bot, member, "粤B22222")
    third = await add_car(bot, member, "粤B33333")
    await booked(bot, member, car, day, 10)
    await cs.send(f"/capacity {day.isoformat()} regular_maintenance 1")
    answer = plain(cs.last.text)
    assert "for Regular maintenance: 1." in answer and "No booking is affected." in answer
    assert await refused(bot, member, second, day, 10) == Refusal.FULL
    assert (await booked(bot, member, second, day, 11)).status == Status.BOOKED
    await cs.send(f"/capacity {day.isoformat()} all 2")  # every service, the change above too
    await booked(bot, member, third, day, 11)
    await cs.send(f"/capacity {day.isoformat()} REGULAR_MAINTENANCE 1")
    answer = plain(cs.last.text)
    assert "they keep their place" in answer
    assert "粤B22222" in answer and "粤B33333" in answer and "粤B12345" not in answer
    await cs.send(f"/capacity {day.isoformat()} tyres 0")
    assert await refused(bot, member, car, day, 9, service="tyres") == Refusal.FULL


async def test_only_the_roles_of_the_policy_may_change_slots(bot):
    _, member, car = await setting(bot)
    day = open_weekdays(bot)[0]
    for user_id, role in ((SALES, "sales"), (ADVISOR, "service_advisor")):
        person = await staff(bot, user_id, role)
        await person.send(f"/block {day.isoformat()}")
        assert "for store staff with the right role" in person.last.text
    person = bot.person(OWNER, language="en")
    await person.send(f"/capacity {day.isoformat()} all 0")
    assert "for store staff with the right role" in person.last.text
    assert (await booked(bot, member, car, day, 10)).status == Status.BOOKED
    manager = await staff(bot, MANAGER, "manager")
    await manager.send(f"/block {day.isoformat()}")
    assert "Closed" in manager.last.text


async def test_bad_input_gets_a_clear_usage_answer(bot):
    cs, _, _ = await setting(bot)
    day = open_weekdays(bot)[0].isoformat()
    past = (store(bot).today() - timedelta(days=1)).isoformat()
    cases = {
        "/block": "Usage: /block <date>",
        "/block someday": "Usage: /block <date>",
        f"/block {past}": "That day is past",
        f"/block {day} 10-25": "not a time range like 10:00-11:30",
        f"/block {day} 11:00-10:00": "not a time range",
        f"/block {day} 07:00-09:00": "outside the opening hours of that day (8:30 AM–5:30 PM)",
        "/unblock": "Usage: /unblock <date>",
        f"/unblock {day} 10:00-11:00 extra": "Usage: /unblock <date>",
        f"/unblock {day} later": "not a time range",
        "/capacity": "Usage: /capacity <date>",
        f"/capacity {day}": "Usage: /capacity <date>",
        f"/capacity {day} all": "Usage: /capacity <date>",
        f"/capacity {day} all -1": "Usage: /capacity <date>",
        f"/capacity {day} all 1000": "Usage: /capacity <date>",
        f"/capacity {day} spa 2": "No service has that code.",
        f"/capacity {past} all 2": "That day is past",
    }
    for text, expected in cases.items():
        await cs.send(text)
        assert expected in plain(cs.last.text), text
    assert "regular_maintenance, first_maintenance" in cs.last.text  # the codes to use


async def test_a_block_racing_owners_booking_that_time_lists_exactly_those_who_got_in(bot):
    """The block takes the day's lock as every booking does: a booking either commits
    before it (and is on the list to call) or sees the block and is refused."""
    from sqlalchemy import select

    from bot.club.bookings import manage
    from db.models import Booking
    from tests.flows import services

    _, member, car = await setting(bot)
    day = open_weekdays(bot)[0]
    cars = [car] + [await add_car(bot, member, f"粤D{n:05d}") for n in range(11)]
    svc = services(bot)

    async def try_book(one) -> str:
        try:
            await booked(bot, member, one, day, 10)
        except BookingRefused as refused:
            return str(refused.code)
        return "ok"

    async def block() -> set[int]:
        async with svc.sessionmaker() as session:
            change = await manage.block(
                session, store(bot), day, (time(10), time(11)), by=CS, now=store(bot).now()
            )
            await session.commit()
        return {line.booking.id for line in change.affected}

    results = await asyncio.gather(
        *[try_book(c) for c in cars[:6]], block(), *[try_book(c) for c in cars[6:]]
    )
    listed = results[6]
    async with svc.sessionmaker() as session:
        got_in = set(
            await session.scalars(
                select(Booking.id).where(Booking.day == day, Booking.status == Status.BOOKED)
            )
        )
    assert got_in == listed and len(got_in) <= 4
    assert {r for r in results if isinstance(r, str)} <= {"ok", Refusal.FULL}
