"""The reminder the evening before an event, as the owner gets it: time, place, a road
trip's meeting point, companions, the place as a map pin; none for a cancelled sign-up
or event, only the new time's after a move, none twice across a restart."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from bot.club.events import signup
from bot.messaging import event_pushes
from db.models import Event, Push
from tests.factories import add_event
from tests.flows import member_of, services
from tests.test_events_checkin import signed_up

OWNER = 7301


def eve_of(bot, event) -> datetime:
    """19:00 store time the day before the event ([events].reminder_at)."""
    store = services(bot).default_store
    day = event.starts_at.astimezone(store.tz).date() - timedelta(days=1)
    return datetime.combine(day, time(19), tzinfo=store.tz).astimezone(UTC)


async def pushes(bot) -> list[Push]:
    async with services(bot).sessionmaker() as session:
        return list((await session.scalars(select(Push).order_by(Push.id))).all())


def venues(bot) -> list:
    return bot.api.calls_to("sendVenue")


async def test_a_road_trip_is_reminded_the_evening_before_with_its_meeting_point(make_bot):
    bot = await make_bot()
    event = await add_event(
        bot,
        kind="trip",
        titles={"zh_Hans": "从化温泉自驾游", "en": "Road trip to Conghua"},
        place="从化温泉度假村",
        meeting_point="天河城东门",
        latitude=23.5487,
        longitude=113.5864,
        companions_max=2,
    )
    owner, _ = await signed_up(bot, event, OWNER, companions=2)
    eve = eve_of(bot, event)
    queued = {p.purpose: p.not_before for p in await pushes(bot)}
    assert queued["event_reminder"] == eve and "event_evaluation" in queued

    await bot.drain(at=eve - timedelta(minutes=1))
    assert owner.received() == []  # not yet
    await bot.drain(at=eve + timedelta(minutes=1))
    t = services(bot).translator("en", services(bot).default_store)
    text = owner.last.text
    assert text.startswith(f"Reminder: tomorrow, {t.datetime(event.starts_at)}: Road trip to")
    assert "Place: 从化温泉度假村" in text
    assert f"Meet at 天河城东门 at {t.clock(event.starts_at)}." in text
    assert "You are bringing 2 companions." in text and "/events" in text
    [pin] = venues(bot)
    assert pin.chat_id == OWNER and pin.params["title"] == "Road trip to Conghua"
    assert pin.params["address"] == "从化温泉度假村" and float(pin.params["latitude"]) == 23.5487

    again = await make_bot()  # a restart on the same data
    await again.drain(at=eve + timedelta(minutes=5))
    assert again.api.calls_to("sendMessage") == [] and venues(again) == []
    assert len(owner.received()) == 1


async def test_a_class_reminder_in_chinese_has_no_pin_and_no_meeting_point(bot):
    event = await add_event(bot, meeting_point="不该出现")  # a class: no meeting point shown
    owner, _ = await signed_up(bot, event, OWNER, language="zh-hans")
    await bot.drain(at=eve_of(bot, event) + timedelta(minutes=1))
    text = owner.last.text
    assert text.startswith("温馨提醒：明天") and "车主讲堂：冬季用车" in text
    assert "地点：4S店二楼会议室" in text and "不该出现" not in text and "同行人" not in text
    assert venues(bot) == []


async def test_no_reminder_for_a_cancelled_sign_up_and_one_for_signing_up_again(bot):
    event = await add_event(bot)
    owner, _ = await signed_up(bot, event, OWNER)
    svc = services(bot)
    member = await member_of(bot, OWNER)
    async with svc.sessionmaker() as session:
        await signup.cancel(session, svc.default_store, event.id, member.id, svc.now())
        await session.commit()
    eve = eve_of(bot, event)
    await bot.drain(at=eve + timedelta(minutes=1))
    await bot.drain(at=event.ends_at + timedelta(hours=3))
    assert owner.received() == []
    assert {p.status for p in await pushes(bot)} == {"cancelled"}

    async with svc.sessionmaker() as session:  # back again: a new turn, its own reminder
        await signup.sign_up(session, svc.default_store, event.id, member.id, 0, svc.now())
        await session.commit()
    await bot.drain(at=eve + timedelta(minutes=2))
    assert len(owner.received()) == 1 and "Reminder: tomorrow" in owner.last.text


async def test_no_reminder_or_evaluation_for_a_cancelled_event(bot):
    event = await add_event(bot)
    owner, _ = await signed_up(bot, event, OWNER)
    svc = services(bot)
    async with svc.sessionmaker() as session:
        await signup.cancel_event(session, svc.default_store, event.id, 1, svc.now())
        await session.commit()
    await bot.drain(at=eve_of(bot, event) + timedelta(minutes=1))
    await bot.drain(at=event.ends_at + timedelta(hours=3))
    assert owner.received() == []


async def test_after_a_move_only_the_new_times_reminder_is_sent(bot):
    event = await add_event(bot)
    owner, seat = await signed_up(bot, event, OWNER)
    old_eve = eve_of(bot, event)
    svc = services(bot)
    async with svc.sessionmaker() as session:  # staff move it a day later, as the desk does
        moved = await session.get(Event, event.id)
        moved.starts_at += timedelta(days=1)
        moved.ends_at += timedelta(days=1)
        moved.version += 1
        signed = await signup.signup_of(session, event.id, seat.member_id)
        await event_pushes.queue_seat(session, svc.default_store, moved, signed, svc.now())
        await session.commit()
    assert len([p for p in await pushes(bot) if p.purpose == "event_reminder"]) == 2

    report = await bot.drain(at=old_eve + timedelta(minutes=1))
    assert owner.received() == [] and report.cancelled == 1  # the old time's: stale
    await bot.drain(at=old_eve + timedelta(days=1, minutes=1))
    t = svc.translator("en", svc.default_store)
    assert owner.last.text.startswith(f"Reminder: tomorrow, {t.datetime(moved.starts_at)}")
    await bot.drain(at=moved.ends_at + timedelta(hours=3))  # the evaluations: the new one only
    assert len(owner.received()) == 2 and "How was it?" in owner.last.text
    assert sorted(p.status for p in await pushes(bot)) == ["cancelled"] * 2 + ["sent"] * 2


async def test_a_reminder_left_until_after_the_start_is_not_sent(bot):
    event = await add_event(bot)
    owner, _ = await signed_up(bot, event, OWNER)
    async with services(bot).sessionmaker() as session:  # the sender was down until then
        moved = await session.get(Event, event.id)
        moved.starts_at = services(bot).now() - timedelta(minutes=5)
        await session.commit()
    await bot.drain(at=eve_of(bot, event) + timedelta(minutes=1))
    assert owner.received() == []
