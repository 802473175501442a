"""What an owner may redeem, as plain functions of an item, the owner and the day. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.club.policy.model import ClubPolicy
from db.models import Gift


class Kind(StrEnum):
    GIFT = "gift"  # handed over at the desk
    VOUCHER = "voucher"  # 代金券: used against a later visit


class ItemStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # hidden from owners for now (e.g. a supplier problem)
    RETIRED = "retired"  # gone for good


class Status(StrEnum):
    """A redemption's life: waiting (to be collected, or a voucher not yet used), then
    collected (a voucher: used), cancelled (points and stock back) or expired."""

    WAITING = "waiting"
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Refusal(StrEnum):
    """Why a redemption (or its confirm) is refused; each has an owner-facing text."""

    UNKNOWN = "gift_unknown"  # no such item in this store (a forged button)
    RETIRED = "gift_retired"
    PAUSED = "gift_paused"
    NOT_YET = "gift_not_yet"  # before available_from
    ENDED = "gift_ended"  # after available_until
    TIER = "gift_tier"  # the owner's tier is below the item's lowest tier
    SOLD_OUT = "gift_sold_out"
    PRICE_CHANGED = "gift_price_changed"  # the cost changed since the owner saw it
    SHORT = "gift_short"  # not enough redeemable points
    LIMIT = "gift_limit"  # the per-member limit for the period is reached
    NOT_MEMBER = "gift_not_member"


class GiftRefused(Exception):
    def __init__(self, code: Refusal, gift: Gift | None = None) -> None:
        super().__init__(str(code))
        self.code, self.gift = code, gift


def in_stock(gift: Gift) -> bool:
    return gift.stock is None or gift.stock > 0


def tier_allows(policy: ClubPolicy, gift: Gift, tier_code: str) -> bool:
    if gift.min_tier is None:
        return True
    return policy.tier_rank(tier_code) >= policy.tier_rank(gift.min_tier)


def availability(gift: Gift, today: date) -> Refusal | None:
    """Whether the item is on offer today (status and dates), for anyone."""
    if gift.status == ItemStatus.RETIRED:
        return Refusal.RETIRED
    if gift.status == ItemStatus.PAUSED:
        return Refusal.PAUSED
    if gift.available_from is not None and today < gift.available_from:
        return Refusal.NOT_YET
    if gift.available_until is not None and today > gift.available_until:
        return Refusal.ENDED
    return None


def refusal(
    policy: ClubPolicy, gift: Gift, tier_code: str, balance: int, today: date
) -> Refusal | None:
    """The first reason this owner cannot redeem the item now, or None (the limit per
    member needs the database: `redeem` checks it)."""
    return (
        availability(gift, today)
        or (None if tier_allows(policy, gift, tier_code) else Refusal.TIER)
        or (None if in_stock(gift) else Refusal.SOLD_OUT)
        or (None if balance >= gift.cost_points else Refusal.SHORT)
    )


def expires_on(policy: ClubPolicy, gift: Gift, today: date) -> date:
    """The last day a new redemption can be collected (a gift) or used (a voucher)."""
    days = gift.valid_days if gift.kind == Kind.VOUCHER and gift.valid_days else None
    return today + timedelta(days=days or policy.gifts.collect_days)


@dataclass(frozen=True)
class Shown:
    """An item as one owner sees it in the catalog."""

    gift: Gift
    refusal: Refusal | None  # None: they can redeem it now
    watching: bool = False  # they asked to hear when it is back

    @property
    def affordable(self) -> bool:
        return self.refusal is None
