"""Which rows may hold a reminder due today: loose SQL filters, one per kind.

The sweep reads only the cars (and members) a kind's filter lets through, then the
rules (`bot.club.reminders.rules`) decide exactly. A filter may let through rows that
are not due (the rules drop them); it must never hold back one that is: each is the
rule's window widened by `SLACK` days for month-end clamping (31 Jan + 1 month =
28 Feb), 29 February and rounding. With them, a sweep over a million cars reads the
few per cent that can be due instead of every car, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Generic, NamedTuple, TypeVar

from sqlalchemy import Float, and_, func, literal, or_, true
from sqlalchemy.sql.expression import ColumnElement

from bot.club.points.tiers import add_months
from bot.club.policy.pushes import ReminderPolicy
from bot.club.reminders import rules
from bot.club.reminders.rules import CarFacts, Due
from bot.messaging.outbox import Purpose
from db.models import Car, Member
from db.sql_dates import day_number, day_of, month_day

SLACK = timedelta(days=4)

_cars, _members = Car.__table__.c, Member.__table__.c
Filter = ColumnElement[bool]


def _between(column: Any, start: date, end: date) -> Filter:
    return column.between(start - SLACK, end + SLACK)


def _months_before(day: date, months: int) -> date:
    return add_months(day, -months)


def anniversary_within(column: Any, start: date, end: date) -> Filter:
    """`column`'s month and day fall in [start, end] (across New Year too); a 29 February
    counts for the 28th, as anniversaries and birthdays do in other years."""
    last = end + timedelta(days=1)  # a 29 Feb's anniversary is the 28th in other years
    if (last - start).days >= 365:  # every month and day (a 364-day span wraps round too)
        return true()
    low, high = f"{start.month:02d}-{start.day:02d}", f"{last.month:02d}-{last.day:02d}"
    day = month_day(column)
    if (start.month, start.day) <= (last.month, last.day):
        return day.between(low, high)
    return or_(day >= low, day <= high)


def first_maintenance(today: date, policy: ReminderPolicy) -> Filter:
    months = policy.first_maintenance_months
    earliest, latest = _months_before(today, months + 1), _months_before(today, months)
    return _between(_cars.delivery_date, earliest, latest)


def regular_maintenance(today: date, policy: ReminderPolicy) -> Filter:
    """Due by date: the base (last service, else delivery) an interval before the window;
    due by kilometres: the base plus the days the interval takes at the car's pace."""
    months, ahead = policy.regular_interval_months, policy.regular_days_ahead
    base = func.coalesce(_cars.last_service_date, _cars.delivery_date)
    latest = _months_before(today + timedelta(days=ahead), months)
    by_date = _between(base, _months_before(today, months), latest)
    days = day_number(_cars.last_mileage_date) - day_number(_cars.delivery_date)
    km = literal(float(policy.regular_interval_km), Float)
    due = day_number(base) + km * days / _cars.last_mileage
    now = day_of(today)
    by_km = and_(
        _cars.last_mileage > 0,
        _cars.last_mileage_date > _cars.delivery_date,
        due.between(now - SLACK.days, now + ahead + SLACK.days),
    )
    return or_(by_date, by_km)


def warranty(today: date, policy: ReminderPolicy) -> Filter:
    months, ahead = policy.warranty_months, policy.warranty_days_ahead
    latest = _months_before(today + timedelta(days=ahead), months)
    return _between(_cars.delivery_date, _months_before(today, months), latest)


def _due_or_anniversary(known: Any, today: date, ahead: int, first_years: int) -> Filter:
    """A known due date in [today, today + ahead], else (none known) an anniversary of the
    delivery in that window, at least `first_years` after it."""
    end = today + timedelta(days=ahead)
    derived = and_(
        known.is_(None),
        _cars.delivery_date <= _months_before(end, 12 * first_years) + SLACK,
        anniversary_within(_cars.delivery_date, today, end),
    )
    return or_(known.between(today, end), derived)


def inspection(today: date, policy: ReminderPolicy) -> Filter:
    return _due_or_anniversary(
        _cars.inspection_due, today, policy.inspection_days_ahead, policy.inspection_first_years
    )


def insurance(today: date, policy: ReminderPolicy) -> Filter:
    return _due_or_anniversary(_cars.insurance_due, today, policy.insurance_days_ahead, 1)


Facts = TypeVar("Facts")


@dataclass(frozen=True)
class Kind(Generic[Facts]):
    """One reminder kind: its filter, its rule on a row's facts, and (cars) the facts the
    rule reads (the others are read as None)."""

    purpose: Purpose
    where: Callable[[date, ReminderPolicy], Filter]
    rule: Callable[[Facts, date, ReminderPolicy], Due | None]
    reads: tuple[str, ...] = ()


CarKind = Kind[CarFacts]


def _first(car: CarFacts, today: date, policy: ReminderPolicy) -> Due | None:
    # Whether the car was maintained since delivery is looked up after, for these alone.
    return rules.first_maintenance(car, today, policy, maintained=False)


_SHOWN = ("id", "plate", "model", "delivery_date")  # every kind's params name the car
_READINGS = ("last_service_date", "last_mileage", "last_mileage_date")
CAR_KINDS = (
    CarKind(Purpose.FIRST_MAINTENANCE, first_maintenance, _first, _SHOWN),
    CarKind(
        Purpose.REGULAR_MAINTENANCE,
        regular_maintenance,
        rules.regular_maintenance,
        (*_SHOWN, *_READINGS),
    ),
    CarKind(Purpose.WARRANTY, warranty, rules.warranty, _SHOWN),
    CarKind(Purpose.INSPECTION, inspection, rules.inspection, (*_SHOWN, "inspection_due")),
    CarKind(Purpose.INSURANCE, insurance, rules.insurance, (*_SHOWN, "insurance_due")),
)


class MemberFacts(NamedTuple):
    """The member columns the rules read, after the member id and chat id."""

    birthday: date | None
    valid_until: date | None


MemberKind = Kind[MemberFacts]


def birthdays(today: date, _policy: ReminderPolicy) -> Filter:
    return anniversary_within(_members.birthday, today, today)


def memberships(today: date, policy: ReminderPolicy) -> Filter:
    end = today + timedelta(days=policy.membership_days_ahead)
    return _members.valid_until.between(today, end)


def _birthday(member: MemberFacts, today: date, _policy: ReminderPolicy) -> Due | None:
    return rules.birthday(member.birthday, today)


def _membership(member: MemberFacts, today: date, policy: ReminderPolicy) -> Due | None:
    return rules.membership(member.valid_until, today, policy)


MEMBER_KINDS = (
    MemberKind(Purpose.BIRTHDAY, birthdays, _birthday),
    MemberKind(Purpose.MEMBERSHIP, memberships, _membership),
)
