"""Benchmark: the real bot process (`python -m bot`) under owners' load, beside a bare
python-telegram-bot echo bot, both polling a local Bot API stand-in.

    python benchmarks/bot_load.py                              # SQLite, 10k members, ~2 min
    python benchmarks/bot_load.py --members 1000000            # seeding takes about 90 s
    python benchmarks/bot_load.py --database-url postgresql+asyncpg://club:club@127.0.0.1/club
    python benchmarks/bot_load.py --seconds 15 --rates 50,100,200,400 --commands points

A fresh database (a SQLite file, or a new PostgreSQL database beside the one the URL names,
dropped at the end) gets N members, each with a car, a visit and its ledger row, and
`--staff` staff members with the customer-service role (as `/grant` writes it). The club
bot runs as a subprocess with a policy file that lifts `[pushes] rate_per_second` (the
Telegram budget replies share, 30/s by default) to 100,000/s and has no quiet hours, so
the figures are the bot's own cost; the echo bot (benchmarks/echo_bot.py) has no rate
limiter. The two bots run one after the other in the same run, never at the same time.

For `/points`, `/card`, `/card, first` and the staff command `/member <plate>`, and for
the echo bot (`/card` comes from owners who asked for it before, as owners showing their
card at the desk do: Telegram already has the picture, and its file id is sent again;
`/card, first` from an owner whose card was never drawn, each time someone new: the card
is drawn and uploaded):
- CPU ms per update: the bot process's user+system CPU (/proc/<pid>/stat) during the
  closed loop, divided by the updates answered;
- closed-loop updates/s: `--owners` (100) users, each sending its next command as soon
  as the reply to the last one reached the stand-in;
- open-loop p50/p99 latency at each `--rates` (50, 100, 200 updates/s offered, on schedule
  whatever the bot does): from an update's scheduled moment to its reply reaching the
  stand-in; "lost" counts replies that had not come 10 s after the last update.
The closed loop runs `--warmup` seconds before it is measured. The table gives each figure's
ratio to the echo bot's. On a 2-core machine the stand-in and this driver share the
second core; other load on the machine shows in the figures: compare runs made alike.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_drive import ROOT, BotProcess, Closed, Message, Open, Stand, closed_loop, open_loop, ready
from load_seed import OWNER_BASE, STAFF_BASE, create_database, drop_database, plate, seed

SETTINGS = {  # every key bot/config.py reads, so that a stray .env changes nothing
    "BOT_TOKEN": "123456:BENCH",
    "BOT_API_FILE_URL": "",
    "ADMIN_IDS": "",
    "STORE_CODE": "main",
    "STORE_NAME": "Owners Club",
    "STORE_TIMEZONE": "Asia/Shanghai",
    "DEFAULT_LOCALE": "zh_Hans",
    "CLUB_POLICY_FILE": "",
    "STAFF_CHAT_ID": "",
    "WEBHOOK_URL": "",
    "WEBHOOK_SECRET": "",
    "LOG_LEVEL": "WARNING",
    "SENDER_ID": "bench",
}
PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
POLICY = """# bot_load.py: the Telegram budget out of the way, and no quiet hours
[pushes]
rate_per_second = 100000
quiet_start = "00:00"
quiet_end = "00:00"
"""
START_SWEEP_SECONDS = 35.0
COMMANDS = ("points", "card", "newcard", "member")


@dataclass
class Workload:
    name: str
    users: list[int]  # the closed loop's users, one task each
    message: Message  # n-th update of the open loop → (user, text); text for the closed
    fresh: bool = False  # the closed loop too sends as `message`'s user: someone new each time


@dataclass
class Result:
    """One command's figures, each round of `--repeat`; the table shows their medians."""

    closed: list[Closed] = field(default_factory=list)
    opened: dict[int, list[Open]] = field(default_factory=dict)

    def median(self, values: Sequence[float]) -> float:
        return statistics.median(values) if values else float("nan")

    def cpu_ms(self) -> float:
        return self.median([c.cpu_ms for c in self.closed])

    def per_second(self) -> float:
        return self.median([c.per_second for c in self.closed])

    def latency(self, rate: int) -> str:
        runs = self.opened.get(rate, [])
        p50, p99 = self.median([o.p50_ms for o in runs]), self.median([o.p99_ms for o in runs])
        lost = sum(o.lost for o in runs)
        note = " saturated" if any(o.saturated for o in runs) else ""
        return f"{p50:.0f}/{p99:.0f}{note}" + (f" ({lost} lost)" if lost else "")


