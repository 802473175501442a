"""The follow-up calls staff owe owners, made by a minute job (placeholder)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.stores.context import StoreContext


async def make_tasks(session: AsyncSession, store: StoreContext, now: datetime) -> int:
    """Make the call tasks due after recent deliveries and services; how many were new."""
    return 0
