"""What `owners_during.py` observes and prints: owners' replies at the stand-in (each
with its text checked for the apology), the bot's probe lines (`bot_probe.py`) and its
CPU, and one table row per phase."""

from __future__ import annotations

import asyncio
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from load_drive import BotProcess, Stand, percentile

from bot.i18n import translator
from scripts.fake_bot_api import FakeBotAPI

APOLOGY = (  # handlers/errors.py: what an owner reads when an update failed
    "Sorry, something went wrong on our side and nothing was changed. Please try again in a moment."
)
LOG_ERRORS = ("database is locked", "QueuePool limit", "ERROR")


class Reply(NamedTuple):
    offered: float
    arrived: float
    failed: bool


class TextAPI(FakeBotAPI):
    """The stand-in, keeping the text of the message being sent for `on_sent`."""

    text: str | None = None

    async def call(self, method: str, params: dict[str, Any], files: dict[str, Any]) -> Any:
        self.text = params.get("text")
        return await super().call(method, params, files)


class Replies(Stand):
    """Owners' replies (the first message to an owner's chat after each update), with
    their text checked; every other message is a push (its moment kept)."""

    def __init__(self, owners: set[int]) -> None:
        super().__init__()
        self.api = TextAPI(record_calls=False, on_sent=self._sent)
        self.owners = owners
        self.apology = translator("zh_Hans", ZoneInfo("Asia/Shanghai")).gettext(APOLOGY)
        self.reset()

    def reset(self) -> None:
        self.answered: list[Reply] = []
        self.unanswered: list[float] = []  # when each update never answered was offered
        self.pushes: list[float] = []

    def _sent(self, chat: int, method: str, moment: float) -> None:
        if chat not in self.owners:
            self.pushes.append(moment)
            return
        queue = self.waiting.get(chat)
        if not queue:
            return
        offered, future = queue.popleft()
        self.answered.append(Reply(offered, moment, self.api.text == self.apology))
        if future is not None and not future.done():
            future.set_result(moment)

    async def finish(self, within: float) -> None:
        """Wait for the replies still owed; those that never come are unanswered."""
        deadline = asyncio.get_running_loop().time() + within
        while self.pending() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        self.unanswered = [offered for q in self.waiting.values() for offered, _ in q]
        self.waiting.clear()


class Probe:
    """The probe file's lines as they come, and the bot's CPU time every quarter second."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.touch()
        self.events: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self.cpu: list[tuple[float, float]] = []
        self._offset, self._partial = 0, ""

    def read(self) -> None:
        with self.path.open() as lines:
            lines.seek(self._offset)
            data = self._partial + lines.read()
            self._offset = lines.tell()
        *complete, self._partial = data.split("\n")
        for line in complete:
            kind, at, value = line.split()
            self.events[kind].append((float(at), float(value)))

    async def watch(self, bot: BotProcess) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self.read()
            self.cpu.append((loop.time(), bot.cpu()))
            await asyncio.sleep(0.25)

    async def wait_for(self, kind: str, within: float) -> float:
        """The moment of the first `kind` event (waiting for it up to `within` s)."""
        deadline = asyncio.get_running_loop().time() + within
        while not self.events[kind]:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"no {kind} from the bot within {within:.0f} s")
            await asyncio.sleep(0.1)
        return self.events[kind][0][0]

    def last(self, kind: str) -> float:
        return self.events[kind][-1][1]

    def within(self, kind: str, a: float, b: float) -> list[float]:
        return [value for at, value in self.events[kind] if a <= at <= b]

    def cpu_share(self, a: float, b: float) -> float:
        inside = [(t, c) for t, c in self.cpu if a <= t <= b]
        if len(inside) < 2:
            return float("nan")
        (t0, c0), (t1, c1) = inside[0], inside[-1]
        return (c1 - c0) / (t1 - t0)


def _ms(values: Sequence[float], share: float | None = None) -> float:
    if not values:
        return float("nan")
    if share is None:
        return 1000 * max(values)
    return 1000 * (statistics.median(values) if share == 0.5 else percentile(values, share))


@dataclass
class Phase:
    label: str
    seconds: float
    replies: int
    p50: float
    p99: float
    worst: float
    failed: int
    unanswered: int
    lag: float
    lock: float
    pool: float
    budget: tuple[float, float, float]
    cpu: float
    pushes_per_second: float
    log_errors: str

    @classmethod
    def of(cls, label: str, a: float, b: float, stand: Replies, probe: Probe, log: str) -> Phase:
        """The figures of updates offered between moments `a` and `b` (and of the probe's
        events then); `log` is the bot's log written during the phase's case."""
        probe.read()
        replies = [r for r in stand.answered if a <= r.offered <= b]
        latencies = [r.arrived - r.offered for r in replies]
        budget = probe.within("budget", a, b)
        errors = [f"{n}× {e!r}" for e in LOG_ERRORS if (n := log.count(e))]
        return cls(
            label=label,
            seconds=b - a,
            replies=len(replies),
            p50=_ms(latencies, 0.5),
            p99=_ms(latencies, 0.99),
            worst=_ms(latencies),
            failed=sum(r.failed for r in replies),
            unanswered=sum(a <= o <= b for o in stand.unanswered),
            lag=_ms(probe.within("lag", a, b)),
            lock=_ms(probe.within("lock", a, b)),
            pool=_ms(probe.within("pool", a, b)),
            budget=(_ms(budget, 0.5), _ms(budget, 0.99), _ms(budget)),
            cpu=probe.cpu_share(a, b),
            pushes_per_second=sum(a <= t <= b for t in stand.pushes) / max(b - a, 1e-9),
            log_errors=", ".join(errors) or "none",
        )

    def cells(self) -> list[str]:
        b50, b99, bmax = self.budget
        return [
            self.label,
            f"{self.seconds:.1f}",
            str(self.replies),
            f"{self.p50:.0f}/{self.p99:.0f}/{self.worst:.0f}",
            str(self.failed),
            str(self.unanswered),
            f"{self.lag:.0f}",
            f"{self.lock:.0f}/{self.pool:.0f}",
            f"{b50:.1f}/{b99:.1f}/{bmax:.1f}",
            f"{100 * self.cpu:.0f}%",
            f"{self.pushes_per_second:.1f}",
            self.log_errors,
        ]

    def line(self) -> str:
        return " | ".join(self.cells())


HEADS = [
    "phase",
    "s",
    "replies",
    "p50/p99/max ms",
    "failed",
    "no reply",
    "loop lag max ms",
    "lock/pool wait max ms",
    "budget wait p50/p99/max ms",
    "bot CPU",
    "pushes/s",
    "bot log",
]


def table(phases: Sequence[Phase]) -> str:
    rows = [HEADS, *(p.cells() for p in phases)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADS))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(HEADS), line(["-" * w for w in widths]), *map(line, rows[1:])])
