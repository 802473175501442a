"""Benchmark: owners' `/points` replies while the bot is busy — idle, during the daily
sweep, during a DMS import in another process, during a broadcast at the Telegram budget.

    python benchmarks/owners_during.py                      # SQLite, 1M cars, ~8 min
    python benchmarks/owners_during.py --cars 100000 --visits 20000 --seconds 10
    scripts/with-postgres.sh sh -c '.venv/bin/python benchmarks/owners_during.py
        --database-url "$TEST_DATABASE_URL"'

A fresh database gets `--cars` members with a car, a visit and its ledger row each
(`load_seed.py`; with `care=True`: one owner in ten has a birthday today, and about a
fifth of the cars are due an insurance, warranty or maintenance reminder). The real bot
(`benchmarks/bot_probe.py`: `python -m bot` with timers, see there) polls the Bot API
stand-in, which answers every call at once, with the default Telegram budget (30
messages/s, replies and pushes), no quiet hours and `[reminders] send_at` late in the
store's day, so that the reminders the sweep queues stay queued during the run.
Owners (the members with the highest ids, whom the broadcast reaches last) send `/points`
at `--rate` a second, on schedule whatever the replies do, through every phase:

1. sweep: the daily sweep the bot runs 30 s after it starts (`bot.jobs.schedule`);
2. idle: `--seconds` once the bot is quiet again;
3. import: `python -m bot import` of `--visits` DMS visit rows in another process, on the
   same database (SQLite: the same file and its one write lock);
4. broadcast: a broadcast to every member, scheduled for now and released by the bot's
   own job (queueing: its outbox rows written; sending: the next `--seconds`).

Printed per phase: replies, p50/p99/max latency (update offered → reply at the stand-in),
failures ("something went wrong" replies) and updates never answered (30 s after the
last); and, from the probe, where waits came from: the event loop's worst lateness (CPU
work holding it), the worst wait for SQLite's write lock (`BEGIN IMMEDIATE`) and for the
pooled connection, the bot's CPU share and the errors in its log. For the broadcast: how
long owners' replies waited for the budget (p50/p99/max: the delay the budget added
beyond their own processing) and the broadcast's achieved rate.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bot_load import environment
from during_report import Phase, Probe, Replies, table
from import_visits import CATEGORIES
from load_drive import ROOT, BotProcess, offer_steadily, ready
from load_seed import OWNER_BASE, STAFF_BASE, create_database, drop_database, plate, seed

Window = tuple[str, float, float]  # a phase: its label, first and last moment
Work = Callable[[], Awaitable[list[Window] | None]]
POLICY = """# owners_during.py: the default Telegram budget (30/s), no quiet hours, and
# today's reminders held until late in the store's day (the run never reaches it)
[pushes]
quiet_start = "00:00"
quiet_end = "00:00"

