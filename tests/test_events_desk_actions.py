"""What staff do to an event from its desk view: a message reaches everyone holding a
seat once; a change of time re-keys the reminders and tells everyone signed up; more
seats are offered to the waitlist at once; an announcement is a broadcast carrying the
event; cancelling refunds points costs and tells the owners and the staff group."""

from __future__ import annotations

from sqlalchemy import select

from bot.messaging.outbox import Purpose
from db.models import Broadcast, Event, EventSignup, Member, Push
from tests.factories import add_event, add_member, give_points, staff
from tests.test_events_desk import MANAGER, filled, open_event, services_of, sign_up

STAFF_CHAT = -100777


async def rows(bot, model, *where):
    async with services_of(bot).sessionmaker() as session:
        return list(await session.scalars(select(model).where(*where).order_by(model.id)))


def texts_to(bot, chat_id: int) -> list[str]:
    return [c.text for c in bot.api.calls if c.method == "sendMessage" and c.chat_id == chat_id]


async def test_a_message_reaches_everyone_holding_a_seat_once(bot):
    event, (first, second, third) = await filled(bot)
    desk = await staff(bot, 9801, "service_advisor")
    await open_event(desk, event)
    await desk.press("Message attendees")
    assert "Write the message" in desk.last.text
    await desk.send("请提前十分钟到场签到。")
    assert "on its way to 2 owners" in desk.last.text  # the waitlist is not told
    for member in (first, second):
        got = [t for t in texts_to(bot, member.telegram_user_id) if "提前十分钟" in t]
        assert len(got) == 1 and got[0].startswith("About Owner class: winter driving")
    assert not texts_to(bot, third.telegram_user_id)
    await desk.send("请提前十分钟到场签到。")  # the form is closed: not sent again
    assert len([t for t in texts_to(bot, first.telegram_user_id) if "提前" in t]) == 1


async def test_a_change_of_time_re_keys_the_reminders_and_tells_everyone(bot):
    event, (first, second, third) = await filled(bot)
    old = await rows(bot, Push, Push.purpose == Purpose.EVENT_REMINDER)
    assert len(old) == 2 and all(p.dedupe_key.startswith(f"event:{event.id}:1:") for p in old)
    manager = await staff(bot, MANAGER, "manager")
    await open_event(manager, event)
    await manager.press("Change time or place")
    await manager.send("yesterday 10:00")
    assert "2026-12-19 14:00" in manager.received()[-2].text  # not a date and time
    store = services_of(bot).default_store
    later = event.starts_at.astimezone(store.tz) + (event.ends_at - event.starts_at) * 12
    await manager.send(later.strftime("%Y-%m-%d %H:%M"))
    await manager.press("Keep as it is")  # the end: keeps the length
    await manager.press("Keep as it is")  # the sign-up deadline
    await manager.send("新店三楼")
    await manager.press("Keep as it is")  # the map location
    assert "Now:" in manager.last.text and "新店三楼" in manager.last.text
    await manager.press("Confirm")
    assert "3 owners signed up are being told" in manager.received()[-2].text
    (moved,) = await rows(bot, Event, Event.id == event.id)
    assert moved.version == 2 and moved.place == "新店三楼"
    assert moved.ends_at - moved.starts_at == event.ends_at - event.starts_at
    reminders = await rows(bot, Push, Push.purpose == Purpose.EVENT_REMINDER)
    stale = [p for p in reminders if p.dedupe_key.startswith(f"event:{event.id}:1:")]
    fresh = [p for p in reminders if p.dedupe_key.startswith(f"event:{event.id}:2:")]
    assert [p.status for p in stale] == ["cancelled", "cancelled"]  # the old ones never go
    assert [p.status for p in fresh] == ["queued", "queued"]
    assert {p.member_id for p in fresh} == {first.id, second.id}
    assert all(p.not_before < moved.starts_at and p.not_before > event.starts_at for p in fresh)
    for member, standing in ((first, "seat is kept"), (second, "seat is kept")):
        told = [t for t in texts_to(bot, member.telegram_user_id) if "新店三楼" in t]
        assert len(told) == 1 and standing in told[0] and "/events" in told[0]
    (told,) = [t for t in texts_to(bot, third.telegram_user_id) if "新店三楼" in t]
    assert "You stay on the waitlist, number 1." in told and "seat" not in told


