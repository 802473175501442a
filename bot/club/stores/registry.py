"""Stores (dealerships) served by this deployment."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db import queries
from db.models import Store


async def ensure_store(session: AsyncSession, code: str, name: str, timezone: str) -> Store:
    """Return the store with `code`, creating it (or refreshing name/zone) from settings."""
    store = await queries.store_by_code(session, code)
    if store is None:
        store = Store(code=code, name=name, timezone=timezone)
        session.add(store)
        await session.flush()
    else:
        store.name, store.timezone = name, timezone
    return store
