"""The proactive booking list (主动预约): reachable owners with no booking ahead whose car's
first or regular maintenance (by date or projected mileage, the care reminders' rules)
falls due within N days or fell due up to a month ago; and staff's one-tap invitation,
queued once per car and due date. SQL narrows the cars first (dates, projected mileage,
no booking), in keyset pages of Core rows: of 100k cars only the few that may be due."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.bookings.rules import BOOKABLE_REMINDERS, Status
from bot.club.points.tiers import add_months
from bot.club.policy.pushes import ReminderPolicy
from bot.club.reminders import preferences, rules, sweep
from bot.club.reminders.candidates import SLACK  # months are 28–31 days: ranges widen
from bot.club.reminders.rules import CarFacts
from bot.club.stores.context import StoreContext
from bot.messaging import outbox
from bot.messaging.outbox import Purpose
from db.models import Booking, Car, Member, Push, Visit
from db.sql_dates import day_number, day_of

OVERDUE_DAYS = 30  # cars that fell due this long ago are still listed
MAX_DAYS = 120  # /duebook's longest look ahead (and the invitation's re-check)
PAGE_SIZE = 10
CHUNK = 5000

_cars, _members = Car.__table__, Member.__table__
_bookings, _visits, _pushes = Booking.__table__, Visit.__table__, Push.__table__
_FACTS = [_cars.c[name] for name in CarFacts._fields]
_OWNER = len(_FACTS)  # then: member id, chat id, name, phone


class Kind(StrEnum):
    FIRST = "first"  # the first maintenance (首保), due by the end of its window
    REGULAR = "regular"  # regular maintenance (定保), by date or by mileage


# The reminder of each kind (turned off in /settings, it stops an invitation too), and
# the visit category it books.
REMINDER = {Kind.FIRST: Purpose.FIRST_MAINTENANCE, Kind.REGULAR: Purpose.REGULAR_MAINTENANCE}
CATEGORY = {kind: BOOKABLE_REMINDERS[purpose] for kind, purpose in REMINDER.items()}


@dataclass(frozen=True)
class DueCar:
    car_id: int
    member_id: int
    chat_id: int
    name: str
    phone: str
    plate: str
    model: str
    kind: Kind
    due: date
    km_due: int | None = None
    invited: bool = False

    @property
    def key(self) -> str:
        """The invitation's once-only key: one per car and due date."""
        return f"car:{self.car_id}:{self.due.isoformat()}"

    @property
    def category(self) -> str:
        return CATEGORY[self.kind]


@dataclass(frozen=True)
class DuePage:
    items: list[DueCar]
    total: int
    page: int
    pages: int
    days: int


class Invited(StrEnum):
    SENT = "sent"  # queued for the owner
    ALREADY = "already"  # this car and due date were invited before
    NOT_DUE = "not_due"  # not on the list any more (booked, serviced, unreachable)
    NO_SERVICE = "no_service"  # booking is off, or no service books this maintenance
    TURNED_OFF = "turned_off"  # the owner turned this maintenance reminder off (/settings)


def _candidates(store: StoreContext, today: date, until: date) -> Select[Any]:
    """Cars of reachable owners with no booking ahead whose dates allow them to be due
    between today - OVERDUE_DAYS and `until` (the rules decide exactly)."""
    policy, since = store.policy.reminders, today - timedelta(days=OVERDUE_DAYS)
    months = policy.first_maintenance_months
    delivery = _cars.c.delivery_date
    first = delivery.between(
        add_months(since, -(months + 1)) - SLACK, add_months(until, -months) + SLACK
    )
    base = func.coalesce(_cars.c.last_service_date, delivery)
    interval = policy.regular_interval_months
    km, read = _cars.c.last_mileage, _cars.c.last_mileage_date
    # By mileage: due when interval km / (km a day) ≤ the days from the base to `until`.
    projected = and_(
        km > 0,
        read > delivery,
        policy.regular_interval_km * (day_number(read) - day_number(delivery))
        <= km * (day_of(until) - day_number(base) + 1),
    )
    regular = and_(
        base >= add_months(since, -interval) - SLACK,
        or_(base <= add_months(until, -interval) + SLACK, projected),
    )
    booked = select(_bookings.c.id).where(
        _bookings.c.car_id == _cars.c.id,  # ix_bookings_car_id_day
        _bookings.c.day >= today,
        _bookings.c.status == Status.BOOKED,
    )
    return (
        select(*_FACTS, _members.c.id, _members.c.telegram_user_id, _members.c.name)
        .add_columns(_members.c.phone)
        .join_from(_cars, _members, _members.c.id == _cars.c.member_id)
        .where(_cars.c.store_id == store.id, _members.c.store_id == store.id)
        .where(_members.c.telegram_user_id.is_not(None), _members.c.blocked_at.is_(None))
        .where(or_(first, regular), ~booked.exists())
        .order_by(_cars.c.id)
    )