def workloads(args: argparse.Namespace, commands: Sequence[str]) -> list[Workload]:
    rng = random.Random(12)
    owners = [OWNER_BASE + m for m in rng.sample(range(1, args.members + 1), args.owners)]
    pool = [OWNER_BASE + rng.randrange(1, args.members + 1) for _ in range(5000)]
    staff = [STAFF_BASE + k for k in range(1, args.staff + 1)]
    found = [rng.randrange(1, args.members + 1) for _ in range(5000)]

    def owner_command(text: str) -> Message:
        return lambda n: (pool[n % len(pool)], text)

    def again(text: str) -> Message:  # owners who asked before (their card is uploaded)
        return lambda n: (owners[n % len(owners)], text)

    fresh = iter(rng.sample(range(1, args.members + 1), min(args.members, 200_000)))

    def first_card(n: int) -> tuple[int, str]:  # an owner whose card was never drawn
        return OWNER_BASE + next(fresh, rng.randrange(1, args.members + 1)), "/card"

    def member(n: int) -> tuple[int, str]:
        return staff[n % len(staff)], f"/member {plate(found[n % len(found)])}"

    made = {
        "points": Workload("/points", owners, owner_command("/points")),
        "card": Workload("/card", owners, again("/card")),
        "newcard": Workload("/card, first", owners, first_card, fresh=True),
        "member": Workload("/member", staff, member),
    }
    return [made[c] for c in commands]


async def reminders_sent(url: str, policy: Path) -> tuple[int, float]:
    """Run today's care-reminder sweep on the seeded database and mark what it queued as
    sent, as on a morning when the reminders have gone: the bot's own sweep at start then
    finds nothing new, and no backlog of pushes shares the figures. (How owners fare while
    reminders and broadcasts go is `owners_during.py`'s measure.)"""
    from sqlalchemy import update

    from bot import jobs
    from bot.app import build_services
    from bot.config import Settings
    from bot.messaging.outbox import Status
    from db.models import Push

    started = time.monotonic()
    services = await build_services(
        Settings(bot_token="123456:BENCH", database_url=url, policy_file=policy)
    )
    try:
        queued = (await jobs.daily_sweep(services))["reminders"]
        async with services.sessionmaker() as session:
            await session.execute(
                update(Push).where(Push.status == Status.QUEUED).values(status=Status.SENT)
            )
            await session.commit()
    finally:
        await services.close()
    return queued, time.monotonic() - started


def environment(base_url: str, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in PROXIES}
    env.update(SETTINGS, BOT_API_BASE_URL=base_url, DATABASE_URL="sqlite+aiosqlite:///unused.db")
    env.update(NO_PROXY="127.0.0.1,localhost", PYTHONPATH=str(ROOT), **extra)
    return env


async def measure(
    label: str, command: list[str], extra: dict[str, str], loads: list[Workload], args, tmp
) -> dict[str, Result]:
    stand = Stand()
    env = environment(await stand.start(), extra)
    bot = BotProcess(command, env, Path(tmp) / f"{label}.log")
    results = {load.name: Result() for load in loads}
    try:
        first = loads[0]
        started = time.monotonic()
        await ready(stand, bot, first.users[0], first.message(0)[1], args.start_timeout)
        if label == "club":  # its daily sweep runs 30 s after start (bot.jobs.schedule) and
            # the reminders it queues go out at the lifted budget: measure after that
            await asyncio.sleep(max(0.0, START_SWEEP_SECONDS - (time.monotonic() - started)))
        settled = await bot.settle()
        print(f"{label}: answering; start-up work done after {settled:.0f} s more", flush=True)
        for _ in range(args.repeat):
            for load in loads:
                result = results[load.name]
                closed = await closed_loop(
                    stand,
                    bot,
                    load.users,
                    load.message,
                    args.seconds,
                    args.warmup,
                    as_message=load.fresh,
                )
                result.closed.append(closed)
                for rate in args.rates:
                    run = await open_loop(stand, load.message, rate, args.seconds, args.give_up)
                    result.opened.setdefault(rate, []).append(run)
                    if not run.complete:
                        await bot.settle()  # let a backlog clear before the next figure
                print(f"{label} {load.name}: {closed.per_second:.0f} updates/s", flush=True)
    finally:
        bot.stop()
        await stand.api.stop()
    return results


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}×" if base == base and base else "—"


