"""The load side of `bot_load.py`: a bot process polling an in-process Bot API stand-in,
owners' updates offered to it, and each reply timed as it reaches the stand-in.

A reply is the first message the bot puts in a chat after an update from that chat (the
commands measured answer with one message each); updates still waiting in a chat are
matched oldest first, as the bot handles a chat's updates in order.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.fake_bot_api import FakeBotAPI  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
Message = Callable[[int], tuple[int, str]]  # n-th update → (user id, text)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid` so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


@dataclass
class Closed:
    updates: int
    seconds: float
    cpu: float

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / max(self.updates, 1)


@dataclass
class Open:
    rate: int
    offered: int
    latencies: list[float]  # seconds, one per reply received
    complete: bool  # every reply came within the drain time
    saturated: bool  # offering stopped early: replies fell too far behind

    @property
    def p50_ms(self) -> float:
        return 1000 * statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p99_ms(self) -> float:
        return 1000 * percentile(self.latencies, 0.99)

    @property
    def lost(self) -> int:
        return self.offered - len(self.latencies)


class Stand:
    """The Bot API stand-in plus the replies still awaited, per chat."""

    def __init__(self) -> None:
        self.api = FakeBotAPI(record_calls=False, on_sent=self._sent)
        self.waiting: dict[int, deque[tuple[float, asyncio.Future[float] | None]]] = {}
        self.latencies: list[float] = []
        self.port = 0
        self._users: dict[int, dict[str, object]] = {}

    async def start(self) -> str:
        self.port = await self.api.start(port=0)
        return f"http://127.0.0.1:{self.port}/bot"

    def _sent(self, chat: int, method: str, moment: float) -> None:
        queue = self.waiting.get(chat)
        if not queue:
            return  # a second message to a chat, or one nobody asked for
        offered, future = queue.popleft()
        self.latencies.append(moment - offered)
        if future is not None and not future.done():
            future.set_result(moment)

    def offer(self, batch: list[tuple[int, str, float]], wait: bool = False) -> list:
        """Queue (user, text, offered at) updates; with `wait`, futures for the replies."""
        updates, futures = [], []
        for user_id, text, offered in batch:
            user = self._users.get(user_id) or self._users.setdefault(
                user_id, self.api.user(user_id, "zh-hans")
            )
            future = asyncio.get_running_loop().create_future() if wait else None
            self.waiting.setdefault(user_id, deque()).append((offered, future))
            updates.append(self.api.message_update(user, text))
            futures.append(future)
        self.api.queue(updates)
        return futures

    def oldest(self) -> float | None:
        """When the longest-waiting update still without a reply was offered."""
        return min((q[0][0] for q in self.waiting.values() if q), default=None)

    def pending(self) -> int:
        return sum(len(q) for q in self.waiting.values())

    async def drain(self, within: float) -> bool:
        """Wait for the replies still owed; forget the ones that never come (False)."""
        deadline = time.monotonic() + within
        while self.pending() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        complete = not self.pending()
        self.waiting.clear()
        return complete


class BotProcess:
    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(command, env=env, cwd=log.parent, stdout=out, stderr=out)

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def check(self) -> None:
        if self.proc.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the bot exited with code {self.proc.returncode}:\n{tail}")

    async def settle(self, share: float = 0.05, within: float = 300.0) -> float:
        """Wait until the bot uses less than `share` of a core (start-up jobs done)."""
        started = time.monotonic()
        while time.monotonic() - started < within:
            before = self.cpu()
            await asyncio.sleep(1.0)
            self.check()
            if self.cpu() - before < share:
                break
        return time.monotonic() - started

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: PTB stops polling and shuts down
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


async def ready(stand: Stand, bot: BotProcess, user_id: int, text: str, within: float) -> None:
    """Ask until the bot answers (it may still be migrating or loading)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        bot.check()
        loop = asyncio.get_running_loop()
        (future,) = stand.offer([(user_id, text, loop.time())], wait=True)
        try:
            await asyncio.wait_for(future, 2.0)
            stand.waiting.clear()
            stand.latencies.clear()
            return
        except TimeoutError:
            stand.waiting.clear()
    raise RuntimeError(f"no answer to {text!r} within {within:.0f} s; see {bot.log}")


async def closed_loop(
    stand: Stand,
    bot: BotProcess,
    users: Sequence[int],
    message: Message,
    seconds: float,
    warmup: float,
    *,
    as_message: bool = False,
) -> Closed:
    """Each user sends its next update when the reply to the last one arrived. The loop
    runs `warmup` seconds before the measured `seconds` without a pause, so the figures
    are the steady state's (replies arriving, and CPU used, within the window). With
    `as_message`, each of the `users` loops sends as the user `message` names instead
    (someone new each time)."""
    loop = asyncio.get_running_loop()
    counter = itertools.count()
    replies = 0
    stop_at = loop.time() + warmup + seconds

    async def owner(user_id: int) -> None:
        nonlocal replies
        while loop.time() < stop_at:
            sender, text = message(next(counter))
            sender = sender if as_message else user_id
            (future,) = stand.offer([(sender, text, loop.time())], wait=True)
            try:
                await asyncio.wait_for(future, 60.0)
            except TimeoutError:
                return
            replies += 1

    tasks = [asyncio.create_task(owner(u)) for u in users]
    await asyncio.sleep(warmup)
    cpu, started, before = bot.cpu(), loop.time(), replies
    await asyncio.sleep(seconds)
    used, elapsed, done = bot.cpu() - cpu, loop.time() - started, replies - before
    await asyncio.gather(*tasks)
    await stand.drain(10.0)
    stand.latencies.clear()
    return Closed(done, elapsed, used)


async def offer_steadily(
    stand: Stand, message: Message, rate: float, done: Callable[[int], bool]
) -> int:
    """Offer `rate` updates a second on schedule, the n-th at start + n / rate whatever
    the replies do, until `done(offered so far)`; how many were offered."""
    loop = asyncio.get_running_loop()
    start, sent = loop.time() + 0.01, 0
    while not done(sent):
        now, batch = loop.time(), []
        while start + sent / rate <= now and not done(sent):
            user_id, text = message(sent)
            batch.append((user_id, text, start + sent / rate))
            sent += 1
        if batch:
            stand.offer(batch)
        await asyncio.sleep(max(0.0, start + sent / rate - loop.time()))
    return sent


async def open_loop(
    stand: Stand, message: Message, rate: int, seconds: float, give_up: float
) -> Open:
    """`rate` updates a second, on schedule whatever the replies do; latency from each
    update's scheduled moment (so a late driver cannot hide a slow bot). Once a reply is
    `give_up` seconds late the bot is saturated: no more updates are offered (the backlog
    would only grow), and those offered are still waited for."""
    loop = asyncio.get_running_loop()
    total = int(rate * seconds)
    stand.latencies.clear()
    saturated, checked = False, 0.0

    def done(sent: int) -> bool:
        nonlocal saturated, checked
        if (now := loop.time()) - checked > 0.1:
            checked, oldest = now, stand.oldest()
            saturated = oldest is not None and now - oldest > give_up
        return sent >= total or saturated

    sent = await offer_steadily(stand, message, rate, done)
    complete = await stand.drain(30.0)
    result = Open(rate, sent, list(stand.latencies), complete, saturated)
    stand.latencies.clear()
    return result
