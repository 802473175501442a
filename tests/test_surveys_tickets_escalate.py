"""Tickets past their deadline go to the staff group and to each manager in private
(the admins when there is no manager): once however many instances tick, again after
`escalate_every_hours` as a numbered reminder, and after a restart, from the database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update

from bot import jobs
from db.models import Ticket
from tests.conftest import ADMIN_ID
from tests.factories import add_member, staff
from tests.flows import services
from tests.harness import joined
from tests.test_surveys_tickets_support import STAFF_CHAT, group_calls, open_ticket


def private(bot, user_id: int) -> list[str]:
    return [c.text for c in bot.api.calls if c.chat_id == user_id and c.method == "sendMessage"]


def overdue_posts(bot, ticket_id: int) -> list[str]:
    return [
        c.text for c in group_calls(bot) if c.text.startswith("⏰") and f"#{ticket_id}" in c.text
    ]


async def test_an_overdue_ticket_goes_to_group_and_managers_once_then_again(make_bot):
    first = await make_bot(staff_chat_id=STAFF_CHAT)
    second = await make_bot(staff_chat_id=STAFF_CHAT)  # another instance, same database
    member = await add_member(first, 6501)
    ticket = await open_ticket(first, member)
    manager = await staff(first, 6601, "manager", language="zh-hans")
    await manager.send("/language")
    await manager.press("English")  # the manager reads English; the group the store's
    hours = services(first).policy.surveys.ticket_hours
    late = services(first).now() + timedelta(hours=hours, minutes=5)
    assert (await jobs.surveys_tick(services(first), late - timedelta(hours=1)))["escalated"] == 0
    results = await asyncio.gather(
        *[jobs.surveys_tick(services(b), late) for b in (first, second, first, second)]
    )
    assert sum(r["escalated"] for r in results) == 1
    await first.drain()
    zh = services(first).translator("zh_Hans")
    (group,) = overdue_posts(first, ticket.id)
    assert group.startswith(zh.gettext("⏰ Ticket #{id} is overdue.", id=ticket.id))
    assert zh.gettext("Nobody has taken it yet.") in group and "Wang Wei" in group
    (told,) = [t for t in private(first, manager.id) if "overdue" in t]
    assert "Ticket #" in told and manager.last.button_labels == ["Open the ticket"]
    assert [t for t in private(first, ADMIN_ID) if "overdue" in t] == []  # a manager exists
    await manager.press("Open the ticket")  # the manager may handle tickets: the card
    assert "+86" in manager.last.text
    # The same tick again: nothing new. After the next period, on a restarted bot: reminder 2.
    assert (await jobs.surveys_tick(services(second), late))["escalated"] == 0
    restarted = await make_bot(staff_chat_id=STAFF_CHAT)
    every = services(restarted).policy.surveys.escalate_every_hours
    later = late + timedelta(hours=every, minutes=1)
    assert (await jobs.surveys_tick(services(restarted), later - timedelta(hours=1)))[
        "escalated"
    ] == 0
    assert (await jobs.surveys_tick(services(restarted), later))["escalated"] == 1
    await restarted.drain()
    reminders = overdue_posts(restarted, ticket.id)
    head = zh.gettext("⏰ Ticket #{id} is still unsolved (reminder {n}).", id=ticket.id, n="2")
    assert len(reminders) == 1 and reminders[0].startswith(head)
    assert any("reminder 2" in t for t in private(restarted, manager.id))


async def test_without_a_manager_the_admins_are_told_and_solved_tickets_stop(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    member = await add_member(bot, 6502)
    ticket = await open_ticket(bot, member)
    taken = await open_ticket(bot, member, text="second")
    sup = await staff(bot, 6602, "customer_service")
    await sup.send(f"/tickets {taken.id}")
    await sup.press("📞 I'll call")
    await sup.send(f"/tickets {ticket.id}")
    await sup.press("✅ Solved")
    await sup.send("Called and fixed")
    late = services(bot).now() + timedelta(hours=25)
    assert (await jobs.surveys_tick(services(bot), late))["escalated"] == 1
    await bot.drain()
    assert overdue_posts(bot, ticket.id) == []
    (post,) = overdue_posts(bot, taken.id)
    assert "Wei" in post  # who said they would call
    assert post.count("\n") > 2 and group_calls(bot)[-1].buttons == []  # taken: no button
    assert any(f"#{taken.id}" in t for t in private(bot, ADMIN_ID))
    # /followups counts the tickets past their deadline for those who handle tickets.
    async with services(bot).sessionmaker() as session:
        past = services(bot).now() - timedelta(hours=1)
        await session.execute(update(Ticket).where(Ticket.id == taken.id).values(due_at=past))
        await session.commit()
    assert "Tickets past their deadline: 1, see /tickets." in joined(await sup.send("/followups"))
    advisor = await staff(bot, 6603, "service_advisor")  # follows up, handles no tickets
    assert "Tickets past their deadline" not in joined(await advisor.send("/followups"))
