"""Benchmark: queueing a broadcast to every member, and what an owner's write waits
meanwhile: at once (one INSERT … SELECT in one transaction, `campaigns.release`, as the
staff form's "send now" once did) and by ranges of members
(`campaigns.release_in_batches`, as the scheduler and "send now" do).

    python benchmarks/broadcast_release.py --members 1000000      # SQLite, ~3 min
    python benchmarks/broadcast_release.py --members 200000 --batch 5000
    scripts/with-postgres.sh sh -c '.venv/bin/python benchmarks/broadcast_release.py
        --database-url "$TEST_DATABASE_URL"'

A fresh database gets `--members` members with a car each (`load_seed.py`); each way
queues one broadcast of its own to all of them, on the bot's engine (SQLite: one pooled
writing connection, `BEGIN IMMEDIATE`). Meanwhile an owner-like write (one member row
updated, committed) runs every 20 ms on the same engine. Printed per way: the time to
queue, the longest transaction the release held, and the owner writes' p50/p99/max wait.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from load_drive import percentile
from load_seed import STAFF_BASE, create_database, drop_database, seed
from sqlalchemy import select, update

from bot.club.broadcasts import campaigns
from bot.club.policy.model import load_policy
from db.engine import make_engine, make_sessionmaker
from db.models import Member, Store


async def owner_writes(sessionmaker, stop: asyncio.Event, waits: list[float]) -> None:
    """An owner's small write every 20 ms: its time from asking to committed."""
    i = 0
    while not stop.is_set():
        i += 1
        started = time.perf_counter()
        async with sessionmaker() as session:
            await session.execute(
                update(Member).where(Member.id == 1 + i % 1000).values(locale=Member.locale)
            )
            await session.commit()
        waits.append(time.perf_counter() - started)
        await asyncio.sleep(0.02)


async def one_way(url: str, batched: bool, batch: int | None) -> str:
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    policy = load_policy()
    held: list[float] = []

    @asynccontextmanager
    async def timed():
        started = time.perf_counter()
        async with sessionmaker() as session:
            yield session
        held.append(time.perf_counter() - started)

    async with sessionmaker() as session:
        store_id = await session.scalar(select(Store.id).where(Store.code == "main"))
        made = await campaigns.create(
            session,
            store_id=store_id,
            staff_id=STAFF_BASE + 1,
            kind="activity",
            texts={"zh_Hans": "本周六车主课堂", "en": "Owner class on Saturday."},
            photo_file_id=None,
            audience={},
            send_at=datetime.now(UTC),
        )
        await session.commit()
    stop, waits = asyncio.Event(), []
    writer = asyncio.create_task(owner_writes(sessionmaker, stop, waits))
    await asyncio.sleep(0.5)
    started, now = time.perf_counter(), datetime.now(UTC)
    today = now.date()
    if batched:
        count = await campaigns.release_in_batches(timed, policy, made.id, today, now, batch=batch)
    else:
        async with timed() as session:
            count = await campaigns.release(session, policy, made.id, today, now)
            await session.commit()
    seconds = time.perf_counter() - started
    during = len(waits)
    await asyncio.sleep(0.3)
    stop.set()
    await writer
    await engine.dispose()
    waits = waits[max(0, during - int(seconds / 0.02) - 5) :]  # the writes during it
    ms = [1000 * w for w in waits] or [float("nan")]
    label = f"by ranges of {batch or campaigns.RELEASE_BATCH:,}" if batched else "at once"
    return (
        f"{label:<22} {count or 0:>10,} queued in {seconds:6.2f} s; longest transaction "
        f"{1000 * max(held):7.0f} ms; owner writes ({len(ms)}) p50/p99/max "
        f"{statistics.median(ms):.0f}/{percentile(ms, 0.99):.0f}/{max(ms):.0f} ms"
    )


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="broadcast-release-") as tmp:
        admin_url = args.database_url
        url = await create_database(admin_url) if admin_url else f"sqlite+aiosqlite:///{tmp}/b.db"
        try:
            print(f"seeding {args.members:,} members…", flush=True)
            seeded = await seed(url, args.members, 1)
            print(f"seeded in {seeded.seconds:.1f} s", flush=True)
            kind = "PostgreSQL" if admin_url else "SQLite"
            print(f"{kind}, {args.members:,} members, a broadcast to all of them:")
            for batched in (False, True):
                print(await one_way(url, batched, args.batch), flush=True)
        finally:
            if admin_url:
                await drop_database(url, admin_url)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, help="member ids per transaction")
    parser.add_argument("--database-url", help="a PostgreSQL server to create a database on")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
