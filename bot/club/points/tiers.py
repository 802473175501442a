"""Tier rules: which tier points reach, what comes next, membership validity."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from bot.club.policy.model import ClubPolicy, Tier


def tier_for_points(policy: ClubPolicy, cumulative: int) -> Tier:
    """The highest tier whose threshold `cumulative` points reach."""
    reached = policy.tiers[0]
    for tier in policy.tiers:
        if cumulative >= tier.threshold:
            reached = tier
    return reached


def tier_for_spend(policy: ClubPolicy, spend_fen: int) -> Tier:
    """The highest tier whose `import_spend_fen` a member's past spending reaches (the
    starting tier of imported DMS history when the policy sets tiers by spend)."""
    reached = policy.tiers[0]
    for tier in policy.tiers:
        if spend_fen >= tier.import_spend_fen:
            reached = tier
    return reached


@dataclass(frozen=True)
class NextTier:
    tier: Tier
    points_needed: int


def next_tier(policy: ClubPolicy, current_code: str, cumulative: int) -> NextTier | None:
    """The tier above the member's current one and the cumulative points still missing."""
    codes = [t.code for t in policy.tiers]
    index = codes.index(current_code) if current_code in codes else 0
    if index + 1 >= len(policy.tiers):
        return None
    upcoming = policy.tiers[index + 1]
    return NextTier(upcoming, max(upcoming.threshold - cumulative, 0))


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(start: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (29 Feb → 28 Feb).

    Written out rather than with `calendar.monthrange`: the reminder sweep calls it
    millions of times.
    """
    index = start.month - 1 + months
    year, month, day = start.year + index // 12, index % 12 + 1, start.day
    if day > 28:
        last = 29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month]
        day = min(day, last)
    return date(year, month, day)


def membership_valid_until(policy: ClubPolicy, start: date) -> date:
    return add_months(start, policy.valid_months)
