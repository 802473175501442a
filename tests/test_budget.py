"""One Telegram budget: replies and pushes together never go faster than the rate, a chat
never gets two messages within a second (a group: three), replies do not wait behind a
broadcast, and a 429 on a staff reply is waited out. Times are virtual (`FakeTimer`)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from dataclasses import replace

import telegram
from telegram import Update

from bot.app import build_application, build_services
from bot.messaging.budget import BudgetRateLimiter
from bot.messaging.pacing import REPLY, Pacer
from bot.messaging.sender import PushSender
from tests.fake_time import FakeTimer
from tests.harness import Bot, FakeBotAPI
from tests.sender_support import add_members, midday, paced_sender, policy, push, push_all, render

SENDS = ("sendMessage", "sendPhoto", "editMessageText")


def stamped(api: FakeBotAPI, timer: FakeTimer) -> list[tuple[float, int]]:
    """Every message call's (virtual time, chat), recorded as the fake API receives it."""
    stamps: list[tuple[float, int]] = []

    def note(method, params):
        if method in SENDS:
            stamps.append((timer.now(), int(params["chat_id"])))

    api.fault = note
    return stamps


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    # (1e-6: 0.1 s steps add up to 0.9999999 s in floating point)
    return max((sum(1 for u in times if t <= u < t + 1.0 - 1e-6) for t in times), default=0)


def gaps(stamps: list[tuple[float, int]]) -> dict[int, float]:
    """The shortest time between two calls to the same chat, per chat."""
    by_chat: dict[int, list[float]] = defaultdict(list)
    for at, chat in stamps:
        by_chat[chat].append(at)
    return {
        chat: min((b - a for a, b in itertools.pairwise(ts)), default=99.0)
        for chat, ts in by_chat.items()
    }


async def test_the_pacer_keeps_chats_groups_and_the_rate_apart():
    timer = FakeTimer()
    pacer, stamps = Pacer(5, timer), []

    async def send(chat: int) -> None:
        await pacer.turn(chat)
        await pacer.clear(chat)
        stamps.append((timer.now(), chat))

    chats = [42] * 6 + [-100] * 4 + list(range(1, 21))
    started = time.monotonic()
    await asyncio.gather(*(send(chat) for chat in chats))
    assert time.monotonic() - started < 2  # 6 s of pacing, not slept for real
    shortest = gaps(stamps)
    assert shortest[42] >= 1.0 and shortest[-100] >= 3.0
    assert busiest_second([at for at, _ in stamps]) <= 5
    assert max(at for at, _ in stamps) - min(at for at, _ in stamps) >= 5.0  # 30 at 5/s


async def test_a_reply_takes_the_next_slot_however_many_pushes_wait():
    timer = FakeTimer()
    pacer, calls = Pacer(10, timer), []

    async def pushes(worker: int) -> None:
        for i in range(5):
            await pacer.turn(1000 * worker + i)
            await pacer.clear(1000 * worker + i)
            calls.append(("push", timer.now()))

    async def reply(chat: int, delay: float) -> None:
        await timer.sleep(delay)
        asked = timer.now()
        await pacer.turn(chat, priority=REPLY)
        await pacer.clear(chat)
        calls.append(("reply", timer.now() - asked))

    await asyncio.gather(
        *(pushes(w) for w in range(20)), *(reply(c, 0.35 + 0.5 * c) for c in range(1, 9))
    )
    waits = [wait for kind, wait in calls if kind == "reply"]
    assert len(waits) == 8 and max(waits) <= 0.25  # a slot or two at 10/s, not 2 s
    assert max(at for kind, at in calls if kind == "push") - 1000 >= 9.9  # 100 pushes at 10/s
    assert busiest_second([at for kind, at in calls if kind == "push"]) <= 10


async def test_pushes_to_one_owner_are_a_second_apart(make_bot, tmp_path):
    bot = await make_bot(policy_file=policy(tmp_path, weekly_cap=50))
    owner, other = await add_members(bot, 2)
    for i in range(6):
        await push(bot, owner, key=f"b{i}")
    await push(bot, other)
    timer = FakeTimer()
    stamps = stamped(bot.api, timer)
    svc = bot.app.bot_data["services"]
    sender = PushSender(svc, bot.app.bot, render, clock=midday(bot), timer=timer, backoff=(0.01,))
    started = time.monotonic()
    report = await sender.drain(max_seconds=60)
    assert report.sent == 7 and time.monotonic() - started < 4  # 5 virtual seconds
    assert len([c for _, c in stamps if c == owner.telegram_user_id]) == 6
    assert gaps(stamps)[owner.telegram_user_id] >= 1.0


