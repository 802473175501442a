"""A store day as bookable slots: plain functions of the policy, the store's time zone,
what staff changed that day, and the places already taken. No I/O.

Slots are instants (UTC), walked in real time from the day's opening to its closing on
the store's wall clock, so a day with a daylight-saving change has exactly the slots
its opening hours hold (one hour fewer or more when the change falls inside them). A
booking of a service takes every slot its length covers; a service's places count the
bookings of that service in a slot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.club.policy.bookings import BookingPolicy, Service

END_OF_DAY = time(23, 59, 59)  # the policy's "24:00"
EVERY = "*"  # a day's capacity change for every service


@dataclass(frozen=True, slots=True)
class Taken:
    """Active bookings as the rules see them: `count` of them for `service` over the same
    span (`booking_id` None), or one booking by its id (one that may be moved)."""

    booking_id: int | None
    service: str
    starts_at: datetime
    ends_at: datetime
    count: int = 1


@dataclass(frozen=True, slots=True)
class Block:
    """Slots staff took out: [starts_at, ends_at) for `service`, or for all when None."""

    starts_at: datetime
    ends_at: datetime
    service: str | None = None


@dataclass(frozen=True)
class DayChange:
    """What staff changed about a day: closed, or places per slot by service (or "*")."""

    closed: bool = False
    capacity: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, closed: bool | None, capacity: dict[str, object] | None) -> DayChange:
        """From a `booking_days` row's columns (JSON numbers as ints)."""
        return cls(bool(closed), {k: int(v) for k, v in (capacity or {}).items()})  # type: ignore[call-overload]


def local_instant(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """`clock` on `day` on the store's wall clock, as a UTC instant ("24:00" is the next
    midnight; a time skipped by a daylight-saving change reads as after it)."""
    if clock == END_OF_DAY:
        moment = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    else:
        moment = datetime.combine(day, clock, tzinfo=tz)
    return moment.astimezone(UTC)


def opening(
    policy: BookingPolicy, tz: ZoneInfo, day: date, change: DayChange | None = None
) -> tuple[datetime, datetime] | None:
    """(opening, closing) instants of `day`, or None when the store takes no bookings."""
    hours = None if change is not None and change.closed else policy.opening(day)
    if hours is None:
        return None
    return local_instant(day, hours[0], tz), local_instant(day, hours[1], tz)


def day_slots(
    policy: BookingPolicy, tz: ZoneInfo, day: date, change: DayChange | None = None
) -> list[datetime]:
    """The starts of the day's slots (UTC), in order; [] on a closed day."""
    hours = opening(policy, tz, day, change)
    if hours is None:
        return []
    step = timedelta(minutes=policy.slot_minutes)
    start, close = hours
    out: list[datetime] = []
    while start + step <= close:
        out.append(start)
        start += step
    return out


class DayPlan:
    """One day's slots with the places left per service."""

    def __init__(
        self,
        policy: BookingPolicy,
        tz: ZoneInfo,
        day: date,
        change: DayChange | None = None,
        blocks: Iterable[Block] = (),
        taken: Iterable[Taken] = (),
        *,
        only: str | None = None,
    ) -> None:
        self.policy, self.tz, self.day, self.only = policy, tz, day, only
        self.change = change or DayChange()
        self.slots = day_slots(policy, tz, day, self.change)
        self._index = {start: i for i, start in enumerate(self.slots)}
        self.blocks = tuple(blocks)
        self.taken = tuple(taken)
        self._by_id = {t.booking_id: t for t in self.taken if t.booking_id is not None}
        self._used: Counter[tuple[str, datetime]] = Counter()
        for booking in self.taken:
            for start in self._covered(booking.starts_at, booking.ends_at):
                self._used[booking.service, start] += booking.count

    @property
    def closed(self) -> bool:
        return not self.slots

    def _covered(self, start: datetime, end: datetime) -> list[datetime]:
        first = self._index.get(start)
        if first is None:  # a booking off the grid (the hours changed): its own span
            return [s for s in self.slots if start <= s < end]
        out = []
        for s in self.slots[first:]:
            if s >= end:
                break
            out.append(s)
        return out

    def capacity(self, service: Service) -> int:
        """Places per slot for `service` on this day (staff's change, else the policy's)."""
        change = self.change.capacity
        return int(change.get(service.code, change.get(EVERY, service.capacity)))

    def blocked(self, service: Service, start: datetime) -> bool:
        return any(
            b.starts_at <= start < b.ends_at and b.service in (None, service.code)
            for b in self.blocks
        )

    def places(self, service: Service, start: datetime, *, ignore: int | None = None) -> int:
        """Places left for a booking of `service` from `start` (0 when it is not a slot
        start, runs past closing, or crosses a blocked slot). `ignore` leaves one booking
        out (the one being moved)."""
        if self.only is not None and service.code != self.only:
            raise ValueError(f"this plan holds the places of {self.only!r} only")
        first = self._index.get(start)
        need = service.minutes // self.policy.slot_minutes
        if first is None or first + need > len(self.slots):
            return 0
        span = self.slots[first : first + need]
        if span[-1] - span[0] != timedelta(minutes=self.policy.slot_minutes * (need - 1)):
            return 0
        mine = self._by_id.get(ignore) if ignore is not None else None
        capacity, left = self.capacity(service), None
        for slot in span:
            if self.blocked(service, slot):
                return 0
            used = self._used[service.code, slot]
            if mine is not None and mine.service == service.code:
                used -= mine.starts_at <= slot < mine.ends_at
            free = capacity - used
            left = free if left is None else min(left, free)
        return max(left or 0, 0)

    def free(
        self, service: Service, earliest: datetime, *, ignore: int | None = None
    ) -> list[tuple[datetime, int]]:
        """(start, places left) of every start from `earliest` that has a place."""
        out = []
        for start in self.slots:
            if start < earliest:
                continue
            left = self.places(service, start, ignore=ignore)
            if left > 0:
                out.append((start, left))
        return out


def earliest(policy: BookingPolicy, now: datetime) -> datetime:
    """The first instant one may book for: `lead_hours` from now."""
    return now + timedelta(hours=policy.lead_hours)


def last_day(policy: BookingPolicy, today: date) -> date:
    """The last store day one may book."""
    return today + timedelta(days=policy.days_ahead)


def window_days(policy: BookingPolicy, tz: ZoneInfo, now: datetime) -> tuple[date, date]:
    """The first and last store day one may book at `now`."""
    return earliest(policy, now).astimezone(tz).date(), last_day(policy, now.astimezone(tz).date())


def ends(service: Service, start: datetime) -> datetime:
    return start + timedelta(minutes=service.minutes)


def nearest(
    plans: Iterable[DayPlan],
    service: Service,
    wanted: datetime,
    after: datetime,
    count: int = 3,
    *,
    ignore: int | None = None,
) -> list[datetime]:
    """The `count` free starts nearest to `wanted` (from `after` on), in time order."""
    found = [start for plan in plans for start, _ in plan.free(service, after, ignore=ignore)]
    found.sort(key=lambda start: (abs(start - wanted), start))
    return sorted(found[:count])
