"""Tiers and membership validity: upgrades, renewals, hand-set tiers, expiry.

Each change is a `membership_events` row whose (member, kind, dedupe_key) is unique, so a
rule applies once however many times or instances evaluate it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import String, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.points import ledger as points
from bot.club.points.ledger import EntryKind, Posting
from bot.club.points.tiers import add_months, tier_for_points
from bot.club.policy.model import ClubPolicy
from db.base import utcnow
from db.models import Member, MembershipEvent
from db.writes import execute_many, insert_once, insert_rows_once


class EventKind(StrEnum):
    UPGRADE_POINTS = "upgrade_points"  # cumulative points reached the threshold
    UPGRADE_TRADE = "upgrade_trade"  # owner traded redeemable points
    UPGRADE_REPAIR = "upgrade_repair"  # one qualifying repair after joining
    UPGRADE_INSURANCE = "upgrade_insurance"  # qualifying insurance two years running
    MANUAL = "manual"  # staff set the tier by hand
    IMPORT = "import"  # starting tier from DMS history
    RENEW_FEE = "renew_fee"
    RENEW_POINTS = "renew_points"
    RENEW_INSURANCE = "renew_insurance"
    EXPIRED = "expired"  # grace period over without renewal


UPGRADES = {
    EventKind.UPGRADE_POINTS,
    EventKind.UPGRADE_TRADE,
    EventKind.UPGRADE_REPAIR,
    EventKind.UPGRADE_INSURANCE,
}


@dataclass(frozen=True)
class Change:
    """What happened to a membership, for the owner's and staff's messages."""

    member_id: int
    kind: EventKind
    tier_before: str
    tier_after: str
    valid_until: date


async def locked(session: AsyncSession, member_id: int) -> Member | None:
    """The member row, locked for this transaction (PostgreSQL; SQLite locks at BEGIN).

    FOR NO KEY UPDATE: rows that merely reference the member (visits, ledger rows) can
    still be inserted by others, so the lock never deadlocks against a foreign-key check.
    """
    statement = (
        select(Member)
        .where(Member.id == member_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return await session.scalar(statement)


async def _record(
    session: AsyncSession,
    member: Member,
    kind: EventKind,
    key: str,
    *,
    tier: str | None = None,
    valid_until: date | None = None,
    reason: str | None = None,
    actor: int | None = None,
) -> Change | None:
    """Apply a change once: write the event, then the member row; None if done before."""
    event = {
        "store_id": member.store_id,
        "member_id": member.id,
        "kind": kind,
        "dedupe_key": key,
        "tier_before": member.tier_code,
        "tier_after": tier or member.tier_code,
        "valid_until_before": member.valid_until,
        "valid_until_after": valid_until or member.valid_until,
        "reason": reason,
        "actor_user_id": actor,
    }
    if await insert_once(session, MembershipEvent, event) is None:
        return None
    before = member.tier_code
    if tier is not None:
        member.tier_code = tier
    if valid_until is not None:
        member.valid_until = valid_until
    await session.flush()
    return Change(member.id, kind, before, member.tier_code, member.valid_until)


def _next_code(policy: ClubPolicy, code: str) -> str | None:
    rank = policy.tier_rank(code)
    return policy.tiers[rank + 1].code if rank + 1 < len(policy.tiers) else None


async def upgrade_one(
    session: AsyncSession,
    policy: ClubPolicy,
    member: Member,
    kind: EventKind,
    key: str,
    actor: int | None = None,
) -> Change | None:
    target = _next_code(policy, member.tier_code)
    if target is None:
        return None
    return await _record(session, member, kind, key, tier=target, actor=actor)


async def upgrade_by_points(
    session: AsyncSession, policy: ClubPolicy, member: Member
) -> Change | None:
    """Cumulative points reached a higher tier's threshold: move up (never down)."""
    target = tier_for_points(policy, member.cumulative_points)
    return await raise_tier(session, policy, member, target.code, EventKind.UPGRADE_POINTS)


async def raise_tier(
    session: AsyncSession, policy: ClubPolicy, member: Member, code: str, kind: EventKind
) -> Change | None:
    """Move the member up to `code` (never down), once per target tier."""
    if policy.tier_rank(code) <= policy.tier_rank(member.tier_code):
        return None
    return await _record(session, member, kind, code, tier=code)


@dataclass(frozen=True)
class TierTarget:
    """A member's row as a batch sees it, and the tier it should reach."""

    store_id: int
    member_id: int
    tier_code: str
    valid_until: date
    target: str


_events_table = MembershipEvent.__table__
_set_tier = (
    update(Member.__table__)
    .where(Member.__table__.c.id == bindparam("member"))
    .values(tier_code=bindparam("tier", type_=String))
)


