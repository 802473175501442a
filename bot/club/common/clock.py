"""Moments on a store's wall clock that the club's rules share."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def evening_before(start: datetime, tz: ZoneInfo, at: time) -> datetime:
    """`at` on the store's clock the day before `start` (an aware instant), in UTC: a
    clock change between the two days moves nothing on the wall clock."""
    day = start.astimezone(tz).date() - timedelta(days=1)
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def in_quiet_hours(moment: datetime, tz: ZoneInfo, start: time, end: time) -> bool:
    """Whether `moment` falls in the quiet hours `start`–`end` on the store's clock."""
    local = moment.astimezone(tz).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # e.g. 21:00–08:00 spans midnight


def out_of_quiet(moment: datetime, tz: ZoneInfo, quiet: tuple[time, time]) -> datetime:
    """`moment`, or the end of the quiet hours it falls in (store time)."""
    if not in_quiet_hours(moment, tz, *quiet):
        return moment
    local = moment.astimezone(tz)
    end = datetime.combine(local.date(), quiet[1], tzinfo=tz)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(moment.tzinfo)


def whole_hours(span: timedelta) -> int:
    """A span as whole hours, at least 1 (a late task is "overdue by 1 hour" at first)."""
    return max(1, int(span / timedelta(hours=1)))
