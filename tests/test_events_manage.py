"""Managers create events in chat with /newevent: every step, bad dates and a deadline
after the start refused at their step, a road trip's meeting point, a shared map
location; saved as a draft (owners never see it) or published; who may is policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db.models import AuditEntry, Event
from tests.factories import owner, staff

MANAGER = 9601


def _services(bot):
    return bot.app.bot_data["services"]


async def _events(bot) -> list[Event]:
    async with _services(bot).sessionmaker() as session:
        return list(await session.scalars(select(Event).order_by(Event.id)))


def _next_year() -> int:
    return datetime.now(UTC).year + 1


async def share_location(person, lat: float, lon: float):
    message = person._message(location={"latitude": lat, "longitude": lon})
    return await person.bot.feed({"message": message})


async def fill_class(
    manager, *, start: str | None = None, where: tuple[float, float] | None = None
) -> None:
    """The create form up to its summary, as a manager answers it for an owner class
    (with `where`, its map location shared at the map step)."""
    year = _next_year()
    await manager.send("/newevent")
    await manager.press("Owner class")
    await manager.send("冬季用车讲堂")
    await manager.send("Winter driving class")
    await manager.send("冬季轮胎、电瓶与保养")
    await manager.press("No English description")
    await manager.press("No photo")
    await manager.send(start or f"{year}-12-19 14:00")
    await manager.send("16:00")
    await manager.send("4S店二楼会议室")
    if where is None:
        await manager.press("No map location")
    else:
        await share_location(manager, *where)
    await manager.send("30")
    await manager.send("2")
    await manager.press("Until the start")
    await manager.press("Any tier")
    await manager.send("50")
    await manager.press("Free")


async def test_a_manager_creates_a_class_step_by_step_and_publishes_it(bot):
    manager = await staff(bot, MANAGER, "manager")
    await manager.send("/newevent")
    assert manager.last.text.startswith("(1/") and "What kind" in manager.last.text
    assert manager.last.button_labels[:3] == ["Owner class", "Road trip", "Club activity"]
    await fill_class(manager)
    summary = manager.last.text
    assert "Winter driving class" in summary and "4S店二楼会议室" in summary
    assert "Seats: 30" in summary and "Companions per owner: up to 2" in summary
    assert "Attending earns 50 points" in summary
    assert manager.last.button_labels[:2] == ["Save as draft", "Publish now"]
    assert not await _events(bot)  # nothing is written before the last answer
    await manager.press("Publish now")
    assert "Published" in "\n".join(c.text for c in manager.received()[-2:])
    (event,) = await _events(bot)
    assert event.status == "published" and event.kind == "class"
    assert event.titles == {"zh_Hans": "冬季用车讲堂", "en": "Winter driving class"}
    assert event.descriptions == {"zh_Hans": "冬季轮胎、电瓶与保养"}
    store = _services(bot).default_store
    local = event.starts_at.astimezone(store.tz)
    assert (local.year, local.month, local.day, local.hour) == (_next_year(), 12, 19, 14)
    assert event.ends_at - event.starts_at == timedelta(hours=2)
    assert event.signup_until == event.starts_at  # "until the start"
    assert (event.capacity, event.companions_max, event.points_award) == (30, 2, 50)
    assert event.points_cost == 0 and event.min_tier is None and event.meeting_point is None
    async with _services(bot).sessionmaker() as session:
        actions = await session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("event.%"))
        )
        assert list(actions) == ["event.create"]


async def test_bad_times_and_a_late_deadline_are_asked_again(bot):
    manager = await staff(bot, MANAGER, "manager")
    year = _next_year()
    await manager.send("/newevent")
    await manager.press("Road trip")
    for text in ("川西自驾游", "Western Sichuan road trip", "五天四晚"):
        await manager.send(text)
    await manager.send("Five days")
    await manager.press("No photo")
    await manager.send("next saturday")
    assert "2026-12-19 14:00" in manager.received()[-2].text  # the error says how
    await manager.send("2020-01-01 08:00")
    assert "already passed" in manager.received()[-2].text
    await manager.send(f"{year}/02/30 08:00")  # no such day
    assert "12/19 14:00" in manager.received()[-2].text
    await manager.send("12/19 08:00")  # month/day: its next one
    await manager.send("07:00")
    assert "must be after the start" in manager.received()[-2].text
    await manager.send("12-23 18:00")  # a date and time: five days
    await manager.send("成都天府广场")
    await share_location(manager, 30.657, 104.066)
    assert "meeting point" in manager.last.text  # a road trip asks where the cars meet
    await manager.send("4S店门口")
    await manager.send("zero")
    assert "whole number above 0" in manager.received()[-2].text
    await manager.send("12")
    await manager.send("9")  # over the policy's [events].max_companions (5)
    assert "club's limit" in manager.received()[-2].text
    await manager.press("None")
    await manager.send("12-20 09:00")  # after the start
    assert "cannot close after the event starts" in manager.received()[-2].text
    await manager.send("12-18 20:00")
    await manager.send("gold")
    await manager.press("None")
    await manager.send("100")
    assert "Meeting point: 4S店门口" in manager.last.text
    await manager.press("Save as draft")
    (event,) = await _events(bot)
    assert event.status == "draft" and event.kind == "trip"
    assert event.meeting_point == "4S店门口" and event.min_tier == "gold"
    assert (event.latitude, event.longitude) == (30.657, 104.066)
    assert event.ends_at - event.starts_at == timedelta(days=4, hours=10)
    assert event.signup_until < event.starts_at and event.points_cost == 100
    assert event.companions_max == 0


async def test_a_draft_is_hidden_from_owners_until_published(bot):
    manager = await staff(bot, MANAGER, "manager")
    await fill_class(manager)
    await manager.press("Save as draft")
    assert "draft" in manager.received()[-2].text
    (event,) = await _events(bot)
    assert event.status == "draft"
    await manager.press("Publish")
    (event,) = await _events(bot)
    assert event.status == "published"
    assert "Publish" not in manager.last.button_labels  # now: Announce
    assert "Announce" in manager.last.button_labels


async def test_the_form_speaks_chinese_and_refuses_owners_and_desk_staff(bot):
    buyer = await owner(bot, 9602, language="zh-hans")
    await buyer.send("/newevent")
    assert "权限" in buyer.last.text or "员工" in buyer.last.text
    advisor = await staff(bot, 9603, "service_advisor")  # desk staff: runs, does not create
    await advisor.send("/newevent")
    assert "right role" in advisor.last.text
    manager = await staff(bot, MANAGER, "manager", language="zh-hans")
    await manager.send("/newevent")
    assert "车主讲堂" in manager.last.button_labels
    await manager.send("/cancel")
    assert not await _events(bot)


async def test_old_buttons_change_nothing(bot):
    manager = await staff(bot, MANAGER, "manager")
    await fill_class(manager)
    summary = manager.last
    await manager.press("Save as draft")
    (draft,) = await _events(bot)
    publish_now = next(b for b in summary.buttons if b["text"] == "Publish now")
    calls = await manager.press_data(publish_now["callback_data"])  # the summary, again
    assert [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"] == [
        "That button is no longer active."
    ]
    assert len(await _events(bot)) == 1
    await manager.press_data(f"evd:publish:{draft.id}")
    calls = await manager.press_data(f"evd:publish:{draft.id}")  # a double tap
    assert [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"] == [
        "That event is published already."
    ]
    assert "Announce" in manager.last.button_labels  # the event as it is now
