"""Benchmark: the daily care-reminder sweep over a large SQLite database.

    python benchmarks/reminder_sweep.py                    # 250k, 500k and 1M cars, a table
    python benchmarks/reminder_sweep.py --cars 1000000     # one run
    python benchmarks/reminder_sweep.py --cars 250000 --tracemalloc
    python benchmarks/reminder_sweep.py --today 2026-10-01 # a holiday: every owner is due

Each size runs in a fresh process on a fresh database (migrated by `build_services`),
filled with the raw sqlite3 module in one transaction: N members with one car each,
deliveries spread over 8 years, ~95% of members with a chat, ~1% of those blocked,
birthdays spread over the year, memberships expiring over the next year, a maintenance
visit per serviced car, ~2% of owners with one reminder kind turned off. Then `sweep`
runs for one day. Printed: car and member rows read (the candidates the kinds' filters
let through), pushes queued per kind, seconds, peak resident memory before and after the
sweep, and with --tracemalloc the Python
heap peak of the sweep alone (slower; run it separately). Flat memory: the peaks do not
grow with N.

While the sweep runs, three probes measure what owners would feel:
- `longest_tx`: the longest transaction the sweep held open (SQLAlchemy's begin →
  commit/rollback events). On SQLite every transaction here is `BEGIN IMMEDIATE` on the
  process's one connection, so this is how long an owner's update may wait for it.
- `loop_lag`: how late a 10 ms `asyncio.sleep` woke, at worst (the longest stretch the
  sweep kept the event loop from running anything else).
- `owner_wait`: an owner's write (a one-row transaction through the same sessionmaker)
  every 50 ms: its p99 and worst latency.
Target: 1,000,000 cars under 10 s on 2 cores, no transaction or loop stretch past ~50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODELS = ["途观L", "帕萨特", "迈腾", "朗逸", "ID.4"]
KINDS = ["insurance", "regular_maintenance", "birthday", "holiday", "warranty"]
STAMP = "2024-01-01 00:00:00.000000"


class Probes:
    """Transactions held, event-loop lag and an owner's write latency during the sweep."""

    def __init__(self, engine: Any, sessionmaker: Any) -> None:
        self.sessionmaker = sessionmaker
        self.open: dict[int, float] = {}
        self.longest_tx = 0.0
        self.transactions = 0
        self.lag = 0.0
        self.waits: list[float] = []
        self.running = True
        event.listen(engine.sync_engine, "begin", self._begin)
        event.listen(engine.sync_engine, "commit", self._end)
        event.listen(engine.sync_engine, "rollback", self._end)

    def _begin(self, conn: Any) -> None:
        self.open[id(conn)] = time.perf_counter()

    def _end(self, conn: Any) -> None:
        started = self.open.pop(id(conn), None)
        if started is not None and self.running:
            self.transactions += 1
            self.longest_tx = max(self.longest_tx, time.perf_counter() - started)

    async def loop_lag(self) -> None:
        while self.running:
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            self.lag = max(self.lag, time.perf_counter() - started - 0.01)

    async def owner(self) -> None:
        from sqlalchemy import text

        while self.running:
            await asyncio.sleep(0.05)
            started = time.perf_counter()
            async with self.sessionmaker() as session:
                await session.execute(text("UPDATE stores SET name = name WHERE id = 0"))
                await session.commit()
            self.waits.append(time.perf_counter() - started)

    def owner_figures(self) -> str:
        waits = sorted(self.waits) or [0.0]
        p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
        return f"n={len(self.waits)} p99={p99 * 1000:.0f} ms max={waits[-1] * 1000:.0f} ms"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