async def raise_tiers(
    session: AsyncSession, policy: ClubPolicy, targets: list[TierTarget], kind: EventKind
) -> list[Change]:
    """`raise_tier` for many members at once (a DMS import's batch): the same rule (up
    only, once per target tier), the same event rows, in two statements (written at the
    driver: an import raises thousands of tiers a minute)."""
    now = utcnow()
    rank: dict[str, int] = {}
    for i, tier in enumerate(policy.tiers):
        rank.setdefault(tier.code, i)
    events = [
        {
            "store_id": t.store_id,
            "member_id": t.member_id,
            "kind": str(kind),
            "dedupe_key": t.target,
            "tier_before": t.tier_code,
            "tier_after": t.target,
            "valid_until_before": t.valid_until,
            "valid_until_after": t.valid_until,
            "at": now,
        }
        for t in targets
        if rank.get(t.target, 0) > rank.get(t.tier_code, 0)  # policy.tier_rank, unknown: 0
    ]
    raised = await insert_rows_once(session, _events_table, events, ("member_id", "tier_after"))
    if not raised:
        return []
    await execute_many(session, _set_tier, [{"member": m, "tier": tier} for m, tier in raised])
    was = {t.member_id: t for t in targets}
    return [Change(m, kind, was[m].tier_code, tier, was[m].valid_until) for m, tier in raised]


def renewed_until(policy: ClubPolicy, member: Member, today: date) -> date:
    """A renewal adds a term to the current end, or starts one today if it has passed."""
    return add_months(max(member.valid_until, today), policy.valid_months)


async def renew(
    session: AsyncSession,
    policy: ClubPolicy,
    member: Member,
    kind: EventKind,
    key: str,
    today: date,
    actor: int | None = None,
) -> Change | None:
    return await _record(
        session, member, kind, key, valid_until=renewed_until(policy, member, today), actor=actor
    )


class TradeOutcome(StrEnum):
    DONE = "done"
    SHORT = "short"  # not enough redeemable points
    TOP_TIER = "top_tier"
    DONE_BEFORE = "done_before"


async def spend_for(
    session: AsyncSession,
    policy: ClubPolicy,
    member_id: int,
    purpose: EntryKind,
    key: str,
    today: date,
) -> tuple[TradeOutcome, Change | None]:
    """Owner-confirmed trades: points for a renewal or for the next tier."""
    member = await locked(session, member_id)
    if member is None:
        return TradeOutcome.DONE_BEFORE, None
    upgrading = purpose is EntryKind.UPGRADE_TRADE
    if upgrading and _next_code(policy, member.tier_code) is None:
        return TradeOutcome.TOP_TIER, None
    cost = policy.upgrade_points_cost if upgrading else policy.renewal_points_cost
    posting = Posting(
        member.store_id,
        member.id,
        purpose,
        key,
        redeemable=-cost,
        reason="upgrade" if upgrading else "renewal",
    )
    if await points.post(session, posting, guard=True) is None:
        done = await session.scalar(
            select(MembershipEvent.id).where(
                MembershipEvent.member_id == member.id, MembershipEvent.dedupe_key == key
            )
        )
        return (TradeOutcome.DONE_BEFORE if done else TradeOutcome.SHORT), None
    await session.refresh(member)
    if upgrading:
        change = await upgrade_one(session, policy, member, EventKind.UPGRADE_TRADE, key)
    else:
        change = await renew(session, policy, member, EventKind.RENEW_POINTS, key, today)
    return TradeOutcome.DONE, change


async def set_tier(
    session: AsyncSession,
    policy: ClubPolicy,
    member: Member,
    code: str,
    reason: str,
    actor: int,
    key: str,
) -> Change | None:
    """Staff set the tier by hand; with the policy's floor rule it is never stepped below."""
    change = await _record(
        session, member, EventKind.MANUAL, key, tier=code, reason=reason, actor=actor
    )
    if change is not None:
        member.tier_floor = code if policy.manual_tier_is_floor else None
    return change


async def expiry_sweep(
    session: AsyncSession, policy: ClubPolicy, store_id: int, today: date
) -> list[Change]:
    """Daily: step down members whose grace period is over, once per membership term.
    (The 30-day notice is a care reminder: `bot.club.reminders.sweep`.)"""
    changes: list[Change] = []
    lapsed = await session.scalars(
        select(Member.id).where(
            Member.store_id == store_id,
            Member.valid_until < today - timedelta(days=policy.grace_days),
        )
    )
    for member_id in list(lapsed):
        member = await locked(session, member_id)
        if member is None:
            continue
        tier = member.tier_code
        if policy.expiry_step_down:
            floor = policy.tier_rank(member.tier_floor) if member.tier_floor else 0
            rank = max(policy.tier_rank(member.tier_code) - 1, floor)
            tier = policy.tiers[rank].code
        key = member.valid_until.isoformat()
        change = await _record(session, member, EventKind.EXPIRED, key, tier=tier)
        changes += [change] if change else []
    return changes