def table(echo: Result, club: dict[str, Result], rates: Sequence[int]) -> str:
    heads = ["command", "CPU ms/upd", "× echo", "closed upd/s", "× echo"]
    heads += [f"p50/p99 ms @{r}/s" for r in rates]
    rows = []
    for name, result in [("echo bot", echo), *club.items()]:
        cpu, rate = result.cpu_ms(), result.per_second()
        row = [name, f"{cpu:.2f}", ratio(cpu, echo.cpu_ms()), f"{rate:.0f}"]
        row += [ratio(rate, echo.per_second()), *(result.latency(r) for r in rates)]
        rows.append(row)
    widths = [max(len(r[i]) for r in [heads, *rows]) for i in range(len(heads))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(heads), line(["-" * w for w in widths]), *map(line, rows)])


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bot-load-") as tmp:
        admin_url = args.database_url
        url = await create_database(admin_url) if admin_url else f"sqlite+aiosqlite:///{tmp}/b.db"
        try:
            kind = "PostgreSQL" if admin_url else "SQLite"
            print(f"seeding {kind}: {args.members:,} members, {args.staff} staff…", flush=True)
            seeded = await seed(url, args.members, args.staff)
            print(f"seeded in {seeded.seconds:.1f} s", flush=True)
            policy = Path(tmp) / "policy.toml"
            policy.write_text(POLICY)
            reminded, took = await reminders_sent(url, policy)
            print(f"today's {reminded:,} reminders queued and marked sent in {took:.0f} s")
            echo_load = replace(workloads(args, ["points"])[0], name="echo")  # echoes /points
            echo_cmd = [sys.executable, str(ROOT / "benchmarks" / "echo_bot.py")]
            echo = await measure("echo", echo_cmd, {}, [echo_load], args, tmp)
            extra = dict(DATABASE_URL=url, CLUB_POLICY_FILE=str(policy), DEFAULT_LOCALE="zh_Hans")
            loads = workloads(args, args.commands)
            club = await measure("club", [sys.executable, "-m", "bot"], extra, loads, args, tmp)
        finally:
            if admin_url:
                await drop_database(url, admin_url)
        print()
        print(
            f"{kind}, {args.members:,} members (seeded in {seeded.seconds:.1f} s), "
            f"{args.owners} owners in the closed loop, {args.seconds:g} s per figure, "
            f"median of {args.repeat} round(s)"
        )
        print(table(echo["echo"], club, args.rates))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--staff", type=int, default=100, help="staff users sending /member")
    parser.add_argument("--owners", type=int, default=100, help="users in the closed loop")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each figure")
    parser.add_argument("--warmup", type=float, default=3.0, help="closed loop, unmeasured")
    parser.add_argument("--rates", type=lambda s: [int(r) for r in s.split(",")])
    parser.add_argument("--commands", type=lambda s: s.split(","), default=list(COMMANDS))
    parser.add_argument("--database-url", help="a PostgreSQL server to create a database on")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; medians are shown")
    parser.add_argument(
        "--give-up", type=float, default=2.0, help="stop offering once a reply is this late (s)"
    )
    parser.add_argument("--start-timeout", type=float, default=300.0)
    args = parser.parse_args()
    args.rates = args.rates or [50, 100, 200]
    if set(args.commands) - set(COMMANDS):
        parser.error(f"--commands: from {', '.join(COMMANDS)}")
    args.owners = min(args.owners, args.members)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