def _window_last(car: CarFacts, policy: ReminderPolicy) -> date:
    """The last day of the car's first-maintenance window (it has a delivery date)."""
    assert car.delivery_date is not None
    return rules.first_maintenance_window(car.delivery_date, policy)[1] - timedelta(days=1)


def _due(
    car: CarFacts, today: date, until: date, policy: ReminderPolicy, maintained: bool
) -> tuple[Kind, date, int | None] | None:
    """What `car` is due for between today - OVERDUE_DAYS and `until`, by the rules."""
    since = today - timedelta(days=OVERDUE_DAYS)
    if car.delivery_date is not None and not maintained:
        start = rules.first_maintenance_window(car.delivery_date, policy)[0]
        last = _window_last(car, policy)
        if start <= until and last >= since:
            return Kind.FIRST, last, None
        if last >= since:  # its first maintenance is still ahead: not regular yet
            return None
    found = rules.regular_maintenance_due(car, policy)
    if found is not None and since <= found[0] <= until:
        return Kind.REGULAR, found[0], found[1]
    return None


async def due_cars(
    session: AsyncSession,
    store: StoreContext,
    today: date,
    days: int,
    *,
    car_id: int | None = None,
) -> list[DueCar]:
    """Every car due within `days` (or overdue up to OVERDUE_DAYS), soonest first."""
    until, policy = today + timedelta(days=days), store.policy.reminders
    query = _candidates(store, today, until)
    if car_id is not None:
        query = query.where(_cars.c.id == car_id)
    found: list[DueCar] = []
    after, since = 0, today - timedelta(days=OVERDUE_DAYS)
    while rows := (await session.execute(query.where(_cars.c.id > after).limit(CHUNK))).all():
        after = rows[-1][0]
        cars = [(CarFacts._make(row[:_OWNER]), tuple(row[_OWNER:])) for row in rows]
        # Only a car whose first-maintenance window has not long passed needs its visits.
        young = [c.id for c, _ in cars if c.delivery_date and _window_last(c, policy) >= since]
        maintained = await sweep.maintained(session, young)
        for car, owner in cars:
            due = _due(car, today, until, policy, car.id in maintained)
            if due is not None:
                found.append(DueCar(car.id, *owner, car.plate, car.model, *due))
    found.sort(key=lambda c: (c.due, c.car_id))
    return found


async def due_page(
    session: AsyncSession, store: StoreContext, today: date, days: int, page: int
) -> DuePage:
    """One page of the list, each car marked if it was invited for this due date."""
    everything = await due_cars(session, store, today, days)
    pages = max(1, -(-len(everything) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    items = everything[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    sent = set()
    if items:
        query = select(_pushes.c.member_id, _pushes.c.dedupe_key).where(
            _pushes.c.member_id.in_({c.member_id for c in items}),
            _pushes.c.purpose == str(Purpose.BOOKING_INVITE),
            _pushes.c.dedupe_key.in_([c.key for c in items]),
        )
        sent = {(m, k) for m, k in await session.execute(query)}
    items = [replace(c, invited=(c.member_id, c.key) in sent) for c in items]
    return DuePage(items, len(everything), page, pages, days)


async def invite(
    session: AsyncSession, store: StoreContext, car_id: int, now: datetime
) -> tuple[Invited, DueCar | None]:
    """Queue the owner's invitation to book the car's due maintenance (once per car and
    due date; not urgent: quiet hours and the weekly cap apply as to reminders)."""
    found = await due_cars(session, store, store.today(now), MAX_DAYS, car_id=car_id)
    if not found:
        return Invited.NOT_DUE, None
    car = found[0]
    bookings = store.policy.bookings
    service = bookings.service_for(car.category) if bookings.enabled else None
    if service is None:
        return Invited.NO_SERVICE, car
    if str(REMINDER[car.kind]) in await preferences.turned_off(session, car.member_id):
        return Invited.TURNED_OFF, car
    params = {"car_id": car.car_id, "kind": str(car.kind), "category": car.category}
    params |= {"service": service.code, "plate": car.plate, "model": car.model}
    params |= {"due": car.due.isoformat(), "km_due": car.km_due}
    queued = await outbox.enqueue(
        session,
        store_id=store.id,
        member_id=car.member_id,
        chat_id=car.chat_id,
        purpose=Purpose.BOOKING_INVITE,
        dedupe_key=car.key,
        params=params,
        urgent=False,
        not_before=now,
    )
    return (Invited.SENT if queued is not None else Invited.ALREADY), car
