"""The one writer of the points ledger, and what owners and staff read from it.

Every change to a balance is a ledger row plus an atomic UPDATE of the cached balance in
the same transaction. A deduction that must not overdraw is a conditional UPDATE
(`… WHERE redeemable >= :n`), so racing requests can never take a balance below zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from operator import attrgetter

from sqlalchemy import Integer, Select, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.points.rules import Line, Lot, due_to_expire, next_expiry, open_lots, taken_by
from db.base import utcnow
from db.models import Member, PointsEntry
from db.writes import execute_many, insert_once, insert_values_once


class EntryKind(StrEnum):
    VISIT = "visit"
    REVERSAL = "reversal"
    ADJUSTMENT = "adjustment"
    RENEWAL = "renewal"
    UPGRADE_TRADE = "upgrade_trade"
    EXPIRY = "expiry"
    REDEMPTION = "redemption"
    REFUND = "refund"  # a cancelled or expired redemption gives its points back
    EVENT_COST = "event_cost"  # the points an event sign-up costs
    EVENT_REFUND = "event_refund"  # …given back when it is cancelled
    ATTENDANCE = "attendance"  # points for attending an event, once per event


@dataclass(frozen=True)
class Balances:
    cumulative: int
    redeemable: int


@dataclass(frozen=True)
class Posting:
    """One ledger row to write."""

    store_id: int
    member_id: int
    kind: EntryKind
    dedupe_key: str
    cumulative: int = 0
    redeemable: int = 0
    visit_id: int | None = None
    expires_on: date | None = None
    reason: str | None = None
    actor_user_id: int | None = None
    at: datetime | None = None


async def _shift(
    session: AsyncSession, member_id: int, cumulative: int, redeemable: int, *, guard: bool
) -> Balances | None:
    statement = (
        update(Member)
        .where(Member.id == member_id)
        .values(
            cumulative_points=Member.cumulative_points + cumulative,
            redeemable_points=Member.redeemable_points + redeemable,
        )
        .returning(Member.cumulative_points, Member.redeemable_points)
    )
    if guard and redeemable < 0:
        statement = statement.where(Member.redeemable_points >= -redeemable)
    row = (await session.execute(statement)).first()
    return Balances(row[0], row[1]) if row else None


async def post(session: AsyncSession, posting: Posting, *, guard: bool = False) -> Balances | None:
    """Write `posting` and move the cached balances with it.

    Returns the new balances, or None when nothing was written: the (member, kind,
    dedupe_key) was posted before, or `guard` is set and the redeemable balance is short.
    """
    balances = await _shift(
        session, posting.member_id, posting.cumulative, posting.redeemable, guard=guard
    )
    if balances is None:
        return None
    values = {k: v for k, v in posting.__dict__.items() if v is not None}
    if await insert_once(session, PointsEntry, values) is None:
        # Already posted: put the balances back as they were (same transaction).
        await _shift(
            session, posting.member_id, -posting.cumulative, -posting.redeemable, guard=False
        )
        return None
    return balances


_POSTING_COLUMNS = (
    "store_id",
    "member_id",
    "kind",
    "dedupe_key",
    "cumulative",
    "redeemable",
    "visit_id",
    "expires_on",
    "reason",
    "actor_user_id",
)
_posting_values = attrgetter(*_POSTING_COLUMNS[3:])
_members = Member.__table__.c
_shift_many = (
    update(Member.__table__)
    .where(_members.id == bindparam("member"))
    .values(
        cumulative_points=_members.cumulative_points + bindparam("c", type_=Integer),
        redeemable_points=_members.redeemable_points + bindparam("r", type_=Integer),
    )
)


async def post_many(session: AsyncSession, postings: Sequence[Posting]) -> list[Posting]:
    """Write many postings in a few round trips and move each member's cached balances by
    what was written, in the caller's transaction (a DMS import's batch).

    Like `post`, a (member, kind, dedupe_key) posted before is skipped; unlike it there is
    no overdraft guard, so only credits (and unguarded debits) go through here. Returns the
    postings that were written.
    """
    if not postings:
        return []
    kinds = {kind: str(kind) for kind in {p.kind for p in postings}}
    # Every row names the same columns (one statement shape); NULL is each column's
    # default. Postings without a time (an import's: all of them) leave `at` out, so its
    # default (now, once per call) is converted for the database once, not per row.
    names = _POSTING_COLUMNS
    rows: list[tuple[object, ...]] = [
        (p.store_id, p.member_id, kinds[p.kind], *_posting_values(p)) for p in postings
    ]
    if any(p.at is not None for p in postings):
        now = utcnow()
        names = (*names, "at")
        rows = [(*row, p.at or now) for row, p in zip(rows, postings, strict=True)]
    written = set(
        await insert_values_once(
            session, PointsEntry.__table__, names, rows, ("member_id", "kind", "dedupe_key")
        )
    )
    new = [p for p in postings if (p.member_id, kinds[p.kind], p.dedupe_key) in written]
    moves: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for p in new:
        moves[p.member_id][0] += p.cumulative
        moves[p.member_id][1] += p.redeemable
    await execute_many(
        session, _shift_many, [{"member": m, "c": c, "r": r} for m, (c, r) in sorted(moves.items())]
    )
    return new


_entries = PointsEntry.__table__.c


def redeemable_lines() -> Select[tuple[int, date | None, int]]:
    """The select of one member's (parameter "member") redeemable lines, unordered:
    amount, expiry and id (the ledger's order). What the member's lots are made of
    (`lots_from`); /points reads them in the statement it reads its page with."""
    return select(_entries.redeemable, _entries.expires_on, _entries.id).where(
        _entries.member_id == bindparam("member", type_=Integer), _entries.redeemable != 0
    )


def lots_from(lines: Iterable[tuple[int, date | None]]) -> list[Lot]:
    """The open lots of a member's redeemable lines (amount, expiry), in ledger order."""
    return open_lots([Line(amount, expires_on) for amount, expires_on in lines])


# Built once: every spend, refund and expiry reads it.
_LINES = redeemable_lines().order_by(_entries.id)


async def lots_of(session: AsyncSession, member_id: int) -> list[Lot]:
    rows = await session.execute(_LINES, {"member": member_id})
    return lots_from((amount, expires_on) for amount, expires_on, _id in rows)


async def spent_lots(session: AsyncSession, member_id: int, amount: int) -> list[list[object]]:
    """The lots a spend of `amount` takes, soonest-expiring first, as stored with what was
    bought ([[expires_on ISO or None, amount], ...]) so a refund gives each part back
    with its own expiry. Read under `hold`, before the spend is posted."""
    lots = taken_by(await lots_of(session, member_id), amount)
    return [[lot.expires_on.isoformat() if lot.expires_on else None, lot.remaining] for lot in lots]


async def give_back(
    session: AsyncSession,
    store_id: int,
    member_id: int,
    lots: Sequence[Sequence[object]],
    kind: EntryKind,
    key: str,
    reason: str,
    *,
    actor: int | None = None,
    at: datetime | None = None,
) -> Balances | None:
    """Refund the `lots` a spend took (see `spent_lots`), one ledger row per lot keyed
    `<key>:<i>`, each with its own expiry: the balances after (None if nothing came back)."""
    balances = None
    for i, (expiry, amount) in enumerate(lots):
        posted = await post(
            session,
            Posting(
                store_id,
                member_id,
                kind,
                f"{key}:{i}",
                redeemable=int(amount),  # type: ignore[call-overload]
                expires_on=date.fromisoformat(str(expiry)) if expiry else None,
                reason=reason,
                actor_user_id=actor,
                at=at,
            ),
        )
        balances = posted or balances
    return balances


async def upcoming_expiry(session: AsyncSession, member_id: int, today: date) -> Lot | None:
    return next_expiry(await lots_of(session, member_id), today)


async def expire_due(session: AsyncSession, store_id: int, today: date) -> int:
    """Write off redeemable points past their last day, once per member per day.

    Returns how many members lost points. Safe to run on several instances at once.
    """
    candidates = await session.scalars(
        select(PointsEntry.member_id)
        .where(
            PointsEntry.store_id == store_id,
            PointsEntry.expires_on < today,
            PointsEntry.redeemable > 0,
        )
        .distinct()
    )
    touched = 0
    for member_id in list(candidates):
        amount = due_to_expire(await lots_of(session, member_id), today)
        if amount <= 0:
            continue
        posting = Posting(
            store_id, member_id, EntryKind.EXPIRY, f"expiry:{today.isoformat()}", redeemable=-amount
        )
        if await post(session, posting) is not None:
            touched += 1
    return touched


@dataclass(frozen=True)
class LedgerMismatch:
    member_id: int
    cached: Balances
    ledger: Balances


async def check_ledger(session: AsyncSession, store_id: int | None = None) -> list[LedgerMismatch]:
    """Every member whose cached balances disagree with the sum of their ledger."""
    sums = (
        select(
            PointsEntry.member_id.label("member_id"),
            func.sum(PointsEntry.cumulative).label("c"),
            func.sum(PointsEntry.redeemable).label("r"),
        )
        .group_by(PointsEntry.member_id)
        .subquery()
    )
    statement = select(
        Member.id,
        Member.cumulative_points,
        Member.redeemable_points,
        func.coalesce(sums.c.c, 0),
        func.coalesce(sums.c.r, 0),
    ).outerjoin(sums, sums.c.member_id == Member.id)
    if store_id is not None:
        statement = statement.where(Member.store_id == store_id)
    out = []
    for member_id, cached_c, cached_r, ledger_c, ledger_r in await session.execute(statement):
        if (cached_c, cached_r) != (int(ledger_c), int(ledger_r)):
            out.append(
                LedgerMismatch(
                    member_id, Balances(cached_c, cached_r), Balances(int(ledger_c), int(ledger_r))
                )
            )
    return out


async def hold(session: AsyncSession, member_id: int, at_least: int) -> bool:
    """Lock the member's balance row for this transaction, if it holds `at_least`
    redeemable points (False otherwise): a spend that must read the member's lots first
    (a redemption) takes this before reading, so nothing else of theirs moves meanwhile."""
    statement = (
        update(Member)
        .where(Member.id == member_id, Member.redeemable_points >= at_least)
        .values(redeemable_points=Member.redeemable_points)
        .returning(Member.id)
    )
    return (await session.execute(statement)).first() is not None
