"""The bookings part of the club policy: opening hours, closed days, slots, service types
with their length and places, how early and how far ahead one may book, reminders, and
where the store is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from bot.club.policy.checks import (
    CODE,
    POLICY_LOCALES,
    PolicyError,
    clock,
    flag,
    section,
    string_list,
    texts,
    whole,
)
from bot.club.policy.pushes import role_list

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_YEARLY = re.compile(r"^(\d\d)-(\d\d)$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


@dataclass(frozen=True)
class Service:
    """A service type owners can book: how long it takes and how many cars of it the
    store takes at once (bays or advisors)."""

    code: str
    names: dict[str, str]
    minutes: int
    capacity: int
    category: str | None  # the visit category it becomes (links visits to bookings)

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names["en"]


@dataclass(frozen=True)
class BookingPolicy:
    enabled: bool
    slot_minutes: int
    lead_hours: int  # a booking at least this long before the time
    days_ahead: int  # how far ahead one may book
    hours: dict[int, tuple[time, time] | None]  # weekday (Monday 0) → open, close; None shut
    closed_yearly: frozenset[tuple[int, int]]  # (month, day) every year
    closed_dates: frozenset[date]
    services: tuple[Service, ...]
    evening_reminder_at: time | None  # the evening before, store time; None: off
    soon_reminder_hours: int  # this many hours before; 0: off
    manage_roles: tuple[str, ...]  # who may close days, block slots and change places
    proactive_days: int  # the proactive list: maintenance due within this many days
    address: dict[str, str]  # per language; {} when not set
    location: tuple[float, float] | None  # (latitude, longitude) for the location message

    def service(self, code: str | None) -> Service | None:
        return next((s for s in self.services if s.code == code), None)

    def service_name(self, code: str, locale: str) -> str:
        """The service's name in `locale` (its code when the policy no longer has it)."""
        found = self.service(code)
        return found.name(locale) if found is not None else code

    def address_in(self, locale: str) -> str:
        """The store's address in `locale` (else English, else any); "" when not set."""
        texts = self.address
        return texts.get(locale) or texts.get("en") or next(iter(texts.values()), "")

    def service_for(self, category: str) -> Service | None:
        """The first service that becomes a visit of `category` (a reminder's "book now")."""
        return next((s for s in self.services if s.category == category), None)

    def opening(self, day: date) -> tuple[time, time] | None:
        """The day's opening hours from the policy alone (staff changes come on top)."""
        if day in self.closed_dates or (day.month, day.day) in self.closed_yearly:
            return None
        return self.hours.get(day.weekday())


KEYS = {
    "enabled",
    "slot_minutes",
    "lead_hours",
    "days_ahead",
    "hours",
    "closed",
    "services",
    "evening_reminder_at",
    "soon_reminder_hours",
    "manage_roles",
    "proactive_days",
    "address",
    "latitude",
    "longitude",
}
SERVICE_KEYS = {"code", "name", "minutes", "capacity", "category"}


def _hours(raw: Any, where: str) -> dict[int, tuple[time, time] | None]:
    if not isinstance(raw, dict) or set(raw) - set(WEEKDAYS):
        raise PolicyError(f"{where}: a table of {', '.join(WEEKDAYS)}")
    out: dict[int, tuple[time, time] | None] = {}
    for index, name in enumerate(WEEKDAYS):
        value = raw.get(name, "")
        if value in ("", "closed"):
            out[index] = None
            continue
        match = _HOURS.match(value) if isinstance(value, str) else None
        if match is None:
            raise PolicyError(f'{where}.{name}: hours like "08:30-17:30", or "closed"')
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        opens = time(h1, m1)
        closes = time(23, 59, 59) if h2 == 24 else time(h2, m2)
        if (h2, m2) > (24, 0) or closes <= opens:
            raise PolicyError(f"{where}.{name}: closing must come after opening")
        out[index] = (opens, closes)
    return out


