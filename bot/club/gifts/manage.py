"""Managers run the catalog: add, edit, pause, resume, retire and restock items.

Every change is one conditional UPDATE (or one INSERT), sets `updated_at` and writes an
audit row with the fields it changed (no personal data). A change to an item of another
store, or to a retired item, is refused with a code the chat explains. Whether owners
waiting for an item must hear it is back is returned (`back`): the caller tells them in
the same transaction (`bot.messaging.gift_notices.notify_restock`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.gifts.redeem import item
from bot.club.gifts.rules import ItemStatus, in_stock
from bot.club.staff import audit
from db.models import Gift

TEXTS = ("names", "descriptions")  # free text: the audit log says they changed, not to what
ORDER = {ItemStatus.ACTIVE: 0, ItemStatus.PAUSED: 1, ItemStatus.RETIRED: 2}


class Refused(StrEnum):
    """Why a change to an item was not made; each has a staff-facing text."""

    UNKNOWN = "cat_unknown"  # no such item in this store (a forged or foreign button)
    RETIRED = "cat_retired"  # retired items are never changed again
    CHANGED = "cat_changed"  # its status changed meanwhile (e.g. paused by a colleague)


class ManageRefused(Exception):
    def __init__(self, code: Refused, gift: Gift | None = None) -> None:
        super().__init__(str(code))
        self.code, self.gift = code, gift


@dataclass(frozen=True)
class Changed:
    gift: Gift
    back: bool = False  # on offer and in stock now: tell those waiting for it


def _plain(value: Any) -> Any:
    """A column value as the audit log's JSON holds it."""
    return value.isoformat() if isinstance(value, date | datetime) else value


async def items(session: AsyncSession, store_id: int) -> list[Gift]:
    """Every item of the store: on offer first, then paused, then retired; by id."""
    rank = case(ORDER, value=Gift.status, else_=3)
    rows = await session.scalars(
        select(Gift).where(Gift.store_id == store_id).order_by(rank, Gift.id)
    )
    return list(rows)


async def editable(session: AsyncSession, store_id: int, gift_id: int) -> Gift:
    """The store's item `gift_id`, if it may still be changed; else ManageRefused."""
    gift = await item(session, store_id, gift_id)
    if gift is None:
        raise ManageRefused(Refused.UNKNOWN)
    if gift.status == ItemStatus.RETIRED:
        raise ManageRefused(Refused.RETIRED, gift)
    return gift


async def add(
    session: AsyncSession, store_id: int, actor: int, columns: dict[str, Any], now: datetime
) -> Gift:
    """A new item, on offer at once (its dates permitting)."""
    gift = Gift(
        store_id=store_id,
        status=ItemStatus.ACTIVE,
        created_by=actor,
        created_at=now,
        updated_at=now,
        **columns,
    )
    session.add(gift)
    await session.flush()
    shown = {k: _plain(v) for k, v in columns.items() if k not in TEXTS}
    audit.record(session, store_id, actor, "gift.add", f"gift:{gift.id}", **shown)
    return gift


async def _change(
    session: AsyncSession,
    store_id: int,
    actor: int,
    gift_id: int,
    action: str,
    values: dict[str, Any],
    now: datetime,
    *,
    only: tuple[str, ...] = (ItemStatus.ACTIVE, ItemStatus.PAUSED),
    logged: dict[str, Any] | None = None,
) -> Gift:
    """One UPDATE of the store's item while its status is one of `only`, audited with
    the values set (or `logged`)."""
    statement = (
        update(Gift)
        .where(Gift.id == gift_id, Gift.store_id == store_id, Gift.status.in_(only))
        .values(**values, updated_at=now)
        .returning(Gift.id)
    )
    if (await session.execute(statement)).first() is None:
        gift = await item(session, store_id, gift_id)
        if gift is None:
            raise ManageRefused(Refused.UNKNOWN)
        retired = gift.status == ItemStatus.RETIRED
        raise ManageRefused(Refused.RETIRED if retired else Refused.CHANGED, gift)
    details = logged
    if details is None:
        details = {k: _plain(v) for k, v in values.items() if k not in TEXTS}
        details |= {k: True for k in TEXTS if k in values}  # which, not what: no copy
    audit.record(session, store_id, actor, f"gift.{action}", f"gift:{gift_id}", **details)
    gift = await item(session, store_id, gift_id)
    assert gift is not None
    return gift


async def edit(
    session: AsyncSession,
    store_id: int,
    actor: int,
    gift_id: int,
    values: dict[str, Any],
    now: datetime,
) -> Changed:
    """Change some columns of an item not retired. A new cost is one UPDATE: a confirm
    at the old price is refused by `redeem` from then on."""
    gift = await _change(session, store_id, actor, gift_id, "edit", values, now)
    return Changed(gift)


def _back(gift: Gift) -> bool:
    return gift.status == ItemStatus.ACTIVE and in_stock(gift)


async def pause(
    session: AsyncSession, store_id: int, actor: int, gift_id: int, now: datetime
) -> Changed:
    values = {"status": ItemStatus.PAUSED}
    gift = await _change(
        session, store_id, actor, gift_id, "pause", values, now, only=(ItemStatus.ACTIVE,)
    )
    return Changed(gift)


async def resume(
    session: AsyncSession, store_id: int, actor: int, gift_id: int, now: datetime
) -> Changed:
    """Back on offer; those waiting hear it if it has stock."""
    values = {"status": ItemStatus.ACTIVE}
    gift = await _change(
        session, store_id, actor, gift_id, "resume", values, now, only=(ItemStatus.PAUSED,)
    )
    return Changed(gift, back=_back(gift))


async def retire(
    session: AsyncSession, store_id: int, actor: int, gift_id: int, now: datetime
) -> Changed:
    """Gone for good: owners no longer see it; redemptions already made stay valid."""
    gift = await _change(
        session, store_id, actor, gift_id, "retire", {"status": ItemStatus.RETIRED}, now
    )
    return Changed(gift)


async def restock(
    session: AsyncSession,
    store_id: int,
    actor: int,
    gift_id: int,
    now: datetime,
    *,
    add: int | None = None,
    stock: int | None = None,
) -> Changed:
    """`add` units (to a counted stock), or set the stock to `stock` (None: unlimited).
    Adding is `stock = stock + n` in the database, so units redeemed meanwhile are not
    lost; adding to an unlimited item leaves it unlimited."""
    if add is not None:
        values: dict[str, Any] = {"stock": Gift.stock + add}
        logged: dict[str, Any] = {"added": add}
    else:
        values, logged = {"stock": stock}, {"stock": stock}
    gift = await _change(session, store_id, actor, gift_id, "restock", values, now, logged=logged)
    return Changed(gift, back=_back(gift))


def preview(gift: Gift | None, values: dict[str, Any]) -> Gift:
    """An item to show, not in the session: `gift` (or a new active one) with `values`."""
    row = {c.key: getattr(gift, c.key) for c in Gift.__table__.columns} if gift else {}
    base = row or {"id": 0, "status": ItemStatus.ACTIVE}
    return Gift(**{**base, **values})
