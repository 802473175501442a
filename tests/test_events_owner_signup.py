"""Owners sign up from an event's card: the pass and the .ics file, a points cost and the
companions picker, a double tap, not enough points, cancelling with the points back."""

from __future__ import annotations

from datetime import timedelta

from bot.club.events.rules import Status
from tests.factories import add_event, add_member, give_points, owner
from tests.harness import joined
from tests.test_events_owner_support import (
    event_row,
    ics_of,
    move,
    notice,
    notices,
    pass_link,
    points_of,
    qr_matches,
    sent,
    signups,
    start_arg,
)


async def test_signing_up_sends_the_pass_and_the_calendar_file_once(bot):
    wei = await owner(bot, 8401, name="Li Wei")
    event = await add_event(bot, latitude=22.54, longitude=114.06)
    await wei.send(f"/start ev_{event.id}")
    card = wei.last
    assert "Owner class: winter driving" in card.text and "20 seats left" in card.text
    assert card.button_labels == ["Sign up", "Add to calendar", "Map", "« Back to the list"]
    calls = await wei.press("Sign up")
    photo, document = sent(calls, "sendPhoto")[0], sent(calls, "sendDocument")[0]
    assert photo.text.startswith("You are signed up!")
    assert "4S店二楼会议室" in photo.text and "staff scan it to check you in" in photo.text
    mine = (await signups(bot, event.id))[8401]
    assert mine.status == Status.GOING
    link = pass_link(mine.code)
    assert qr_matches(photo.photo, link) and not qr_matches(photo.photo, pass_link("X" * 10))
    assert start_arg(link) == f"ci_{mine.code}"
    ics = ics_of(document)
    assert str(ics["SUMMARY"]) == "Owner class: winter driving"
    assert ics.decoded("DTSTART") == event.starts_at
    # A double tap on the same button: the same sign-up, one seat.
    again = await wei.press_data(f"ev:join:{event.id}:0")
    assert "You were already signed up for Owner class: winter driving." in joined(again)
    assert not sent(again, "sendPhoto") and not sent(again, "sendDocument")  # not re-sent
    assert (await event_row(bot, event.id)).seats_taken == 1
    assert len(await signups(bot, event.id)) == 1
    # The card now offers the pass again, the calendar and the cancel.
    await wei.send("/events")
    await wei.press("1. Owner class: winter driving")
    assert "✅ You are signed up" in wei.last.text
    assert wei.last.button_labels == [
        "My check-in pass",
        "Add to calendar",
        "Map",
        "Cancel my sign-up",
        "« Back to the list",
    ]
    shown = sent(await wei.press("My check-in pass"), "sendPhoto")[0]
    assert shown.params["photo"] == "photo1"  # the same picture, by Telegram's file id
    assert "staff scan it to check you in" in shown.text
    venue = sent(await wei.press("Map"), "sendVenue")[0]
    assert venue.params["latitude"] == 22.54 and venue.params["address"] == "4S店二楼会议室"


async def test_a_points_cost_with_companions_is_paid_and_comes_back_on_cancel(bot):
    member = await add_member(bot, 8402)
    await give_points(bot, member, 500)
    wei = bot.person(8402, language="en")
    event = await add_event(
        bot, kind="trip", points_cost=200, companions_max=2, meeting_point="Store car park"
    )
    await wei.send(f"/start ev_{event.id}")
    assert "Costs 200 points a person" in wei.last.text
    assert "You may bring up to 2 companions" in wei.last.text
    assert "Meeting point: Store car park" in wei.last.text
    picker = (await wei.press("Sign up · 200 points"))[-1]
    assert picker.button_labels == ["Just me", "+1", "+2", "« Back to the list"]
    assert "Each seat costs 200 points." in picker.text
    calls = await wei.press("+2")  # three seats: 600 points, they hold 500
    assert "You do not have enough redeemable points for that event." in notice(calls)
    assert "It needs 600 points; you have 500." in notice(calls)  # what is missing
    assert await points_of(bot, 8402) == 500 and not sent(calls, "sendPhoto")
    calls = await wei.press_data(f"ev:join:{event.id}:3")  # more than the event allows
    assert "That event does not allow so many companions." in notice(calls)
    calls = await wei.press_data(f"ev:join:{event.id}:1")
    text = sent(calls, "sendPhoto")[0].text
    assert "With 1 companion" in text and "Meeting point: Store car park" in text
    assert "400 points paid; redeemable points left: 100" in text
    assert (await event_row(bot, event.id)).seats_taken == 2
    ask = (await wei.press_data(f"ev:cancel:{event.id}"))[-1]
    assert "Your 400 points come back." in ask.text
    kept = (await wei.press("No, keep it"))[-1]
    assert "✅ You are signed up, with 1 companion" in kept.text
    await wei.press_data(f"ev:cancel:{event.id}")
    done = (await wei.press("Yes, cancel"))[-1]
    assert "400 points are back; your redeemable points: 500." in done.text
    assert await points_of(bot, 8402) == 500
    assert (await event_row(bot, event.id)).seats_taken == 0
    # The same confirmation pressed again: nothing left to cancel.
    calls = await wei.press_data(f"ev:cancel:{event.id}:y")
    assert "You are not signed up for that event." in notices(calls)
    assert await points_of(bot, 8402) == 500


async def test_cancel_after_the_start_and_forged_cancels_are_refused(bot):
    wei = await owner(bot, 8403)
    event = await add_event(bot)
    await wei.press_data(f"ev:join:{event.id}:0")
    for data in (f"ev:cancel:{event.id}:n", "ev:cancel:x", "ev:cancel"):
        assert notices(await wei.press_data(data)) == ["That button is no longer active."]
    assert "That event does not exist" in notice(await wei.press_data("ev:cancel:99999:y"))
    await move(bot, event.id, starts_at=event.starts_at - timedelta(days=8))
    calls = await wei.press_data(f"ev:cancel:{event.id}:y")
    assert "That event has already begun." in notice(calls)
    assert (await signups(bot, event.id))[8403].status == Status.GOING


async def test_signing_up_in_chinese(bot):
    wei = await owner(bot, 8404, language="zh-hans")
    event = await add_event(bot, companions_max=1)
    await wei.send("/events")
    assert "近期活动" in wei.last.text and "车主讲堂：冬季用车" in wei.last.text
    await wei.press_data(f"ev:show:{event.id}:l")
    assert "报名" in wei.last.button_labels[0]
    await wei.press(wei.last.button_labels[0])
    calls = await wei.press("+1")
    photo = sent(calls, "sendPhoto")[0]
    assert "报名成功" in photo.text and "签到" in photo.text
    assert "日历" in sent(calls, "sendDocument")[0].text
