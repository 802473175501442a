"""Redeeming an item: points and stock taken together, or not at all.

The owner's row is locked first (a conditional UPDATE that also checks the balance),
then the item's stock is taken by a conditional UPDATE that also checks the price the
owner confirmed and that the item is still on offer, then the ledger row and the
redemption are written; all in one savepoint, so a refusal leaves nothing behind.
However many requests race, the balance and the stock never go below zero, and one
confirm (`request`) gives at most one redemption.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.club.common import codes
from bot.club.gifts.rules import GiftRefused, ItemStatus, Kind, Refusal, Status, expires_on, refusal
from bot.club.points import ledger
from bot.club.points.ledger import Balances, EntryKind, Posting
from bot.club.policy.model import ClubPolicy
from db.models import Gift, Member, Redemption

CODE_LENGTH = 8


@dataclass(frozen=True)
class Redeemed:
    redemption: Redemption
    gift: Gift
    balances: Balances
    again: bool = False  # the same confirm was taken before: this is that redemption


async def item(session: AsyncSession, store_id: int, gift_id: int) -> Gift | None:
    """The store's item `gift_id` (None for another store's or a forged id)."""
    gift = await session.get(Gift, gift_id, populate_existing=True)
    return gift if gift is not None and gift.store_id == store_id else None


async def taken(session: AsyncSession, gift: Gift, member_id: int, now: datetime) -> int:
    """How many of `gift` the member holds within its limit's period (cancelled ones
    do not count)."""
    statement = select(func.count()).where(
        Redemption.gift_id == gift.id,
        Redemption.member_id == member_id,
        Redemption.status != Status.CANCELLED,
    )
    if gift.limit_days:
        statement = statement.where(Redemption.created_at >= now - timedelta(days=gift.limit_days))
    return int(await session.scalar(statement) or 0)


async def _again(session: AsyncSession, member_id: int, request: str) -> Redemption | None:
    return await session.scalar(
        select(Redemption).where(Redemption.member_id == member_id, Redemption.request == request)
    )


async def _take_stock(session: AsyncSession, gift: Gift, cost: int) -> int | bool | None:
    """One unit of `gift`, only if it is still active, at `cost`, and in stock: the units
    left (None: unlimited), or False when it could not be taken."""
    statement = (
        update(Gift)
        .where(
            Gift.id == gift.id,
            Gift.status == ItemStatus.ACTIVE,
            Gift.cost_points == cost,
            (Gift.stock.is_(None)) | (Gift.stock > 0),
        )
        .values(stock=Gift.stock - 1)
        .returning(Gift.stock)
    )
    row = (await session.execute(statement)).first()
    return False if row is None else row[0]


async def redeem(
    session: AsyncSession,
    policy: ClubPolicy,
    store_id: int,
    member_id: int,
    gift_id: int,
    cost: int,
    request: str,
    today: date,
    now: datetime,
) -> Redeemed:
    """Redeem one `gift_id` for the member at the `cost` they confirmed.

    Raises `GiftRefused` (with the item as it is now, for showing a new price) when it
    cannot be done; then nothing was written. The same `request` twice gives the first
    redemption again (`again`), never a second one.
    """
    gift = await item(session, store_id, gift_id)
    if gift is None:
        raise GiftRefused(Refusal.UNKNOWN)
    owner = (
        await session.execute(
            select(Member.tier_code, Member.cumulative_points, Member.redeemable_points).where(
                Member.id == member_id, Member.store_id == store_id
            )
        )
    ).first()
    if owner is None:
        raise GiftRefused(Refusal.NOT_MEMBER, gift)
    if gift.cost_points != cost:
        raise GiftRefused(Refusal.PRICE_CHANGED, gift)
    reason = refusal(policy, gift, owner.tier_code, owner.redeemable_points, today)
    if reason is not None and reason is not Refusal.SHORT:
        raise GiftRefused(reason, gift)
    try:
        async with session.begin_nested():
            return await _write(
                session, policy, store_id, member_id, gift, cost, request, today, now
            )
    except (GiftRefused, IntegrityError) as exc:
        # The same confirm taken already (a twin waited on the owner's lock, or lost the
        # insert): that redemption, not a refusal and never a second one.
        earlier = await _again(session, member_id, request)
        if earlier is None:
            if isinstance(exc, GiftRefused):
                raise
            raise GiftRefused(Refusal.UNKNOWN, gift) from exc
        balances = Balances(owner.cumulative_points, owner.redeemable_points)
        return Redeemed(earlier, gift, balances, again=True)


async def _write(
    session: AsyncSession,
    policy: ClubPolicy,
    store_id: int,
    member_id: int,
    gift: Gift,
    cost: int,
    request: str,
    today: date,
    now: datetime,
) -> Redeemed:
    # The owner's row first: from here no other redemption of theirs runs beside this.
    if not await ledger.hold(session, member_id, cost):
        raise GiftRefused(Refusal.SHORT, gift)
    earlier = await _again(session, member_id, request)  # a twin that waited on the lock
    if earlier is not None:
        raise GiftRefused(Refusal.UNKNOWN, gift)  # the caller finds `earlier` again
    if gift.per_member_limit and await taken(session, gift, member_id, now) >= (
        gift.per_member_limit
    ):
        raise GiftRefused(Refusal.LIMIT, gift)
    lots = await ledger.spent_lots(session, member_id, cost)
    left = await _take_stock(session, gift, cost)
    if left is False:
        current = await item(session, store_id, gift.id)
        raise GiftRefused(_why_not(current, cost, today), current)
    set_committed_value(gift, "stock", left)
    code = codes.new_code(CODE_LENGTH)
    balances = await ledger.post(
        session,
        Posting(
            store_id,
            member_id,
            EntryKind.REDEMPTION,
            f"redeem:{code}",
            redeemable=-cost,
            reason=f"gift:{gift.id}",
            at=now,
        ),
        guard=True,
    )
    if balances is None:  # cannot happen under the lock; refuse rather than overdraw
        raise GiftRefused(Refusal.SHORT, gift)
    voucher = gift.kind == Kind.VOUCHER
    redemption = Redemption(
        store_id=store_id,
        member_id=member_id,
        gift_id=gift.id,
        code=code,
        request=request,
        kind=gift.kind,
        names=dict(gift.names),
        cost_points=cost,
        lots=lots,
        status=Status.WAITING,
        face_value_fen=gift.face_value_fen if voucher else None,
        min_spend_fen=gift.min_spend_fen if voucher else None,
        expires_on=expires_on(policy, gift, today),
        created_at=now,
    )
    session.add(redemption)
    await session.flush()
    return Redeemed(redemption, gift, balances)


def _why_not(gift: Gift | None, cost: int, today: date) -> Refusal:
    """Why the stock could not be taken, from the item as it is now."""
    if gift is None:
        return Refusal.UNKNOWN
    if gift.status == ItemStatus.RETIRED:
        return Refusal.RETIRED
    if gift.status == ItemStatus.PAUSED:
        return Refusal.PAUSED
    if gift.cost_points != cost:
        return Refusal.PRICE_CHANGED
    return Refusal.SOLD_OUT