[reminders]
send_at = "23:59"
"""


def store_zone() -> str:
    """Asia/Shanghai, unless its day ends within the run: then a zone where it is night."""
    return "Asia/Shanghai" if (datetime.now(UTC).hour + 8) % 24 < 22 else "Etc/GMT+12"


def write_visits(path: Path, rows: int, cars: int) -> None:
    """A DMS visits export of `rows` services of seeded cars, 8 to 97 days ago (after
    each delivery, and too old for surveys and call tasks)."""
    rng, today = random.Random(7), datetime.now(UTC).date()
    with path.open("w", encoding="utf-8") as out:
        out.write("车牌号,工单号,结算日期,维修类别,结算金额,行驶里程\n")
        for i in range(rows):
            day = today - timedelta(days=8 + rng.randrange(90))
            amount = f'"¥{rng.randrange(100, 20000):,}.{rng.randrange(100):02d}"'
            out.write(
                f"{plate(rng.randrange(1, cars + 1))},DMS{i:09d},{day.isoformat()},"
                f"{rng.choice(CATEGORIES)},{amount},{rng.randrange(1000, 200000)}\n"
            )


async def schedule_broadcast(url: str) -> None:
    """What the staff broadcast form writes: a broadcast to everyone, due now."""
    from sqlalchemy import select

    from bot.club.broadcasts import campaigns
    from db.engine import make_engine, make_sessionmaker
    from db.models import Store

    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        store_id = await session.scalar(select(Store.id).where(Store.code == "main"))
        texts = {
            "zh_Hans": "本周六车主课堂：冬季用车保养，欢迎报名。",
            "en": "Owner class on Saturday.",
        }
        await campaigns.create(
            session,
            store_id=store_id,
            staff_id=STAFF_BASE + 1,
            kind="activity",
            texts=texts,
            photo_file_id=None,
            audience={},
            send_at=datetime.now(UTC),
        )
        await session.commit()
    await engine.dispose()


class Run:
    """The bot, the stand-in, the probe and the owners' steady `/points`."""

    def __init__(self, args: argparse.Namespace, url: str, tmp: Path) -> None:
        self.args, self.url, self.tmp = args, url, tmp
        top = range(max(1, args.cars - args.owners + 1), args.cars + 1)
        self.owners = [OWNER_BASE + i for i in top]
        random.Random(12).shuffle(self.owners)
        self.stand = Replies(set(self.owners))
        self.probe = Probe(tmp / "probe.txt")
        self.phases: list[Phase] = []

    def message(self, n: int) -> tuple[int, str]:
        return self.owners[n % len(self.owners)], "/points"

    async def main(self) -> None:
        base_url = await self.stand.start()
        extra = dict(DATABASE_URL=self.url, CLUB_POLICY_FILE=str(self.tmp / "policy.toml"))
        extra.update(STORE_TIMEZONE=store_zone(), BOT_PROBE_FILE=str(self.probe.path))
        self.env = environment(base_url, extra)
        command = [sys.executable, str(ROOT / "benchmarks" / "bot_probe.py")]
        self.bot = BotProcess(command, self.env, self.tmp / "bot.log")
        watch = asyncio.create_task(self.probe.watch(self.bot))
        try:
            await ready(self.stand, self.bot, self.owners[0], "/points", self.args.start_timeout)
            await self.during("sweep", self.sweep)
            await self.bot.settle()
            await self.during("idle", lambda: asyncio.sleep(self.args.seconds))
            await self.bot.settle()
            await self.during("import", self.dms_import)
            await self.bot.settle()
            await self.during("broadcast", self.broadcast)
        finally:
            watch.cancel()
            self.bot.stop()
            await self.stand.api.stop()

    async def during(self, name: str, work: Work) -> None:
        """Offer `/points` steadily while `work()` runs (plus a second either side)."""
        stop = asyncio.Event()
        self.stand.reset()
        log_from = self.bot.log.stat().st_size
        offering = asyncio.create_task(
            offer_steadily(self.stand, self.message, self.args.rate, lambda _: stop.is_set())
        )
        started = asyncio.get_running_loop().time()
        await asyncio.sleep(1.0)
        windows = await work()
        await asyncio.sleep(1.0)
        stop.set()
        await offering
        await self.stand.finish(30.0)
        ended = asyncio.get_running_loop().time()
        log = self.bot.log.read_text(errors="replace")[log_from:]
        for label, a, b in windows or [(name, started, ended)]:
            self.phases.append(Phase.of(label, a, b, self.stand, self.probe, log))
        print(self.phases[-1].line(), flush=True)

    async def sweep(self) -> list[Window]:
        start = await self.probe.wait_for("sweep_start", 120)
        end = await self.probe.wait_for("sweep_end", 1800)
        queued = self.probe.last("sweep_end")
        return [(f"sweep ({queued:,.0f} reminders queued)", start, end)]

    async def dms_import(self) -> list[Window]:
        visits = self.tmp / "visits.csv"
        loop = asyncio.get_running_loop()
        start = loop.time()
        done = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "import", str(visits), env=self.env, cwd=self.tmp,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output = (await done.communicate())[0].decode(errors="replace").strip()
        print(f"import: {output.splitlines()[-1] if output else done.returncode}", flush=True)
        return [(f"import ({self.args.visits:,} visits)", start, loop.time())]

    async def broadcast(self) -> list[Window]:
        await schedule_broadcast(self.url)
        start = await self.probe.wait_for("release_start", 60)
        end = await self.probe.wait_for("release_end", 1800)
        while not self.stand.pushes:
            await asyncio.sleep(0.05)
        first = self.stand.pushes[0]
        await asyncio.sleep(max(0.0, first + self.args.seconds - asyncio.get_running_loop().time()))
        recipients = self.probe.last("release_end")
        return [
            (f"broadcast: queueing {recipients:,.0f}", start, end),
            ("broadcast: sending", first, first + self.args.seconds),
        ]


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="owners-during-") as tmp:
        folder, admin_url = Path(tmp), args.database_url
        url = await create_database(admin_url) if admin_url else f"sqlite+aiosqlite:///{tmp}/b.db"
        kind = "PostgreSQL" if admin_url else "SQLite"
        try:
            print(f"seeding {kind}: {args.cars:,} members with a car each…", flush=True)
            seeded = await seed(url, args.cars, 1, care=True)
            print(f"seeded in {seeded.seconds:.1f} s", flush=True)
            (folder / "policy.toml").write_text(POLICY)
            write_visits(folder / "visits.csv", args.visits, args.cars)
            session = Run(args, url, folder)
            await session.main()
        finally:
            if admin_url:
                await drop_database(url, admin_url)
        print()
        print(
            f"{kind}, {args.cars:,} members and cars, /points at {args.rate:g}/s offered, "
            f"Telegram budget 30/s"
        )
        print(table(session.phases))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cars", type=int, default=1_000_000, help="members, a car each")
    parser.add_argument("--visits", type=int, default=100_000, help="rows the import brings")
    parser.add_argument("--rate", type=float, default=20.0, help="owners' /points a second")
    parser.add_argument("--seconds", type=float, default=20.0, help="idle; broadcast sending")
    parser.add_argument("--owners", type=int, default=5000, help="owners taking turns")
    parser.add_argument("--database-url", help="a PostgreSQL server to create a database on")
    parser.add_argument("--start-timeout", type=float, default=120.0)
    args = parser.parse_args()
    args.owners = min(args.owners, args.cars)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