MEMBERS_SQL = (
    "INSERT INTO members (id, store_id, telegram_user_id, phone, name, birthday, tier_code,"
    " valid_until, cumulative_points, redeemable_points, card_code, referral_code,"
    " join_channel, joined_at, source, blocked_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, 'new_car', ?, 'import', ?)"
)
CARS_SQL = (
    "INSERT INTO cars (id, store_id, member_id, plate, model, delivery_date, created_at,"
    " last_service_date, last_mileage, last_mileage_date, insurance_due)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
VISITS_SQL = (
    "INSERT INTO visits (id, store_id, member_id, car_id, order_no, visit_date, category,"
    " amount_fen, mileage, source, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, 'maintenance', 50000, ?, 'import', ?)"
)


def _block(rng: random.Random, store: int, ids: range, today: date) -> tuple[list, ...]:
    members: list[tuple] = []
    cars: list[tuple] = []
    visits: list[tuple] = []
    opt_outs: list[tuple] = []
    for i in ids:
        chat = 10_000_000 + i if rng.random() < 0.95 else None
        blocked = STAMP if chat is not None and rng.random() < 0.01 else None
        born = date(1960 + rng.randrange(45), 1, 1) + timedelta(days=rng.randrange(366))
        valid_until = today + timedelta(days=rng.randrange(366))
        birthday = born.isoformat() if i % 10 else None
        phone, card, code = f"139{i:08d}", f"C{i:09d}", f"R{i:09d}"
        until, name = valid_until.isoformat(), f"车主{i}"
        head = (i, store, chat, phone, name, birthday, "silver", until)
        members.append((*head, card, code, STAMP, blocked))
        delivery = today - timedelta(days=rng.randrange(8 * 365))
        age = (today - delivery).days
        service = mileage = mileage_date = None
        if age > 90:
            service = today - timedelta(days=rng.randrange(min(age - 60, 240)))
            mileage = int((service - delivery).days * rng.uniform(20, 80))
            mileage_date = service.isoformat()
            visits.append((i, store, i, i, f"WO{i:09d}", mileage_date, mileage, STAMP))
        elif age > 60 and rng.random() < 0.5:  # half the owners in the window came already
            visit = delivery + timedelta(days=rng.randrange(60, age + 1))
            visits.append((i, store, i, i, f"WO{i:09d}", visit.isoformat(), None, STAMP))
        insurance = (today + timedelta(days=rng.randrange(365))).isoformat()
        serviced = service and service.isoformat()
        known = insurance if rng.random() < 0.2 else None
        model, plate = rng.choice(MODELS), f"粤B{i:07d}"
        row = (i, store, i, plate, model, delivery.isoformat(), STAMP, serviced, mileage)
        cars.append((*row, mileage_date, known))
        if rng.random() < 0.02:
            opt_outs.append((i, rng.choice(KINDS)))
    return members, cars, visits, opt_outs


def fill(path: Path, store_id: int, count: int, today: date) -> None:
    """N members with a car each (and their visits and opt-outs), in one transaction,
    generated in blocks so the setup's memory stays flat too."""
    rng = random.Random(7)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    with db:
        for start in range(1, count + 1, 20_000):
            block = range(start, min(start + 20_000, count + 1))
            members, cars, visits, opt_outs = _block(rng, store_id, block, today)
            db.executemany(MEMBERS_SQL, members)
            db.executemany(CARS_SQL, cars)
            db.executemany(VISITS_SQL, visits)
            db.executemany("INSERT INTO push_optouts (member_id, kind) VALUES (?, ?)", opt_outs)
    db.execute("ANALYZE")
    db.close()


async def run_once(count: int, today: date, trace: bool, chunk: int) -> None:
    from bot.app import build_services, settle_heap
    from bot.club.reminders.sweep import sweep
    from bot.config import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        settings = load_settings({"DATABASE_URL": url}, require_token=False)
        services = await build_services(settings)
        await services.engine.dispose()
        started = time.perf_counter()
        fill(path, services.default_store.id, count, today)
        setup = time.perf_counter() - started
        services = await build_services(settings)  # a fresh engine on the filled file
        settle_heap()  # as `python -m bot` does once it is ready
        tz = ZoneInfo(settings.store_timezone)
        before = peak_rss_mb()
        if trace:
            tracemalloc.start()
        probes = Probes(services.engine, services.sessionmaker)
        tasks = [asyncio.create_task(probes.loop_lag()), asyncio.create_task(probes.owner())]
        await asyncio.sleep(0.02)
        report = await sweep(
            services.sessionmaker,
            services.policy,
            services.default_store.id,
            today,
            tz,
            chunk_size=chunk,
            reads=services.scans,
        )
        probes.running = False
        await asyncio.gather(*tasks)
        heap = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
        after = peak_rss_mb()
        await services.engine.dispose()
    kinds = " ".join(f"{k}={v}" for k, v in sorted(report.by_purpose.items()))
    print(
        f"cars={count:,} setup={setup:.1f}s | read cars={report.cars:,} "
        f"members={report.members:,} due={report.due:,} opted_out={report.opted_out:,} "
        f"queued={report.queued:,} ({kinds}) | sweep={report.seconds:.1f}s | "
        f"peak_rss before={before:.0f} MB after={after:.0f} MB | "
        f"longest_tx={probes.longest_tx * 1000:.0f} ms (of {probes.transactions:,}) "
        f"loop_lag={probes.lag * 1000:.0f} ms owner_wait {probes.owner_figures()}"
        + (f" | tracemalloc peak={heap:.1f} MB" if heap is not None else ""),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cars", type=int, help="one run with this many cars (and members)")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    parser.add_argument("--tracemalloc", action="store_true", help="trace the sweep's heap")
    parser.add_argument("--chunk", type=int, default=5000)
    args = parser.parse_args()
    if args.cars:
        asyncio.run(run_once(args.cars, args.today, args.tracemalloc, args.chunk))
        return
    for count in (250_000, 500_000, 1_000_000):
        command = [sys.executable, __file__, "--cars", str(count), "--today", str(args.today)]
        subprocess.run([*command, "--chunk", str(args.chunk)], check=True)


if __name__ == "__main__":
    main()
