"""Sign-up and the waitlist through the real run command, `python -m bot`, against the
local Bot API stand-in: one owner takes the last seat in taps, a second joins the
waitlist, the bot is killed (SIGKILL) and started again on the same database; the first
cancels, and the sender in the restarted process offers the seat to the second, who
takes it with the offer's own button. One seat, one offer, nothing twice."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select

from bot.app import build_services
from bot.config import Settings
from db.models import Event, EventSignup, Push
from tests.factories import add_event, add_member
from tests.test_events_process import replies
from tests.test_run_modes import BotProcess, bot_env, stand  # noqa: F401 (the fixture)

FIRST, SECOND = 5311, 5312


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


async def send(api, bot: BotProcess, chat: int, text: str) -> list[dict]:
    seen = len(await api.sent(chat))
    await api.send(chat, text)
    return await replies(api, bot, chat, seen)


async def press(api, bot: BotProcess, chat: int, label: str) -> list[dict]:
    """Press the button labelled `label` on the latest message that has it."""
    sent = await api.sent(chat)
    for message in reversed(sent):
        found = [data for text, data in buttons(message) if text == label]
        if found:
            await api.http.post("/_user/press", json={"user_id": chat, "data": found[0]})
            return await replies(api, bot, chat, len(sent))
    raise AssertionError(f"no button {label!r} in {sent[-3:]!r}")


def said(messages: list[dict]) -> str:
    return "\n".join((m.get("text") or m.get("caption") or "") for m in messages)


async def test_the_waitlist_in_the_real_process_survives_a_sigkill_and_offers_once(
    stand,  # noqa: F811
    spawner,
    tmp_path,
):
    env = bot_env(tmp_path, stand)
    first = BotProcess(spawner, tmp_path, env, "first")
    services = None
    try:
        await send(stand, first, FIRST, "/start")  # the bot is up and its database migrated
        services = await build_services(
            Settings(bot_token="1:X", database_url=env["DATABASE_URL"], default_locale="en")
        )
        holder = SimpleNamespace(app=SimpleNamespace(bot_data={"services": services}))
        await add_member(holder, FIRST, plate=None, phone="+8613800005311")
        await add_member(holder, SECOND, plate=None, phone="+8613800005312", name="Li Na")
        event = await add_event(holder, capacity=1)

        await send(stand, first, FIRST, f"/start ev_{event.id}")
        going = await press(stand, first, FIRST, "Sign up")
        assert "You are signed up!" in said(going), going
        assert {m["method"] for m in going} >= {"sendPhoto", "sendDocument"}  # pass, .ics
        await send(stand, first, SECOND, f"/start ev_{event.id}")
        waiting = await press(stand, first, SECOND, "Join the waitlist")
        assert "number 1" in said(waiting), waiting
        first.kill()  # SIGKILL: no shutdown of any kind
    finally:
        first.kill()

    second = BotProcess(spawner, tmp_path, env, "second")
    try:
        await send(stand, second, FIRST, f"/start ev_{event.id}")
        await press(stand, second, FIRST, "Cancel my sign-up")
        seen = len(await stand.sent(SECOND))
        cancelled = await press(stand, second, FIRST, "Yes, cancel")
        assert "Cancelled" in said(cancelled), cancelled
        offer = await replies(stand, second, SECOND, seen)  # the sender in the process
        assert "a place is free for you" in said(offer), offer
        taken = await press(stand, second, SECOND, "Take the place")
        assert "You are signed up!" in said(taken), taken
        await asyncio.sleep(1.0)  # time for a second offer to show, were there one
        offers = [m for m in await stand.sent(SECOND) if "a place is free" in said([m])]
        assert len(offers) == 1, offers
    finally:
        second.kill()
    assert services is not None
    async with services.sessionmaker() as session:
        seats = await session.scalar(select(Event.seats_taken).where(Event.id == event.id))
        statuses = dict(
            (await session.execute(select(EventSignup.member_id, EventSignup.status))).all()
        )
        pushes = await session.scalar(
            select(func.count()).where(Push.purpose == "event_offer", Push.status == "sent")
        )
    assert seats == 1 and sorted(statuses.values()) == ["cancelled", "going"]
    assert pushes == 1
    await services.engine.dispose()
