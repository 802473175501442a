"""/newevent as a manager reads it, in both languages: natural title prompts, each
number step's error in its own prompt's words, full-width digits taken, every prompt
numbered among the steps this event will ask, and the words after publishing."""

from __future__ import annotations

import re

from tests.factories import staff
from tests.test_events_manage import MANAGER, _events, _next_year, fill_class


def _counter(text: str) -> tuple[int, int]:
    found = re.match(r"\((\d+)/(\d+)\) ", text)
    assert found, text
    return int(found[1]), int(found[2])


async def test_a_class_numbers_every_prompt_among_the_steps_it_asks(bot):
    manager = await staff(bot, MANAGER, "manager")
    await fill_class(manager)
    prompts = [c.text for c in manager.received() if c.text.startswith("(")]
    counters = [_counter(text) for text in prompts]
    # 17 steps for a class (no meeting point), the companions and summary screens too.
    assert [n for n, _ in counters] == list(range(1, 18))
    assert {total for _, total in counters} == {17}
    assert any(t.startswith("(12/17) How many companions") for t in prompts)


async def test_a_road_trip_counts_its_meeting_point(bot):
    manager = await staff(bot, MANAGER, "manager")
    await manager.send("/newevent")
    assert _counter(manager.last.text) == (1, 17)  # a meeting point only once it is a trip
    await manager.press("Road trip")
    assert _counter(manager.last.text) == (2, 18)
    await manager.send("/cancel")
    await manager.send("/newevent")
    await manager.press("Owner class")
    assert _counter(manager.last.text) == (2, 17)


async def test_chinese_prompts_read_naturally_and_errors_match_their_prompts(bot):
    manager = await staff(bot, MANAGER, "manager", language="zh-hans")
    await manager.send("/newevent")
    await manager.press("车主讲堂")
    assert manager.last.text == "（2/17）活动的中文标题是什么？最多 80 个字。"
    for text in ("冬季用车讲堂", "Winter driving class", "冬季轮胎、电瓶与保养"):
        await manager.send(text)
    await manager.press("不填英文介绍")
    await manager.press("不附图片")
    await manager.send("１２-１９ １４：００")  # full-width, as Chinese keyboards type it
    await manager.send("１６：００")
    await manager.send("4S店二楼会议室")
    await manager.press("不设地图位置")
    await manager.send("３０")
    await manager.send("２")
    await manager.press("截止到开始时")
    await manager.press("所有等级")
    assert "0 表示没有" in manager.last.text  # the award step's prompt…
    await manager.send("很多")
    assert "0 表示没有" in manager.received()[-2].text  # …and its error
    await manager.send("５０")
    assert "0 表示免费" in manager.last.text  # the cost step's prompt…
    await manager.send("一百")
    error = manager.received()[-2].text
    assert "0 表示免费" in error and "没有" not in error  # …and its own error
    await manager.press("免费")
    await manager.press("立即发布")
    (event,) = await _events(bot)
    assert (event.capacity, event.companions_max, event.points_award) == (30, 2, 50)
    local = event.starts_at.astimezone(bot.app.bot_data["services"].default_store.tz)
    assert (local.month, local.day, local.hour) == (12, 19, 14)
    assert (event.ends_at - event.starts_at).total_seconds() == 2 * 3600
    published = "\n".join(c.text for c in manager.received()[-2:])
    assert "已发布" in published and "/eventdesk" in published


async def test_english_says_how_to_manage_what_was_published(bot):
    manager = await staff(bot, MANAGER, "manager")
    await fill_class(manager, start=f"{_next_year()}-12-19 14:00")
    await manager.press("Publish now")
    texts = [c.text for c in manager.received()[-2:]]
    assert "Published: owners see it in /events. Manage it with /eventdesk." in texts
    assert texts[-1].splitlines()[1] == "Owner class · Winter driving class"  # kind · title
