"""Check-in through the real run command, `python -m bot`, against the local Bot API
stand-in: a staff member scans an owner's pass, the owner is told their points, the bot
is killed (SIGKILL) and started again on the same database, and a second scan says
"already checked in": one attendance row in the ledger, one notice to the owner."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select

from bot.app import build_services
from bot.club.events import signup
from bot.club.points.ledger import EntryKind
from bot.config import Settings
from db.models import Member, PointsEntry
from tests.factories import add_event, add_member
from tests.test_run_modes import BotProcess, bot_env, stand  # noqa: F401 (the fixture)

OWNER, DESK = 5301, 5399


async def replies(api, bot: BotProcess, chat: int, seen: int, within: float = 15.0) -> list[dict]:
    """What the bot sent `chat` after its first `seen` messages (waits for one)."""
    deadline = time.monotonic() + within
    while len(await api.sent(chat)) <= seen:
        bot.check_alive()
        assert time.monotonic() < deadline, f"nothing for {chat} after {within}s:\n{bot.log()}"
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)
    return (await api.sent(chat))[seen:]


async def scan(api, bot: BotProcess, code: str) -> str:
    seen = len(await api.sent(DESK))
    await api.send(DESK, f"/start ci_{code}")
    return "\n".join(m["text"] or "" for m in await replies(api, bot, DESK, seen))


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] or "" for m in messages]


async def test_a_check_in_in_the_real_process_survives_a_sigkill_and_counts_once(
    stand,  # noqa: F811
    spawner,
    tmp_path,
):
    env = bot_env(tmp_path, stand, ADMIN_IDS=str(DESK))
    first = BotProcess(spawner, tmp_path, env, "first")
    services = None
    try:
        seen = len(await stand.sent(DESK))
        await stand.send(DESK, "/start")  # the bot is up and its database migrated
        await replies(stand, first, DESK, seen)
        services = await build_services(
            Settings(bot_token="1:X", database_url=env["DATABASE_URL"], default_locale="en")
        )
        holder = SimpleNamespace(app=SimpleNamespace(bot_data={"services": services}))
        member = await add_member(holder, OWNER, plate=None)
        now = services.now()
        event = await add_event(
            holder,
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(hours=3),
            signup_until=now + timedelta(minutes=30),
            points_award=80,
        )
        async with services.sessionmaker() as session:
            done = await signup.sign_up(
                session, services.default_store, event.id, member.id, 0, now
            )
            await session.commit()
        code = done.signup.code

        text = await scan(stand, first, code)
        assert "Checked in: Wang Wei" in text and "+80 attendance points" in text, text
        told = await replies(stand, first, OWNER, 0)  # the sender in the process delivers it
        assert any("You earned 80 points for coming" in t for t in texts(told)), told
        first.kill()  # SIGKILL: no shutdown of any kind
    finally:
        first.kill()

    second = BotProcess(spawner, tmp_path, env, "second")
    try:
        text = await scan(stand, second, code)
        assert "Wang Wei was already checked in at" in text and "by you" in text, text
        await asyncio.sleep(1.0)  # time for a duplicate notice to show, were there one
        notices = [t for t in texts(await stand.sent(OWNER)) if "You earned" in t]
        assert len(notices) == 1, notices
    finally:
        second.kill()
    assert services is not None
    async with services.sessionmaker() as session:
        rows = await session.scalar(
            select(func.count()).where(
                PointsEntry.member_id == member.id, PointsEntry.kind == EntryKind.ATTENDANCE
            )
        )
        balance = await session.scalar(
            select(Member.redeemable_points).where(Member.id == member.id)
        )
    assert rows == 1 and balance == 80
    await services.engine.dispose()
