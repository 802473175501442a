"""What a seat costs in points: held, paid and given back through the one ledger writer.

A cost is per seat (companions too). The lots a payment takes are kept on the sign-up,
so a refund gives each part back with its own expiry; both are keyed by the sign-up's
turn, so signing up again pays again and a second refund of one turn writes nothing.
Called by `bot.club.events.signup` with the event locked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.events.rules import cost_of
from bot.club.points import ledger
from bot.club.points.ledger import EntryKind, Posting
from db.models import Event, EventSignup


async def can_pay(session: AsyncSession, event: Event, member_id: int, companions: int) -> bool:
    """Whether the owner holds the seat's cost; a cost locks their balance row until
    the transaction ends, so nothing else of theirs spends it meanwhile."""
    cost = cost_of(event, companions)
    return cost == 0 or await ledger.hold(session, member_id, cost)


async def pay(session: AsyncSession, event: Event, signup: EventSignup, now: datetime) -> None:
    """Take the seat's points cost (checked by `can_pay` first); the lots it took are
    kept on the sign-up for a refund."""
    cost = cost_of(event, signup.companions)
    signup.points_paid, signup.lots = 0, []
    if cost == 0:
        return
    lots = await ledger.spent_lots(session, signup.member_id, cost)
    paid = await ledger.post(
        session,
        Posting(
            event.store_id,
            signup.member_id,
            EntryKind.EVENT_COST,
            f"event:{signup.id}:{signup.turn}",
            redeemable=-cost,
            reason=f"event:{event.id}",
            at=now,
        ),
        guard=True,
    )
    if paid is not None:
        signup.points_paid, signup.lots = cost, lots


async def refund(
    session: AsyncSession, signup: EventSignup, now: datetime, actor: int | None
) -> int:
    """Give the seat's points cost back (each lot with its own expiry); how many."""
    if not signup.points_paid:
        return 0
    back = signup.points_paid
    await ledger.give_back(
        session,
        signup.store_id,
        signup.member_id,
        signup.lots or [[None, back]],
        EntryKind.EVENT_REFUND,
        f"event-refund:{signup.id}:{signup.turn}",
        f"event:{signup.event_id}",
        actor=actor,
        at=now,
    )
    signup.points_paid, signup.lots = 0, []
    return back
