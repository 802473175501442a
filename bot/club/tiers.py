"""Tier rules: which tier points reach, what comes next, membership validity."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from bot.club.policy import ClubPolicy, Tier


def tier_for_points(policy: ClubPolicy, cumulative: int) -> Tier:
    """The highest tier whose threshold `cumulative` points reach."""
    reached = policy.tiers[0]
    for tier in policy.tiers:
        if cumulative >= tier.threshold:
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


def add_months(start: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (29 Feb → 28 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def membership_valid_until(policy: ClubPolicy, start: date) -> date:
    return add_months(start, policy.valid_months)
