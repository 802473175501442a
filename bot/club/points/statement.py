"""What /points shows besides the balances: a page of the member's ledger, newest first,
each row with its visit, how many rows there are, and the next points to expire.

One statement through the ledger's (member, id) index: the page with its count, and the
member's redeemable lines the ledger makes the open lots of (`ledger.lots_from`). Plain
values, no ORM objects: nothing here is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Integer,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.points import ledger
from bot.club.points.rules import Lot, next_expiry
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


def _statement_query() -> CompoundSelect:
    """A page of one member's ledger with the count (rows of part 0, at most "limit"
    after the newest "offset"), and all the member's redeemable lines (part 1): one
    statement, built once with parameters, in no order (`statement` sorts)."""
    mine = _entries.c.member_id == bindparam("member", type_=Integer)
    count = _COUNT.scalar_subquery()
    page = (
        select(
            literal_column("0").label("part"),
            _entries.c.id.label("line_id"),
            _entries.c.kind,
            _entries.c.at,
            _entries.c.reason,
            _entries.c.cumulative,
            _entries.c.redeemable,
            cast(null(), _entries.c.expires_on.type).label("expires_on"),  # typed: PostgreSQL
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
        .subquery()
    )
    lines = ledger.redeemable_lines().subquery()
    nothing = [null()] * 4
    return union_all(
        select(*page.c),
        select(
            literal_column("1"),
            lines.c.id,
            *nothing,  # kind, at, reason, cumulative
            lines.c.redeemable,
            lines.c.expires_on,
            *nothing,  # the visit
            null(),  # total
        ),
    )


_STATEMENT = _statement_query()


def _line(r: Any) -> HistoryLine:
    return HistoryLine(
        kind=r.kind,
        at=r.at,
        reason=r.reason,
        cumulative=r.cumulative,
        redeemable=r.redeemable,
        visit=Spend(r.category, r.amount_fen, r.order_no) if r.visit_id is not None else None,
    )


async def statement(
    session: AsyncSession, member_id: int, today: date, *, offset: int, limit: int
) -> Statement:
    """The page of `limit` rows after the newest `offset`, the count, the next expiry."""
    params = {"member": member_id, "offset": offset, "limit": limit}
    rows = (await session.execute(_STATEMENT, params)).all()
    page = sorted((r for r in rows if r.part == 0), key=lambda r: r.line_id, reverse=True)
    held = sorted((r for r in rows if r.part == 1), key=lambda r: r.line_id)
    lot = next_expiry(ledger.lots_from((r.redeemable, r.expires_on) for r in held), today)
    if page:
        total = int(page[0].total)
    elif offset == 0:
        total = 0
    else:  # past the last page (a stale button): count the rows on their own
        total = int(await session.scalar(_COUNT, {"member": member_id}) or 0)
    return Statement([_line(r) for r in page], total, lot)
