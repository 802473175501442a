"""A fresh club database for `bot_load.py`: N members with a car, a visit and its points.

The schema is the bot's own (migrations run by `build_services`); the rows go in with
set-based Core inserts, `BATCH` rows per statement list and one transaction per batch, so
a million members take about 90 s on SQLite and memory stays flat. On PostgreSQL a database of
its own is created beside the one the URL names (`club_bench_<pid>`) and dropped after,
so the benchmark never writes into an existing one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from db.models import AuditEntry, Car, Member, PointsEntry, StaffRole, Visit

BATCH = 10_000
OWNER_BASE = 10_000_000  # member i (from 1) is Telegram user OWNER_BASE + i
STAFF_BASE = 9_000_000  # staff member k (from 1) is Telegram user STAFF_BASE + k
STAFF_ROLE = "customer_service"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # plate letters (no I, O): 100,000 plates each
MODELS = ("途观L", "帕萨特", "迈腾", "朗逸", "ID.4")
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # the card codes' (bot.club.common.codes)


@dataclass(frozen=True)
class Seeded:
    members: int
    staff: int
    seconds: float


def plate(i: int) -> str:
    """A valid, unique ordinary plate for member i (up to 2.4 million)."""
    return f"粤{LETTERS[i // 100_000]}{i % 100_000:05d}"


def code(i: int, head: str) -> str:
    """An 8-character code: `head` then member i in Crockford base32 (unique per head)."""
    chars = []
    for _ in range(7):
        i, digit = divmod(i, 32)
        chars.append(ALPHABET[digit])
    return head + "".join(reversed(chars))


def tier_of(points: int) -> str:
    return "vip" if points >= 10_000 else "gold" if points >= 5_000 else "silver"


def birthday(i: int, today: date) -> date | None:
    """With `care`: one member in ten born on today's day (in a leap year, so 29 February
    works too), the rest unknown."""
    return date(1972 + 4 * (i % 8), today.month, today.day) if i % 10 == 0 else None


def _rows(
    ids: range, store_id: int, today: date, care: bool = False
) -> tuple[list[dict[str, Any]], ...]:
    stamp = datetime(2024, 1, 1, tzinfo=UTC)
    members, cars, visits, entries = [], [], [], []
    for i in ids:
        points = (i * 37) % 12_000
        members.append(
            dict(
                id=i,
                store_id=store_id,
                telegram_user_id=OWNER_BASE + i,
                phone=f"+86139{i:08d}",
                name=f"车主{i}",
                locale="zh_Hans",
                tier_code=tier_of(points),
                valid_until=today + timedelta(days=30 + i % 335),
                cumulative_points=points,
                redeemable_points=points,
                card_code=code(i, "C"),
                referral_code=code(i, "R"),
                join_channel="new_car",
                consent_at=stamp,
                joined_at=stamp,
                source="chat",
            )
            | (dict(birthday=birthday(i, today)) if care else {})
        )
        delivery = today - timedelta(days=100 + i % 2000)
        cars.append(
            dict(
                id=i,
                store_id=store_id,
                member_id=i,
                plate=plate(i),
                model=MODELS[i % len(MODELS)],
                delivery_date=delivery,
                created_at=stamp,
            )
        )
        order = dict(order_no=f"WO{i:09d}", visit_date=delivery + timedelta(days=60))
        visits.append(
            dict(id=i, store_id=store_id, member_id=i, car_id=i, category="maintenance", **order)
            | dict(amount_fen=points * 100, source="import", created_at=stamp)
        )
        entries.append(
            dict(id=i, store_id=store_id, member_id=i, kind="visit", dedupe_key=f"visit:{i}")
            | dict(cumulative=points, redeemable=points, visit_id=i, at=stamp)
            | dict(expires_on=today + timedelta(days=20 + i % 700))
        )
    return members, cars, visits, entries


async def _fill(
    engine: AsyncEngine, store_id: int, count: int, staff: int, today: date, care: bool = False
) -> None:
    tables = (Member.__table__, Car.__table__, Visit.__table__, PointsEntry.__table__)
    for start in range(1, count + 1, BATCH):
        block = _rows(range(start, min(start + BATCH, count + 1)), store_id, today, care)
        async with engine.begin() as conn:
            for table, rows in zip(tables, block, strict=True):
                await conn.execute(insert(table), rows)
    admin = STAFF_BASE  # who granted the roles, as `/grant` records it
    async with engine.begin() as conn:  # what bot.club.staff.roles.grant writes
        users = [STAFF_BASE + k for k in range(1, staff + 1)]
        granted = dict(store_id=store_id, role=STAFF_ROLE, granted_by=admin)
        await conn.execute(
            insert(StaffRole.__table__), [dict(telegram_user_id=u, **granted) for u in users]
        )
        audit = dict(store_id=store_id, actor_user_id=admin, action="staff.grant")
        rows = [dict(target=f"user:{u}", details={"role": STAFF_ROLE}, **audit) for u in users]
        await conn.execute(insert(AuditEntry.__table__), rows)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            for table in ("members", "cars", "visits", "points_entries"):  # ids were given
                await conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {count + 1})")
                )
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()


async def seed(url: str, count: int, staff: int, care: bool = False) -> Seeded:
    """Migrate `url`, create the store, and fill it; the time taken by the rows alone.
    About a fifth of the cars are due a care reminder today (most of them insurance, a
    year after delivery); with `care`, one owner in ten also has a birthday today."""
    from bot.app import build_services
    from bot.config import load_settings

    settings = load_settings({"DATABASE_URL": url}, require_token=False)
    services = await build_services(settings)
    await services.engine.dispose()
    started = time.perf_counter()
    engine = create_async_engine(url)
    try:
        today = services.default_store.today()
        await _fill(engine, services.default_store.id, count, staff, today, care)
    finally:
        await engine.dispose()
    return Seeded(count, staff, time.perf_counter() - started)


async def create_database(url: str) -> str:
    """A new empty PostgreSQL database beside the one `url` names; its URL."""
    base = make_url(url)
    name = f"club_bench_{int(time.time() * 1000) % 10**9}"
    engine = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str, admin_url: str) -> None:
    name = make_url(url).database
    engine = create_async_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()
