"""Benchmark: 1,000 owners confirming redemptions at the same moment, over 50 items.

    python benchmarks/redeem.py                          # a fresh SQLite file
    python benchmarks/redeem.py --database-url postgresql+asyncpg://…   # an empty database
    python benchmarks/redeem.py --requests 5000 --items 50

Each owner has enough points for a few items; 45 items have 30 units, 5 have 5 (they run
out, so some confirms are refused as sold out). Every request is one confirm as the shop
makes it: a session of its own, `bot.club.gifts.redeem.redeem`, a commit. All are started
at once (the engine's pool decides how many run together). Printed: redemptions per second
over the whole burst, p50 and p99 latency of a confirm (start to commit), refusals by
reason, and the checks: every balance equals its ledger, no stock below zero, no item
redeemed more often than it had units.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from bot.app import build_services  # noqa: E402
from bot.club.gifts.redeem import redeem  # noqa: E402
from bot.club.gifts.rules import GiftRefused  # noqa: E402
from bot.club.points import ledger  # noqa: E402
from bot.club.policy.model import load_policy  # noqa: E402
from bot.config import Settings  # noqa: E402
from db.models import Gift, Member, PointsEntry, Redemption  # noqa: E402
from tests.flows import member_rows  # noqa: E402

POINTS_EACH = 3000


async def setup(url: str, owners: int, items: int):
    services = await build_services(
        Settings(bot_token="123456:BENCH", database_url=url), load_policy()
    )
    store = services.default_store
    rows = member_rows(store.id, services.policy.tiers[0].code, 20_000_000, owners)
    for row in rows:
        row.update(cumulative_points=POINTS_EACH, redeemable_points=POINTS_EACH)
    async with services.sessionmaker() as session:
        await session.execute(insert(Member), rows)
        ids = list(await session.scalars(select(Member.id).order_by(Member.id)))
        entries = [
            {
                "store_id": store.id,
                "member_id": m,
                "kind": "adjustment",
                "dedupe_key": "bench",
                "cumulative": POINTS_EACH,
                "redeemable": POINTS_EACH,
            }
            for m in ids
        ]
        await session.execute(insert(PointsEntry), entries)
        gifts = [
            {
                "store_id": store.id,
                "kind": "gift",
                "names": {"zh_Hans": f"礼品{i}", "en": f"Gift {i}"},
                "descriptions": {},
                "cost_points": 500 + 100 * (i % 10),
                "stock": 5 if i < 5 else 30,
                "status": "active",
            }
            for i in range(items)
        ]
        await session.execute(insert(Gift), gifts)
        gift_rows = (await session.execute(select(Gift.id, Gift.cost_points, Gift.stock))).all()
        await session.commit()
    return services, ids, gift_rows


async def run(url: str, requests: int, items: int) -> None:
    owners = requests  # one confirm per owner, as in a launch-day rush
    services, member_ids, gifts = await setup(url, owners, items)
    store = services.default_store
    rng = random.Random(7)
    picks = [(member_ids[i % len(member_ids)], rng.choice(gifts)) for i in range(requests)]
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()

    async def confirm(n: int, member_id: int, gift) -> None:
        started = time.perf_counter()
        try:
            async with services.sessionmaker() as session:
                await redeem(
                    session,
                    store.policy,
                    store.id,
                    member_id,
                    gift.id,
                    gift.cost_points,
                    f"b{n}",
                    store.today(),
                    store.now(),
                )
                await session.commit()
            outcomes["redeemed"] += 1
        except GiftRefused as refused:
            outcomes[str(refused.code)] += 1
        latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*[confirm(n, m, g) for n, (m, g) in enumerate(picks)])
    elapsed = time.perf_counter() - started

    async with services.sessionmaker() as session:
        mismatches = await ledger.check_ledger(session)
        negative = await session.scalar(
            select(func.count()).select_from(Gift).where(Gift.stock < 0)
        )
        taken = dict(
            (
                await session.execute(
                    select(Redemption.gift_id, func.count()).group_by(Redemption.gift_id)
                )
            ).all()
        )
    oversold = sum(1 for g in gifts if taken.get(g.id, 0) > g.stock)
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(
        f"database={services.engine.dialect.name} requests={requests} items={items} "
        f"pool={services.engine.pool.status()}\n"
        f"  {outcomes['redeemed'] / elapsed:,.0f} redemptions/s ({outcomes['redeemed']} in "
        f"{elapsed:.2f} s; {requests / elapsed:,.0f} confirms/s)\n"
        f"  confirm latency p50 {p(0.50):.0f} ms · p99 {p(0.99):.0f} ms · "
        f"max {latencies[-1] * 1000:.0f} ms\n"
        f"  outcomes: {dict(sorted(outcomes.items()))}\n"
        f"  checks: ledger mismatches {len(mismatches)} · stock below zero {negative} · "
        f"items oversold {oversold}"
    )
    await services.engine.dispose()
    if mismatches or negative or oversold:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument(
        "--database-url", help="default: a fresh SQLite file (PostgreSQL: an empty database)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/redeem.db"
        asyncio.run(run(url, args.requests, args.items))


if __name__ == "__main__":
    main()
