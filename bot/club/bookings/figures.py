"""The monthly booking figures (store time), computed from the bookings and the visits and
kept in `BookingMonth` for the monthly report: the appointment rate (maintenance visits
that were booked, of all maintenance visits) and the show rate (arrivals, of the
bookings that fell due)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.bookings.rules import Status
from bot.club.points.tiers import add_months
from bot.club.reminders.rules import MAINTENANCE_CATEGORIES
from bot.club.stores.context import StoreContext
from db.models import Booking, BookingMonth, Visit
from db.writes import insert_ignoring_duplicates

FIELDS = ("maintenance_visits", "booked_visits", "bookings_due", "arrived", "no_show", "cancelled")


@dataclass(frozen=True)
class Figures:
    month: str  # YYYY-MM
    maintenance_visits: int = 0
    booked_visits: int = 0  # of those, booked beforehand
    bookings_due: int = 0  # bookings of the month's past days, not cancelled
    arrived: int = 0  # of those, the car came (marked arrived, or its visit recorded)
    no_show: int = 0
    cancelled: int = 0

    @property
    def appointment_rate(self) -> float | None:
        return self.booked_visits / self.maintenance_visits if self.maintenance_visits else None

    @property
    def show_rate(self) -> float | None:
        return self.arrived / self.bookings_due if self.bookings_due else None


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(text: str) -> date | None:
    """The first day of the month "YYYY-MM" names, or None."""
    year, sep, month = text.strip().partition("-")
    if not (sep and len(year) == 4 and len(month) == 2 and (year + month).isascii()):
        return None
    if not (year + month).isdigit() or not 1 <= int(month) <= 12 or int(year) < 2000:
        return None
    return date(int(year), int(month), 1)


def months_before(first: date, count: int) -> list[date]:
    """The first days of the `count` months before `first`'s, latest first."""
    return [add_months(first, -i) for i in range(1, count + 1)]


async def compute(session: AsyncSession, store: StoreContext, first: date, today: date) -> Figures:
    """The figures of the month that starts on `first` (store days), as of `today`."""
    after = add_months(first, 1)
    visit_booked = (
        select(Booking.id)
        .where(
            Booking.status != Status.CANCELLED,
            or_(
                Booking.visit_id == Visit.id,
                and_(Booking.car_id == Visit.car_id, Booking.day == Visit.visit_date),
            ),
        )
        .exists()
    )
    visits = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(case((visit_booked, 1), else_=0)), 0))
            .select_from(Visit)
            .where(
                Visit.store_id == store.id,
                Visit.visit_date >= first,
                Visit.visit_date < after,
                Visit.category.in_(MAINTENANCE_CATEGORIES),
            )
        )
    ).one()
    due = and_(Booking.day < today, Booking.status != Status.CANCELLED)
    came = and_(due, or_(Booking.status == Status.ARRIVED, Booking.visit_id.is_not(None)))

    def count(condition: object) -> object:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = (
        await session.execute(
            select(
                count(due),
                count(came),
                count(Booking.status == Status.NO_SHOW),
                count(Booking.status == Status.CANCELLED),
            ).where(Booking.store_id == store.id, Booking.day >= first, Booking.day < after)
        )
    ).one()
    return Figures(month_of(first), int(visits[0]), int(visits[1]), *(int(v) for v in row))


async def keep(session: AsyncSession, store_id: int, figures: Figures, now: datetime) -> None:
    """Store the month's figures: one row per store and month, whoever writes first
    (several instances may sweep at once), then the latest values."""
    values = {name: getattr(figures, name) for name in FIELDS}
    await session.execute(
        insert_ignoring_duplicates(session, BookingMonth).values(
            store_id=store_id, month=figures.month, computed_at=now, **values
        )
    )
    await session.execute(
        update(BookingMonth)
        .where(BookingMonth.store_id == store_id, BookingMonth.month == figures.month)
        .values(computed_at=now, **values)
        .execution_options(synchronize_session=False)
    )


async def refresh(
    session: AsyncSession, store: StoreContext, first: date, now: datetime
) -> Figures:
    """Compute and keep the month that starts on `first`."""
    figures = await compute(session, store, first, store.today(now))
    await keep(session, store.id, figures, now)
    return figures


async def keep_recent(session: AsyncSession, store: StoreContext, now: datetime) -> list[Figures]:
    """The daily sweep's part: this month and the previous one, recomputed and kept."""
    this = store.today(now).replace(day=1)
    return [await refresh(session, store, m, now) for m in (this, add_months(this, -1))]


async def kept(session: AsyncSession, store_id: int, months: list[str]) -> dict[str, Figures]:
    """The kept figures of `months` (those never computed are missing)."""
    rows = await session.scalars(
        select(BookingMonth).where(
            BookingMonth.store_id == store_id, BookingMonth.month.in_(months)
        )
    )
    return {row.month: Figures(row.month, *(getattr(row, name) for name in FIELDS)) for row in rows}


__all__ = ["Figures", "compute", "keep", "keep_recent", "kept", "refresh"]
