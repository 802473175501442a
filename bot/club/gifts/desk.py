"""The staff desk: open a redemption by its code, hand a gift over, use a voucher on a visit.

Each change is one conditional UPDATE (only a waiting redemption of this store, only
once), so however many presses or scans race, one wins and the others read what it did.
Nothing here trusts a code, an id or an order number it is given: every look-up is
checked against the store, the kind of item and the owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common.codes import clean_code
from bot.club.gifts.rules import ItemStatus, Kind, Status
from bot.club.staff import audit
from db import queries
from db.models import Gift, Member, Redemption, Visit


class DeskRefusal(StrEnum):
    """Why the desk cannot do what was asked; each has a staff-facing text."""

    UNKNOWN = "desk_unknown"  # no such code or id (mistyped, or forged)
    OTHER_STORE = "desk_other_store"  # a redemption of another store of the group
    NOT_GIFT = "desk_not_gift"  # "hand over" on a voucher
    NOT_VOUCHER = "desk_not_voucher"  # an order number for a gift
    COLLECTED = "desk_collected"  # already handed over / used
    CANCELLED = "desk_cancelled"
    EXPIRED = "desk_expired"
    NO_VISIT = "desk_no_visit"  # no visit with that order number in this store
    OTHER_MEMBER = "desk_other_member"  # the visit is another owner's
    MIN_SPEND = "desk_min_spend"  # the visit's bill is below the voucher's minimum spend


@dataclass(frozen=True)
class Found:
    """A code looked up at the desk: the redemption of this store, or why not."""

    redemption: Redemption | None
    member: Member | None = None
    refusal: DeskRefusal | None = None


@dataclass(frozen=True)
class Done:
    """The outcome of a hand-over or a voucher use: `done` when this call did it;
    otherwise `refusal`, with the redemption as it is now (to say when and by whom)."""

    redemption: Redemption | None
    done: bool = False
    refusal: DeskRefusal | None = None
    visit: Visit | None = None


async def by_code(session: AsyncSession, store_id: int, text: str) -> Found:
    """The redemption whose code is `text` as typed or scanned (look-alikes mapped)."""
    code = clean_code(text)[:12]
    redemption = await session.scalar(select(Redemption).where(Redemption.code == code))
    if redemption is None or not code:
        return Found(None, refusal=DeskRefusal.UNKNOWN)
    if redemption.store_id != store_id:
        return Found(None, refusal=DeskRefusal.OTHER_STORE)
    return Found(redemption, await session.get(Member, redemption.member_id))


async def open_for_staff(session: AsyncSession, store_id: int, staff_id: int, text: str) -> Found:
    """`by_code` for a staff member, recorded in the audit log (it shows owner data)."""
    found = await by_code(session, store_id, text)
    target = f"redemption:{found.redemption.id}" if found.redemption else None
    audit.record(session, store_id, staff_id, "redemption.open", target, found=bool(target))
    return found


async def _current(session: AsyncSession, store_id: int, redemption_id: int) -> Redemption | None:
    row = await session.get(Redemption, redemption_id, populate_existing=True)
    return row if row is not None and row.store_id == store_id else None


def _closed(redemption: Redemption, today: date) -> DeskRefusal | None:
    """Why a redemption can no longer be handed over or used, or None."""
    if redemption.status == Status.COLLECTED:
        return DeskRefusal.COLLECTED
    if redemption.status == Status.CANCELLED:
        return DeskRefusal.CANCELLED
    if redemption.status == Status.EXPIRED:
        return DeskRefusal.EXPIRED
    if redemption.expires_on is not None and redemption.expires_on < today:
        return DeskRefusal.EXPIRED  # past its last day; the expiry sweep closes it
    return None


@dataclass(frozen=True)
class Clerk:
    """Who acts at the desk, for which store, and when."""

    store_id: int
    user_id: int
    name: str | None  # as Telegram names them, shown to colleagues
    today: date
    now: datetime


async def _collect(
    session: AsyncSession, redemption: Redemption, clerk: Clerk, **values: object
) -> bool:
    """Waiting → collected by `clerk`, once: True only for the one call that did it."""
    statement = (
        update(Redemption)
        .where(Redemption.id == redemption.id, Redemption.status == Status.WAITING)
        .values(
            status=Status.COLLECTED,
            collected_at=clerk.now,
            collected_by=clerk.user_id,
            collected_by_name=(clerk.name or "")[:64] or None,
            collected_store_id=clerk.store_id,
            **values,
        )
        .returning(Redemption.id)
    )
    return (await session.execute(statement)).first() is not None


async def hand_over(session: AsyncSession, clerk: Clerk, redemption_id: int) -> Done:
    """Mark a waiting gift collected by the owner at this desk, once."""
    store_id, today = clerk.store_id, clerk.today
    redemption = await _current(session, store_id, redemption_id)
    if redemption is None:
        return Done(None, refusal=DeskRefusal.UNKNOWN)
    if redemption.kind != Kind.GIFT:
        return Done(redemption, refusal=DeskRefusal.NOT_GIFT)
    reason = _closed(redemption, today)
    if reason is None and await _collect(session, redemption, clerk):
        audit.record(
            session, store_id, clerk.user_id, "redemption.hand_over", f"redemption:{redemption.id}"
        )
        return Done(await _current(session, store_id, redemption_id), done=True)
    redemption = await _current(session, store_id, redemption_id)
    assert redemption is not None
    return Done(redemption, refusal=reason or _closed(redemption, today) or DeskRefusal.COLLECTED)


async def use_voucher(
    session: AsyncSession,
    clerk: Clerk,
    redemption_id: int,
    *,
    order_no: str | None = None,
    visit_id: int | None = None,
) -> Done:
    """Mark a waiting voucher used against a visit of the same owner in this store (by
    its repair order number or its id), if the bill reaches the minimum spend; once."""
    store_id, today = clerk.store_id, clerk.today
    redemption = await _current(session, store_id, redemption_id)
    if redemption is None:
        return Done(None, refusal=DeskRefusal.UNKNOWN)
    if redemption.kind != Kind.VOUCHER:
        return Done(redemption, refusal=DeskRefusal.NOT_VOUCHER)
    if (reason := _closed(redemption, today)) is not None:
        return Done(redemption, refusal=reason)
    visit = None
    if order_no is not None:
        visit = await queries.visit_by_order(session, store_id, order_no.strip()[:40])
    elif visit_id is not None:
        visit = await session.get(Visit, visit_id)
    if visit is None or visit.store_id != store_id:
        return Done(redemption, refusal=DeskRefusal.NO_VISIT)
    if visit.member_id != redemption.member_id:
        return Done(redemption, refusal=DeskRefusal.OTHER_MEMBER, visit=visit)
    if redemption.min_spend_fen and visit.amount_fen < redemption.min_spend_fen:
        return Done(redemption, refusal=DeskRefusal.MIN_SPEND, visit=visit)
    used = {"used_order_no": visit.order_no, "used_visit_id": visit.id}
    if not await _collect(session, redemption, clerk, **used):
        redemption = await _current(session, store_id, redemption_id)
        assert redemption is not None
        reason = _closed(redemption, today) or DeskRefusal.COLLECTED
        return Done(redemption, refusal=reason, visit=visit)
    audit.record(
        session,
        store_id,
        clerk.user_id,
        "redemption.use_voucher",
        f"redemption:{redemption.id}",
        visit_id=visit.id,
        order_no=visit.order_no,
    )
    return Done(await _current(session, store_id, redemption_id), done=True, visit=visit)


async def waiting_vouchers(
    session: AsyncSession, store_id: int, member_id: int, today: date
) -> list[Redemption]:
    """The owner's vouchers that can still be used today, oldest first."""
    rows = await session.scalars(
        select(Redemption)
        .where(
            Redemption.store_id == store_id,
            Redemption.member_id == member_id,
            Redemption.kind == Kind.VOUCHER,
            Redemption.status == Status.WAITING,
            (Redemption.expires_on.is_(None)) | (Redemption.expires_on >= today),
        )
        .order_by(Redemption.id)
    )
    return list(rows)


