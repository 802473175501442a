"""What tickets tell people unasked: a new ticket to the staff group, an overdue one to
the managers (and the group), and the owner told what was done."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.stores.context import StoreContext
from bot.club.surveys import tickets
from bot.i18n import Translator
from bot.messaging.notify import staff_notice
from db.models import Ticket

if TYPE_CHECKING:
    from bot.services import Services


def new_text(t: Translator, ticket: Ticket) -> str:
    return t.gettext("New ticket #{id}. See /tickets.", id=ticket.id)


async def post_new(
    session: AsyncSession, services: Services, store: StoreContext, ticket: Ticket
) -> bool:
    """A new (or reopened) ticket, to the staff group."""
    return await staff_notice(session, services, lambda t: new_text(t, ticket), store=store)


async def escalate(
    session: AsyncSession, services: Services, store: StoreContext, now: datetime
) -> int:
    """Tickets past their deadline, to the staff group; how many now."""
    overdue = await tickets.escalate_due(session, store, now)
    for ticket in overdue:
        await staff_notice(
            session,
            services,
            lambda t, ticket=ticket: t.gettext(
                "⚠️ Ticket #{id} is overdue. See /tickets.", id=ticket.id
            ),
            store=store,
        )
    return len(overdue)
