"""The desk's words as staff and owners read them, in both languages: the change form's
own skip buttons and its deadline step, each owner told what a change of time leaves
them with (no raw coordinates), held places named as owners name them, sentences on
their own lines, and the cancel confirmation's own "keep" button."""

from __future__ import annotations

from datetime import timedelta

from db.models import Event, EventSignup
from tests.factories import add_event, add_member, give_points, staff
from tests.test_events_desk import MANAGER, filled, open_event, services_of, sign_up
from tests.test_events_desk_actions import rows, texts_to
from tests.test_events_manage import share_location


def _typed(bot, moment) -> str:
    return moment.astimezone(services_of(bot).default_store.tz).strftime("%Y-%m-%d %H:%M")


async def test_in_chinese_seats_and_held_places_read_as_owners_read_them(bot):
    event, owners = await filled(bot)
    manager = await staff(bot, MANAGER, "manager", language="zh-hans")
    await open_event(manager, event)
    assert manager.last.text.splitlines()[1].startswith("车主讲堂 · ")  # kind · title
    await manager.press("名额")
    await manager.send("６")  # full-width, as Chinese keyboards type it
    told = manager.received()[-2].text
    assert told == "名额已设为 6。\n已为 1 位候补车主保留名额。"  # no stray space
    assert "保留名额：1" in manager.last.text and "座位" not in manager.last.text
    await manager.press("报名名单")
    assert "Sun Yu" in manager.last.text and "保留名额" in manager.last.text
    await manager.press("« 返回活动")
    await manager.press("修改时间或地点")
    assert manager.last.button_labels == ["保持不变"]  # not the gift catalog's 暂不下架
    await manager.press("保持不变")
    await manager.press("保持不变")  # the end
    assert "报名截止" in manager.last.text and "截止到开始时" in manager.last.button_labels
    await manager.press("截止到开始时")  # only the deadline changes
    for _ in range(2):  # the address, the map location
        await manager.press("保持不变")
    await manager.press("确认")
    (now,) = await rows(bot, Event, Event.id == event.id)
    assert now.signup_until == now.starts_at and now.version == event.version
    assert manager.received()[-2].text.startswith("报名截止：")
    for member in owners:  # a new deadline concerns nobody signed up already
        assert not [t for t in texts_to(bot, member.telegram_user_id) if "变更" in t]


async def test_moving_a_week_later_can_close_sign_up_at_the_new_start(bot):
    event = await add_event(bot)
    manager = await staff(bot, MANAGER, "manager")
    await open_event(manager, event)
    await manager.press("Change time or place")
    later = event.starts_at + timedelta(days=7)
    await manager.send(_typed(bot, later))
    await manager.press("Keep as it is")  # the end
    await manager.press("Until the start")
    await manager.press("Keep as it is")
    await manager.press("Keep as it is")
    assert "before the new start" not in manager.last.text  # the deadline was given
    await manager.press("Confirm")
    (now,) = await rows(bot, Event, Event.id == event.id)
    assert now.starts_at == later and now.signup_until == later


async def test_cancelling_in_chinese_keeps_its_own_words_and_lines(make_bot):
    bot = await make_bot()
    event = await add_event(bot, points_cost=200)
    payer = await add_member(bot, 9831, locale="zh_Hans", name="Qian Hao", phone="+8613900000031")
    await give_points(bot, payer, 500)
    await sign_up(bot, event, payer)
    manager = await staff(bot, MANAGER, "manager", language="zh-hans")
    await open_event(manager, event)
    await manager.press("取消活动")
    assert manager.last.button_labels[-1] == "暂不取消"  # not the gift catalog's 暂不下架
    await manager.press("暂不取消")
    await manager.press("取消活动")
    await manager.press(manager.last.button_labels[0])
    (told,) = [t for t in texts_to(bot, 9831) if "已取消" in t]
    assert "。\n" in told and "。 " not in told and "200" in told


async def test_a_change_of_time_tells_each_owner_what_applies_and_no_coordinates(bot):
    event, (first, second, third) = await filled(bot, latitude=23.1, longitude=113.3)
    manager = await staff(bot, MANAGER, "manager")
    await open_event(manager, event)
    await manager.press("Capacity")
    await manager.send("6")  # the third owner now has a place held
    (held,) = await rows(bot, EventSignup, EventSignup.member_id == third.id)
    waiting = await add_member(bot, 9714, name="Qian Hao", phone="+8613900000004", plate=None)
    await sign_up(bot, event, waiting, 2)  # 3 seats, 1 left: the waitlist
    await manager.press("Change time or place")
    assert manager.last.button_labels == ["Keep as it is"]
    await manager.send(_typed(bot, event.starts_at + timedelta(days=7)))
    await manager.press("Keep as it is")  # the end
    await manager.press("Keep as it is")  # the deadline
    await manager.press("Keep as it is")  # the address
    await share_location(manager, 23.5487, 113.5864)
    summary = manager.last.text
    assert "(7 days and 12 hours before the new start)" in summary  # the kept deadline
    await manager.press("Confirm")
    for member in (first, second):
        (told,) = texts_to(bot, member.telegram_user_id)[-1:]
        assert "Your seat is kept." in told
    (told,) = texts_to(bot, third.telegram_user_id)[-1:]
    assert "Your held place stands until" in told and "seat is kept" not in told
    (told,) = texts_to(bot, waiting.telegram_user_id)[-1:]
    assert "You stay on the waitlist, number 1." in told and "place stays" not in told
    assert "23.5487" not in told and "113.5864" not in told
    assert "The map location changed" in told
    assert held.offer_until is not None
