"""Which unasked messages an owner wants: each reminder kind, weather alerts, notices."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messaging.outbox import OPT_OUT_KINDS
from db.models import PushOptOut
from db.writes import insert_once


async def turned_off(session: AsyncSession, member_id: int) -> set[str]:
    rows = await session.scalars(select(PushOptOut.kind).where(PushOptOut.member_id == member_id))
    return set(rows)


async def toggle(session: AsyncSession, member_id: int, kind: str) -> bool | None:
    """Switch one kind on or off; the new state (True = on), or None for an unknown kind."""
    if kind not in OPT_OUT_KINDS:
        return None
    removed = await session.execute(
        delete(PushOptOut).where(PushOptOut.member_id == member_id, PushOptOut.kind == kind)
    )
    if removed.rowcount:
        return True
    await insert_once(session, PushOptOut, {"member_id": member_id, "kind": kind})
    return False
