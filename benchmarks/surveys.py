"""Benchmark: the surveys' minute job over a store fresh from a DMS import of its history,
the owners' answers, and supervisors racing for one ticket.

    python benchmarks/surveys.py                        # a fresh SQLite file
    python benchmarks/surveys.py --database-url postgresql+asyncpg://…  # an empty database
    python benchmarks/surveys.py --members 20000 --history 100000 --recent 1000  # quick
    scripts/with-postgres.sh sh -c \
        '.venv/bin/python benchmarks/surveys.py --database-url "$TEST_DATABASE_URL"'

(with-postgres.sh exports TEST_DATABASE_URL, not DATABASE_URL, to the command it runs: a
"$DATABASE_URL" expanded by the calling shell is empty and the run silently uses SQLite —
the first line printed names the database.)

The store has `--members` owners with a chat and one car each, `--history` service visits
of the past years (visit dates 30–1,000 days ago) all recorded within the last 7 days — as
a fresh import of the DMS history leaves them, so every one is inside the survey sweep's
`created_at` window and must be told apart by its visit date — and `--recent` service
visits of today. Printed, not asserted:

- the minute job (`bot.jobs.surveys_tick`) while it queues the recent visits' surveys
  (500 a tick): ms per tick and surveys per second; then 20 ticks with nothing to do
  (p50/p99: this runs every minute on every instance; on PostgreSQL after an ANALYZE, as
  autovacuum gives the planner the new tables' sizes within a minute);
- the longest transaction a tick holds, from BEGIN and from its first write to the end of
  its commit (on SQLite every transaction is BEGIN IMMEDIATE: the write lock is held from
  BEGIN, and the bot's one connection with it);
- the plan of the sweep's candidates query (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE);
- `answer.save` of 200 surveys, every other one unhappy (it opens a ticket), each in its
  own session as a handler does: p50/p99;
- `tickets.take` by `--racers` supervisors at once for one ticket: wall time, and that
  exactly one takes it;
- peak resident memory (getrusage) before and after the ticks.

SQLite statistics: the bot never runs ANALYZE, so by default neither does this (pass
`--analyze` to see the planner with statistics); PostgreSQL is analysed after the seed,
as its autovacuum would do within a minute of such an import.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from benchmarks.booking_calendar import figures  # noqa: E402
from bot.app import build_services  # noqa: E402
from bot.club.surveys import answer, tickets  # noqa: E402
from bot.club.surveys.tickets import TicketRefused  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.jobs import surveys_tick  # noqa: E402
from db.models import Car, Member, Survey, Ticket, Visit  # noqa: E402
from tests.flows import member_rows  # noqa: E402

CHUNK = 5000
SERVICES = ["maintenance", "maintenance", "repair", "first_maintenance", "bodywork"]
ADVISORS = ["王师傅", "李工", "张顾问", "陈顾问"]
UNHAPPY = answer.Answer(2, 4, ("waiting", "price"), "等了两个多小时，价格也比上次贵")
HAPPY = answer.Answer(5, 10)
IDLE_TICKS = 20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class TxClock:
    """Per transaction: from BEGIN and from the first INSERT/UPDATE/DELETE to the end of
    COMMIT (SessionEvents.after_commit fires once the database has committed). Only for
    work that runs one transaction at a time; `candidates` keeps the sweep's query."""

    def __init__(self, engine: Any) -> None:
        self.on = False
        self.begin: float | None = None
        self.write: float | None = None
        self.spans: list[tuple[float, float]] = []  # (begin→commit, first write→commit)
        self.candidates: tuple[str, Any] | None = None
        event.listen(engine.sync_engine, "begin", self._begin)
        event.listen(engine.sync_engine, "before_cursor_execute", self._execute)
        event.listen(engine.sync_engine, "rollback", self._forget)
        event.listen(Session, "after_commit", self._commit)

    def _begin(self, _conn: Any) -> None:
        self.begin, self.write = time.perf_counter(), None

    def _execute(self, _conn, _cursor, statement: str, parameters, _context, _many) -> None:
        head = statement.lstrip()[:6].upper()
        if self.on and self.write is None and head in ("INSERT", "UPDATE", "DELETE"):
            self.write = time.perf_counter()
        if "FROM visits JOIN members" in statement and "LIMIT" in statement:
            self.candidates = (statement, parameters)

    def _forget(self, _conn: Any) -> None:
        self.begin = self.write = None

    def _commit(self, _session: Any) -> None:
        if self.on and self.begin is not None:
            end = time.perf_counter()
            self.spans.append((end - self.begin, end - self.write if self.write else 0.0))
        self.begin = self.write = None

    def take(self) -> tuple[float, float]:
        """The longest (begin→commit, write→commit) since the last take, in ms."""
        spans, self.spans = self.spans, []
        return max(s[0] for s in spans) * 1000, max(s[1] for s in spans) * 1000


