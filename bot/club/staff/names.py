"""What the club calls a staff member in answers to colleagues ("checked in by …")."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db import queries


async def staff_name(session: AsyncSession, store_id: int, user_id: int | None) -> str | None:
    """Their member name, if they are a member of the store; else None."""
    if user_id is None:
        return None
    member = await queries.member_by_user(session, store_id, user_id)
    return member.name if member is not None else None
