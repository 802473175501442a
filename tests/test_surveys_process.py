"""The survey through the real run command, `python -m bot`, against the local Bot API
stand-in, with a policy that sends it at once: a visit is recorded, the process's own
minute sweep gives it a survey and its sender delivers the push; the bot is killed
(SIGKILL) and started again on the same database, a sweep looks again, and the owner
still has exactly one survey for that visit, which they answer after the restart."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select

from bot import jobs
from bot.app import build_services
from bot.config import Settings
from bot.messaging.outbox import Purpose
from db.models import Push, Survey
from tests.factories import add_member, add_visit
from tests.test_run_modes import BotProcess, bot_env, stand  # noqa: F401 (the fixture)

OWNER = 5401
ASKS = "How satisfied are you overall?"
POLICY = """
[pushes]
quiet_start = "00:00"
quiet_end = "00:00"

[surveys]
delay_minutes = 0
"""


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


async def wait_for(api, bot: BotProcess, seen: int, within: float = 15.0) -> list[dict]:
    """What the bot sent the owner after their first `seen` messages (waits for one)."""
    deadline = time.monotonic() + within
    while len(await api.sent(OWNER)) <= seen:
        bot.check_alive()
        assert time.monotonic() < deadline, f"nothing after {within}s:\n{bot.log()}"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    return (await api.sent(OWNER))[seen:]


async def press(api, bot: BotProcess, label: str) -> list[dict]:
    sent = await api.sent(OWNER)
    for message in reversed(sent):
        found = [data for text, data in buttons(message) if text == label]
        if found:
            await api.http.post("/_user/press", json={"user_id": OWNER, "data": found[0]})
            return await wait_for(api, bot, len(sent))
    raise AssertionError(f"no button {label!r} in {sent[-2:]!r}")


def surveys_asked(sent: list[dict]) -> list[dict]:
    return [m for m in sent if ASKS in (m["text"] or "")]


async def test_a_survey_in_the_real_process_goes_once_across_a_sigkill(
    stand,  # noqa: F811
    spawner,
    tmp_path: Path,
):
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    env = bot_env(tmp_path, stand, CLUB_POLICY_FILE=str(policy))
    settings = Settings(
        bot_token="1:X",
        database_url=env["DATABASE_URL"],
        default_locale="en",
        policy_file=policy,
    )
    first = BotProcess(spawner, tmp_path, env, "first")
    services = None
    try:
        await stand.send(OWNER, "/start")  # the bot is up and its database migrated
        await wait_for(stand, first, 0)
        services = await build_services(settings)
        holder = SimpleNamespace(app=SimpleNamespace(bot_data={"services": services}))
        await add_member(holder, OWNER)
        await add_visit(holder, staff_id=None)
        # The process's own sweep runs within its first half-minute, then each minute.
        seen = len(await stand.sent(OWNER))
        push = (await wait_for(stand, first, seen, within=60.0))[-1]
        assert ASKS in push["text"], push
        assert [label for label, _ in buttons(push)] == ["1 😞", "2", "3", "4", "5 😀"]
        first.kill()  # SIGKILL: no shutdown of any kind
    finally:
        first.kill()

    assert services is not None
    second = BotProcess(spawner, tmp_path, env, "second")
    try:
        # Another sweep after the restart (as the restarted process's own, a minute on)
        assert (await jobs.surveys_tick(services))["surveys"] == 0
        reply = await press(stand, second, "2")  # the push's button, after the restart
        assert "Your rating: 2" in reply[-1]["text"], reply
        reply = await press(stand, second, "4")
        assert "What went wrong?" in reply[-1]["text"], reply
        await press(stand, second, "Waiting time")
        await press(stand, second, "Done")
        seen = len(await stand.sent(OWNER))
        await stand.send(OWNER, "Two hours for an oil change.")
        reply = await wait_for(stand, second, seen)
        assert "a supervisor will call you back within 24 hours" in reply[-1]["text"], reply
        await asyncio.sleep(1.0)  # time for a duplicate push to show, were there one
        assert len(surveys_asked(await stand.sent(OWNER))) == 1
    finally:
        second.kill()
    async with services.sessionmaker() as session:
        kept = (await session.scalars(select(Survey))).all()
        pushes = await session.scalar(
            select(func.count()).select_from(Push).where(Push.purpose == Purpose.SURVEY)
        )
    assert pushes == 1 and len(kept) == 1
    [survey] = kept
    assert (survey.status, survey.satisfaction, survey.nps) == ("answered", 2, 4)
    assert survey.reasons == ["waiting"] and survey.comment == "Two hours for an oil change."
    await services.engine.dispose()
