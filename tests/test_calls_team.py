"""/calls team for managers: per person who is behind first, open now, unreached and
done this month; the unassigned calls and the DMS names they wait for. Others are told
it is for managers."""

from __future__ import annotations

from datetime import timedelta

from tests.calls_support import ADVISOR, MANAGER, SALES, delivered_owner, move, tasks, tick
from tests.factories import add_visit, staff
from tests.flows import services
from tests.harness import joined


async def test_the_manager_sees_who_is_behind_first(bot):
    await delivered_owner(bot, None, days_ago=1)  # SALES: day 1 and day 3
    await staff(bot, SALES, "sales")
    advisor = await staff(bot, ADVISOR, "service_advisor", first_name="Li")
    await advisor.send("/dmsname Li Na")
    await add_visit(bot, advisor="Li Na", staff_id=None)  # ADVISOR's
    await add_visit(bot, advisor="Chen Jie", staff_id=None)  # nobody's yet
    await tick(bot)
    made = {(t.kind, t.assignee_name): t for t in await tasks(bot)}
    late = made[("delivery_1", None)]
    now = services(bot).now()
    await move(bot, late.id, due_at=now - timedelta(hours=5))
    await advisor.send("/calls")
    mine = made[("service", "Li Na")]
    await advisor.press(f"Done #{mine.id}")
    await advisor.press("No note")
    manager = await staff(bot, MANAGER, "manager")
    await manager.send("/calls")
    text = joined(await manager.press("The team's calls"))
    lines = text.splitlines()
    assert lines[0].startswith("The team's calls (unreached and done: since ")
    assert lines[1] == "⚠ ID 7001: 1 behind · 1 open now · 0 unreached · 0 done"
    assert lines[2] == "· Li Na: 0 behind · 0 open now · 0 unreached · 1 done"
    assert "Unassigned: 0 behind · 1 open now · 0 unreached · 0 done" in text
    assert "Open calls under DMS names nobody has set yet: Chen Jie (1)." in text
    assert joined(await manager.send("/calls team")) == text


async def test_the_team_in_chinese_and_refused_to_others(bot):
    await delivered_owner(bot, None, days_ago=1)
    seller = await staff(bot, SALES, "sales", language="zh-hans")
    await tick(bot)
    assert "只有经理可以查看团队的回访" in joined(await seller.send("/calls team"))
    assert "团队回访情况" not in " ".join(seller.last.button_labels)
    calls = await seller.press_data("cl:team")
    assert "只有经理可以查看团队的回访" in joined(calls)
    manager = await staff(bot, MANAGER, "manager", language="zh-hans")
    text = joined(await manager.send("/calls team"))
    assert "团队回访情况（未联系上和已联系：自 " in text
    assert "· ID 7001：超时 0 · 待打 1 · 未联系上 0 · 已联系 0" in text
    assert "用法" in joined(await manager.send("/calls everyone"))
