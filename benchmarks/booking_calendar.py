"""Benchmark: the booking calendar and a day's slot view for a store with 10,000 future
bookings, and a booking's confirm on top of them.

    python benchmarks/booking_calendar.py                       # a fresh SQLite file
    python benchmarks/booking_calendar.py --database-url postgresql+asyncpg://…  # empty db
    python benchmarks/booking_calendar.py --bookings 50000 --days 60

The store takes bookings `--days` ahead with 40 places per slot for each service (so
10,000 bookings fit); the bookings are spread over every open day, slot and service.
Each measure is what one owner's tap costs, from opening a session to the answer:

- calendar: the plans of every day one may book (three statements) and, for one service,
  how many free starts each day has (what the day buttons show);
- slot view: one day's plan and its free starts (what the time buttons show);
- confirm: `book.book` for a free start, committed (lock the day, count, insert, queue
  the reminders).

Printed: p50, p99 and max latency of each, in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from bot.app import build_services  # noqa: E402
from bot.club.bookings import availability, book  # noqa: E402
from bot.club.bookings.rules import BookingRefused  # noqa: E402
from bot.club.bookings.slots import earliest, ends  # noqa: E402
from bot.club.policy.model import load_policy  # noqa: E402
from bot.config import Settings  # noqa: E402
from db.models import Booking, Car, Member  # noqa: E402
from tests.flows import member_rows  # noqa: E402

PLACES = 40


def bench_policy(days: int):
    policy = load_policy()
    services = tuple(replace(s, capacity=PLACES) for s in policy.bookings.services)
    return replace(policy, bookings=replace(policy.bookings, days_ahead=days, services=services))


async def setup(url: str, bookings: int, days: int):
    services = await build_services(
        Settings(bot_token="123456:BENCH", database_url=url), bench_policy(days)
    )
    store = services.default_store
    policy = store.policy.bookings
    rng = random.Random(9)
    now = store.now()
    async with services.sessionmaker() as session:
        rows = member_rows(store.id, store.policy.tiers[0].code, 30_000_000, bookings)
        await session.execute(insert(Member), rows)
        members = list(await session.scalars(select(Member.id).order_by(Member.id)))
        await session.execute(
            insert(Car),
            [
                {"store_id": store.id, "member_id": m, "plate": f"粤B{i:06d}", "model": "Camry"}
                for i, m in enumerate(members)
            ],
        )
        cars = list(await session.execute(select(Car.id, Car.member_id).order_by(Car.id)))
        plans = await availability.window(session, store, now)
        starts = [
            (day, start)
            for day, plan in plans.items()
            for start in plan.slots
            if start >= earliest(policy, now)
        ]
        out = []
        for i, (car_id, member_id) in enumerate(cars):
            service = rng.choice(policy.services)
            day, start = rng.choice(starts)
            out.append(
                {
                    "store_id": store.id,
                    "member_id": member_id,
                    "car_id": car_id,
                    "service": service.code,
                    "day": day,
                    "starts_at": start,
                    "ends_at": ends(service, start),
                    "status": "booked",
                    "channel": "owner",
                    "request_key": f"seed-{i}",
                    "version": 1,
                }
            )
        for chunk in range(0, len(out), 2000):
            await session.execute(insert(Booking), out[chunk : chunk + 2000])
        await session.commit()
        total = await session.scalar(select(func.count()).select_from(Booking))
    return services, cars, total, len(plans)


def figures(name: str, latencies: list[float]) -> str:
    latencies = sorted(latencies)
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return (
        f"  {name:<11} p50 {p(0.5):7.1f} ms · p99 {p(0.99):7.1f} ms · "
        f"max {latencies[-1] * 1000:7.1f} ms  ({len(latencies)} runs)"
    )


async def run(url: str, bookings: int, days: int, runs: int) -> None:
    services, cars, total, window_days = await setup(url, bookings, days)
    store = services.default_store
    policy = store.policy.bookings
    rng = random.Random(3)
    calendar, slot_view, confirm = [], [], []
    for _ in range(runs):
        service = rng.choice(policy.services)
        started = time.perf_counter()
        async with services.sessionmaker() as session:
            plans = await availability.window(session, store, store.now(), service=service.code)
            open_days = availability.open_days(plans, service, store.now())
            await session.commit()
        calendar.append(time.perf_counter() - started)
        day = rng.choice([d for d, n in open_days.items() if n])
        started = time.perf_counter()
        async with services.sessionmaker() as session:
            plan = (await availability.plans(session, store, day, day, service=service.code))[day]
            free = plan.free(service, earliest(policy, store.now()))
            await session.commit()
        slot_view.append(time.perf_counter() - started)
        car_id, member_id = rng.choice(cars)
        started = time.perf_counter()
        async with services.sessionmaker() as session:
            try:
                await book.book(
                    session,
                    store,
                    member_id=member_id,
                    car_id=car_id,
                    service=service.code,
                    starts_at=rng.choice(free)[0],
                    request_key=f"bench-{len(confirm)}",
                    now=store.now(),
                )
                await session.commit()
            except BookingRefused:  # the car already has one for this service
                await session.rollback()
        confirm.append(time.perf_counter() - started)
    print(
        f"database={services.engine.dialect.name} future bookings={total:,} "
        f"days bookable={window_days} places per slot and service={PLACES}\n"
        + "\n".join(
            [
                figures("calendar", calendar),
                figures("slot view", slot_view),
                figures("confirm", confirm),
            ]
        )
    )
    await services.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bookings", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30, help="how far ahead one may book")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument(
        "--database-url", help="default: a fresh SQLite file (PostgreSQL: an empty database)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/calendar.db"
        asyncio.run(run(url, args.bookings, args.days, args.runs))


if __name__ == "__main__":
    main()
