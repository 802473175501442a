"""What an owner may do with an event, as plain functions of the event, the owner and
the moment; and when its pushes go. No I/O."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.club.common.clock import evening_before, out_of_quiet
from bot.club.policy.events import EventPolicy
from bot.club.policy.model import ClubPolicy
from db.models import Event


class Kind(StrEnum):
    CLASS = "class"  # 车主讲堂: owner classes
    TRIP = "trip"  # 自驾游: road trips, with a meeting point
    ACTIVITY = "activity"  # picnics, networking, the new-year gala, care activities


class EventStatus(StrEnum):
    DRAFT = "draft"  # staff are still writing it: owners do not see it
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Status(StrEnum):
    """A sign-up's life. `going` and `offered` hold seats; `waiting` is the waitlist."""

    GOING = "going"
    WAITING = "waiting"
    OFFERED = "offered"  # a freed place held for them until `offer_until`
    CANCELLED = "cancelled"
    LAPSED = "lapsed"  # an offered place not taken in time (or declined)


RATINGS = range(1, 6)  # an evaluation's stars
HOLDING = (Status.GOING, Status.OFFERED)
ACTIVE = (Status.GOING, Status.OFFERED, Status.WAITING)


class Refusal(StrEnum):
    """Why a sign-up, a cancel or a check-in is refused; each has an owner-facing text."""

    UNKNOWN = "event_unknown"  # no such event in this store (a forged button)
    NOT_OPEN = "event_not_open"  # a draft, or cancelled
    CLOSED = "event_closed"  # the sign-up deadline has passed
    STARTED = "event_started"  # it has begun (or is over)
    TIER = "event_tier"  # the owner's tier is below the event's lowest tier
    COMPANIONS = "event_companions"  # more companions than the event allows
    SHORT = "event_short"  # not enough redeemable points for the cost
    NOT_MEMBER = "event_not_member"
    NOT_SIGNED_UP = "event_not_signed_up"  # nothing to cancel, confirm or check in
    NO_OFFER = "event_no_offer"  # the offered place was taken back or has passed on
    CHECKIN_CLOSED = "event_checkin_closed"  # too early or too late to check in
    NOT_GOING = "event_not_going"  # check-in of someone on the waitlist or cancelled


class EventRefused(Exception):
    def __init__(self, code: Refusal, event: Event | None = None) -> None:
        super().__init__(str(code))
        self.code, self.event = code, event


def party(companions: int) -> int:
    """Seats one sign-up takes: the owner and their companions."""
    return 1 + companions


def cost_of(event: Event, companions: int) -> int:
    """Points a sign-up costs: the event's cost for every seat it takes."""
    return event.points_cost * party(companions)


def seats_left(event: Event) -> int:
    return max(0, event.capacity - event.seats_taken)


def tier_allows(policy: ClubPolicy, event: Event, tier_code: str) -> bool:
    if event.min_tier is None:
        return True
    return policy.tier_rank(tier_code) >= policy.tier_rank(event.min_tier)


def sign_up_refusal(
    policy: ClubPolicy, event: Event, tier_code: str, companions: int, now: datetime
) -> Refusal | None:
    """Why the owner may not sign up (or join the waitlist) now, or None."""
    if event.status != EventStatus.PUBLISHED:
        return Refusal.NOT_OPEN
    if now >= event.starts_at:
        return Refusal.STARTED
    if now >= event.signup_until:
        return Refusal.CLOSED
    if not tier_allows(policy, event, tier_code):
        return Refusal.TIER
    if companions < 0 or companions > event.companions_max:
        return Refusal.COMPANIONS
    return None


def offer_until(policy: EventPolicy, event: Event, now: datetime) -> datetime | None:
    """How long a freed place is held for the first on the waitlist: the policy's hours,
    never past the start; None when the event has begun (no more promotions)."""
    if now >= event.starts_at or event.status != EventStatus.PUBLISHED:
        return None
    return min(now + timedelta(hours=policy.offer_hours), event.starts_at)


def checkin_open(policy: EventPolicy, event: Event, now: datetime) -> bool:
    """Check-in runs from the policy's hours before the start to a day after the end
    (staff may tick the list late)."""
    opens = event.starts_at - timedelta(hours=policy.checkin_hours)
    return opens <= now <= event.ends_at + timedelta(days=1)


def reminder_at(policy: EventPolicy, tz: ZoneInfo, event: Event, now: datetime) -> datetime | None:
    """The reminder the evening before (store time), or None when off or already past."""
    if policy.reminder_at is None:
        return None
    eve = evening_before(event.starts_at, tz, policy.reminder_at)
    return eve if now < eve < event.starts_at else None


def evaluation_at(
    policy: EventPolicy, tz: ZoneInfo, quiet: tuple[time, time], event: Event
) -> datetime:
    """When the evaluation form goes: some hours after the end, out of quiet hours."""
    return out_of_quiet(event.ends_at + timedelta(hours=policy.evaluation_hours), tz, quiet)


def evaluation_closes(policy: EventPolicy, event: Event) -> datetime:
    return event.ends_at + timedelta(days=policy.evaluation_days)


def answer_due(policy: EventPolicy, asked_at: datetime) -> datetime:
    """When an owner's question must have its answer (SOURCES: within 48 h)."""
    return asked_at + timedelta(hours=policy.answer_hours)


def overdue_if_asked_by(policy: EventPolicy, now: datetime) -> datetime:
    """Questions asked at or before this are past their `answer_due` now."""
    return now - timedelta(hours=policy.answer_hours)