@dataclass(frozen=True)
class Waiting:
    redemption: Redemption
    member: Member


async def waiting(session: AsyncSession, store_id: int, limit: int = 30) -> list[Waiting]:
    """Redemptions waiting at the desk (gifts to collect, vouchers to use), oldest first."""
    rows = await session.execute(
        select(Redemption, Member)
        .join(Member, Member.id == Redemption.member_id)
        .where(Redemption.store_id == store_id, Redemption.status == Status.WAITING)
        .order_by(Redemption.created_at, Redemption.id)
        .limit(limit)
    )
    return [Waiting(r, m) for r, m in rows]


async def count_waiting(session: AsyncSession, store_id: int) -> int:
    statement = select(func.count()).where(
        Redemption.store_id == store_id, Redemption.status == Status.WAITING
    )
    return int(await session.scalar(statement) or 0)


async def low_stock(session: AsyncSession, store_id: int, threshold: int) -> list[Gift]:
    """Items still offered (active or paused) with `threshold` or fewer left, fewest first."""
    rows = await session.scalars(
        select(Gift)
        .where(
            Gift.store_id == store_id,
            Gift.status != ItemStatus.RETIRED,
            Gift.stock.is_not(None),
            Gift.stock <= threshold,
        )
        .order_by(Gift.stock, Gift.id)
    )
    return list(rows)
