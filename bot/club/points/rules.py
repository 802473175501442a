"""Points arithmetic as plain functions: earning, and which points expire when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from bot.club.points.tiers import add_months
from bot.club.policy.model import ClubPolicy


def points_for(policy: ClubPolicy, category: str, amount_fen: int) -> int:
    """Points a spend earns: the category's rate per whole yuan, rounded down."""
    spend = policy.category(category)
    if spend is None or amount_fen <= 0:
        return 0
    yuan = Decimal(amount_fen) / 100
    return int((yuan * spend.rate).to_integral_value(rounding=ROUND_FLOOR))


def expiry_for(policy: ClubPolicy, earned_on: date) -> date | None:
    """The last day points earned on `earned_on` can be used, or None if they never expire."""
    if policy.points_expiry_months == 0:
        return None
    return add_months(earned_on, policy.points_expiry_months)


@dataclass(frozen=True)
class Line:
    """One ledger row as the expiry rules see it."""

    redeemable: int
    expires_on: date | None


@dataclass(frozen=True)
class Lot:
    expires_on: date | None
    remaining: int


def open_lots(lines: list[Line]) -> list[Lot]:
    """What is left of each earning after spending, oldest-expiring spent first.

    Lines are in ledger order. A deduction (spend, reversal, expiry) takes from the lots
    that expire soonest; a deduction larger than what is open becomes a debt that the next
    earnings pay first.
    """
    lots: list[list] = []  # [expires_on, remaining], kept sorted by expiry (None last)
    debt = 0
    for line in lines:
        if line.redeemable > 0:
            amount = line.redeemable
            paid = min(debt, amount)
            debt -= paid
            amount -= paid
            if amount:
                lots.append([line.expires_on, amount])
                lots.sort(key=lambda lot: (lot[0] is None, lot[0] or date.max))
        elif line.redeemable < 0:
            need = -line.redeemable
            for lot in lots:
                take = min(lot[1], need)
                lot[1] -= take
                need -= take
                if not need:
                    break
            debt += need
            lots = [lot for lot in lots if lot[1] > 0]
    return [Lot(expires_on, remaining) for expires_on, remaining in lots]


def due_to_expire(lots: list[Lot], today: date) -> int:
    """Points whose last valid day has passed."""
    return sum(
        lot.remaining for lot in lots if lot.expires_on is not None and lot.expires_on < today
    )


def next_expiry(lots: list[Lot], today: date) -> Lot | None:
    """The next lot that will expire, with how much of it is left."""
    upcoming = [lot for lot in lots if lot.expires_on is not None and lot.expires_on >= today]
    if not upcoming:
        return None
    first = min(lot.expires_on for lot in upcoming if lot.expires_on)
    return Lot(first, sum(lot.remaining for lot in upcoming if lot.expires_on == first))


def taken_by(lots: list[Lot], amount: int) -> list[Lot]:
    """Which lots a spend of `amount` uses, soonest-expiring first (as `open_lots` spends
    them), so a refund can give each part back with its own expiry."""
    taken: list[Lot] = []
    for lot in lots:  # open_lots keeps them in spending order
        if amount <= 0:
            break
        part = min(lot.remaining, amount)
        taken.append(Lot(lot.expires_on, part))
        amount -= part
    if amount > 0:
        taken.append(Lot(None, amount))
    return taken
