"""SIGKILL the real sender, in its own process, at random points of a broadcast to a few
hundred owners, restart it, again and again: nobody gets a message twice, and every push
is delivered or reported unknown (never left hanging, never sent blind after a crash);
also with two senders sharing the outbox, one of them killed each time."""

from __future__ import annotations

import asyncio
import os
import random
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.messaging.outbox import Purpose, enqueue_many, push_row
from db.models import Push
from scripts.fake_bot_api import FakeBotAPI
from tests.flows import services
from tests.sender_support import add_members, policy

SCRIPT = Path(__file__).with_name("sender_process.py")
OWNERS, KILLS = 300, 5


class SlowAPI(FakeBotAPI):
    """Calls take 0–8 ms, so that a kill finds messages in flight."""

    async def call(self, method: str, params: dict[str, Any], files: dict[str, Any]) -> Any:
        if method == "sendMessage":
            await asyncio.sleep(random.uniform(0, 0.008))
        return await super().call(method, params, files)


def delivered(api: FakeBotAPI) -> Counter[int]:
    return Counter(int(c["params"]["chat_id"]) for c in api.calls if c["method"] == "sendMessage")


async def statuses(svc) -> dict[int, str]:
    async with svc.sessionmaker() as session:
        rows = await session.execute(select(Push.chat_id, Push.status))
        return dict(rows.all())


@pytest.mark.parametrize("instances", [1, 2])
async def test_killing_the_sender_mid_broadcast_never_sends_twice(
    make_bot, spawner, tmp_path, instances
):
    path = policy(tmp_path, rate_per_second=400, quiet_start="00:00", quiet_end="00:00")
    bot = await make_bot(policy_file=path)
    svc = services(bot)
    members = await add_members(bot, OWNERS)
    async with svc.sessionmaker() as session:
        rows = [
            push_row(
                store_id=svc.default_store.id,
                member_id=m.id,
                chat_id=m.telegram_user_id,
                purpose=Purpose.NOTICE,
                dedupe_key="typhoon",
                params={"text": "台风预警：明天请勿外出。"},
                urgent=True,
            )
            for m in members
        ]
        await enqueue_many(session, rows)
        await session.commit()
    api = SlowAPI()
    port = await api.start()
    env = {
        **os.environ,
        "BOT_TOKEN": svc.settings.bot_token,
        "DATABASE_URL": svc.settings.database_url,
        "BOT_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
        "CLUB_POLICY_FILE": str(path),
        "LOG_LEVEL": "ERROR",
    }
    rng, done, running = random.Random(13 + instances), False, {}
    try:
        for kill in range(KILLS + 1):
            for sender_id in range(1, instances + 1):
                if sender_id not in running:  # (re)start: as a supervisor would
                    running[sender_id] = spawner.spawn(  # a new process, forked warm
                        [],
                        script=SCRIPT,
                        env={**env, "SENDER_ID": str(sender_id)},
                        cwd=tmp_path,
                        stdout=tmp_path / f"sender-{sender_id}.log",
                    )
            target = sum(delivered(api).values()) + rng.randint(10, 60)
            for step in range(3000):  # up to 15 s
                if kill < KILLS and sum(delivered(api).values()) >= target:
                    break
                # The database only now and then: the senders need it more.
                final = {"sent", "unknown"}
                if step % 20 == 0 and (done := set((await statuses(svc)).values()) <= final):
                    break
                await asyncio.sleep(0.005)
            victims = list(running) if kill == KILLS else [rng.choice(list(running))]
            for sender_id in victims:
                running[sender_id].send_signal(signal.SIGKILL)
                await running.pop(sender_id).finished()
        assert done, Counter((await statuses(svc)).values())
    finally:
        for process in running.values():
            process.kill()
            await process.finished()
        await api.stop()
    got, final = delivered(api), await statuses(svc)
    assert max(got.values()) == 1, [chat for chat, n in got.items() if n > 1]
    assert set(final.values()) <= {"sent", "unknown"}
    assert all(got[chat] == 1 for chat, status in final.items() if status == "sent")
    assert all(got[chat] <= 1 for chat, status in final.items() if status == "unknown")
    assert len(final) == OWNERS
