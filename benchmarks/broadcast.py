"""Benchmark: a broadcast to 10,000 members through the one sender (`PushSender`).

    python benchmarks/broadcast.py --faults 0      # the policy's 30/s: 5.6 min
    python benchmarks/broadcast.py --rate 300 --faults 0   # 33 s
    python benchmarks/broadcast.py --rate 1000     # 5% of calls answered 429: ~2 min
    python benchmarks/broadcast.py --rate 1000 --faults 0 --database-url postgresql+asyncpg://…

Every message is marked "sending" (committed) before its call and its outcome committed
right after (group-committed by the sender's journal), as in production.

A fresh SQLite file gets the members (bulk insert) and one queued broadcast push each; the
sender drains them against an in-process fake Bot API (tests/harness.FakeBotAPI) that
takes 5–20 ms per call and answers a share of sendMessage calls (`--faults`, default 5%)
with 429 "retry after 1". Printed: the rate achieved against the configured one (target
≥ 95%), the time spent standing still in flood waits, messages lost and duplicated
(sendMessage calls per chat: both must be 0) and the time taken.

A lone 429 holds back only that message for retry_after (it is sent again later, once);
only when 429s come thick (≥ 3 and over a fifth of the sends within a second: the bot as a
whole is over Telegram's limit) does all sending pause. So at 5% random faults the calls
to Telegram still run at the configured rate ("calls" below), and delivered messages at
that rate less the 5% of calls that were refused. `--faults 0` measures the pacing alone.
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
from dataclasses import replace
from datetime import time as clock_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402
from telegram import Bot  # noqa: E402

from bot.app import build_services  # noqa: E402
from bot.club.policy.model import load_policy  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.messaging.budget import slot_source  # noqa: E402
from bot.messaging.outbox import Purpose, enqueue_many, push_row  # noqa: E402
from bot.messaging.pacing import Pacer  # noqa: E402
from bot.messaging.sender import PushSender, Rendered  # noqa: E402
from db.models import Member, Push  # noqa: E402
from tests.flows import member_rows  # noqa: E402
from tests.harness import FakeBotAPI, error_answer  # noqa: E402

FIRST_CHAT = 10_000_000


class SlowFakeBotAPI(FakeBotAPI):
    """The fake Bot API with a network round trip of 5–20 ms per call."""

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(random.uniform(0.005, 0.020))
        return await super().do_request(url, method, *args, **kwargs)


async def setup(folder: Path, members: int, rate: int | None, url: str | None) -> Any:
    url = url or f"sqlite+aiosqlite:///{folder}/b.db"  # PostgreSQL: an empty database
    settings = Settings(bot_token="123456:BENCH", database_url=url)
    policy = load_policy(None)
    pushes = replace(
        policy.pushes,
        rate_per_second=rate or policy.pushes.rate_per_second,
        paid_broadcast=False,
        quiet_start=clock_time(0),  # start == end: no quiet hours, whatever the time now
        quiet_end=clock_time(0),
        weekly_cap=1000,
    )
    # The deployment's policy and every store's (quiet hours are each store's own).
    services = await build_services(settings, replace(policy, pushes=pushes))
    rows = member_rows(
        services.default_store.id, services.policy.tiers[0].code, FIRST_CHAT, members
    )
    async with services.sessionmaker() as session:
        await session.execute(insert(Member), rows)
        found = await session.execute(select(Member.id, Member.telegram_user_id))
        queued = [
            push_row(
                store_id=services.default_store.id,
                member_id=member_id,
                chat_id=chat_id,
                purpose=Purpose.BROADCAST,
                dedupe_key="bench",
            )
            for member_id, chat_id in found.all()
        ]
        for start in range(0, len(queued), 2000):
            await enqueue_many(session, queued[start : start + 2000])
        await session.commit()
    return services


async def render(session: Any, push: Push, member: Member) -> Rendered:
    return Rendered("台风预警：明天上午请勿外出，车辆请停放在地势较高处。")


async def bench(members: int, rate: int | None, faults: float, url: str | None) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        services = await setup(Path(tmp), members, rate, url)
        configured = services.policy.pushes.rate
        api = SlowFakeBotAPI()
        api.fault = lambda method, params: (
            error_answer(429, retry_after=1)
            if method == "sendMessage" and rng.random() < faults
            else None
        )
        bot = Bot("123456:BENCH", request=api)
        await bot.initialize()
        pacer = Pacer(configured)  # the token's budget as the bot has it: shared on PostgreSQL
        pacer.slots = slot_source(
            services.sessionmaker,
            services.settings.database_url,
            "123456:BENCH",
            configured,
            pacer.timer,
        )
        sender = PushSender(services, bot, render, pacer=pacer)
        started = time.perf_counter()
        report = await sender.drain()
        seconds = time.perf_counter() - started
        per_chat = Counter(c.chat_id for c in api.calls_to("sendMessage"))
        async with services.sessionmaker() as session:
            statuses = dict(
                (
                    await session.execute(select(Push.status, func.count()).group_by(Push.status))
                ).all()
            )
        await bot.shutdown()
        await services.engine.dispose()
    lost = sum(1 for i in range(members) if per_chat[FIRST_CHAT + i] == 0)
    duplicated = sum(n - 1 for n in per_chat.values() if n > 1)
    refused = len(api.refused)
    paused = min(report.paused_seconds, seconds)
    print(
        f"members={members} configured={configured}/s workers={sender.workers} "
        f"batch={sender.batch} faults={faults:.1%} database={services.engine.dialect.name}\n"
        f"  sent={report.sent} in {seconds:.1f} s: {report.sent / seconds:.1f}/s "
        f"({100 * report.sent / seconds / configured:.0f}% of configured)\n"
        f"  calls to Telegram={report.sent + refused}: "
        f"{(report.sent + refused) / seconds:.1f}/s "
        f"({100 * (report.sent + refused) / seconds / configured:.0f}% of configured)\n"
        f"  429 answers={refused}; all sending stood still for {paused:.1f} s of flood waits "
        f"({100 * paused / seconds:.0f}% of the time)\n"
        f"  lost={lost} duplicated={duplicated} statuses={statuses}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--rate", type=int, help="messages/s (default: the policy's, 30)")
    parser.add_argument("--faults", type=float, default=0.05, help="share of 429 answers")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    logging.getLogger("bot.messaging.sender").setLevel(logging.ERROR)  # one line per flood wait
    asyncio.run(bench(args.members, args.rate, args.faults, args.database_url))


if __name__ == "__main__":
    main()