async def test_more_seats_are_offered_to_the_waitlist_at_once(bot):
    event, (_, _, third) = await filled(bot)
    desk = await staff(bot, 9801, "customer_service")
    await open_event(desk, event)
    await desk.press("Capacity")
    await desk.send("none")
    assert "whole number above 0" in desk.received()[-2].text
    await desk.send("6")
    assert "Seats set to 6" in desk.received()[-2].text
    assert "held for 1 owner" in desk.received()[-2].text
    assert "Seats filled: 5 of 6" in desk.last.text
    (held,) = await rows(bot, EventSignup, EventSignup.member_id == third.id)
    assert held.status == "offered"
    offers = await rows(bot, Push, Push.purpose == Purpose.EVENT_OFFER)
    assert [p.member_id for p in offers] == [third.id]


async def test_an_announcement_is_a_broadcast_that_carries_the_event(bot):
    event = await add_event(bot, photo="event-photo-1")
    await add_member(bot, 9811)
    manager = await staff(bot, MANAGER, "manager")
    await open_event(manager, event)
    await manager.press("Announce")
    assert manager.last.text == "Who should receive it?"  # kind, texts and photo are given
    await manager.press("Everyone")
    previews = [c for c in manager.received()[-3:] if c.method == "sendPhoto"]
    assert len(previews) == 2 and "4S店二楼会议室" in previews[1].text
    assert previews[0].text.startswith("车主讲堂：冬季用车")
    await manager.press("Send now")
    (sent,) = await rows(bot, Broadcast)
    assert sent.event_id == event.id and sent.kind == "activity"
    assert sent.photo_file_id == "event-photo-1" and "winter driving" in sent.texts["en"]
    (announced,) = await rows(bot, Event, Event.id == event.id)
    assert announced.broadcast_id == sent.id


async def test_cancelling_refunds_points_and_tells_owners_and_staff(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    event = await add_event(bot, points_cost=100, capacity=1)
    payer = await add_member(bot, 9821, locale="zh_Hans", name="Qian Hao", phone="+8613900000021")
    waiting = await add_member(bot, 9822, name="Wu Fei", phone="+8613900000022", plate=None)
    await give_points(bot, payer, 500)
    await give_points(bot, waiting, 500)
    await sign_up(bot, event, payer)
    await sign_up(bot, event, waiting)
    desk = await staff(bot, 9801, "service_advisor")
    await open_event(desk, event)
    assert "Cancel event" not in desk.last.button_labels
    manager = await staff(bot, MANAGER, "manager")
    await open_event(manager, event)
    await manager.press("Cancel event")
    assert "All 2 owners signed up will be told" in manager.last.text
    await manager.press("No, keep the event")
    assert (await rows(bot, Event, Event.id == event.id))[0].status == "published"
    await manager.press("Cancel event")
    await manager.press("Yes, cancel the event")
    assert "2 owners are being told. Points given back: 100." in manager.last.text
    (payer_now,) = await rows(bot, Member, Member.id == payer.id)
    assert payer_now.redeemable_points == 500
    (told,) = [t for t in texts_to(bot, 9821) if "取消" in t]
    assert "100" in told and "积分" in told  # in the owner's Chinese
    (told_en,) = [t for t in texts_to(bot, 9822) if "cancelled" in t]
    assert "points" not in told_en  # a waitlist place cost nothing
    (post,) = [t for t in texts_to(bot, STAFF_CHAT) if f"#{event.id}" in t]
    assert "已通知车主：2 位；退回积分：100" in post and "Wei" in post  # the store language
    calls = await manager.press_data(f"evd:callok:{event.id}")  # a second tap
    assert [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"] == [
        "That event is cancelled; it can no longer be changed."
    ]
    assert len([t for t in texts_to(bot, 9821) if "取消" in t]) == 1