async def seed(services, members: int, history: int, recent: int) -> datetime:
    store = services.default_store
    now = store.now()
    today = store.today(now)
    local_midnight = store.local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    day_began = max(local_midnight.astimezone(UTC), now - timedelta(hours=12))
    rng = random.Random(11)
    tier = store.policy.tiers[0].code
    async with services.sessionmaker() as session:
        for start in range(0, members, CHUNK):
            count = min(CHUNK, members - start)
            await session.execute(
                insert(Member), member_rows(store.id, tier, 50_000_000 + start, count)
            )
        first_member, last_member, n = (
            await session.execute(select(func.min(Member.id), func.max(Member.id), func.count()))
        ).one()
        assert last_member - first_member + 1 == n == members, "member ids not contiguous"
        for start in range(0, members, CHUNK):
            rows = [
                {
                    "store_id": store.id,
                    "member_id": first_member + i,
                    "plate": f"粤B{i:07d}",
                    "model": "途观L",
                    "delivery_date": today - timedelta(days=400 + i % 2000),
                }
                for i in range(start, min(start + CHUNK, members))
            ]
            await session.execute(insert(Car), rows)
        await session.commit()
        first_car, last_car, n = (
            await session.execute(select(func.min(Car.id), func.max(Car.id), func.count()))
        ).one()
        assert last_car - first_car + 1 == n == members, "car ids not contiguous"

    def visit(i: int, prefix: str, day, created: datetime, source: str) -> dict:
        owner = rng.randrange(members)
        return {
            "store_id": store.id,
            "member_id": first_member + owner,
            "car_id": first_car + owner,
            "order_no": f"{prefix}{i:09d}",
            "visit_date": day,
            "category": rng.choice(SERVICES),
            "amount_fen": rng.randrange(20_000, 500_000),
            "mileage": rng.randrange(5_000, 150_000),
            "advisor": rng.choice(ADVISORS),
            "source": source,
            "created_at": created,
        }

    window = timedelta(days=7) - timedelta(hours=2)  # inside the sweep's 7 days for the run
    for start in range(0, history, CHUNK * 10):
        async with services.sessionmaker() as session:
            for chunk in range(start, min(start + CHUNK * 10, history), CHUNK):
                rows = [
                    visit(
                        i,
                        "H",
                        today - timedelta(days=rng.randrange(30, 1001)),
                        now - rng.random() * window,
                        "import",
                    )
                    for i in range(chunk, min(chunk + CHUNK, history))
                ]
                await session.execute(insert(Visit), rows)
            await session.commit()
    async with services.sessionmaker() as session:
        for chunk in range(0, recent, CHUNK):
            rows = [
                visit(i, "T", today, day_began + rng.random() * (now - day_began), "chat")
                for i in range(chunk, min(chunk + CHUNK, recent))
            ]
            await session.execute(insert(Visit), rows)
        await session.commit()
    return now


async def analyze(services) -> None:
    async with services.engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()


async def plan(services, clock: TxClock) -> str:
    """The candidates query as the last tick sent it, explained on the same database."""
    if clock.candidates is None:
        return "  (candidates query not seen)"
    statement, parameters = clock.candidates
    postgres = services.engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    async with services.engine.connect() as conn:
        rows = (await conn.exec_driver_sql(prefix + statement, tuple(parameters))).all()
        await conn.rollback()
    lines = [row[0] for row in rows] if postgres else []
    if not postgres:  # (id, parent, notused, detail): indent by depth
        depth: dict[int, int] = {0: 0}
        for node, parent, _, detail in rows:
            depth[node] = depth.get(parent, 0) + 1
            lines.append("  " * depth[node] + detail)
    return "\n".join("    " + line for line in lines)


async def window(services, clock: TxClock) -> str:
    """How many visits the candidates query walks (its `created_at` window) against how
    many are young enough to be surveyed, and the query's own time."""
    store = services.default_store
    now, policy = store.now(), store.policy.surveys
    oldest_day = store.today(now) - timedelta(days=policy.max_visit_age_days)
    in_window = (Visit.store_id == store.id) & (
        Visit.created_at >= now - timedelta(days=policy.expire_days)
    )
    async with services.sessionmaker() as session:
        walked = await session.scalar(select(func.count()).where(in_window))
        young = await session.scalar(
            select(func.count()).where(in_window, Visit.visit_date >= oldest_day)
        )
        await session.commit()
    alone = ""
    if clock.candidates is not None:
        statement, parameters = clock.candidates
        async with services.engine.connect() as conn:
            started = time.perf_counter()
            found = (await conn.exec_driver_sql(statement, tuple(parameters))).all()
            alone = f"; the query alone {(time.perf_counter() - started) * 1000:.0f} ms, "
            alone += f"{len(found)} rows"
            await conn.rollback()
    return (
        f"  candidates  visits in the created_at window {walked:,}, "
        f"of them visited since {oldest_day} {young:,}{alone}"
    )


