"""Moments on a store's wall clock that the club's rules share."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def evening_before(start: datetime, tz: ZoneInfo, at: time) -> datetime:
    """`at` on the store's clock the day before `start` (an aware instant), in UTC: a
    clock change between the two days moves nothing on the wall clock."""
    day = start.astimezone(tz).date() - timedelta(days=1)
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
