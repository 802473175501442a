"""/tickets for supervisors: the list (overdue first, then by deadline, "mine" marked,
paged), the card with the phone and each call, the call and resolution dialogs, and
what goes wrong: no role, a forged id, a cancelled note, a double tap on Solved."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.club.surveys.rules import TicketKind, TicketStatus
from db.models import Ticket, TicketCall
from tests.factories import OWNER_PHONE, add_member, owner, staff
from tests.flows import services
from tests.harness import joined
from tests.test_surveys_tickets_support import notices, open_ticket


async def rows(bot, model, *where):
    from sqlalchemy import select

    async with services(bot).sessionmaker() as session:
        return list(await session.scalars(select(model).where(*where).order_by(model.id)))


async def due_in(bot, ticket_id: int, hours: float) -> None:
    now = services(bot).default_store.now()
    async with services(bot).sessionmaker() as session:
        await session.execute(
            update(Ticket).where(Ticket.id == ticket_id).values(due_at=now + timedelta(hours=hours))
        )
        await session.commit()


async def test_the_list_puts_overdue_first_marks_mine_and_pages(bot):
    member = await add_member(bot, 6301)
    first = await open_ticket(bot, member, text="first")
    late = await open_ticket(bot, member, text="late")
    idea = await open_ticket(bot, member, kind=TicketKind.SUGGESTION, text="idea")
    await due_in(bot, late.id, -3)  # three hours past its deadline
    sup = await staff(bot, 6401, "customer_service")
    await sup.send("/tickets")
    text = sup.last.text
    lines = [line for line in text.splitlines() if line.startswith("#")]
    assert [line.split(" · ")[0] for line in lines] == [
        f"#{late.id}",
        f"#{first.id}",
        f"#{idea.id}",
    ]
    assert "Overdue by 3 hours" in lines[0] and "Solve by" in lines[1]
    await sup.press(f"#{first.id}")
    await sup.press("📞 I'll call")
    await sup.send("/tickets")
    assert "⭐ mine" in next(line for line in sup.last.text.splitlines() if f"#{first.id}" in line)
    for n in range(8):
        await open_ticket(bot, member, text=f"more {n}")
    await sup.send("/tickets")
    assert "page 1/2" in sup.last.text and "Next ▶" in sup.last.button_labels
    await sup.press("Next ▶")
    assert "page 2/2" in sup.last.text and "◀ Previous" in sup.last.button_labels


async def test_a_supervisor_calls_twice_then_solves_and_the_owner_is_told(bot):
    person = await owner(bot, 6302, language="zh-hans")
    member = await _member(bot, 6302)
    ticket = await open_ticket(bot, member)
    sup = await staff(bot, 6402, "customer_service", first_name="Zhou")
    await sup.send(f"/tickets {ticket.id}")
    card = sup.last
    assert OWNER_PHONE in card.text and "Status: Open" in card.text
    await sup.press("✖️ Not reached")
    assert "Could not reach" in sup.last.text
    await sup.press("No note")
    assert "Call recorded." in joined(sup.received()[-2:])
    await sup.press("✔️ Reached")
    await sup.send("Apologised; we clean it again on Friday")
    card = sup.last.text
    assert "not reached" in card and "reached — Apologised; we clean it again on Friday" in card
    assert "Status: Being handled by you" in card  # a call takes an untaken ticket
    calls = await rows(bot, TicketCall, TicketCall.ticket_id == ticket.id)
    assert [(c.reached, c.note) for c in calls] == [
        (False, None),
        (True, "Apologised; we clean it again on Friday"),
    ]
    await sup.press("✅ Solved")
    await sup.send("   ")  # what was done is required
    assert "Please write what was done" in joined(sup.received()[-2:])
    await sup.send("Free interior cleaning on Friday, and a call from the manager.")
    assert "The owner is told" in joined(sup.received()[-2:])
    assert "Free interior cleaning" in sup.last.text and " by you: Free interior" in sup.last.text
    told = person.last  # in the owner's language, with "Not solved"
    zh = services(bot).translator("zh_Hans")
    assert "Free interior cleaning on Friday" in told.text
    assert told.button_labels == [zh.gettext("Not solved")]
    # A double tap on Solved (an old card's button) is told who solved it and when.
    await sup.press_data(f"tk:solve:{ticket.id}")
    assert sup.last.text.startswith(f"You solved ticket #{ticket.id} already on ")
    (row,) = await rows(bot, Ticket, Ticket.id == ticket.id)
    assert row.status == TicketStatus.RESOLVED and row.resolved_by == sup.id


async def _member(bot, user_id):
    from db import queries

    async with services(bot).sessionmaker() as session:
        return await queries.member_by_user(session, services(bot).default_store.id, user_id)


async def test_cancelling_a_note_records_nothing_and_two_solvers_solve_once(bot):
    member = await add_member(bot, 6303)
    ticket = await open_ticket(bot, member)
    one = await staff(bot, 6403, "customer_service")
    two = await staff(bot, 6404, "manager", language="zh-hans")
    await one.send(f"/tickets {ticket.id}")
    await one.press("✔️ Reached")
    await one.press("Cancel")
    assert one.last.text == "Cancelled; nothing was recorded on the ticket."
    await one.send("/cancel")
    assert await rows(bot, TicketCall, TicketCall.ticket_id == ticket.id) == []
    await one.send(f"/tickets {ticket.id}")
    await one.press("✅ Solved")
    await two.press_data(f"tk:solve:{ticket.id}")  # both have the dialog open
    await one.send("Refunded the cleaning")
    await two.send("我也处理了")
    (row,) = await rows(bot, Ticket, Ticket.id == ticket.id)
    zh = services(bot).translator("zh_Hans")
    expected = zh.gettext(
        "Ticket #{id} was solved already by {who} on {when}: {text}",
        id=ticket.id,
        who="Wei",  # the colleague's Telegram name: they are no club member
        when=zh.datetime(row.resolved_at),
        text="Refunded the cleaning",
    )
    assert two.last.text == expected
    assert row.resolution == "Refunded the cleaning" and row.resolved_by == one.id


async def test_owners_and_sales_cannot_see_tickets_and_bad_ids_are_answered(bot):
    member = await add_member(bot, 6304)
    ticket = await open_ticket(bot, member)
    assert "right role" in joined(await bot.person(6304, language="en").send("/tickets"))
    sales = await staff(bot, 6405, "sales")
    assert "right role" in joined(await sales.send("/tickets"))
    calls = await sales.press_data(f"tk:show:{ticket.id}")
    assert notices(calls) == ["Sorry, tickets are for supervisors."]
    sup = await staff(bot, 6406, "customer_service")
    assert "There is no such ticket" in joined(await sup.send("/tickets 99999"))
    assert "Usage: /tickets" in joined(await sup.send("/tickets what"))
    assert notices(await sup.press_data("tk:show:99999")) == [
        "There is no such ticket in this store."
    ]
    assert notices(await sup.press_data("tk:call:1:7"))[0] == "That button is no longer active."
    assert notices(await sup.press_data("tk:show:x"))[0] == "That button is no longer active."


async def test_solved_lately_lists_the_last_fourteen_days(bot):
    member = await add_member(bot, 6305)
    ticket = await open_ticket(bot, member, kind=TicketKind.SUGGESTION, text="More coffee")
    sup = await staff(bot, 6407, "customer_service")
    await sup.send(f"/tickets {ticket.id}")
    assert "Reached" not in " ".join(sup.last.button_labels)
    await sup.press("✅ Noted")
    assert "Suggestion" in sup.last.text
    await sup.send("We ordered a better machine")
    await sup.send("/tickets")
    assert "No open tickets" in sup.last.text
    await sup.press("Solved lately")
    assert f"#{ticket.id}" in sup.last.text and "done" in sup.last.text
    await sup.send("/tickets done")
    assert f"#{ticket.id}" in sup.last.text
