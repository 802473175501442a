"""What a booking may be, and when its reminders go: plain functions, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.club.bookings.slots import DayPlan, earliest, last_day
from bot.club.common.clock import evening_before, in_quiet_hours
from bot.club.policy.bookings import BookingPolicy, Service
from bot.messaging.outbox import Purpose


class Status(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


ACTIVE = (Status.BOOKED, Status.ARRIVED)  # bookings that hold their places


class Channel(StrEnum):
    OWNER = "owner"  # the owner booked in chat
    STAFF = "staff"  # staff booked for an owner who phoned
    INVITE = "invite"  # the owner booked from a reminder or a staff invitation


# The maintenance reminders that can be booked in chat, and the visit category each books
# (its service is the policy's `service_for(category)`).
BOOKABLE_REMINDERS = {
    Purpose.FIRST_MAINTENANCE: "first_maintenance",
    Purpose.REGULAR_MAINTENANCE: "maintenance",
}


class Refusal(StrEnum):
    DISABLED = "disabled"  # the store takes no bookings in chat
    UNKNOWN_SERVICE = "unknown_service"
    NOT_YOUR_CAR = "not_your_car"
    PAST = "past"
    TOO_SOON = "too_soon"  # under the lead time
    TOO_FAR = "too_far"  # past the days one may book ahead
    CLOSED = "closed"  # a closed day (or a day staff closed)
    NOT_A_SLOT = "not_a_slot"  # not a start time of that day
    FULL = "full"
    ALREADY = "already"  # the car is already booked for that service
    NOT_FOUND = "not_found"  # no such booking of theirs
    NOT_ACTIVE = "not_active"  # cancelled, or its time has passed


# What `check_time` may say of a start, and those answered with the nearest free starts.
TIME_REFUSALS = (
    Refusal.PAST,
    Refusal.TOO_SOON,
    Refusal.TOO_FAR,
    Refusal.CLOSED,
    Refusal.NOT_A_SLOT,
    Refusal.FULL,
)
OFFERED = (Refusal.FULL, Refusal.TOO_SOON, Refusal.PAST, Refusal.CLOSED, Refusal.NOT_A_SLOT)


class BookingRefused(Exception):
    """A booking (or a move) cannot be made; `nearest` are free starts to offer instead."""

    def __init__(
        self,
        code: Refusal,
        nearest: Sequence[datetime] = (),
        booking_id: int | None = None,
    ) -> None:
        super().__init__(str(code))
        self.code, self.nearest, self.booking_id = code, tuple(nearest), booking_id


def check_time(
    policy: BookingPolicy,
    plan: DayPlan,
    service: Service,
    start: datetime,
    now: datetime,
    *,
    ignore: int | None = None,
) -> Refusal | None:
    """Why `start` cannot be booked for `service` (None: it can). The day of `plan` is
    the store's day of `start`."""
    if start <= now:
        return Refusal.PAST
    if start < earliest(policy, now):
        return Refusal.TOO_SOON
    if plan.day > last_day(policy, now.astimezone(plan.tz).date()):
        return Refusal.TOO_FAR
    if plan.closed:
        return Refusal.CLOSED
    if start not in plan.slots:
        return Refusal.NOT_A_SLOT
    if plan.places(service, start, ignore=ignore) <= 0:
        return Refusal.FULL
    return None


EARLIEST_SOON = timedelta(minutes=30)  # a "soon" reminder closer than this is not worth it


def reminder_times(
    policy: BookingPolicy,
    tz: ZoneInfo,
    quiet: tuple[time, time],
    start: datetime,
    now: datetime,
) -> list[tuple[Purpose, datetime]]:
    """When a booking's reminders go: the evening before (store time) and some hours
    before. A "soon" reminder that would fall in quiet hours goes when they end, if
    that is still well before the time; none is queued for a moment already past."""
    out: list[tuple[Purpose, datetime]] = []
    if policy.evening_reminder_at is not None:
        eve = evening_before(start, tz, policy.evening_reminder_at)
        if now < eve < start:
            out.append((Purpose.BOOKING_EVE, eve.astimezone(start.tzinfo)))
    if policy.soon_reminder_hours:
        soon = start - timedelta(hours=policy.soon_reminder_hours)
        if in_quiet_hours(soon, tz, *quiet):
            local_day = start.astimezone(tz).date()
            soon = datetime.combine(local_day, quiet[1], tzinfo=tz).astimezone(start.tzinfo)
        if now < soon <= start - EARLIEST_SOON and not in_quiet_hours(soon, tz, *quiet):
            out.append((Purpose.BOOKING_SOON, soon))
    return out
