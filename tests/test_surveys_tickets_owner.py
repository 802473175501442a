"""The owner told what was done, and "Not solved": only the ticket's own owner, once,
within the policy's days; the ticket goes back to the group as reopened. A suggestion
is thanked, with nothing to reopen."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.club.surveys.rules import TicketKind, TicketStatus
from bot.messaging import ticket_notices
from db.models import Ticket
from tests.factories import owner, staff
from tests.flows import services
from tests.harness import joined
from tests.test_surveys_tickets_desk import _member
from tests.test_surveys_tickets_support import STAFF_CHAT, group_calls, notices, open_ticket


async def solve(bot, ticket: Ticket, text: str = "Washed the car again") -> Ticket:
    """What a supervisor's Solved does: the resolution, and the owner told."""
    from bot.club.surveys import tickets

    svc = services(bot)
    store = svc.default_store
    async with svc.sessionmaker() as session:
        done = await tickets.resolve(session, store.id, ticket.id, 7777, "Zhou", text, store.now())
        await ticket_notices.tell_resolved(session, svc, store, done)
        await session.commit()
    await bot.drain()
    return done


async def status(bot, ticket_id: int) -> Ticket:
    async with services(bot).sessionmaker() as session:
        return await session.get(Ticket, ticket_id)


async def test_not_solved_reopens_once_for_its_owner_only(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    person = await owner(bot, 6701, language="zh-hans")
    ticket = await open_ticket(bot, await _member(bot, 6701))
    await solve(bot, ticket)
    zh = services(bot).translator("zh_Hans")
    told = person.last
    assert "Washed the car again" in told.text and f"#{ticket.id}" in told.text
    assert told.button_labels == [zh.gettext("Not solved")]
    # Another owner pressing a forged "Not solved" for it: not theirs, nothing changes.
    other = await owner(bot, 6702, phone="+8613900006702", plate="粤B67020")
    calls = await other.press_data(f"tk:reopen:{ticket.id}")
    assert notices(calls) == ["That is not feedback of yours."]
    assert (await status(bot, ticket.id)).status == TicketStatus.RESOLVED
    assert "not a club member" in joined(
        await bot.person(6799, language="en").press_data(f"tk:reopen:{ticket.id}")
    )
    posts_before = len(group_calls(bot))
    calls = await person.press(zh.gettext("Not solved"))
    assert any(c.method == "editMessageReplyMarkup" for c in calls)  # the button goes
    assert zh.gettext(
        "We are sorry it is not solved. A supervisor will call you again soon about your "
        "feedback #{id}.",
        id=ticket.id,
    ) in joined(calls)
    row = await status(bot, ticket.id)
    assert row.status == TicketStatus.OPEN and row.reopened_at is not None and row.taken_by is None
    (post,) = group_calls(bot)[posts_before:]
    assert post.text.startswith(f"🔁 重新打开 · ⚠️ 投诉 · #{ticket.id}")  # the kind stays
    assert "Washed the car again" in post.text  # what was done before
    assert post.button_labels == [zh.gettext("📞 I'll call")]
    again = await person.press_data(f"tk:reopen:{ticket.id}")
    assert notices(again) == [
        zh.gettext("You told us already that it is not solved; a supervisor is on it.")
    ]
    assert len(group_calls(bot)) == posts_before + 1


async def test_not_solved_after_the_policys_days_and_a_suggestion_thanked(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    person = await owner(bot, 6703, language="en")
    member = await _member(bot, 6703)
    ticket = await open_ticket(bot, member)
    await solve(bot, ticket)
    days = services(bot).policy.surveys.expire_days
    async with services(bot).sessionmaker() as session:
        await session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(resolved_at=services(bot).now() - timedelta(days=days, minutes=1))
        )
        await session.commit()
    calls = await person.press("Not solved")
    assert "can no longer be reopened" in notices(calls)[0]
    assert (await status(bot, ticket.id)).status == TicketStatus.RESOLVED
    idea = await open_ticket(bot, member, kind=TicketKind.SUGGESTION, text="A kids' corner")
    await solve(bot, idea, "Ordered toys and a small table")
    assert "Thank you for your suggestion" in person.last.text
    assert "Ordered toys" in person.last.text and person.last.buttons == []
    assert (await status(bot, idea.id)).status == TicketStatus.CLOSED
    sup = await staff(bot, 6704, "customer_service")
    assert "Status: Closed (noted)" in joined(await sup.send(f"/tickets {idea.id}"))
