"""When each care reminder (客户关怀) is due: plain functions of a car's or an owner's
fields, the store's date and the policy's [reminders] numbers. No I/O.

Every reminder has a window of days in which it is due and a `dedupe_key`; the outbox
keeps (member, purpose, dedupe_key) unique, so a sweep may run every day, several times
a day or on several instances and still queue each reminder once, and a day the bot was
down is caught up later in the window.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from bot.club.points.tiers import add_months
from bot.club.policy.pushes import ReminderPolicy
from bot.messaging.outbox import Purpose

MAINTENANCE_CATEGORIES = ("maintenance", "first_maintenance")


def _may_fall(start: date, today: date, months: int, before: int, after: int) -> bool:
    """Cheap test: can start + `months` be within [today - before, today + after] days?
    (N months are 28N - 3 to 31N days.)"""
    age = (today - start).days
    return 28 * months - 3 - after <= age <= 31 * months + before


@dataclass(frozen=True, slots=True)
class Due:
    """One reminder due today: what it is about, its once-only key, its JSON-able params."""

    purpose: Purpose
    dedupe_key: str
    params: dict[str, Any]


class CarFacts(NamedTuple):
    """The car columns the rules read, in the order the sweep selects them."""

    id: int
    plate: str
    model: str
    delivery_date: date | None
    last_service_date: date | None
    last_mileage: int | None
    last_mileage_date: date | None
    insurance_due: date | None
    inspection_due: date | None


def _car(car: CarFacts, due: date, **extra: Any) -> dict[str, Any]:
    return {"plate": car.plate, "model": car.model, "due": due.isoformat(), **extra}


def first_maintenance_window(delivery: date, policy: ReminderPolicy) -> tuple[date, date]:
    """(first day, first day after) of the first-maintenance window (首保, 2–3 months)."""
    months = policy.first_maintenance_months
    return add_months(delivery, months), add_months(delivery, months + 1)


def first_maintenance(
    car: CarFacts, today: date, policy: ReminderPolicy, *, maintained: bool
) -> Due | None:
    """Due in the window unless the car had a maintenance visit since delivery; once a car."""
    months = policy.first_maintenance_months
    if car.delivery_date is None or maintained:
        return None
    if not _may_fall(car.delivery_date, today, months, 31, 0):
        return None
    start, end = first_maintenance_window(car.delivery_date, policy)
    if not start <= today < end:
        return None
    last_day = (end - timedelta(days=1)).isoformat()
    return Due(Purpose.FIRST_MAINTENANCE, f"car:{car.id}", _car(car, start, window_end=last_day))


def daily_km(car: CarFacts) -> float | None:
    """Kilometres a day, from the last reading and the days since delivery."""
    if not (car.last_mileage and car.delivery_date and car.last_mileage_date):
        return None
    days = (car.last_mileage_date - car.delivery_date).days
    return car.last_mileage / days if days > 0 and car.last_mileage > 0 else None


def regular_maintenance_due(
    car: CarFacts, policy: ReminderPolicy
) -> tuple[date, int | None] | None:
    """(due date, km due or None), or None with neither a service nor a delivery date:
    the earlier of the months and the projected kilometres since the last service (the
    delivery when never serviced)."""
    base = car.last_service_date or car.delivery_date
    if base is None:
        return None
    by_date = add_months(base, policy.regular_interval_months)
    per_day = daily_km(car)
    if per_day is None or car.last_mileage is None or car.last_mileage_date is None:
        return by_date, None
    days = math.ceil(policy.regular_interval_km / per_day)
    if days >= (by_date - base).days:
        return by_date, None
    # Odometer at the last service, projected from the last reading (the same reading
    # when the service recorded its mileage), plus the interval.
    at_base = car.last_mileage + per_day * (base - car.last_mileage_date).days
    return base + timedelta(days=days), round(at_base) + policy.regular_interval_km


def regular_maintenance(car: CarFacts, today: date, policy: ReminderPolicy) -> Due | None:
    """Due `regular_days_ahead` days before the due date (定保); once per due date."""
    found = regular_maintenance_due(car, policy)
    if found is None:
        return None
    due, km = found
    if not due - timedelta(days=policy.regular_days_ahead) <= today <= due:
        return None
    params = _car(car, due) if km is None else _car(car, due, km_due=km)
    return Due(Purpose.REGULAR_MAINTENANCE, f"car:{car.id}:{due.isoformat()}", params)


def warranty(car: CarFacts, today: date, policy: ReminderPolicy) -> Due | None:
    """Due `warranty_days_ahead` days before the maker's warranty ends (保修到期); once."""
    months, ahead = policy.warranty_months, policy.warranty_days_ahead
    if car.delivery_date is None or not _may_fall(car.delivery_date, today, months, 0, ahead):
        return None
    end = add_months(car.delivery_date, months)
    if not end - timedelta(days=policy.warranty_days_ahead) <= today <= end:
        return None
    return Due(Purpose.WARRANTY, f"car:{car.id}", _car(car, end))


