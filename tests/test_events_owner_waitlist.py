"""A full event's waitlist from the owner's side: their place, a freed place offered to
the first in line (the offer push queued), taken or let go from its buttons, and the
stale or forged presses that must change nothing."""

from __future__ import annotations

from datetime import timedelta

from bot.club.events.rules import Status
from bot.messaging.outbox import Purpose
from tests.factories import add_event, add_member, give_points, owner
from tests.flows import services
from tests.harness import joined
from tests.test_events_owner_support import (
    event_row,
    hold_until,
    notice,
    notices,
    points_of,
    pushes,
    sent,
    signups,
)


async def full_event(bot, first: int, waiting: int):
    """A one-seat event taken by `first`, then `waiting` owners on its waitlist."""
    event = await add_event(bot, capacity=1)
    people = [
        await owner(bot, first + i, phone=f"+86139{first + i:08d}", plate=None)
        for i in range(1 + waiting)
    ]
    for person in people:
        await person.press_data(f"ev:join:{event.id}:0")
    return event, people


async def test_full_event_waitlist_place_then_the_freed_seat_is_offered_and_taken(bot):
    event, (li, wei, fang) = await full_event(bot, 8501, 2)
    await fang.send(f"/start ev_{event.id}")
    assert "⏳ You are number 2 on the waitlist" in fang.last.text
    assert fang.last.button_labels[0] == "Add to calendar"
    assert "Leave the waitlist" in fang.last.button_labels
    # Someone new sees the event full, and joins at the back of the line.
    zhao = await owner(bot, 8509, phone="+8613900008509", plate=None)
    await zhao.send(f"/start ev_{event.id}")
    assert "Full — you can join the waitlist" in zhao.last.text
    calls = await zhao.press("Join the waitlist")
    assert "you are on the waitlist: number 3" in joined(calls)
    assert "held for you for 12 hours" in joined(calls)
    # The one going cancels: the first waiting gets the seat held, and is told.
    await li.press_data(f"ev:cancel:{event.id}")
    await li.press("Yes, cancel")
    rows = await signups(bot, event.id)
    assert rows[8502].status == Status.OFFERED and rows[8503].status == Status.WAITING
    offers = await pushes(bot, Purpose.EVENT_OFFER)
    assert [p.params["signup_id"] for p in offers] == [rows[8502].id]
    assert offers[0].chat_id == 8502
    await wei.send("/events")
    assert "🎟 A place is held for you until" in wei.last.text
    await wei.press("1. Owner class: winter driving")
    assert wei.last.button_labels[:2] == ["Take the place", "Let it go"]
    calls = await wei.press_data(f"ev:take:{rows[8502].id}")
    assert sent(calls, "sendPhoto")[0].text.startswith("You are signed up!")
    assert len(sent(calls, "sendDocument")) == 1
    assert (await signups(bot, event.id))[8502].status == Status.GOING
    # A double tap on the offer: still one seat.
    again = await wei.press_data(f"ev:take:{rows[8502].id}")
    assert "You were already signed up for" in joined(again)
    assert (await event_row(bot, event.id)).seats_taken == 1
    await fang.send(f"/start ev_{event.id}")
    assert "⏳ You are number 1 on the waitlist" in fang.last.text


async def test_letting_a_held_place_go_passes_it_on_and_old_offers_are_answered(bot):
    event, (li, wei, fang) = await full_event(bot, 8511, 2)
    await li.press_data(f"ev:cancel:{event.id}:y")
    held = (await signups(bot, event.id))[8512]
    # Someone else's offer, a forged id, malformed data: nothing moves.
    assert "You are not signed up for that event." in notice(
        await fang.press_data(f"ev:take:{held.id}")
    )
    assert "You are not signed up for that event." in notice(
        await fang.press_data("ev:decline:99999")
    )
    assert notices(await wei.press_data("ev:take:abc")) == ["That button is no longer active."]
    assert (await signups(bot, event.id))[8512].status == Status.OFFERED
    calls = await wei.press_data(f"ev:decline:{held.id}")
    assert "passes to the next owner waiting" in joined(calls)
    rows = await signups(bot, event.id)
    assert rows[8512].status == Status.LAPSED and rows[8513].status == Status.OFFERED
    offers = await pushes(bot, Purpose.EVENT_OFFER)
    assert [p.chat_id for p in offers] == [8512, 8513]
    # The passed-on offer's buttons, pressed late.
    late = "Sorry, that held place has passed on or was taken back."
    assert late in notice(await wei.press_data(f"ev:take:{held.id}"))
    assert late in notice(await wei.press_data(f"ev:decline:{held.id}"))
    assert (await event_row(bot, event.id)).seats_taken == 1
    # Leaving the waitlist needs no seat given back.
    await li.press_data(f"ev:join:{event.id}:0")
    calls = await li.press_data(f"ev:cancel:{event.id}")
    assert "Cancel your sign-up for" in joined(calls)
    assert "Your seat then goes" not in joined(calls)
    calls = await li.press("Yes, cancel")
    assert "Cancelled: Owner class: winter driving." in joined(calls)
    assert (await signups(bot, event.id))[8511].status == Status.CANCELLED


async def test_a_held_place_short_of_points_stands_and_one_run_out_is_answered(bot):
    event = await add_event(bot, capacity=1, points_cost=100)
    first = await add_member(bot, 8531, phone="+8613900008531", plate=None)
    second = await add_member(bot, 8532, phone="+8613900008532", plate=None)
    for member in (first, second):
        await give_points(bot, member, 100)
    li, wei = bot.person(8531, language="en"), bot.person(8532, language="en")
    await li.press_data(f"ev:join:{event.id}:0")
    await wei.press_data(f"ev:join:{event.id}:0")  # waiting: the cost is paid on taking
    await give_points(bot, second, -60)  # spent elsewhere meanwhile
    await li.press_data(f"ev:cancel:{event.id}:y")
    held = (await signups(bot, event.id))[8532]
    calls = await wei.press_data(f"ev:take:{held.id}")
    assert "You do not have enough redeemable points for that event." in notice(calls)
    assert (await signups(bot, event.id))[8532].status == Status.OFFERED  # it stands
    await hold_until(bot, held.id, services(bot).now() - timedelta(minutes=1))
    calls = await wei.press_data(f"ev:take:{held.id}")
    assert "Sorry, that held place has passed on or was taken back." in notice(calls)
    assert await points_of(bot, 8532) == 40


async def test_waitlist_in_chinese(bot):
    event, _ = await full_event(bot, 8521, 1)
    zh = await owner(bot, 8525, language="zh-hans", phone="+8613900008525", plate=None)
    await zh.send(f"/start ev_{event.id}")
    assert "候补" in zh.last.text
    calls = await zh.press(zh.last.button_labels[0])
    assert "目前排第 2 位" in joined(calls)
