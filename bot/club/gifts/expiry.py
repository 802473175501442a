"""Redemptions past their last day: a gift never collected, a voucher never used.

Run daily per store, one short transaction per redemption (so a sweep never holds
SQLite's write lock for long, and never deadlocks against owners redeeming), and safe on
several instances at once: each redemption is closed by a conditional UPDATE, so only one
run gives its points back. A gift's points and unit come back; a voucher's points come
back only if the policy says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.club.gifts import refunds
from bot.club.gifts.refunds import GivenBack
from bot.club.gifts.rules import Kind, Status
from bot.club.policy.model import ClubPolicy
from db.models import Redemption

BATCH = 200

# Told of each expired redemption in the same transaction (the owner's notice, restock
# notices): (session, what was given back).
Tell = Callable[[AsyncSession, GivenBack], Awaitable[None]]


async def expire_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    policy: ClubPolicy,
    store_id: int,
    today: date,
    now: datetime,
    tell: Tell | None = None,
    *,
    batch: int = BATCH,
) -> int:
    """Close every waiting redemption of the store whose last day is before `today`;
    how many this run closed."""
    closed, after = 0, 0
    while True:
        async with sessionmaker() as session:
            rows = (
                await session.execute(
                    select(Redemption.id, Redemption.kind)
                    .where(
                        Redemption.store_id == store_id,
                        Redemption.status == Status.WAITING,
                        Redemption.expires_on < today,
                        Redemption.id > after,
                    )
                    .order_by(Redemption.id)
                    .limit(batch)
                )
            ).all()
        if not rows:
            return closed
        for redemption_id, kind in rows:
            # One transaction each, locking as a cancellation does (the redemption, its
            # owner, its item): holding one item while taking the next owner would
            # deadlock against a redemption holding that owner and waiting for the item.
            async with sessionmaker() as session:
                voucher = kind == Kind.VOUCHER
                back = await refunds.give_back(
                    session,
                    redemption_id,
                    Status.EXPIRED,
                    now,
                    points=policy.gifts.expired_vouchers_refund if voucher else True,
                    stock=not voucher,
                )
                if back is not None:
                    closed += 1
                    if tell is not None:
                        await tell(session, back)
                await session.commit()
        after = rows[-1][0]
