"""What /points shows besides the balances: a page of the member's ledger, newest first,
each row with its visit, how many rows there are, and the next points to expire.

Two statements through the ledger's (member, id) index: one for the open lots (the
ledger's own reading), one for the page with its count. Plain values, no ORM objects:
nothing here is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.points import ledger
from bot.club.points.rules import Lot
from db.models import PointsEntry, Visit

_entries, _visits = PointsEntry.__table__, Visit.__table__


@dataclass(frozen=True)
class Spend:
    """The visit a ledger row came from."""

    category: str
    amount_fen: int
    order_no: str


@dataclass(frozen=True)
class HistoryLine:
    kind: str
    at: datetime
    reason: str | None
    cumulative: int
    redeemable: int
    visit: Spend | None


@dataclass(frozen=True)
class Statement:
    lines: list[HistoryLine]  # the page asked for
    total: int  # ledger rows in all
    next_lot: Lot | None  # the next redeemable points to expire, if any


# How many ledger rows one member has; built once with parameters.
_COUNT = (
    select(func.count())
    .select_from(_entries)
    .where(_entries.c.member_id == bindparam("member", type_=Integer))
)


def _page_query() -> Select[Any]:
    """A page of one member's ledger with the count, built once with parameters."""
    mine = _entries.c.member_id == bindparam("member", type_=Integer)
    count = _COUNT.scalar_subquery()
    return (
        select(
            _entries.c.kind,
            _entries.c.at,
            _entries.c.reason,
            _entries.c.cumulative,
            _entries.c.redeemable,
            _visits.c.id.label("visit_id"),
            _visits.c.category,
            _visits.c.amount_fen,
            _visits.c.order_no,
            count.label("total"),
        )
        .outerjoin(_visits, _visits.c.id == _entries.c.visit_id)
        .where(mine)
        .order_by(_entries.c.id.desc())
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )


_PAGE = _page_query()


async def statement(
    session: AsyncSession, member_id: int, today: date, *, offset: int, limit: int
) -> Statement:
    """The page of `limit` rows after the newest `offset`, the count, the next expiry."""
    lot = await ledger.upcoming_expiry(session, member_id, today)
    page = {"member": member_id, "offset": offset, "limit": limit}
    rows = (await session.execute(_PAGE, page)).all()
    if rows:
        total = int(rows[0].total)
    elif offset == 0:
        total = 0
    else:  # past the last page (a stale button): count the rows on their own
        total = int(await session.scalar(_COUNT, {"member": member_id}) or 0)
    lines = [
        HistoryLine(
            kind=r.kind,
            at=r.at,
            reason=r.reason,
            cumulative=r.cumulative,
            redeemable=r.redeemable,
            visit=Spend(r.category, r.amount_fen, r.order_no) if r.visit_id is not None else None,
        )
        for r in rows
    ]
    return Statement(lines, total, lot)
