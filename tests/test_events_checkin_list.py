"""The check-in list (evc:list:<event>:<page>, the desk's button): the owners going, ten
a page, each a button that checks them in and redraws the list in place; stale, forged
and doubled ticks are answered; staff who run events only."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.club.events import signup
from bot.club.points.ledger import EntryKind
from db.models import PointsEntry
from tests import factories
from tests.flows import member_of, services
from tests.harness import joined
from tests.test_events_checkin import signed_up, soon

DESK = 6501


def notices(calls) -> list[str]:
    return [c.params.get("text") or "" for c in calls if c.method == "answerCallbackQuery"]


def edited(calls):
    [edit] = [c for c in calls if c.method == "editMessageText"]
    return edit


async def attendance(bot) -> int:
    async with services(bot).sessionmaker() as session:
        return await session.scalar(
            select(func.count()).where(PointsEntry.kind == EntryKind.ATTENDANCE)
        )


async def crowd(bot, event, count: int, first: int = 6600, companions: int = 0) -> list:
    """`count` owners going, named Owner 01, 02, … (the first with `companions`)."""
    return [
        (
            await signed_up(
                bot, event, first + i, companions if i == 0 else 0, name=f"Owner {i + 1:02d}"
            )
        )[1]
        for i in range(count)
    ]


async def test_the_list_pages_and_a_tick_checks_in_and_redraws_in_place(bot):
    event = await soon(bot, capacity=14, companions_max=2)
    going = await crowd(bot, event, 12, companions=2)
    await signed_up(bot, event, 6700)  # the waitlist: not on the check-in list
    desk = await factories.staff(bot, DESK, "customer_service")

    first = edited(await desk.press_data(f"evc:list:{event.id}:0"))
    assert "Check-in · Owner class: winter driving" in first.text
    assert "Checked in 0 of 12 owners · 14 seats with companions" in first.text
    assert first.text.count("☐") == 10 and "Page 1 of 2" in first.text
    assert "☐ 1. Owner 01 · …6600 · +2" in first.text  # the phone's last four, companions
    ticks = [b for b in first.buttons if b["callback_data"].startswith("evc:tick:")]
    assert len(ticks) == 10 and all(len(b["callback_data"]) <= 64 for b in first.buttons)
    assert [b["text"] for b in first.buttons[10:]] == ["Refresh", "›"]

    second = edited(await desk.press("›"))
    assert "Page 2 of 2" in second.text and second.text.count("☐") == 2
    assert "☐ 11. Owner 11 · …6610" in second.text and [b["text"] for b in second.buttons[2:]] == [
        "‹",
        "Refresh",
    ]

    tick = second.buttons[0]
    calls = await desk.press_data(tick["callback_data"])
    assert notices(calls) == ["✅ Checked in: Owner 11 · +50 points"]
    redrawn = edited(calls)
    assert "Checked in 1 of 12 owners" in redrawn.text and "Page 2 of 2" in redrawn.text
    assert redrawn.text.count("✓") == 1 and redrawn.buttons[0]["text"].startswith("✓ ")
    assert await attendance(bot) == 1

    again = await desk.press_data(tick["callback_data"])  # a double tap
    assert "was already checked in at" in notices(again)[0] and "by you" in notices(again)[0]
    assert await attendance(bot) == 1
    assert tick["callback_data"] == f"evc:tick:{going[10].id}:1"


async def test_stale_and_forged_ticks_are_answered(bot):
    event = await soon(bot)
    await signed_up(bot, event, 6801)
    _, left = await signed_up(bot, event, 6802)
    desk = await factories.staff(bot, DESK, "service_advisor", language="zh-hans")
    shown = edited(await desk.press_data(f"evc:list:{event.id}:0"))
    assert "已签到 0/2 位车主" in shown.text

    svc = services(bot)
    async with svc.sessionmaker() as session:
        member = await member_of(bot, 6802)
        await signup.cancel(session, svc.default_store, event.id, member.id, svc.now())
        await session.commit()
    calls = await desk.press_data(f"evc:tick:{left.id}:0")  # the list was drawn before
    assert "已取消" in notices(calls)[0] and "未签到" in notices(calls)[0]
    assert "已签到 0/1 位车主" in edited(calls).text  # redrawn without them

    forged = await desk.press_data("evc:tick:987654:0")
    assert "没有与该签到码对应的报名" in notices(forged)[0]
    assert notices(await desk.press_data("evc:tick:abc:0"))[0]
    assert notices(await desk.press_data("evc:list:x:0"))[0]
    unknown = await desk.press_data("evc:list:987654:0")
    assert "该活动不存在" in notices(unknown)[0]
    assert await attendance(bot) == 0
    assert not [c for c in forged if c.method == "editMessageText"]  # nothing to redraw


async def test_an_empty_list_and_a_page_past_the_end(bot):
    event = await soon(bot)
    desk = await factories.staff(bot, DESK, "manager")
    assert (
        "Nobody is going to this event yet."
        in edited(await desk.press_data(f"evc:list:{event.id}:0")).text
    )
    await crowd(bot, event, 2)
    shown = edited(await desk.press_data(f"evc:list:{event.id}:99"))  # kept within the pages
    assert shown.text.count("☐") == 2 and "Page" not in shown.text


async def test_owners_and_other_staff_may_not_use_the_list(bot):
    event = await soon(bot)
    _, going = await signed_up(bot, event, 6901)
    owner = await factories.owner(bot, 6902, phone="+8613900069020", plate=None)
    for data in (f"evc:list:{event.id}:0", f"evc:tick:{going.id}:0"):
        assert "for store staff with the right role" in joined(await owner.press_data(data))
    sales = await factories.staff(bot, 6903, "sales")
    assert "for store staff with the right role" in joined(
        await sales.press_data(f"evc:tick:{going.id}:0")
    )
    assert await attendance(bot) == 0
