"""Booking through the real run command, `python -m bot`, against the local Bot API
stand-in: an owner books in taps, the bot is killed (SIGKILL) half-way through a second
booking and started again on the same database, and the dialog goes on where it was;
the .ics file and the staff group's post arrive, and nothing is booked twice."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from bot.app import build_services
from bot.config import Settings
from db.models import Booking
from tests.factories import add_member
from tests.test_run_modes import BotProcess, bot_env, stand  # noqa: F401 (the fixture)

OWNER, STAFF_CHAT = 5151, -100515151


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


async def next_reply(api, bot: BotProcess, seen: int, within: float = 15.0) -> list[dict]:
    """Everything the bot sent the owner after the first `seen` messages (waits for one,
    then a moment for the rest of the same answer)."""
    deadline = time.monotonic() + within
    while len(await api.sent(OWNER)) <= seen:
        bot.check_alive()
        assert time.monotonic() < deadline, f"no reply after {within}s:\n{bot.log()}"
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)
    return (await api.sent(OWNER))[seen:]


async def press(api, bot: BotProcess, label_part: str) -> list[dict]:
    """Press the first button (of the latest message that has one) whose label holds
    `label_part`."""
    sent = await api.sent(OWNER)
    for message in reversed(sent):
        found = [data for label, data in buttons(message) if label_part in label]
        if found and not found[0].startswith("book:full"):
            await api.http.post("/_user/press", json={"user_id": OWNER, "data": found[0]})
            return await next_reply(api, bot, len(sent))
    raise AssertionError(f"no button with {label_part!r} in {sent[-3:]!r}")


async def send(api, bot: BotProcess, text: str) -> list[dict]:
    seen = len(await api.sent(OWNER))
    await api.send(OWNER, text)
    return await next_reply(api, bot, seen)


def first_free_day(message: dict[str, Any]) -> str:
    """The label of the first day button that has room (the calendar shows them as numbers)."""
    days = [label for label, data in buttons(message) if data.startswith("book:pick")]
    assert days, message
    return days[0]


async def test_booking_in_the_real_process_survives_a_sigkill_mid_dialog(
    stand,  # noqa: F811
    spawner,
    tmp_path,
):
    env = bot_env(tmp_path, stand, STAFF_CHAT_ID=str(STAFF_CHAT))
    first = BotProcess(spawner, tmp_path, env, "first")
    try:
        await send(stand, first, "/start")  # the bot is up and its database migrated
        services = await build_services(
            Settings(bot_token="1:X", database_url=env["DATABASE_URL"], default_locale="en")
        )
        holder = SimpleNamespace(app=SimpleNamespace(bot_data={"services": services}))
        await add_member(holder, OWNER, plate="粤B51515")
        await add_member(holder, None, phone="+8613800005152", plate="粤B51516")

        reply = await send(stand, first, "/book")
        assert "Regular maintenance" in str([buttons(m) for m in reply])
        calendar = (await press(stand, first, "Regular maintenance"))[-1]
        times = await press(stand, first, first_free_day(calendar))
        summary = await press(stand, first, ":")  # the first free time ("9:00 AM (4)")
        assert any("Confirm" in label for m in summary for label, _ in buttons(m))
        done = await press(stand, first, "Confirm")
        assert any(m["method"] == "sendDocument" for m in done), done
        assert times

        # A second booking, for a repair: the bot is killed before the time is picked.
        await send(stand, first, "/book")
        calendar = (await press(stand, first, "Repair"))[-1]
        await press(stand, first, first_free_day(calendar))
        first.kill()
    finally:
        first.kill()

    second = BotProcess(spawner, tmp_path, env, "second")
    try:
        await asyncio.sleep(0.5)
        summary = await press(stand, second, ":")  # the old time buttons still work
        assert any("Confirm" in label for m in summary for label, _ in buttons(m)), summary
        done = await press(stand, second, "Confirm")
        assert any(m["method"] == "sendDocument" for m in done), done
        deadline = time.monotonic() + 15
        while len(posts := await stand.sent(STAFF_CHAT)) < 2:
            assert time.monotonic() < deadline, f"staff posts: {posts!r}\n{second.log()}"
            await asyncio.sleep(0.05)
        assert all("粤B51515" in (p["text"] or "") for p in posts)
        # Pressing the old Confirm again books nothing more.
        seen = len(await stand.sent(OWNER))
        again = next(d for m in summary for label, d in buttons(m) if "Confirm" in label)
        await stand.http.post("/_user/press", json={"user_id": OWNER, "data": again})
        await asyncio.sleep(1.0)
        assert not [m for m in (await stand.sent(OWNER))[seen:] if m["method"] == "sendDocument"]
    finally:
        second.kill()
    async with services.sessionmaker() as session:
        rows = (await session.scalars(select(Booking).order_by(Booking.id))).all()
    assert [(b.service, b.status) for b in rows] == [
        ("regular_maintenance", "booked"),
        ("repair", "booked"),
    ]
    assert rows[0].starts_at - services.now() > timedelta(hours=3)
    await services.engine.dispose()
