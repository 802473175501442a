"""An owner's own redemptions: the list /mygifts pages through, and one of them by id
only if it is theirs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Redemption


async def page(
    session: AsyncSession, member_id: int, offset: int, limit: int
) -> tuple[Sequence[Redemption], int]:
    """The member's redemptions newest first, `limit` from `offset`, and how many in all."""
    total = await session.scalar(
        select(func.count()).select_from(Redemption).where(Redemption.member_id == member_id)
    )
    rows = await session.scalars(
        select(Redemption)
        .where(Redemption.member_id == member_id)
        .order_by(Redemption.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return rows.all(), int(total or 0)


async def own(session: AsyncSession, member_id: int, redemption_id: int) -> Redemption | None:
    """Redemption `redemption_id` if it is the member's (None for another's or a forged id)."""
    found = await session.get(Redemption, redemption_id, populate_existing=True)
    return found if found is not None and found.member_id == member_id else None
