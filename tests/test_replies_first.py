"""Replies first: while a broadcast floods the budget at its full rate, an owner's reply
still goes out within a second of being asked, however slowly the sender's "sending"
marks are committed. Times are virtual (`FakeTimer`)."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace

import telegram
from telegram import Update

from bot.app import build_application, build_services
from bot.messaging.budget import BudgetRateLimiter
from bot.messaging.journal import Journal
from bot.messaging.pacing import LocalSlots, Pacer
from tests.fake_time import FakeTimer
from tests.harness import Bot, FakeBotAPI
from tests.sender_support import add_members, got, paced_sender, policy, push_all
from tests.test_budget import busiest_second, stamped

RATE = 30


class SlowCommits:
    """Marks committed in groups, as the journal does, each commit taking up to
    `longest` seconds (a database busy with a sweep or an import)."""

    def __init__(self, timer: FakeTimer, longest: float, seed: int = 12) -> None:
        self.timer, self.longest, self.rng = timer, longest, random.Random(seed)
        self._pending: list[asyncio.Future[None]] = []
        self._task: asyncio.Task[None] | None = None

    async def mark(self) -> None:
        future = asyncio.get_running_loop().create_future()
        self._pending.append(future)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._commits())
        await future

    async def _commits(self) -> None:
        while self._pending:
            group, self._pending = self._pending, []
            await self.timer.sleep(self.rng.random() * self.longest)
            for future in group:
                future.set_result(None)


async def test_a_reply_goes_within_a_second_while_pushes_flood_the_budget():
    timer = FakeTimer()
    pacer = Pacer(RATE, timer)
    limiter, commits = BudgetRateLimiter(pacer), SlowCommits(timer, longest=2.0)
    pushes: list[float] = []
    replies: list[tuple[float, float]] = []  # (asked, called)
    end = timer.now() + 20.0
    chats = iter(range(1, 10**6))

    async def worker() -> None:  # the sender's way for one push: see bot.messaging.calls
        while timer.now() < end:
            chat = next(chats)
            await pacer.chat_turn(chat)
            await commits.mark()
            await pacer.slot()
            await pacer.clear(chat)
            pushes.append(timer.now())

    async def reply(chat: int, delay: float) -> None:
        await timer.sleep(delay)
        asked = timer.now()

        async def call(*_: object) -> bool:
            replies.append((asked, timer.now()))
            return True

        data = {"chat_id": chat}
        await limiter.process_request(call, (), {}, "sendMessage", data, None)

    # 60 pushes in hand (the sender's workers at a higher rate), an owner's /points
    # every 0.37 s, at moments that fall anywhere in the slots and commits
    await asyncio.gather(
        *(worker() for _ in range(60)),
        *(reply(5_000_000 + i, 0.5 + 0.37 * i) for i in range(50)),
    )
    waits = [called - asked for asked, called in replies]
    assert len(waits) == 50
    assert max(waits) < 1.0, sorted(waits)[-3:]
    assert busiest_second(pushes + [called for _, called in replies]) <= RATE
    during = [at for at in pushes if at < end]
    assert len(during) >= 0.8 * (RATE - 1 / 0.37) * 20  # the broadcast kept its pace


async def test_the_sender_never_keeps_a_reply_waiting_a_second(settings, tmp_path, monkeypatch):
    """The real sender and the Application's replies on one budget, the sender's
    journal taking up to 1.5 s per commit: every owner's /help answer goes within a
    second of reaching the budget (virtual time does not count the handler's own
    database work), every push is sent once."""
    timer = FakeTimer()
    rng = random.Random(7)
    written = Journal.write

    async def slow_write(self: Journal) -> bool:
        if self._marks:  # the commit the "sending" marks wait for
            await timer.sleep(rng.random() * 1.5)
        return await written(self)

    monkeypatch.setattr(Journal, "write", slow_write)
    path = policy(tmp_path, rate_per_second=RATE, weekly_cap=50)
    services = await build_services(replace(settings, policy_file=path))
    api = FakeBotAPI()
    app = build_application(services, request=api, rate_limit=True, push_sender=False, timer=timer)
    bot = Bot(app, api)
    await bot.start()
    plain = telegram.Bot(settings.bot_token, request=api)
    await plain.initialize()
    try:
        limiter = app.bot.rate_limiter
        assert isinstance(limiter, BudgetRateLimiter)
        # The local clock's slots on PostgreSQL too: virtual time does not wait for the
        # shared budget's round trips to the database (tests/test_budget.py covers those).
        limiter.pacer.slots = LocalSlots(RATE)
        members = await add_members(bot, 240)
        await push_all(bot, members)
        sender = paced_sender(bot, plain, limiter.pacer, workers=60)
        stamps = stamped(api, timer)
        owners = [bot.person(5000 + i, language="en") for i in range(20)]
        asked: dict[int, float] = {}  # when each answer reached the budget
        limited = limiter.process_request

        async def process_request(callback, args, kwargs, endpoint, data, rate_limit_args):
            asked.setdefault(int(data.get("chat_id") or 0), timer.now())
            return await limited(callback, args, kwargs, endpoint, data, rate_limit_args)

        monkeypatch.setattr(limiter, "process_request", process_request)

        async def ask(person, delay: float) -> None:
            await timer.sleep(delay)
            payload = {"update_id": person.id, **person.text_update("/help")}
            await app.process_update(Update.de_json(payload, app.bot))

        async def tick() -> None:
            # Virtual time jumps to the next sleeper once the tasks that can run have run
            # for a few real milliseconds; steps of 10 ms keep a jump (while the loop is
            # busy with the database) from counting as a reply's wait.
            while not draining.done():
                await timer.sleep(0.01)

        draining = asyncio.create_task(sender.drain(max_seconds=120))
        ticking = asyncio.create_task(tick())
        await asyncio.gather(*(ask(p, 1.0 + 0.31 * i) for i, p in enumerate(owners)))
        report = await draining
        await ticking
        assert report.sent == 240
        assert set(got(bot).values()) == {1}  # every member once, every owner one answer
        first = {}
        for at, chat in stamps:
            first.setdefault(chat, at)
        waits = [first[chat] - at for chat, at in asked.items()]
        assert len(waits) == 20 and max(waits) < 0.25  # a few slots: only pushes in flight
        pushed = [at for at, chat in stamps if chat not in asked]
        assert min(asked.values()) < max(pushed) - 3  # asked while the broadcast went on
        assert busiest_second([at for at, _ in stamps]) <= RATE
    finally:
        await plain.shutdown()
        await bot.stop()
        await services.engine.dispose()
