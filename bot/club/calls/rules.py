"""The follow-up calls' rules as plain functions (SOURCES "Care reminders": the
salesperson calls 24 h and 72 h after delivery, the service advisor within 48 h of
handing the car back; an owner not reached is tried three times at different times,
then by another channel, and the failure is recorded): which task a delivery or a
visit makes, when it opens and is due, when the next try is, who is behind."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.club.common.clock import out_of_quiet
from bot.club.policy.surveys import CallPolicy

SERVICE = "service"  # the kind of the advisor's call after a service visit
DAY_ENDS = time(23, 59)  # a delivery call is due by the end of its store day
LONGEST_NOTE = 1000
LONGEST_DMS_NAME = 40  # as the visits' advisor column


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"  # the owner was reached (a note may say what was said)
    NOT_NEEDED = "not_needed"  # e.g. the owner called in already
    UNREACHED = "unreached"  # every try failed: another channel (SMS, WeChat); kept


def delivery_kind(days: int) -> str:
    """The kind of the salesperson's call `days` after delivery: "delivery_1"."""
    return f"delivery_{days}"


def delivery_day(kind: str) -> int | None:
    """The N of a "delivery_N" kind; None for another kind."""
    head, _, n = kind.partition("_")
    return int(n) if head == "delivery" and n.isdigit() else None


def delivery_key_prefix(days: int) -> str:
    return f"d{days}:car:"


def delivery_key(days: int, car_id: int) -> str:
    """One call per car and day after delivery, however many sweeps run."""
    return f"{delivery_key_prefix(days)}{car_id}"


SERVICE_KEY_PREFIX = "service:visit:"


def service_key(visit_id: int) -> str:
    """One call per service visit."""
    return f"{SERVICE_KEY_PREFIX}{visit_id}"


def delivery_window(tz: ZoneInfo, delivered: date, days: int) -> tuple[datetime, datetime]:
    """(opens, due) of the call `days` after delivery: that whole store day (UTC)."""
    day = delivered + timedelta(days=days)
    opens = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    due = datetime.combine(day, DAY_ENDS, tzinfo=tz).astimezone(UTC)
    return opens, due


def service_window(policy: CallPolicy, recorded_at: datetime) -> tuple[datetime, datetime]:
    """(opens, due) of the advisor's call: from the visit's recording, within the hours."""
    return recorded_at, recorded_at + timedelta(hours=policy.service_hours)


def oldest_day(policy: CallPolicy, today: date) -> date:
    """Deliveries and services before this store day are history: no call."""
    return today - timedelta(days=policy.max_age_days)


def next_try(
    policy: CallPolicy, tries: int, now: datetime, tz: ZoneInfo, quiet: tuple[time, time]
) -> datetime | None:
    """After `tries` unanswered calls (this one counted), when to try again: the
    policy's wait for that try (a different time of day), never in quiet hours; None
    when the tries are used up (the task is unreached: another channel)."""
    if tries >= policy.tries:
        return None
    wait = policy.retry_hours[min(tries, len(policy.retry_hours)) - 1]
    return out_of_quiet(now + timedelta(hours=wait), tz, quiet)


def is_open_now(
    status: str, opens_at: datetime, next_try_at: datetime | None, now: datetime
) -> bool:
    """Listed now: open, opened, and not waiting for its next try."""
    return (
        status == TaskStatus.OPEN
        and opens_at <= now
        and (next_try_at is None or next_try_at <= now)
    )


def is_behind(status: str, due_at: datetime, now: datetime) -> bool:
    """Still open past its due time: the manager sees who is behind."""
    return status == TaskStatus.OPEN and now > due_at


def month_start(tz: ZoneInfo, now: datetime) -> datetime:
    """The first moment of the store's calendar month at `now` (UTC)."""
    local = now.astimezone(tz)
    return datetime.combine(local.date().replace(day=1), time(0), tzinfo=tz).astimezone(UTC)


def name_key(name: str | None) -> str:
    """How a DMS advisor name is compared: trimmed, inner spaces collapsed, and
    case-insensitive for Latin letters ("li  na " is "Li Na"); "" for none."""
    return " ".join((name or "").split()).casefold()


def clean_name(name: str | None) -> str | None:
    """A DMS name as kept: spaces collapsed; None when empty."""
    cleaned = " ".join((name or "").split())
    return cleaned or None