async def test_replies_and_pushes_share_one_budget(settings, tmp_path):
    timer = FakeTimer()
    path = policy(tmp_path, rate_per_second=10, weekly_cap=50)
    services = await build_services(replace(settings, policy_file=path))
    api = FakeBotAPI()
    app = build_application(services, request=api, rate_limit=True, push_sender=False, timer=timer)
    bot = Bot(app, api)
    await bot.start()
    try:
        limiter = app.bot.rate_limiter
        assert isinstance(limiter, BudgetRateLimiter)
        members = await add_members(bot, 40)
        await push_all(bot, members)
        plain = telegram.Bot(settings.bot_token, request=api)
        await plain.initialize()
        sender = paced_sender(bot, plain, limiter.pacer, workers=20)
        stamps = stamped(api, timer)
        owners = [bot.person(5000 + i, language="en") for i in range(15)]
        asked = {p.id for p in owners}

        async def ask(person, delay: float) -> None:
            await timer.sleep(delay)
            payload = {"update_id": person.id, **person.text_update("/help")}
            await app.process_update(Update.de_json(payload, app.bot))

        draining = asyncio.create_task(sender.drain(max_seconds=120))
        await asyncio.gather(*(ask(p, 0.5 + 0.2 * i) for i, p in enumerate(owners)))
        report = await draining
        assert report.sent == 40
        replies = [(at, chat) for at, chat in stamps if chat in asked]
        assert {chat for _, chat in replies} == set(asked)
        pushed = [at for at, chat in stamps if chat not in asked]
        assert min(at for at, _ in replies) < max(pushed)  # replies came during the broadcast
        assert busiest_second([at for at, _ in stamps]) <= 10
        await plain.shutdown()
    finally:
        await bot.stop()
        await services.engine.dispose()


async def test_push_renderer_posts_staff_text_without_a_member(make_bot):
    bot = await make_bot()
    svc = bot.app.bot_data["services"]
    from bot.messaging.notify import queue_staff_post

    async with svc.sessionmaker() as session:
        push_id = await queue_staff_post(session, svc, chat_id=-1001, text="续费：王伟")
        await session.commit()
    assert push_id is not None
    await bot.drain()
    assert [c.text for c in bot.api.calls if c.chat_id == -1001] == ["续费：王伟"]


async def test_a_reply_of_several_messages_goes_at_once_and_pushes_keep_their_second():
    timer = FakeTimer()
    limiter, stamps = BudgetRateLimiter(Pacer(30, timer)), []

    async def call(chat: int) -> bool:
        stamps.append((timer.now(), chat))
        return True

    async def reply(chat: int) -> None:
        await limiter.process_request(
            callback=call,
            args=(chat,),
            kwargs={},
            endpoint="sendMessage",
            data={"chat_id": chat},
            rate_limit_args=None,
        )

    for _ in range(3):
        await reply(42)
    await limiter.pacer.turn(42)
    await limiter.pacer.clear(42)
    stamps.append((timer.now(), 42))
    await reply(-100)
    await reply(-100)
    times = [at for at, chat in stamps if chat == 42]
    assert times[2] - times[0] < 0.2  # the owner reads the whole answer at once
    assert times[3] - times[2] >= 1.0  # the next push waits for the chat's second
    group = [at for at, chat in stamps if chat == -100]
    assert group[1] - group[0] >= 3.0  # 20 a minute in a group, replies too


async def test_two_instances_share_the_token_budget_through_the_database(make_bot):
    from bot.messaging.budget import SharedSlots

    bot = await make_bot()
    svc = bot.app.bot_data["services"]
    timer, stamps = FakeTimer(), []
    one, two = (
        Pacer(10, timer, SharedSlots(svc.sessionmaker, 123456, 10, timer, timer.now))
        for _ in range(2)
    )

    async def send(pacer: Pacer, chat: int) -> None:
        await pacer.turn(chat)
        await pacer.clear(chat)
        stamps.append(timer.now())

    await asyncio.gather(
        *(send(one, 100 + i) for i in range(30)), *(send(two, 200 + i) for i in range(30))
    )
    assert len(stamps) == 60
    # Unshared, the two would make 20 calls a second. One more than the 10 can share a
    # second: a slot granted while virtual time moved on (the fake timer gives the
    # database a few real milliseconds, less than a busy machine may take) is used up to
    # CATCH_UP late, beside the next one.
    assert busiest_second(stamps) <= 11
    assert max(stamps) - min(stamps) >= 5.8  # 60 at 10/s
