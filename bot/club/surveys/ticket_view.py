"""What a ticket card and the ticket list show, read in a few statements: the ticket
with its owner, car, visit and survey in one joined query, its calls in another; the
active list (overdue first, then by deadline) and the recently solved, paged."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.surveys.rules import ACTIVE, TicketStatus
from bot.club.surveys.tickets import Refusal, TicketRefused
from db.models import Car, Member, Survey, Ticket, TicketCall, Visit

DONE_DAYS = 14  # "/tickets done" lists what was solved in the last two weeks


@dataclass
class TicketView:
    """One ticket and everything its card says about it (None where there is none)."""

    ticket: Ticket
    member: Member
    car: Car | None = None
    visit: Visit | None = None
    survey: Survey | None = None
    calls: list[TicketCall] = field(default_factory=list)


def _joined() -> Select:
    return (
        select(Ticket, Member, Car, Visit, Survey)
        .join(Member, Member.id == Ticket.member_id)
        .outerjoin(Car, Car.id == Ticket.car_id)
        .outerjoin(Visit, Visit.id == Ticket.visit_id)
        .outerjoin(Survey, Survey.id == Ticket.survey_id)
    )


async def card(
    session: AsyncSession, store_id: int, ticket_id: int, *, calls: bool = True
) -> TicketView:
    """The store's ticket with all its card shows, read afresh; else UNKNOWN."""
    row = (
        await session.execute(
            _joined()
            .where(Ticket.id == ticket_id, Ticket.store_id == store_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise TicketRefused(Refusal.UNKNOWN)
    view = TicketView(*row)
    if calls:
        found = await session.scalars(
            select(TicketCall).where(TicketCall.ticket_id == ticket_id).order_by(TicketCall.id)
        )
        view.calls = list(found)
    return view


async def cards(session: AsyncSession, store_id: int, ticket_ids: list[int]) -> list[TicketView]:
    """Several tickets' cards (without their calls) in one statement, in id order."""
    if not ticket_ids:
        return []
    rows = await session.execute(
        _joined()
        .where(Ticket.id.in_(ticket_ids), Ticket.store_id == store_id)
        .order_by(Ticket.id)
        .execution_options(populate_existing=True)
    )
    return [TicketView(*row) for row in rows]


def _active(store_id: int) -> list:
    return [Ticket.store_id == store_id, Ticket.status.in_(ACTIVE)]


def _done(store_id: int, now: datetime) -> list:
    return [
        Ticket.store_id == store_id,
        Ticket.status.in_((TicketStatus.RESOLVED, TicketStatus.CLOSED)),
        Ticket.resolved_at >= now - timedelta(days=DONE_DAYS),
    ]


async def listing(
    session: AsyncSession, store_id: int, now: datetime, offset: int, limit: int, *, done: bool
) -> tuple[list[TicketView], int]:
    """A page of the active tickets (the earliest deadline first, so the overdue lead;
    suggestions, with no deadline, last) or of those solved lately (newest first), and
    how many there are in all."""
    where = _done(store_id, now) if done else _active(store_id)
    total = int(await session.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0)
    order = (
        (Ticket.resolved_at.desc(), Ticket.id.desc())
        if done
        else (Ticket.due_at.is_(None), Ticket.due_at, Ticket.id)
    )
    rows = await session.execute(
        _joined().where(*where).order_by(*order).offset(offset).limit(limit)
    )
    return [TicketView(*row) for row in rows], total


async def overdue_count(session: AsyncSession, store_id: int, now: datetime) -> int:
    """How many active tickets are past their deadline (for /followups)."""
    where = [*_active(store_id), Ticket.due_at < now]
    return int(await session.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0)