def _closed(raw: Any, where: str) -> tuple[frozenset[tuple[int, int]], frozenset[date]]:
    yearly: set[tuple[int, int]] = set()
    dates: set[date] = set()
    for value in string_list(raw, where) if raw else ():
        try:
            if _DATE.match(value):
                dates.add(date.fromisoformat(value))
                continue
            match = _YEARLY.match(value)
            if match is None:
                raise ValueError(value)
            month, day = int(match.group(1)), int(match.group(2))
            date(2024, month, day)  # a leap year: 02-29 is a day
            yearly.add((month, day))
        except ValueError:
            raise PolicyError(
                f'{where}: "{value}" is not a date like "2027-02-17" or "01-01"'
            ) from None
    return frozenset(yearly), frozenset(dates)


def _service(raw: Any, where: str, slot: int) -> Service:
    if not isinstance(raw, dict) or set(raw) - SERVICE_KEYS:
        raise PolicyError(f"{where}: keys from {', '.join(sorted(SERVICE_KEYS))}")
    code = raw.get("code")
    if not isinstance(code, str) or not CODE.match(code):
        raise PolicyError(f"{where}.code: lower-case letters, digits and _")
    minutes = whole(raw, where, "minutes", 1)
    if minutes % slot:
        raise PolicyError(f"{where}.minutes: a multiple of slot_minutes ({slot})")
    category = raw.get("category")
    if category is not None and (not isinstance(category, str) or not CODE.match(category)):
        raise PolicyError(f"{where}.category: a spend category code")
    return Service(
        code=code,
        names=texts(raw.get("name"), f"{where}.name"),
        minutes=minutes,
        capacity=whole(raw, where, "capacity", 1),
        category=category,
    )


def _location(table: dict[str, Any], where: str) -> tuple[float, float] | None:
    lat, lon = table.get("latitude"), table.get("longitude")
    if lat is None and lon is None:
        return None
    for key, value, limit in (("latitude", lat, 90), ("longitude", lon, 180)):
        if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > limit:
            raise PolicyError(f"{where}.{key}: degrees between -{limit} and {limit}")
    return float(lat), float(lon)  # type: ignore[arg-type]


def parse_bookings(data: dict[str, Any], categories: set[str]) -> BookingPolicy:
    table = section(data, "bookings", KEYS)
    where = "[bookings]"
    slot = whole(table, where, "slot_minutes", 5)
    if 1440 % slot:
        raise PolicyError(f"{where}.slot_minutes: must divide a day (e.g. 15, 30, 60)")
    services_raw = table.get("services")
    if not isinstance(services_raw, list) or not services_raw:
        raise PolicyError(f"{where}.services: at least one [[bookings.services]]")
    services = tuple(
        _service(raw, f"{where}.services[{i}]", slot) for i, raw in enumerate(services_raw)
    )
    codes = [s.code for s in services]
    if len(set(codes)) != len(codes):
        raise PolicyError(f"{where}.services: each code once")
    for i, service in enumerate(services):
        if service.category is not None and service.category not in categories:
            raise PolicyError(f"{where}.services[{i}].category: not a spend category code")
    roles = role_list(table, where, "manage_roles")
    address = table.get("address") or {}
    yearly, dates = _closed(table.get("closed", []), f"{where}.closed")
    return BookingPolicy(
        enabled=flag(table, where, "enabled"),
        slot_minutes=slot,
        lead_hours=whole(table, where, "lead_hours"),
        days_ahead=whole(table, where, "days_ahead", 1),
        hours=_hours(table.get("hours"), f"{where}.hours"),
        closed_yearly=yearly,
        closed_dates=dates,
        services=services,
        evening_reminder_at=clock(table, where, "evening_reminder_at"),
        soon_reminder_hours=whole(table, where, "soon_reminder_hours"),
        manage_roles=roles,
        proactive_days=whole(table, where, "proactive_days", 1),
        address=texts(address, f"{where}.address") if address else {},
        location=_location(table, where),
    )


__all__ = ["POLICY_LOCALES", "WEEKDAYS", "BookingPolicy", "Service", "parse_bookings"]
