"""Staff corrections: reverse a visit, adjust points, set a tier, confirm a renewal fee,
and prove every balance agrees with its ledger. Each is a new row, never an edit, and
each is audited here, so a handler only parses the command and shows the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.points import ledger as points
from bot.club.points import membership
from bot.club.points.ledger import Balances, EntryKind, LedgerMismatch, Posting
from bot.club.points.membership import Change, EventKind
from bot.club.policy.model import ClubPolicy
from bot.club.staff import audit
from bot.club.visits import record
from bot.club.visits.record import Reversal
from db import queries
from db.models import Member

MAX_ADJUSTMENT = 9_999_999
REASON_LENGTH = 200


@dataclass(frozen=True)
class Adjusted:
    member: Member
    amount: int
    reason: str
    balances: Balances | None  # None: refused, nothing changed

    @property
    def refused(self) -> bool:
        return self.balances is None


@dataclass(frozen=True)
class TierSet:
    member: Member
    change: Change | None  # None: the same request was applied before


@dataclass(frozen=True)
class FeeRenewal:
    member: Member | None
    change: Change | None  # None with a member: done before; without: no such member


@dataclass(frozen=True)
class LedgerReport:
    members: int
    mismatches: list[LedgerMismatch]


async def reverse_visit(
    session: AsyncSession, store_id: int, staff_id: int, order_no: str, reason: str
) -> Reversal:
    """Take a visit's points back (raises `VisitRejected` with a code when it cannot)."""
    return await record.reverse_visit(session, store_id, staff_id, order_no, reason)


async def adjust(
    session: AsyncSession, member: Member, staff_id: int, amount: int, reason: str, key: str
) -> Adjusted:
    """Move both balances by `amount`; a deduction never overdraws redeemable points."""
    reason = reason.strip()[:REASON_LENGTH]
    posting = Posting(
        member.store_id,
        member.id,
        EntryKind.ADJUSTMENT,
        f"adjust:{key}",
        cumulative=amount,
        redeemable=amount,
        reason=reason,
        actor_user_id=staff_id,
    )
    balances = await points.post(session, posting, guard=True)
    if balances is not None:
        audit.record(
            session,
            member.store_id,
            staff_id,
            "points.adjust",
            f"member:{member.id}",
            points=amount,
        )
    return Adjusted(member, amount, reason, balances)


def tier_code(policy: ClubPolicy, text: str) -> str | None:
    """The policy's tier code `text` names (any case), or None."""
    code = text.strip().lower()
    return code if code in {t.code for t in policy.tiers} else None


async def set_tier(
    session: AsyncSession,
    policy: ClubPolicy,
    member: Member,
    staff_id: int,
    code: str,
    reason: str,
    key: str,
) -> TierSet:
    """Staff set a tier by hand, under the member's lock, audited; once per request."""
    member = await membership.locked(session, member.id) or member
    change = await membership.set_tier(
        session, policy, member, code, reason.strip()[:REASON_LENGTH], staff_id, f"manual:{key}"
    )
    if change is not None:
        audit.record(
            session,
            member.store_id,
            staff_id,
            "tier.set",
            f"member:{member.id}",
            tier=change.tier_after,
        )
    return TierSet(member, change)


def fee_offer(policy: ClubPolicy, member: Member, today: date) -> date:
    """Until when a paid renewal fee would make the membership valid."""
    return membership.renewed_until(policy, member, today)


async def confirm_fee(
    session: AsyncSession,
    policy: ClubPolicy,
    store_id: int,
    staff_id: int,
    member_id: int,
    nonce: str,
    today: date,
) -> FeeRenewal:
    """Renew a membership whose fee staff received; the same confirmation applies once."""
    member = await membership.locked(session, member_id)
    if member is None or member.store_id != store_id:
        return FeeRenewal(None, None)
    change = await membership.renew(
        session, policy, member, EventKind.RENEW_FEE, f"fee:{nonce}", today, actor=staff_id
    )
    if change is not None:
        audit.record(
            session,
            member.store_id,
            staff_id,
            "membership.renew_fee",
            f"member:{member.id}",
            fee_fen=policy.renewal_fee_fen,
        )
    return FeeRenewal(member, change)


async def check_ledger(session: AsyncSession, store_id: int) -> LedgerReport:
    mismatches = await points.check_ledger(session, store_id)
    return LedgerReport(await queries.count_members(session, store_id), mismatches)
