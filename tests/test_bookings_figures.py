"""The monthly booking figures: appointment rate (maintenance visits that were booked) and
show rate (arrivals of the bookings that fell due), kept by the daily sweep and shown
by /bookingstats."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from bot.club.bookings import figures
from bot.club.points.tiers import add_months
from bot.jobs import daily_sweep
from db.models import Booking, BookingMonth, Visit
from tests import factories
from tests.conftest import ADMIN_ID
from tests.flows import services
from tests.harness import joined


def months(bot) -> tuple[date, date]:
    """The first days of this month and the previous one (store time)."""
    this = services(bot).default_store.today().replace(day=1)
    return this, add_months(this, -1)


async def a_month_of_bookings(bot, first: date) -> None:
    """Four maintenance visits (two booked: one on the booking's day, one linked) and a
    repair; five bookings: arrived, visited, cancelled, no-show, and one never seen."""
    svc = services(bot)
    store = svc.default_store
    member = await factories.add_member(bot, 8401)
    cars = [member.cars[0].id]
    for i in range(2, 7):
        cars.append((await factories.add_car(bot, member, f"粤E{i:05d}")).id)

    def day(n: int) -> date:
        return first.replace(day=n)

    def booking(car: int, on: date, status: str, key: str, visit: Visit | None = None):
        start = datetime.combine(on, time(2), UTC)  # 10:00 in Shanghai
        return Booking(
            store_id=store.id,
            member_id=member.id,
            car_id=car,
            service="regular_maintenance",
            day=on,
            starts_at=start,
            ends_at=start,
            status=status,
            request_key=key,
            visit_id=visit.id if visit else None,
        )

    def visit(car: int, on: date, category: str, order: str) -> Visit:
        return Visit(
            store_id=store.id,
            member_id=member.id,
            car_id=car,
            order_no=order,
            visit_date=on,
            category=category,
            amount_fen=50000,
        )

    async with svc.sessionmaker() as session:
        visits = [
            visit(cars[0], day(3), "maintenance", "RO-1"),
            visit(cars[1], day(5), "first_maintenance", "RO-2"),
            visit(cars[2], day(7), "maintenance", "RO-3"),
            visit(cars[3], day(9), "maintenance", "RO-4"),
            visit(cars[4], day(9), "repair", "RO-5"),  # not maintenance: not counted
        ]
        session.add_all(visits)
        await session.flush()
        session.add_all(
            [
                booking(cars[0], day(3), "arrived", "b1"),  # the visit's car and day
                booking(cars[1], day(4), "booked", "b2", visits[1]),  # linked to its visit
                booking(cars[2], day(7), "cancelled", "b3"),  # cancelled: not a booking
                booking(cars[4], day(10), "no_show", "b4"),
                booking(cars[5], day(11), "booked", "b5"),  # due, never came
            ]
        )
        await session.commit()


async def test_the_daily_sweep_keeps_this_and_last_months_figures(bot):
    this, last = months(bot)
    await a_month_of_bookings(bot, last)
    await daily_sweep(services(bot))
    await daily_sweep(services(bot))  # again: the same one row per month
    async with services(bot).sessionmaker() as session:
        rows = {r.month: r for r in await session.scalars(select(BookingMonth))}
    assert set(rows) == {figures.month_of(this), figures.month_of(last)}
    kept = rows[figures.month_of(last)]
    assert (kept.maintenance_visits, kept.booked_visits) == (4, 2)
    assert (kept.bookings_due, kept.arrived, kept.no_show, kept.cancelled) == (4, 2, 1, 1)
    assert rows[figures.month_of(this)].maintenance_visits == 0


async def test_bookingstats_shows_the_month_and_the_five_before(bot):
    this, last = months(bot)
    await a_month_of_bookings(bot, last)
    await daily_sweep(services(bot))
    admin = bot.person(ADMIN_ID, language="en")
    shown = joined(await admin.send(f"/bookingstats {figures.month_of(last)}"))
    assert f"Bookings in {figures.month_of(last)}" in shown
    assert "Maintenance visits: 4, of them booked: 2" in shown
    assert "Appointment rate: 50%" in shown
    assert "Bookings due: 4 · arrived 2 · no-shows 1 · cancelled 1" in shown
    assert "Show rate: 50%" in shown
    earlier = figures.month_of(add_months(last, -1))
    assert f"{earlier}: not computed" in shown
    current = joined(await admin.send("/bookingstats"))
    assert f"Bookings in {figures.month_of(this)}" in current
    assert "Appointment rate: —" in current  # no maintenance visit yet this month
    assert f"{figures.month_of(last)}: 50% · 50%" in current
    desk = await factories.staff(bot, 8490, "customer_service", language="zh-hans")
    assert "50%" in joined(await desk.send(f"/bookingstats {figures.month_of(last)}"))


async def test_bookingstats_refuses_a_bad_month_and_non_staff(bot):
    admin = bot.person(ADMIN_ID, language="en")
    for bad in ("2026-13", "26-11", "november", "2026-11 extra", "２０２６-１１"):
        assert "Usage: /bookingstats [YYYY-MM]" in joined(await admin.send(f"/bookingstats {bad}"))
    owner = await factories.owner(bot, 8402, phone="+8613900008402", plate="粤E8402")
    assert "for store staff" in joined(await owner.send("/bookingstats"))


async def test_two_instances_keeping_a_month_at_once_leave_one_row(bot):
    _, last = months(bot)
    await a_month_of_bookings(bot, last)
    svc = services(bot)

    async def keep() -> None:
        async with svc.sessionmaker() as session:
            await figures.refresh(session, svc.default_store, last, svc.now())
            await session.commit()

    await asyncio.gather(*(keep() for _ in range(4)))
    async with svc.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(BookingMonth)) == 1
        row = await session.scalar(select(BookingMonth))
    assert (row.maintenance_visits, row.booked_visits, row.arrived) == (4, 2, 2)
