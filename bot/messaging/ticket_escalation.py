"""Overdue tickets, told unasked: each one past its deadline (moved on to its next
reminder in the database, once however many instances tick) to the staff group with
its "I'll call", and to each manager in private with a button to open it, in each
reader's language."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.members.lookup import chosen_locale
from bot.club.stores.context import StoreContext
from bot.club.surveys import ticket_view, tickets
from bot.club.surveys.rules import TicketStatus
from bot.club.surveys.ticket_view import TicketView
from bot.i18n import Translator
from bot.messaging.notify import managers, queue_staff_post
from bot.messaging.ticket_notices import OPEN, data, fit, group, group_buttons, summary_lines
from db.models import Ticket

if TYPE_CHECKING:
    from bot.services import Services


def overdue_head(t: Translator, ticket: Ticket) -> str:
    if ticket.escalations <= 1:
        return t.gettext("⏰ Ticket #{id} is overdue.", id=ticket.id)
    return t.gettext(
        "⏰ Ticket #{id} is still unsolved (reminder {n}).",
        id=ticket.id,
        n=t.number(ticket.escalations),
    )


def overdue_text(t: Translator, store: StoreContext, view: TicketView, now: datetime) -> str:
    ticket = view.ticket
    holder = (
        t.gettext("{name} said they would call.", name=ticket.taken_by_name or ticket.taken_by)
        if ticket.status == TicketStatus.TAKEN
        else t.gettext("Nobody has taken it yet.")
    )
    lines = [overdue_head(t, ticket), holder, "", *summary_lines(t, store, view, now)]
    return fit("\n".join(lines), 3500)


async def escalate(
    session: AsyncSession, services: Services, store: StoreContext, now: datetime
) -> int:
    """Tickets past their deadline (each moved on to its next reminder in the database,
    once however many instances tick), to the staff group and to each manager in
    private, in the caller's transaction; how many now."""
    overdue = await ticket_view.cards(
        session, store.id, await tickets.escalate_due(session, store, now)
    )
    if not overdue:
        return 0
    chat_id, group_t = group(services, store)
    people = await managers(session, services, store)
    locales = {
        uid: await chosen_locale(session, store.id, uid) or store.default_locale for uid in people
    }
    for view in overdue:
        ticket = view.ticket
        n = ticket.escalations
        if chat_id is not None:
            text = overdue_text(group_t, store, view, now)
            buttons = group_buttons(group_t, ticket)
            await queue_staff_post(
                session,
                services,
                chat_id=chat_id,
                text=text,
                key=f"tk-esc:{ticket.id}:{n}:group",
                store_id=store.id,
                buttons=buttons,
            )
        for uid in people:
            t = services.translator(locales[uid], store)
            text = overdue_text(t, store, view, now)
            button = (t.gettext(OPEN), data("show", ticket.id))
            await queue_staff_post(
                session,
                services,
                chat_id=uid,
                text=text,
                key=f"tk-esc:{ticket.id}:{n}:{uid}",
                store_id=store.id,
                buttons=(button,),
            )
    return len(overdue)
