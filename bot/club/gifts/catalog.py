"""The catalog as owners see it: what is on offer to them, in order, with why not."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.gifts import watches
from bot.club.gifts.rules import ItemStatus, Refusal, Shown, refusal
from bot.club.policy.model import ClubPolicy
from db.models import Gift, Member

HIDDEN = (Refusal.PAUSED, Refusal.RETIRED, Refusal.NOT_YET, Refusal.ENDED)


async def shelf(
    session: AsyncSession,
    policy: ClubPolicy,
    member: Member,
    today: date,
    *,
    affordable_only: bool = False,
) -> list[Shown]:
    """The items on offer today in the member's store, cheapest first, each with the
    reason this member cannot redeem it now (tier, sold out, short), if any."""
    gifts = await session.scalars(
        select(Gift)
        .where(Gift.store_id == member.store_id, Gift.status == ItemStatus.ACTIVE)
        .order_by(Gift.cost_points, Gift.id)
    )
    waiting = await watches.watched(session, member.id)
    shown = []
    for gift in gifts:
        why = refusal(policy, gift, member.tier_code, member.redeemable_points, today)
        if why in HIDDEN or (affordable_only and why is not None):
            continue
        shown.append(Shown(gift, why, gift.id in waiting))
    return shown