def next_inspection(delivery: date, today: date, policy: ReminderPolicy) -> date:
    """The first inspection date ≥ today: delivery + first years, then every N years."""
    first, every = policy.inspection_first_years, policy.inspection_every_years
    years = today.year - delivery.year - first
    step = max(0, -(-years // every))  # every earlier step falls in an earlier year
    due = add_months(delivery, 12 * (first + step * every))
    return due if due >= today else add_months(delivery, 12 * (first + (step + 1) * every))


def next_anniversary(delivery: date, today: date) -> date:
    """The first anniversary of the delivery on or after today (never the delivery day)."""
    years = max(1, today.year - delivery.year)
    due = add_months(delivery, 12 * years)
    return due if due >= today else add_months(delivery, 12 * (years + 1))


def _ahead(purpose: Purpose, car: CarFacts, due: date, today: date, days: int) -> Due | None:
    if not due - timedelta(days=days) <= today <= due:
        return None
    return Due(purpose, f"car:{car.id}:{due.isoformat()}", _car(car, due))


def inspection(car: CarFacts, today: date, policy: ReminderPolicy) -> Due | None:
    """Annual inspection (年检): the known due date, else derived from the delivery."""
    due = car.inspection_due
    if due is None and car.delivery_date is not None:
        due = next_inspection(car.delivery_date, today, policy)
    if due is None:
        return None
    return _ahead(Purpose.INSPECTION, car, due, today, policy.inspection_days_ahead)


def insurance(car: CarFacts, today: date, policy: ReminderPolicy) -> Due | None:
    """Insurance expiry (保险到期): the known due date, else the delivery's anniversary."""
    due = car.insurance_due
    if due is None and car.delivery_date is not None:
        due = next_anniversary(car.delivery_date, today)
    if due is None:
        return None
    return _ahead(Purpose.INSURANCE, car, due, today, policy.insurance_days_ahead)


def car_reminders(
    car: CarFacts, today: date, policy: ReminderPolicy, *, maintained: bool = False
) -> list[Due]:
    """Every car-level reminder due today; `maintained`: a maintenance visit since delivery."""
    found = (
        first_maintenance(car, today, policy, maintained=maintained),
        regular_maintenance(car, today, policy),
        warranty(car, today, policy),
        inspection(car, today, policy),
        insurance(car, today, policy),
    )
    return [due for due in found if due is not None]


def birthday_this_year(birthday: date, year: int) -> date:
    """The birthday in `year`; 29 February is kept on the 28th in other years."""
    day = birthday.day
    if birthday.month == 2 and day == 29 and not calendar.isleap(year):
        day = 28
    return date(year, birthday.month, day)


def birthday(born: date | None, today: date) -> Due | None:
    """On the day (生日祝福), once a year."""
    if born is None or birthday_this_year(born, today.year) != today:
        return None
    return Due(Purpose.BIRTHDAY, str(today.year), {})


def membership(valid_until: date | None, today: date, policy: ReminderPolicy) -> Due | None:
    """`membership_days_ahead` days before the card expires; once per expiry date."""
    if valid_until is None:
        return None
    if not valid_until - timedelta(days=policy.membership_days_ahead) <= today <= valid_until:
        return None
    iso = valid_until.isoformat()
    return Due(Purpose.MEMBERSHIP, iso, {"valid_until": iso})


def holiday(today: date, policy: ReminderPolicy) -> Due | None:
    """On a holiday of the policy (节日祝福), once a year and holiday."""
    month_day = f"{today.month:02d}-{today.day:02d}"
    if not any(h.month_day == month_day for h in policy.holidays):
        return None
    return Due(Purpose.HOLIDAY, f"{today.year}-{month_day}", {"holiday": month_day})


def points_expiry(expires_on: date | None, points: int, today: date, days_ahead: int) -> Due | None:
    """Redeemable points whose last day is within `days_ahead` days: once per expiry date."""
    if expires_on is None or points <= 0 or days_ahead <= 0:
        return None
    if not today <= expires_on <= today + timedelta(days=days_ahead):
        return None
    return Due(
        Purpose.POINTS_EXPIRY,
        f"points:{expires_on.isoformat()}",
        {"points": points, "due": expires_on.isoformat()},
    )
