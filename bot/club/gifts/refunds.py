"""Giving a redemption back: cancelled by its owner or by staff, or expired.

The redemption is closed by a conditional UPDATE (only a waiting one, only once), its
points come back as new ledger rows, one per lot it took and with that lot's expiry
(never an edit of the old row), and its unit goes back into stock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.gifts.rules import Status
from bot.club.points import ledger
from bot.club.points.ledger import Balances, EntryKind
from db.models import Gift, Redemption


@dataclass(frozen=True)
class GivenBack:
    redemption: Redemption
    points: int  # points that came back
    balances: Balances | None  # the owner's balances after, if points came back
    restocked: bool  # the item was out of stock and now has one again


async def _close(
    session: AsyncSession,
    redemption_id: int,
    status: Status,
    now: datetime,
    actor: int | None,
    member_id: int | None,
) -> Redemption | None:
    statement = (
        update(Redemption)
        .where(Redemption.id == redemption_id, Redemption.status == Status.WAITING)
        .values(status=status, ended_at=now, ended_by=actor)
        .returning(Redemption.id)
    )
    if member_id is not None:
        statement = statement.where(Redemption.member_id == member_id)
    if (await session.execute(statement)).first() is None:
        return None
    return await session.get(Redemption, redemption_id, populate_existing=True)


async def give_back(
    session: AsyncSession,
    redemption_id: int,
    status: Status,
    now: datetime,
    *,
    actor: int | None = None,
    member_id: int | None = None,
    points: bool = True,
    stock: bool = True,
) -> GivenBack | None:
    """Close a waiting redemption as `status` (cancelled or expired); with `points` its
    points come back, with `stock` its unit. `member_id` limits it to that owner's own
    redemption. None when it is not waiting (collected, already closed) or not theirs."""
    redemption = await _close(session, redemption_id, status, now, actor, member_id)
    if redemption is None:
        return None
    balances = None
    if points:
        balances = await ledger.give_back(
            session,
            redemption.store_id,
            redemption.member_id,
            redemption.lots or [[None, redemption.cost_points]],
            EntryKind.REFUND,
            f"refund:{redemption.code}",
            f"{status}:{redemption.id}",
            actor=actor,
            at=now,
        )
    restocked = False
    if stock:
        row = (
            await session.execute(
                update(Gift)
                .where(Gift.id == redemption.gift_id, Gift.stock.is_not(None))
                .values(stock=Gift.stock + 1)
                .returning(Gift.stock)
            )
        ).first()
        restocked = row is not None and row[0] == 1
    back = redemption.cost_points if points else 0
    return GivenBack(redemption, back, balances, restocked)
