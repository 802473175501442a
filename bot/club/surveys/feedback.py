"""/feedback: a suggestion or a complaint an owner sends any time, with an optional
photo. It becomes a ticket carrying the owner's latest visit (car, advisor), so the
supervisor who calls back knows what it is about; a complaint has the ticket deadline,
a suggestion none. Also what an owner told the club (surveys and tickets), for /mydata."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.stores.context import StoreContext
from bot.club.surveys import tickets
from bot.club.surveys.rules import TicketKind
from db.models import Survey, Ticket

KINDS = (TicketKind.COMPLAINT, TicketKind.SUGGESTION)  # what an owner may send


async def submit(
    session: AsyncSession,
    store: StoreContext,
    member_id: int,
    kind: str,
    text: str | None,
    photo: str | None,
    now: datetime,
) -> Ticket:
    """Open the owner's complaint or suggestion as a ticket; the caller posts it to staff."""
    if kind not in KINDS:
        raise ValueError(f"not a feedback kind: {kind!r}")
    visit_id, car_id, advisor = await tickets.latest_visit(session, store.id, member_id, now)
    return await tickets.open_ticket(
        session,
        store,
        member_id=member_id,
        kind=TicketKind(kind),
        now=now,
        visit_id=visit_id,
        car_id=car_id,
        advisor=advisor,
        text=text,
        photo=photo,
    )


def _at(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def owner_record(session: AsyncSession, member_id: int) -> dict[str, list[dict[str, Any]]]:
    """The owner's surveys (scores, reasons, comment) and tickets (kind, status, their
    words, what was done), as plain JSON-able values."""
    surveys = await session.scalars(
        select(Survey).where(Survey.member_id == member_id).order_by(Survey.id)
    )
    found = await session.scalars(
        select(Ticket).where(Ticket.member_id == member_id).order_by(Ticket.id)
    )
    return {
        "surveys": [
            {
                "sent_after": _at(s.sent_after),
                "category": s.category,
                "status": s.status,
                "answered_at": _at(s.answered_at),
                "satisfaction": s.satisfaction,
                "would_recommend": s.nps,
                "reasons": list(s.reasons or []),
                "comment": s.comment,
            }
            for s in surveys
        ],
        "tickets": [
            {
                "kind": t.kind,
                "opened_at": _at(t.created_at),
                "status": t.status,
                "text": t.text,
                "photo": bool(t.photo),
                "resolution": t.resolution,
                "resolved_at": _at(t.resolved_at),
                "reopened_at": _at(t.reopened_at),
            }
            for t in found
        ],
    }
