"""Tickets: what an unhappy survey answer or a complaint opens, for a supervisor to call
back about until it is solved. Every change of hands is one conditional update on the
ticket's status, so two supervisors pressing "I'll call" at once cannot both take it, a
ticket is resolved once, and an owner's "not solved" reopens it once. Escalations are
kept in the ticket (`next_escalation_at`): a restart forgets nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.staff import audit
from bot.club.stores.context import StoreContext
from bot.club.surveys.rules import (
    ACTIVE,
    LONGEST_COMMENT,
    LONGEST_TEXT,
    TicketKind,
    TicketStatus,
    clean_text,
    next_escalation,
    reopen_closes,
    ticket_due,
)
from db.models import Car, Ticket, TicketCall, Visit

LINK_VISIT_DAYS = 30  # a complaint is linked to the owner's visit of the last 30 days


class Refusal(StrEnum):
    """Why a ticket change is not made; each has a text for whoever pressed."""

    UNKNOWN = "ticket_unknown"  # no such ticket in this store (or not the owner's)
    TAKEN = "ticket_taken"  # a colleague took it already
    NOT_ACTIVE = "ticket_not_active"  # resolved or closed already
    NOT_RESOLVED = "ticket_not_resolved"  # "not solved" on a ticket still being handled
    REOPENED = "ticket_reopened"  # "not solved" was said once already
    TOO_LATE = "ticket_too_late"  # "not solved" past the policy's days
    NO_TEXT = "ticket_no_text"  # what was done (or a note) left empty
    SUGGESTION = "ticket_suggestion"  # a suggestion has no calls or "not solved"


class TicketRefused(Exception):
    def __init__(self, code: Refusal, ticket: Ticket | None = None) -> None:
        super().__init__(str(code))
        self.code, self.ticket = code, ticket


async def get(
    session: AsyncSession, store_id: int, ticket_id: int, member_id: int | None = None
) -> Ticket:
    """The store's ticket (the owner's, with `member_id`), read afresh; else UNKNOWN."""
    query = select(Ticket).where(Ticket.id == ticket_id, Ticket.store_id == store_id)
    if member_id is not None:
        query = query.where(Ticket.member_id == member_id)
    ticket = await session.scalar(query.execution_options(populate_existing=True))
    if ticket is None:
        raise TicketRefused(Refusal.UNKNOWN)
    return ticket


async def latest_visit(
    session: AsyncSession, store_id: int, member_id: int, now: datetime
) -> tuple[int | None, int | None, str | None]:
    """(visit, car, advisor) of the owner's latest visit in the last days, for a complaint
    to carry; else their first car."""
    row = (
        await session.execute(
            select(Visit.id, Visit.car_id, Visit.advisor)
            .where(
                Visit.store_id == store_id,
                Visit.member_id == member_id,
                Visit.created_at >= now - timedelta(days=LINK_VISIT_DAYS),
            )
            .order_by(Visit.visit_date.desc(), Visit.id.desc())
            .limit(1)
        )
    ).first()
    if row is not None:
        return row[0], row[1], row[2]
    car = await session.scalar(
        select(Car.id).where(Car.member_id == member_id).order_by(Car.id).limit(1)
    )
    return None, car, None


async def open_ticket(
    session: AsyncSession,
    store: StoreContext,
    *,
    member_id: int,
    kind: TicketKind,
    now: datetime,
    survey_id: int | None = None,
    visit_id: int | None = None,
    car_id: int | None = None,
    advisor: str | None = None,
    text: str | None = None,
    photo: str | None = None,
) -> Ticket:
    """Open a ticket (a survey's once: its unique survey); the caller posts it to staff."""
    due = ticket_due(store.policy.surveys, kind, now)
    ticket = Ticket(
        store_id=store.id,
        member_id=member_id,
        kind=str(kind),
        survey_id=survey_id,
        visit_id=visit_id,
        car_id=car_id,
        advisor=advisor,
        text=clean_text(text, LONGEST_TEXT),
        photo=photo,
        status=TicketStatus.OPEN,
        due_at=due,
        next_escalation_at=due,
        escalations=0,
        version=1,
        created_at=now,
    )
    session.add(ticket)
    await session.flush()
    return ticket


@dataclass(frozen=True)
class Taken:
    ticket: Ticket
    again: bool = False  # this supervisor had it already


async def take(
    session: AsyncSession,
    store_id: int,
    ticket_id: int,
    user_id: int,
    name: str | None,
    now: datetime,
) -> Taken:
    """ "I'll call": the ticket is this supervisor's, once; a colleague's press after it
    is told who has it (TAKEN, with the ticket)."""
    result = await session.execute(
        update(Ticket)
        .where(
            Ticket.id == ticket_id,
            Ticket.store_id == store_id,
            Ticket.status == TicketStatus.OPEN,
            Ticket.kind != TicketKind.SUGGESTION,
        )
        .values(
            status=TicketStatus.TAKEN,
            taken_by=user_id,
            taken_by_name=name,
            taken_at=now,
            version=Ticket.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    ticket = await get(session, store_id, ticket_id)
    if result.rowcount:
        audit.record(session, store_id, user_id, "ticket.take", f"ticket:{ticket_id}")
        return Taken(ticket)
    if ticket.kind == TicketKind.SUGGESTION:
        raise TicketRefused(Refusal.SUGGESTION, ticket)
    if ticket.status == TicketStatus.TAKEN:
        if ticket.taken_by == user_id:
            return Taken(ticket, again=True)
        raise TicketRefused(Refusal.TAKEN, ticket)
    raise TicketRefused(Refusal.NOT_ACTIVE, ticket)


async def record_call(
    session: AsyncSession,
    store_id: int,
    ticket_id: int,
    user_id: int,
    name: str | None,
    reached: bool,
    note: str | None,
    now: datetime,
) -> tuple[Ticket, TicketCall]:
    """One call about an active ticket (reached or not, a note); a supervisor who calls
    an untaken ticket takes it with the call. The ticket's version moves only while it is
    still active (one conditional update), so no call lands on a ticket solved a moment
    before."""
    ticket = await get(session, store_id, ticket_id)
    if ticket.kind == TicketKind.SUGGESTION:
        raise TicketRefused(Refusal.SUGGESTION, ticket)
    if ticket.status == TicketStatus.OPEN:
        try:
            await take(session, store_id, ticket_id, user_id, name, now)
        except TicketRefused as refused:
            if refused.code != Refusal.TAKEN:  # a colleague took it: they may both call
                raise
    still = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status.in_(ACTIVE))
        .values(version=Ticket.version + 1)
        .execution_options(synchronize_session=False)
    )
    if not still.rowcount:
        raise TicketRefused(Refusal.NOT_ACTIVE, await get(session, store_id, ticket_id))
    call = TicketCall(
        ticket_id=ticket_id,
        by_user_id=user_id,
        by_name=name,
        reached=reached,
        note=clean_text(note, LONGEST_COMMENT),
        at=now,
    )
    session.add(call)
    await session.flush()
    return await get(session, store_id, ticket_id), call


async def resolve(
    session: AsyncSession,
    store_id: int,
    ticket_id: int,
    user_id: int,
    name: str | None,
    resolution: str,
    now: datetime,
) -> Ticket:
    """What was done, and the ticket is solved (a suggestion is closed: noted). Once:
    a second resolve is NOT_ACTIVE. The caller tells the owner."""
    text = clean_text(resolution, LONGEST_TEXT)
    if text is None:
        raise TicketRefused(Refusal.NO_TEXT)
    ticket = await get(session, store_id, ticket_id)
    final = TicketStatus.CLOSED if ticket.kind == TicketKind.SUGGESTION else TicketStatus.RESOLVED
    result = await session.execute(
        update(Ticket)
        .where(
            Ticket.id == ticket_id,
            Ticket.store_id == store_id,
            Ticket.status.in_(ACTIVE),
        )
        .values(
            status=final,
            resolution=text,
            resolved_by=user_id,
            resolved_by_name=name,
            resolved_at=now,
            next_escalation_at=None,
            version=Ticket.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    ticket = await get(session, store_id, ticket_id)
    if not result.rowcount:
        raise TicketRefused(Refusal.NOT_ACTIVE, ticket)
    audit.record(session, store_id, user_id, "ticket.resolve", f"ticket:{ticket_id}")
    return ticket


async def reopen(
    session: AsyncSession, store: StoreContext, ticket_id: int, member_id: int, now: datetime
) -> Ticket:
    """The owner's "not solved", once, within the policy's days of the resolution: the
    ticket is open again for any supervisor, with a new deadline."""
    ticket = await get(session, store.id, ticket_id, member_id)
    policy = store.policy.surveys
    if ticket.kind == TicketKind.SUGGESTION:
        raise TicketRefused(Refusal.SUGGESTION, ticket)
    if ticket.reopened_at is not None:
        raise TicketRefused(Refusal.REOPENED, ticket)
    if ticket.status != TicketStatus.RESOLVED:
        raise TicketRefused(Refusal.NOT_RESOLVED, ticket)
    assert ticket.resolved_at is not None
    if now >= reopen_closes(policy, ticket.resolved_at):
        raise TicketRefused(Refusal.TOO_LATE, ticket)
    due = ticket_due(policy, ticket.kind, now)
    result = await session.execute(
        update(Ticket)
        .where(
            Ticket.id == ticket_id,
            Ticket.status == TicketStatus.RESOLVED,
            Ticket.reopened_at.is_(None),
        )
        .values(
            status=TicketStatus.OPEN,
            reopened_at=now,
            taken_by=None,
            taken_by_name=None,
            taken_at=None,
            due_at=due,
            next_escalation_at=due,
            escalations=0,
            version=Ticket.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    ticket = await get(session, store.id, ticket_id)
    if not result.rowcount:
        raise TicketRefused(Refusal.REOPENED, ticket)
    return ticket


async def escalate_due(session: AsyncSession, store: StoreContext, now: datetime) -> list[int]:
    """The active tickets past their deadline, moved to their next escalation in one
    statement (an instance running the same minute finds nothing: the row's deadline has
    moved); their ids, for the caller to tell the manager."""
    policy = store.policy.surveys
    moved = await session.execute(
        update(Ticket)
        .where(
            Ticket.store_id == store.id,
            Ticket.status.in_(ACTIVE),
            Ticket.next_escalation_at <= now,
        )
        .values(
            escalations=Ticket.escalations + 1,
            next_escalation_at=next_escalation(policy, now),
        )
        .returning(Ticket.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(moved.scalars())
