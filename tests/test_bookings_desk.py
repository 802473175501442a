"""The desk's day sheet: /today and /day list the bookings by slot with car, owner, phone,
notes, mileage and advisor; Arrived and No-show mark them once, in place; a big day is
paged under Telegram's limits; recording the visit of a booked car marks it arrived."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import update

from bot.club.bookings import book
from bot.club.bookings.desk import parse_day
from bot.club.bookings.rules import Status
from bot.club.bookings.slots import local_instant
from db.models import Booking, Member
from tests.booking_desk_support import (
    at,
    booked,
    booking_row,
    current,
    member_and_car,
    open_weekdays,
    store,
)
from tests.factories import add_car, add_member, owner, staff
from tests.flows import services
from tests.harness import joined

OWNER, ADVISOR, CS, SALES = 8201, 8202, 8203, 8204


async def setting(bot):
    person = await owner(bot, OWNER)
    advisor = await staff(bot, ADVISOR, "service_advisor", first_name="Zhou")
    await add_member(bot, ADVISOR, name="Zhou Min", phone="+8613900000002", plate=None)
    member, car = await member_and_car(bot, OWNER)
    return person, advisor, member, car


def plain(text: str) -> str:
    """Babel puts a narrow no-break space before AM/PM."""
    return text.replace("\u202f", " ")


def _start_of_today(bot):
    s = store(bot)
    return local_instant(s.today(), time(0, 0), s.tz)


def test_dates_as_staff_type_them():
    today = date(2026, 12, 2)
    assert parse_day("2026-12-05", today) == date(2026, 12, 5)
    assert parse_day("12-05", today) == date(2026, 12, 5)
    assert parse_day("12/5", today) == date(2026, 12, 5)
    assert parse_day("1/3", today) == date(2027, 1, 3)  # nearest: next January
    assert parse_day("11/30", today) == date(2026, 11, 30)  # a few days ago
    for bad in ("13/45", "2026-02-30", "tomorrow", "12", ""):
        assert parse_day(bad, today) is None


async def test_the_day_sheet_shows_each_booking_with_what_the_desk_needs(bot):
    _, advisor, member, car = await setting(bot)
    day = open_weekdays(bot)[0]
    first = await booked(bot, member, car, day, 10, notes="Brakes squeak", mileage=35_000)
    second_car = await add_car(bot, member, "粤B54321", model="RAV4 2023")
    await booked(bot, member, second_car, day, 10, service="tyres")
    await add_member(bot, 8299, phone="+8613700000009", name="Li Na", plate="粤A11111")
    other, other_car = await member_and_car(bot, 8299)
    cancelled = await booked(bot, other, other_car, day, 14, 30)
    async with services(bot).sessionmaker() as session:
        await book.cancel(session, store(bot), cancelled.id, now=store(bot).now())
        await session.execute(
            update(Member).where(Member.id == member.id).values(advisor_user_id=ADVISOR)
        )
        await session.commit()
    await advisor.send(f"/day {day.isoformat()}")
    sheet = plain(advisor.last.text)
    assert f"Bookings for {day.strftime('%a')}" in sheet and "Open 8:30 AM–5:30 PM." in sheet
    assert "10:00 AM\n• 粤B12345 · Camry 2.0 2022 · Regular maintenance — booked" in sheet
    assert "• 粤B54321 · RAV4 2023 · Tyres — booked" in sheet
    assert "Wang Wei · +8613812345678" in sheet  # staff see the phone to call
    assert "Notes: Brakes squeak · Mileage: 35,000 km · Advisor: Zhou Min" in sheet
    assert "粤A11111" not in sheet and "Li Na" not in sheet  # the cancelled one is counted
    assert "Booked 2 · arrived 0 · no-show 0 · cancelled 1" in sheet
    assert "✓ Arrived 粤B12345" in advisor.last.button_labels
    assert "✗ No-show 粤B54321" in advisor.last.button_labels
    # The booking's own advisor comes before the owner's dedicated one.
    async with services(bot).sessionmaker() as session:
        await session.execute(update(Booking).where(Booking.id == first.id).values(advisor="Liu"))
        await session.commit()
    await advisor.send(f"/day {day.month}/{day.day}")
    assert "Advisor: Liu" in advisor.last.text
    # The next day is one tap away.
    assert advisor.last.button_labels[-1].endswith(" ›")
    await advisor.press(advisor.last.button_labels[-1])
    assert "No bookings." in advisor.last.text and advisor.last.method == "editMessageText"


async def test_staff_changes_of_the_day_are_on_the_sheet(bot):
    _, advisor, _, _ = await setting(bot)
    lead = await staff(bot, CS, "customer_service")
    day = open_weekdays(bot)[0]
    await lead.send(f"/capacity {day.isoformat()} regular_maintenance 1")
    await lead.send(f"/block {day.isoformat()} 10:00-11:00 all Training")
    await advisor.send(f"/day {day.isoformat()}")
    sheet = plain(advisor.last.text)
    assert "Places per slot changed: Regular maintenance 1." in sheet
    assert "Blocked 10:00 AM–11:00 AM: all services (Training)" in sheet
    await lead.send(f"/block {day.isoformat()} Holiday")
    await advisor.send(f"/day {day.isoformat()}")
    assert "Closed for booking by staff. (Holiday)" in advisor.last.text


async def test_arrived_and_no_show_mark_once_in_place(bot):
    _, advisor, member, car = await setting(bot)
    today, start = store(bot).today(), _start_of_today(bot)
    row = await booking_row(bot, member, car, today, start)
    await advisor.send("/today")
    assert "粤B12345" in advisor.last.text and "— booked" in advisor.last.text
    await advisor.press("✗ No-show 粤B12345")
    assert advisor.last.method == "editMessageText" and "— no-show ✗" in advisor.last.text
    assert "Booked 0 · arrived 0 · no-show 1" in advisor.last.text
    assert (await current(bot, row)).status == Status.NO_SHOW
    # The car turns up late after all: it is received.
    await advisor.press("✓ Arrived 粤B12345")
    assert "— arrived ✓" in advisor.last.text and advisor.last.button_labels[0].startswith("‹")
    marked = await current(bot, row)
    assert marked.status == Status.ARRIVED and marked.marked_by == ADVISOR
    calls = await advisor.press_data(f"bkdesk:arr:{row.id}:0")  # a double tap
    assert "That was already marked." in joined(calls)
    calls = await advisor.press_data(f"bkdesk:ns:{row.id}:0")
    assert "it is not a no-show" in joined(calls)
    assert (await current(bot, row)).status == Status.ARRIVED


async def test_a_cancelled_a_future_and_a_forged_booking_are_not_marked(bot):
    person, advisor, member, car = await setting(bot)
    day = open_weekdays(bot)[0]
    later = await booked(bot, member, car, day, 9)
    calls = await advisor.press_data(f"bkdesk:ns:{later.id}:0")
    assert "Too early" in joined(calls)
    async with services(bot).sessionmaker() as session:
        await book.cancel(session, store(bot), later.id, now=store(bot).now())
        await session.commit()
    calls = await advisor.press_data(f"bkdesk:arr:{later.id}:0")
    assert "That booking was cancelled; it cannot be marked." in joined(calls)
    assert (await current(bot, later)).status == Status.CANCELLED
    for data in ("bkdesk:arr:999999:0", "bkdesk:arr:x:0", "bkdesk:day:2026-13-40:0"):
        calls = await advisor.press_data(data)
        assert "No such booking" in joined(calls) or "out of date" in joined(calls)
    await person.press_data(f"bkdesk:arr:{later.id}:0")  # an owner forging the button
    assert "for store staff with the right role" in person.last.text


async def test_bad_dates_and_roles_without_the_desk_are_answered(bot):
    person, advisor, _, _ = await setting(bot)
    sales = await staff(bot, SALES, "sales")
    for text in ("/day", "/day 13/45", "/day next friday"):
        await advisor.send(text)
        assert "Usage: /day <date>" in advisor.last.text
    for who in (person, sales):
        await who.send("/today")
        assert "for store staff with the right role" in who.last.text


async def test_a_big_day_is_paged_under_telegrams_limits(bot):
    _, advisor, member, _ = await setting(bot)
    day = open_weekdays(bot)[0]
    for n in range(30):
        car = await add_car(bot, member, f"粤C{n:05d}", model="M" * 60)
        await booking_row(
            bot, member, car, day, at(bot, day, 9 + n % 8), notes="n" * 500, advisor="A" * 60
        )
    await advisor.send(f"/day {day.isoformat()}")
    first = advisor.last
    assert "Page 1 of 4" in first.text and len(first.text) < 4096
    assert len(first.buttons) <= 100
    assert "Booked 30 · arrived 0" in first.text
    await advisor.press("Page 2 ›")
    assert "Page 2 of 4" in advisor.last.text and "‹ Page 1" in advisor.last.button_labels
    for page in range(4):
        await advisor.press_data(f"bkdesk:day:{day.isoformat()}:{page}")
        assert len(advisor.last.text) < 4096 and len(advisor.last.buttons) <= 100


async def test_recording_the_visit_of_a_booked_car_marks_it_arrived(bot):
    _, advisor, member, car = await setting(bot)
    today = store(bot).today()
    row = await booking_row(bot, member, car, today, _start_of_today(bot) + timedelta(hours=9))
    await advisor.send("/visit 粤B12345 maintenance 800 RO-B1 36000")
    await advisor.press("Confirm")
    linked = await current(bot, row)
    assert linked.status == Status.ARRIVED and linked.visit_id is not None
    await advisor.send("/today")
    assert "粤B12345" in advisor.last.text and "— arrived ✓" in advisor.last.text
    assert "Booked 0 · arrived 1" in advisor.last.text
    # A second visit the same day has no booking left to link.
    await advisor.send("/visit 粤B12345 repair 300 RO-B2")
    await advisor.press("Confirm")
    assert (await current(bot, row)).visit_id == linked.visit_id


async def test_an_imported_visit_of_a_booked_car_marks_it_arrived(bot):
    _, _, member, car = await setting(bot)
    today = store(bot).today()
    row = await booking_row(bot, member, car, today, _start_of_today(bot) + timedelta(hours=9))
    other = await booking_row(
        bot, member, await add_car(bot, member, "粤B77777"), today, _start_of_today(bot)
    )
    clerk = await staff(bot, 7720, "customer_service")
    export = (
        "车牌号,工单号,结算日期,维修类别,结算金额,行驶里程\n"
        f"粤B12345,WO-IMP-1,{today.isoformat()},保养,880.00,36000\n"
        f"粤B77777,WO-IMP-2,{(today - timedelta(days=1)).isoformat()},保养,500.00,\n"
    ).encode()
    await clerk.send_document("visits.csv", export)
    linked = await current(bot, row)
    assert linked.status == Status.ARRIVED and linked.visit_id is not None
    assert (await current(bot, other)).visit_id is None  # a visit of another day
    await clerk.send_document("visits.csv", export)  # the same file again changes nothing
    assert (await current(bot, row)).visit_id == linked.visit_id


async def test_refreshing_an_unchanged_sheet_is_quiet(bot):
    _, advisor, _, _ = await setting(bot)
    await advisor.send("/today")
    description = "Bad Request: message is not modified: specified new message content"
    bot.api.fail("editMessageText", status=400, description=description)
    calls = await advisor.press("Refresh")
    assert "something went wrong" not in joined(calls)
    assert [c.method for c in calls if c.method != "answerCallbackQuery"] == []


async def test_the_sheet_speaks_the_staff_members_language(bot):
    _, _, member, car = await setting(bot)
    zh = await staff(bot, CS, "customer_service", language="zh-hans")
    day = open_weekdays(bot)[0]
    await booked(bot, member, car, day, 10)
    await zh.send(f"/day {day.isoformat()}")
    sheet = zh.last.text
    assert "的预约" in sheet and "粤B12345 · Camry 2.0 2022 · 定期保养 — 已预约" in sheet
    assert "已预约 1 · 已到店 0 · 未到店 0 · 已取消 0" in sheet
    assert "✓ 已到店 粤B12345" in zh.last.button_labels
