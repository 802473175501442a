"""Booking in chat as owners do it: /book, the "Book now" button, typed days and times,
a time that fills before Confirm, a double tap, a restart midway, the .ics file."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import select

from bot.club.bookings.rules import Channel
from db.models import Car
from tests.booking_support import (
    STAFF_CHAT,
    at,
    book_directly,
    bookings,
    documents,
    ics_event,
    open_day,
    set_day,
    slot_label,
    staff_posts,
)
from tests.factories import add_car, add_member
from tests.flows import services
from tests.harness import joined

GO = "book:go:{car}:regular_maintenance"


async def _go(bot, user_id: int, **member):
    added = await add_member(bot, user_id, **member)
    owner = bot.person(user_id, language="en")
    calls = await owner.press_data(GO.format(car=added.cars[0].id))
    return added, owner, calls


async def test_three_taps_from_a_book_now_button_give_a_booking_and_its_ics(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    _, owner, calls = await _go(bot, 9101)
    day = open_day(bot)
    assert "Pick a day for Regular maintenance" in joined(calls)
    assert owner.last.button_labels[:7] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    await owner.press(str(day.day))  # 1
    assert slot_label(bot, day, 10) in owner.last.button_labels
    summary = joined(await owner.press(slot_label(bot, day, 10)))  # 2
    assert "Car: 粤B12345" in summary and "Regular maintenance" in summary
    assert "Asia/Shanghai" in summary and "1 hour" in summary
    calls = await owner.press("Confirm")  # 3
    assert "You are booked" in joined(calls)
    [made] = await bookings(bot)
    assert made.starts_at == at(bot, day, 10) and made.channel == Channel.INVITE
    [doc] = documents(bot, 9101)
    event = ics_event(doc)
    assert event.decoded("dtstart").astimezone(UTC) == at(bot, day, 10)
    assert event.decoded("dtend").astimezone(UTC) == at(bot, day, 11)
    assert "TZID=Asia/Shanghai" in doc.files["document"][1].decode()
    [post] = staff_posts(bot)
    assert "Wang Wei" in post and "粤B12345" in post and "定期保养" in post


async def test_book_asks_for_the_car_when_the_owner_has_two(bot):
    member = await add_member(bot, 9102)
    await add_car(bot, member, "粤B99999")
    owner = bot.person(9102, language="en")
    calls = await owner.send("/book")
    assert "Which car" in joined(calls)
    assert {"粤B12345", "粤B99999"} <= set(owner.last.button_labels)
    await owner.press("粤B99999")
    await owner.press("Tyres")
    day = open_day(bot, 3)
    await owner.press(str(day.day))
    await owner.press(slot_label(bot, day, 14, places=2))
    await owner.press("Confirm")
    [made] = await bookings(bot)
    async with services(bot).sessionmaker() as session:
        plate = await session.scalar(select(Car.plate).where(Car.id == made.car_id))
    assert plate == "粤B99999" and made.service == "tyres" and made.starts_at == at(bot, day, 14)


async def test_typed_days_and_times_are_refused_with_the_reason(bot):
    _, owner, _ = await _go(bot, 9103)
    store = services(bot).default_store
    yesterday = (store.today() - timedelta(days=1)).isoformat()
    assert "already passed" in joined(await owner.send(yesterday))
    far = (store.today() + timedelta(days=40)).isoformat()
    assert "further ahead" in joined(await owner.send(far))
    closed = open_day(bot, 4)
    await set_day(bot, closed, closed=True)
    assert "closed" in joined(await owner.send(closed.strftime("%m/%d")))
    assert "type a date" in joined(await owner.send("someday"))
    day = open_day(bot, 2)
    if day == closed:
        day = open_day(bot, 5)
    calls = await owner.send(day.isoformat())
    assert "Free times on" in joined(calls)
    assert "not one of the start times" in joined(await owner.send("10:10"))
    assert "not one of the start times" in joined(await owner.send("20:00"))
    assert "type one like 10:30" in joined(await owner.send("soon"))
    calls = await owner.send("10点半")
    assert "Please check your booking" in joined(calls)


async def test_a_full_time_offers_the_three_nearest_free_ones(bot):
    other = await add_member(bot, 9104, phone="+8613800000104", plate="粤A00104")
    day = open_day(bot)
    await set_day(bot, day, places=1)
    await book_directly(bot, other, at(bot, day, 10))
    _, owner, _ = await _go(bot, 9105, phone="+8613800000105", plate="粤A00105")
    await owner.send(day.isoformat())
    calls = await owner.send("10:00")
    assert "fully booked" in joined(calls)
    offered = owner.last.button_labels[:-1]  # Cancel last
    assert len(offered) == 3
    # 10:00-11:00 is taken: 9:30 and 10:30 overlap it; the nearest are 8:30, 9:00, 11:00.
    clock = services(bot).translator("en", services(bot).default_store).clock
    wanted = [f"{clock(at(bot, day, h, m))} (1)" for h, m in ((8, 30), (9, 0), (11, 0))]
    assert all(label.endswith(end) for label, end in zip(offered, wanted, strict=True))
    await owner.press(offered[2])
    await owner.press("Confirm")
    assert [b.starts_at for b in await bookings(bot)] == [at(bot, day, 10), at(bot, day, 11)]


async def test_a_time_taken_between_summary_and_confirm_is_offered_again(bot):
    day = open_day(bot)
    await set_day(bot, day, places=1)
    _, owner, _ = await _go(bot, 9106, phone="+8613800000106", plate="粤A00106")
    await owner.press(str(day.day))
    await owner.press(slot_label(bot, day, 15, places=1))
    rival = await add_member(bot, 9107, phone="+8613800000107", plate="粤A00107")
    await book_directly(bot, rival, at(bot, day, 15))
    calls = await owner.press("Confirm")
    assert "fully booked" in joined(calls) and "nearest free times" in joined(calls)
    assert len(owner.last.button_labels) == 4  # three times and Cancel
    await owner.press(owner.last.button_labels[0])
    await owner.press("Confirm")
    made = await bookings(bot)
    assert len(made) == 2 and made[1].member_id != rival.id
    assert made[1].starts_at != at(bot, day, 15)


async def test_a_double_tapped_confirm_books_once(bot):
    _, owner, _ = await _go(bot, 9108)
    day = open_day(bot)
    await owner.press(str(day.day))
    await owner.press(slot_label(bot, day, 9))
    data = next(b["callback_data"] for b in owner.last.buttons if b["text"] == "Confirm")
    await owner.press_data(data)
    again = await owner.press_data(data)
    assert len(await bookings(bot)) == 1
    assert any(c.method == "answerCallbackQuery" and c.params.get("text") for c in again)
    assert len(documents(bot, 9108)) == 1


async def test_a_booking_begun_before_a_restart_is_finished_after_it(make_bot):
    first = await make_bot()
    _, owner, _ = await _go(first, 9109)
    day = open_day(first)
    await owner.press(str(day.day))
    await first.stop()
    second = await make_bot()
    owner = second.person(9109, language="en")
    await owner.send("11:30")
    await owner.send("23,500 km")
    calls = await owner.send("Please check the brakes")
    assert "Mileage now: 23,500 km" in joined(calls) and "check the brakes" in joined(calls)
    await owner.press("Confirm")
    [made] = await bookings(second)
    assert made.starts_at == at(second, day, 11, 30)
    assert (made.mileage, made.notes) == (23500, "Please check the brakes")
    async with services(second).sessionmaker() as session:
        assert await session.scalar(select(Car.last_mileage).where(Car.id == made.car_id)) == 23500


async def test_book_now_for_a_car_that_is_not_theirs_is_refused(bot):
    other = await add_member(bot, 9110, phone="+8613800000110", plate="粤A00110")
    await add_member(bot, 9111, phone="+8613800000111", plate="粤A00111")
    owner = bot.person(9111, language="en")
    calls = await owner.press_data(GO.format(car=other.cars[0].id))
    assert "not one of yours" in joined(calls)
    calls = await owner.press_data("book:go:abc:regular_maintenance")
    assert "not one of yours" in joined(calls)
    assert await bookings(bot) == []


async def test_only_members_can_book_and_full_days_say_so(bot):
    stranger = bot.person(9112, language="en")
    assert "not a club member" in joined(await stranger.send("/book"))
    day = open_day(bot)
    await set_day(bot, day, places=0)
    _, owner, _ = await _go(bot, 9113)
    full = next(b for b in owner.last.buttons if b["callback_data"] == f"book:full:{day}")
    assert full["text"] == "·"
    calls = await owner.press_data(full["callback_data"])
    assert any("fully booked" in (c.params.get("text") or "") for c in calls)
    calls = await owner.send(day.isoformat())
    assert "fully booked" in joined(calls)


async def test_a_time_button_pressed_after_it_filled_offers_the_nearest(bot):
    day = open_day(bot)
    await set_day(bot, day, places=1)
    _, owner, _ = await _go(bot, 9114, phone="+8613800000114", plate="粤A00114")
    await owner.press(str(day.day))
    rival = await add_member(bot, 9115, phone="+8613800000115", plate="粤A00115")
    await book_directly(bot, rival, at(bot, day, 12))
    calls = await owner.press(slot_label(bot, day, 12, places=1))
    assert "fully booked" in joined(calls)
    assert len(owner.last.button_labels) == 4  # three nearest and Cancel
