"""/bookings: the owner's upcoming bookings, cancelled with one tap (the place is free
for the next owner), moved to another time (the old one freed, a new .ics sent); other
owners' bookings and finished ones refused. /bookfor: staff book for an owner who phoned."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import select

from bot.club.bookings.rules import Channel, Status
from bot.club.staff.roles import Role
from db.models import Push
from handlers.bookings import texts
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
from tests.factories import add_member, staff
from tests.flows import services
from tests.harness import joined


async def test_bookings_lists_upcoming_and_cancel_frees_the_place(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    day = open_day(bot)
    await set_day(bot, day, places=1)
    member = await add_member(bot, 9201, phone="+8613800000201", plate="粤A00201")
    await book_directly(bot, member, at(bot, day, 10))
    owner = bot.person(9201, language="en")
    calls = await owner.send("/bookings")
    assert "Your upcoming booking (1)" in joined(calls)
    assert "粤A00201" in joined(calls) and "Regular maintenance" in joined(calls)
    assert owner.last.button_labels == ["Reschedule", "Cancel booking"]
    calls = await owner.press("Cancel booking")
    edited = [c for c in calls if c.method == "editMessageText"]
    assert edited and "Cancelled" in edited[0].text
    [cancelled] = await bookings(bot)
    assert cancelled.status == Status.CANCELLED
    assert any("粤A00201" in post for post in staff_posts(bot))
    assert "no upcoming bookings" in joined(await owner.send("/bookings"))
    # The place is free again: another owner books the same time.
    other = await add_member(bot, 9202, phone="+8613800000202", plate="粤A00202")
    next_one = bot.person(9202, language="en")
    await next_one.press_data(f"book:go:{other.cars[0].id}:regular_maintenance")
    await next_one.press(str(day.day))
    await next_one.press(slot_label(bot, day, 10, places=1))
    await next_one.press("Confirm")
    assert [b.status for b in await bookings(bot)] == [Status.CANCELLED, Status.BOOKED]
    # Pressing the old Cancel again: already cancelled.
    calls = await owner.press_data(f"bkme:cancel:{cancelled.id}")
    assert "cancelled or its time has passed" in joined(calls)


async def test_reschedule_moves_the_booking_and_frees_the_old_time(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    day = open_day(bot)
    await set_day(bot, day, places=1)
    member = await add_member(bot, 9203, phone="+8613800000203", plate="粤A00203")
    booking = await book_directly(bot, member, at(bot, day, 10))
    owner = bot.person(9203, language="en")
    await owner.send("/bookings")
    calls = await owner.press("Reschedule")
    assert "Pick a day for Regular maintenance" in joined(calls)
    await owner.press(str(day.day))
    # Its own time shows as free (moving it to 10:30 overlaps only itself).
    assert slot_label(bot, day, 10, places=1) in owner.last.button_labels
    summary = joined(await owner.press(slot_label(bot, day, 14, places=1)))
    assert "Move your booking to" in summary
    assert "Notes: Back door rattles" in joined(await owner.send("Back door rattles"))
    calls = await owner.press("Confirm")
    assert "moved" in joined(calls)
    [moved] = await bookings(bot)
    assert moved.id == booking.id and moved.starts_at == at(bot, day, 14) and moved.version == 2
    assert moved.notes == "Back door rattles"
    [doc] = documents(bot, 9203)
    assert ics_event(doc).decoded("dtstart").astimezone(UTC) == at(bot, day, 14)
    store = services(bot).default_store
    t = services(bot).translator(store.default_locale, store)
    old, new = texts.when(t, at(bot, day, 10)), texts.when(t, at(bot, day, 14))
    assert any(old in p and new in p and "粤A00203" in p for p in staff_posts(bot))
    # The old time is free for someone else.
    other = await add_member(bot, 9204, phone="+8613800000204", plate="粤A00204")
    await book_directly(bot, other, at(bot, day, 10))
    assert len(await bookings(bot)) == 2


async def test_another_owners_booking_cannot_be_touched(bot):
    day = open_day(bot)
    victim = await add_member(bot, 9205, phone="+8613800000205", plate="粤A00205")
    booking = await book_directly(bot, victim, at(bot, day, 9))
    await add_member(bot, 9206, phone="+8613800000206", plate="粤A00206")
    forger = bot.person(9206, language="en")
    for data in (f"bkme:cancel:{booking.id}", f"bkme:move:{booking.id}", "bkme:move:x"):
        calls = await forger.press_data(data)
        assert "not found among yours" in joined(calls)
    [still] = await bookings(bot)
    assert still.status == Status.BOOKED and still.starts_at == at(bot, day, 9)


async def test_staff_book_for_an_owner_who_phoned(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    await add_member(bot, 9207, phone="+8613800000207", plate="粤A00207", locale="en")
    desk = await staff(bot, 9301, Role.CUSTOMER_SERVICE)
    assert "Usage: /bookfor" in joined(await desk.send("/bookfor"))
    assert "No member found" in joined(await desk.send("/bookfor 粤Z99999"))
    calls = await desk.send("/bookfor 粤A00207")
    assert "Which service" in joined(calls)
    await desk.press("Repair")
    day = open_day(bot)
    await desk.press(str(day.day))
    await desk.press(slot_label(bot, day, 13, places=2))
    assert "Owner: Wang Wei" in desk.last.text
    calls = await desk.press("Confirm")
    assert "Booked for Wang Wei" in joined(calls)
    [made] = await bookings(bot)
    assert made.channel == Channel.STAFF and made.booked_by == 9301
    told = [c.text for c in bot.api.calls if c.chat_id == 9207]
    assert any("booked a service for you" in text and "Repair" in text for text in told)
    assert any("粤A00207" in p for p in staff_posts(bot))
    async with services(bot).sessionmaker() as session:
        assert await session.scalar(select(Push.id).where(Push.chat_id == 9207)) is not None


async def test_bookfor_is_for_staff_only(bot):
    await add_member(bot, 9208, phone="+8613800000208", plate="粤A00208")
    owner = bot.person(9208, language="en")
    assert "for store staff" in joined(await owner.send("/bookfor 粤A00208"))
