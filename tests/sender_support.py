"""What the sender tests share: a bot with a policy of their own, members, queued pushes,
a renderer, clocks and what each chat received."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bot.messaging.outbox import Purpose, enqueue, enqueue_many, push_row
from bot.messaging.sender import PushSender, Rendered, stop_sender
from db.base import utcnow
from db.models import Member, Push
from tests.flows import member_rows, services
from tests.harness import Bot

FAST = (0.01, 0.01, 0.01)  # quick in-process retries, so tests do not sleep for seconds


def policy(tmp_path: Path, **pushes: object) -> Path:
    """A policy file overriding [pushes]; fast by default (TOML values written by json)."""
    values = {"rate_per_second": 500, "retry_minutes": [5, 60], **pushes}
    path = tmp_path / f"policy{len(list(tmp_path.glob('policy*')))}.toml"
    lines = ["[pushes]", *(f"{key} = {json.dumps(v)}" for key, v in values.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def fast_bot(make_bot, tmp_path, **pushes: object) -> Bot:
    bot = await make_bot(policy_file=policy(tmp_path, **pushes))
    await stop_sender(bot.app)  # should the app run a sender of its own: tests drive theirs
    return bot


async def add_members(
    bot: Bot, count: int, first: int = 70000, store_id: int | None = None
) -> list[Member]:
    svc = services(bot)
    store_id = store_id or svc.default_store.id
    rows = member_rows(store_id, svc.policy.tiers[0].code, first, count)
    async with svc.sessionmaker() as session:
        await session.execute(insert(Member), rows)
        await session.commit()
        found = await session.scalars(
            select(Member)
            .where(Member.store_id == store_id, Member.telegram_user_id >= first)
            .order_by(Member.id)
        )
        return list(found)[:count]


async def push(
    bot: Bot, member: Member, purpose: str = Purpose.BROADCAST, key: str = "b1", **fields: object
) -> int:
    svc = services(bot)
    async with svc.sessionmaker() as session:
        push_id = await enqueue(
            session,
            store_id=member.store_id,  # the push is the member's store's
            member_id=member.id,
            chat_id=member.telegram_user_id,
            purpose=purpose,
            dedupe_key=key,
            **fields,
        )
        await session.commit()
    assert push_id is not None
    return push_id


async def push_all(bot: Bot, members: list[Member], key: str = "b1") -> None:
    svc = services(bot)
    rows = [
        push_row(
            store_id=svc.default_store.id,
            member_id=m.id,
            chat_id=m.telegram_user_id,
            purpose=Purpose.BROADCAST,
            dedupe_key=key,
        )
        for m in members
    ]
    async with svc.sessionmaker() as session:
        assert await enqueue_many(session, rows) == len(rows)
        await session.commit()


async def render(session, item: Push, member: Member) -> Rendered | None:
    if item.params.get("cancelled"):
        return None
    if item.params.get("bug"):
        raise KeyError("a placeholder the template does not know")
    return Rendered(f"{item.purpose} #{item.id}", item.params.get("photo"))


def store_time(bot: Bot, hour: int) -> datetime:
    """Tomorrow at `hour` in the store's time zone (in the future, so every row is due)."""
    tz = services(bot).default_store.tz
    day = datetime.now(tz).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz)


def midday(bot: Bot) -> Callable[[], datetime]:
    """A clock running in real time from tomorrow noon: outside quiet hours, whenever the
    tests run."""
    start, noon = utcnow(), store_time(bot, 12)
    return lambda: noon + (utcnow() - start)


def sender(bot: Bot, **kwargs: object) -> PushSender:
    kwargs.setdefault("clock", midday(bot))
    return PushSender(services(bot), bot.app.bot, render, backoff=FAST, **kwargs)


def paced_sender(bot: Bot, telegram_bot: object, pacer: object, workers: int) -> PushSender:
    """The sender on the replies' own budget (`pacer`: the Application's rate limiter's),
    sending through `telegram_bot`, with quick retries and tomorrow noon's clock."""
    return PushSender(
        services(bot),
        telegram_bot,  # type: ignore[arg-type]
        render,
        clock=midday(bot),
        pacer=pacer,  # type: ignore[arg-type]
        workers=workers,
        backoff=(0.01,),
    )


def got(*bots: Bot) -> Counter[int]:
    """Messages each chat received, over all `bots` (instances) together."""
    sent = {"sendMessage", "sendPhoto"}
    return Counter(c.chat_id for b in bots for c in b.api.calls if c.method in sent)


async def rows(bot: Bot) -> dict[int, Push]:
    async with services(bot).sessionmaker() as session:
        return {p.id: p for p in await session.scalars(select(Push))}
