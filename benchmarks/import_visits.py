"""Benchmark: import a large DMS visits export into SQLite (or DATABASE_URL).

    python benchmarks/import_visits.py                 # 25k, 50k and 100k rows, a table
    python benchmarks/import_visits.py --rows 100000   # one run
    scripts/with-postgres.sh python benchmarks/import_visits.py --rows 100000

Each size runs in a fresh process on a fresh database with 20,000 members and cars
(imported first, from generated members and cars exports; on PostgreSQL the database
named by DATABASE_URL is emptied first); the visits file is generated on disk, then
imported with the same code staff use in chat, ledger rows, balances and tiers included.
Beside it, on a copy of the same database taken just before, plain `sqlite3` writes the
same rows the shortest way (the issue's yardstick: ≈ 33k rows/s when the target was
set): each visit, its ledger row, its member's balances and its car's readings, in
2,000-row transactions, with none of the import's checks, reports or tiers. The two
rates' ratio says how near the import is to the database's own pace on the machine at
hand, which on a shared VM moves by a factor of two over a day. A 2,000-row transaction
holds SQLite's write lock ~100 ms there, longer than an owner may wait (issue 12), so
plain sqlite3 also runs in transactions of the import's own mean batch: the same work
under the same limit.
Printed: rows per second, the longest batch transaction (how long the import holds
SQLite's write lock at a time: owners wait at most that long) and the process's peak
resident memory before and after the import, and the CPU time of the helper process
that reads and checks a large file ahead of the batches (bot.club.imports.ahead; not in
the process's own figures): flat memory means the peak does not grow
with the file beyond the writer's page cache, which batches fill up to its cap
(`db.wal.BATCH_CACHE_KIB`, 64 MB) whatever the file's size. Target (issue 12):
≥ 20,000 rows/s on SQLite, 2 cores, batches ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CATEGORIES = ["保养", "一般维修", "钣喷", "配件", "精品", "续保", "保险理赔", "首保"]
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def plate(i: int) -> str:
    return f"{PROVINCES[i % len(PROVINCES)]}{LETTERS[(i // 31) % 24]}{i % 100000:05d}"


def write_members(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("客户姓名,手机号\n")
        for i in range(count):
            out.write(f"车主{i},139{i:08d}\n")


def write_cars(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("客户姓名,手机号,车牌号,车型,交车日期\n")
        for i in range(count):
            out.write(f"车主{i},139{i:08d},{plate(i)},途观L,2022-05-06\n")


def write_visits(path: Path, rows: int, cars: int) -> None:
    rng = random.Random(7)
    start = date(2024, 1, 1)
    with path.open("w", encoding="utf-8") as out:
        out.write("车牌号,工单号,结算日期,维修类别,结算金额,行驶里程\n")
        for i in range(rows):
            day = start + timedelta(days=rng.randrange(600))
            amount = f'"¥{rng.randrange(100, 20000):,}.{rng.randrange(100):02d}"'
            out.write(
                f"{plate(rng.randrange(cars))},WO{i:09d},{day.isoformat()},"
                f"{rng.choice(CATEGORIES)},{amount},{rng.randrange(1000, 200000)}\n"
            )


def plain_sqlite(database: Path, visits: Path, per_transaction: int = 2000) -> float:
    """The yardstick: the visits file written by plain sqlite3 with each row's ledger row,
    member balances and car readings, `per_transaction` rows a transaction (2,000, as
    when the issue's target was set); rows per second."""
    conn = sqlite3.connect(database, isolation_level=None)
    # sqlite3's own default leaves foreign keys unchecked; so does the import's visits
    # batch, which reads every parent it names itself (db.sqlite_driver.PARENTS_KNOWN).
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=OFF"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("PRAGMA cache_size=-65536")
    started, count = time.perf_counter(), 0
    with visits.open(encoding="utf-8", newline="") as data:
        rows = csv.reader(data)
        next(rows)
        while batch := [row for _, row in zip(range(per_transaction), rows, strict=False)]:
            count += len(batch)
            conn.execute("BEGIN IMMEDIATE")
            plates = list({row[0] for row in batch})
            cars = {
                plate: (car_id, member_id)
                for plate, car_id, member_id in conn.execute(
                    "SELECT plate, id, member_id FROM cars WHERE store_id = 1 AND plate IN "
                    f"({','.join('?' * len(plates))})",
                    plates,
                )
            }
            top = conn.execute("SELECT coalesce(max(id), 0) FROM visits").fetchone()[0]
            values = []
            for plate_, order_no, day, category, amount, mileage in batch:
                car_id, member_id = cars[plate_]
                fen = int(amount.strip("¥").replace(",", "").replace(".", ""))
                values.append((member_id, car_id, order_no, day, category, fen, int(mileage)))
            conn.executemany(
                "INSERT INTO visits (store_id, member_id, car_id, order_no, visit_date, "
                "category, amount_fen, mileage, source, created_at) "
                "VALUES (1, ?, ?, ?, ?, ?, ?, ?, 'import', datetime('now')) "
                "ON CONFLICT DO NOTHING",
                values,
            )
            new = conn.execute(
                "SELECT id, member_id, car_id, amount_fen, visit_date, mileage FROM visits "
                "WHERE id > ?",
                (top,),
            ).fetchall()
            conn.executemany(
                "INSERT INTO points_entries (store_id, member_id, kind, dedupe_key, "
                "cumulative, redeemable, visit_id, expires_on, at) "
                "VALUES (1, ?, 'visit', ?, ?, ?, ?, date(?, '+24 months'), datetime('now'))",
                [(m, f"visit:{i}", a // 100, a // 100, i, d) for i, m, _, a, d, _ in new],
            )
            conn.executemany(
                "UPDATE members SET cumulative_points = cumulative_points + ?, "
                "redeemable_points = redeemable_points + ? WHERE id = ?",
                [(a // 100, a // 100, m) for _, m, _, a, _, _ in new],
            )
            conn.executemany(
                "UPDATE cars SET last_service_date = max(coalesce(last_service_date, ?), ?), "
                "last_mileage = max(coalesce(last_mileage, 0), ?) WHERE id = ?",
                [(d, d, km, c) for _, _, c, _, d, km in new],
            )
            conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return count / seconds


def _children_cpu() -> float:
    """CPU seconds of the helper processes that have ended (the import's reading ahead)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def empty_database(url: str) -> None:
    """Drop every table (and the migrations' mark) so each run starts from nothing."""
    from sqlalchemy import text

    from db.engine import make_engine

    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def run_once(rows: int, cars: int) -> None:
    from bot.app import build_services, settle_heap
    from bot.club.imports.run import import_file
    from bot.config import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        if not url.startswith("sqlite"):
            await empty_database(url)
        settings = load_settings({"DATABASE_URL": url}, require_token=False)
        services = await build_services(settings)
        members, cars_file = folder / "members.csv", folder / "cars.csv"
        visits = folder / "visits.csv"
        write_members(members, cars)
        write_cars(cars_file, cars)
        write_visits(visits, rows, cars)
        errors = 0

        def note(*_: object) -> None:
            nonlocal errors
            errors += 1

        for path in (members, cars_file):
            with path.open("rb") as data:
                m = await import_file(
                    services.sessionmaker,
                    services.policy,
                    services.default_store.id,
                    None,
                    data,
                    path.name,
                    date(2025, 9, 1),
                    on_error=note,
                )
        if url.startswith("sqlite"):  # the yardstick's copy, as the import will find it
            for name in ("plain.db", "plain-batched.db"):
                with (
                    closing(sqlite3.connect(folder / "bench.db")) as source,
                    closing(sqlite3.connect(folder / name)) as copy,
                ):
                    source.backup(copy)
        settle_heap()  # as `python -m bot import` does before it starts
        before = peak_rss_mb()
        started, cpu = time.perf_counter(), time.process_time()
        helper = _children_cpu()
        with visits.open("rb") as data:
            v = await import_file(
                services.sessionmaker,
                services.policy,
                services.default_store.id,
                None,
                data,
                "visits.csv",
                date(2025, 9, 1),
                on_error=note,
            )
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        helper = _children_cpu() - helper
        await services.engine.dispose()
        after = peak_rss_mb()  # before the yardstick's own page cache
        yardstick = ""
        if url.startswith("sqlite"):
            plain = plain_sqlite(folder / "plain.db", visits)
            size = max(1, round(rows / max(v.batches, 1)))
            batched = plain_sqlite(folder / "plain-batched.db", visits, size)
            yardstick = (
                f" plain_sqlite3={plain:,.0f} rows/s (import {rows / seconds / plain:.0%} of it)"
                f" plain_sqlite3_in_{size}_row_transactions={batched:,.0f} rows/s"
                f" (import {rows / seconds / batched:.0%} of it)"
            )
    print(
        f"rows={rows} cars={m.rows} ({m.rate:,.0f} rows/s) visits_created={v.created} "
        f"errors={errors} seconds={seconds:.1f} rate={rows / seconds:,.0f} rows/s "
        f"cpu={cpu:.1f} s ({rows / cpu:,.0f} rows per CPU-second) "
        f"helper_cpu={helper:.1f} s "
        f"longest_batch={v.longest_batch_seconds * 1000:.0f} ms "
        f"peak_rss_before={before:.0f} MB peak_rss_after={after:.0f} MB{yardstick}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, help="one run with this many visit rows")
    parser.add_argument("--cars", type=int, default=20_000)
    args = parser.parse_args()
    if args.rows:
        asyncio.run(run_once(args.rows, args.cars))
        return
    for rows in (25_000, 50_000, 100_000):
        subprocess.run(
            [sys.executable, __file__, "--rows", str(rows), "--cars", str(args.cars)], check=True
        )


if __name__ == "__main__":
    main()
