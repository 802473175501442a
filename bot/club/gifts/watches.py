"""Owners waiting for an out-of-stock item: asked once, told once when it is back."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import GiftWatch, Member
from db.writes import insert_once


async def watch(session: AsyncSession, store_id: int, member_id: int, gift_id: int) -> bool:
    """Note that the member wants to hear when `gift_id` is back; False if noted before."""
    values = {"store_id": store_id, "member_id": member_id, "gift_id": gift_id}
    return await insert_once(session, GiftWatch, values) is not None


async def watched(session: AsyncSession, member_id: int) -> set[int]:
    """The items the member is waiting for."""
    rows = await session.scalars(select(GiftWatch.gift_id).where(GiftWatch.member_id == member_id))
    return set(rows)


async def take_watchers(session: AsyncSession, gift_id: int) -> list[tuple[int, Member]]:
    """Everyone waiting for `gift_id`, (watch id, member), and forget them in the same
    transaction: each is told once, by whoever commits the restock."""
    rows = (
        await session.execute(
            delete(GiftWatch)
            .where(GiftWatch.gift_id == gift_id)
            .returning(GiftWatch.id, GiftWatch.member_id)
        )
    ).all()
    if not rows:
        return []
    members = {
        m.id: m
        for m in await session.scalars(
            select(Member).where(Member.id.in_([member_id for _, member_id in rows]))
        )
    }
    return [(watch_id, members[mid]) for watch_id, mid in rows if mid in members]
