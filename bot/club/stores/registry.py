"""Stores (dealerships) served by this deployment, and their contexts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.policy.model import ClubPolicy
from bot.club.stores.context import StoreContext, store_zone
from db import queries
from db.models import Store


async def ensure_store(session: AsyncSession, code: str, name: str, timezone: str) -> Store:
    """Return the store with `code`, creating it (or refreshing name/zone) from settings."""
    store_zone(code, timezone)  # refuse a zone nobody could serve before writing it
    store = await queries.store_by_code(session, code)
    if store is None:
        store = Store(code=code, name=name, timezone=timezone)
        session.add(store)
        await session.flush()
    else:
        store.name, store.timezone = name, timezone
    return store


def context_of(store: Store, policy: ClubPolicy, default_locale: str) -> StoreContext:
    return StoreContext(
        id=store.id,
        code=store.code,
        name=store.name,
        tz=store_zone(store.code, store.timezone),
        policy=policy,
        default_locale=default_locale,
    )


async def load_stores(
    session: AsyncSession, policy: ClubPolicy, default_locale: str
) -> dict[int, StoreContext]:
    """Every store row as a context, by id. The time zone is the row's; the policy and
    the default language are the deployment's for every store, for now."""
    rows = (await session.scalars(select(Store).order_by(Store.id))).all()
    return {row.id: context_of(row, policy, default_locale) for row in rows}