async def run(args: argparse.Namespace, url: str) -> None:
    settings = Settings(bot_token="123456:BENCH", database_url=url)
    services = await build_services(settings)
    store = services.default_store
    database = services.engine.dialect.name
    started = time.perf_counter()
    await seed(services, args.members, args.history, args.recent)
    analysed = args.analyze or database == "postgresql"
    if analysed:
        await analyze(services)
    setup = time.perf_counter() - started
    async with services.sessionmaker() as session:
        visits = await session.scalar(select(func.count()).select_from(Visit))
    print(
        f"database={database} members={args.members:,} visits={visits:,} "
        f"(history {args.history:,} recorded in the last 7 days, today {args.recent:,}) "
        f"analysed={'yes' if analysed else 'no'} setup={setup:.1f}s",
        flush=True,
    )
    clock = TxClock(services.engine)
    rss_before = peak_rss_mb()

    clock.on = True
    busy: list[float] = []
    locks: list[tuple[float, float]] = []
    queued = 0
    while True:
        started = time.perf_counter()
        done = (await surveys_tick(services, store.now()))["surveys"]
        elapsed = time.perf_counter() - started
        locks.append(clock.take())
        if not done:
            break
        busy.append(elapsed)
        queued += done
        if len(busy) > args.recent // 500 + 5:
            print("  the sweep keeps finding work: stopped", flush=True)
            break
    if database == "postgresql":
        # As autovacuum would within a minute of the burst: the planner learns that the
        # sweep made thousands of call tasks (with two rows in its statistics it loops).
        await analyze(services)
    idle: list[float] = []
    for _ in range(IDLE_TICKS):
        started = time.perf_counter()
        await surveys_tick(services, store.now())
        idle.append(time.perf_counter() - started)
        locks.append(clock.take())
    clock.on = False
    rss_after = peak_rss_mb()
    busy_locks, idle_locks = locks[: len(busy)], locks[len(busy) :]
    if busy:
        print(
            figures("busy tick", busy)
            + f"\n              {queued:,} surveys queued in {len(busy)} ticks, "
            f"{queued / sum(busy):,.0f} surveys/s"
        )
    print(figures("idle tick", idle))
    for name, spans in (("busy", busy_locks), ("idle", idle_locks)):
        if spans:
            print(
                f"  longest tx  {name}: BEGIN→COMMIT {max(s[0] for s in spans):7.1f} ms · "
                f"first write→COMMIT {max(s[1] for s in spans):7.1f} ms"
            )
    print(await window(services, clock), flush=True)
    print("  candidates query plan (idle):\n" + await plan(services, clock), flush=True)

    async with services.sessionmaker() as session:
        pending = (
            await session.execute(
                select(Survey.id, Survey.member_id)
                .where(Survey.status == "pending")
                .order_by(Survey.id)
                .limit(args.answers)
            )
        ).all()
    saves: dict[str, list[float]] = {"save happy": [], "save low": []}
    opened: list[int] = []
    for i, (survey_id, member_id) in enumerate(pending):
        given = UNHAPPY if i % 2 else HAPPY
        started = time.perf_counter()
        async with services.sessionmaker() as session:
            now = store.now()
            saved = await answer.save(session, store, survey_id, member_id, given, now, now)
            await session.commit()
        elapsed = time.perf_counter() - started
        saves["save low" if saved.ticket else "save happy"].append(elapsed)
        if saved.ticket is not None:
            opened.append(saved.ticket.id)
    every = saves["save happy"] + saves["save low"]
    if every:
        print(figures("save all", every))
    for name, values in saves.items():
        if values:
            print(figures(name, values))

    if opened:
        ticket_id = opened[0]

        async def press(user_id: int) -> str:
            async with services.sessionmaker() as session:
                try:
                    taken = await tickets.take(
                        session, store.id, ticket_id, user_id, f"主管{user_id}", store.now()
                    )
                    await session.commit()
                    return "again" if taken.again else "took"
                except TicketRefused as refused:
                    await session.rollback()
                    return str(refused.code)

        supervisors = [90_000_000 + k for k in range(args.racers)]
        started = time.perf_counter()
        outcomes = await asyncio.gather(*[press(u) for u in supervisors])
        wall = time.perf_counter() - started
        async with services.sessionmaker() as session:
            held = await session.get(Ticket, ticket_id)
        winners = [u for u, o in zip(supervisors, outcomes, strict=True) if o == "took"]
        others = {o: outcomes.count(o) for o in set(outcomes) if o != "took"}
        right = len(winners) == 1 and held is not None and held.taken_by == winners[0]
        print(
            f"  take        {args.racers} supervisors, one ticket: {wall * 1000:.0f} ms in all, "
            f"{len(winners)} took it ({'right' if right else 'WRONG'}), others: {others}"
        )
    print(f"  peak RSS    before the ticks {rss_before:.0f} MB · after {rss_after:.0f} MB")
    await services.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--recent", type=int, default=5_000)
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--racers", type=int, default=100)
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE on SQLite too")
    parser.add_argument(
        "--database-url", help="default: a fresh SQLite file (PostgreSQL: an empty database)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/surveys.db"
        asyncio.run(run(args, url))


if __name__ == "__main__":
    main()
