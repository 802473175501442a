"""The advisor's call after a service: whose it is (the DMS name set with /dmsname, else
the recorder if a service advisor, else nobody's, keeping the DMS's name), what is
skipped (parts, reversed visits, imported history), Take for the unassigned ones (one
winner), and /dmsname handing over the calls waiting under the name."""

from __future__ import annotations

from datetime import timedelta

from bot.club.visits.record import reverse_visit
from tests.calls_support import ADVISOR, delivered_owner, task_of, tasks, tick, today
from tests.factories import add_visit, staff
from tests.flows import services
from tests.harness import joined
from tests.test_surveys_tickets_support import notices


async def service_owner(bot):
    """An owner whose car was delivered long ago (no delivery calls), serviced now."""
    return await delivered_owner(bot, None, days_ago=400)


async def test_a_service_call_goes_to_the_advisor_the_dms_names(bot):
    await service_owner(bot)
    advisor = await staff(bot, ADVISOR, "service_advisor")
    text = joined(await advisor.send("/dmsname"))
    assert "You have not set the name the DMS uses for you." in text and "/dmsname Li Na" in text
    assert "“li NA”" in joined(await advisor.send("/dmsname   li   NA "))  # spaces tidied
    assert "The DMS knows you as “li NA”." in joined(await advisor.send("/dmsname"))
    visit = await add_visit(bot, advisor="Li Na", staff_id=None)  # imported: nobody recorded it
    assert await tick(bot) == 1
    (task,) = await tasks(bot)
    assert (task.kind, task.visit_id, task.assignee_user_id) == ("service", visit.id, ADVISOR)
    assert task.due_at - task.opens_at == timedelta(hours=48)
    assert task.opens_at == visit.created_at
    text = joined(await advisor.send("/calls"))
    assert f"Service on {services(bot).default_store.today():%b} " in text
    assert f"Maintenance, order {visit.order_no}" in text


async def test_else_the_recording_advisor_else_nobody_with_the_dms_name(bot):
    await service_owner(bot)
    await staff(bot, ADVISOR, "service_advisor")
    await staff(bot, 7020, "customer_service")
    by_advisor = await add_visit(bot, advisor="Zhang", staff_id=ADVISOR)
    by_desk = await add_visit(bot, advisor="Chen Jie", staff_id=7020)
    await add_visit(bot, category="parts", advisor="Chen Jie")  # not a service: no call
    assert await tick(bot) == 2
    found = {t.visit_id: t for t in await tasks(bot)}
    assert found[by_advisor.id].assignee_user_id == ADVISOR
    assert (found[by_desk.id].assignee_user_id, found[by_desk.id].assignee_name) == (
        None,
        "Chen Jie",
    )
    # Chen Jie joins the bot and sets the name: the waiting call is theirs.
    chen = await staff(bot, 7021, "service_advisor")
    text = joined(await chen.send("/dmsname chen jie"))
    assert "1 open service call under that name is yours now" in text
    assert (await tasks(bot))[1].assignee_user_id == 7021
    # Nobody else may take the same name.
    other = await staff(bot, 7022, "service_advisor", language="zh-hans")
    assert "已在使用这个 DMS 名字" in joined(await other.send("/dmsname Chen Jie"))
    assert "名字太长了，最多 40 个字符。" in joined(await other.send("/dmsname " + "x" * 41))


async def test_reversed_visits_and_imported_history_get_no_call(bot):
    await service_owner(bot)
    gone = await add_visit(bot)
    svc = services(bot)
    async with svc.sessionmaker() as session:
        await reverse_visit(session, svc.default_store.id, 1, gone.order_no, "typo")
        await session.commit()
    await add_visit(bot, visit_date=today(bot) - timedelta(days=60))  # history, imported now
    assert await tick(bot) == 0


async def test_unassigned_calls_are_taken_once(bot):
    await delivered_owner(bot, None, advisor=None)  # joined without a salesperson's link
    first = await staff(bot, 7031, "sales")
    second = await staff(bot, 7032, "sales", language="zh-hans")
    await tick(bot)
    task = next(t for t in await tasks(bot) if t.kind == "delivery_1")
    text = joined(await first.send("/calls"))
    assert "No calls of yours are due now." in text
    assert "Unassigned (1), anyone may take them:" in text and f"#{task.id} Wang Wei" in text
    await second.send("/calls")
    assert "未分配的回访（1 个）" in second.last.text
    text = joined(await first.press(f"Take #{task.id}"))
    assert f"Call #{task.id} is yours now." in text
    assert f"Done #{task.id}" in first.last.button_labels
    calls = await second.press(f"我来打 #{task.id}")
    assert "刚刚已认领该回访" in notices(calls)[0]
    assert "Take" not in " ".join(first.last.button_labels)
    assert (await tasks(bot))[0].assignee_user_id == 7031
    # The day-3 call is not listed yet; taking it (an older message's button) says when.
    later = await task_of(bot, "delivery_3")
    assert later.opens_at > services(bot).now()
    text = joined(await second.press_data(f"cl:take:{later.id}"))
    assert f"回访 #{later.id} 现在由您负责，将于 " in text and " 起显示在 /calls 中。" in text
