"""What the call-task tests share: owners whose car was delivered or serviced lately,
the minute job, and reading tasks back."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from bot import jobs
from bot.club.calls import sweep
from db.models import CallTask, Member
from tests.factories import add_member
from tests.flows import services
from tests.harness import Bot

SALES = 7001
ADVISOR = 7002
MANAGER = 7003


def today(bot: Bot) -> date:
    return services(bot).default_store.today()


async def delivered_owner(
    bot: Bot, user_id: int | None, *, days_ago: int = 1, advisor: int | None = SALES, **member
) -> Member:
    """A member whose car was delivered `days_ago` store days ago through `advisor`'s
    join link (None: joined without one)."""
    found = await add_member(bot, user_id, delivery=today(bot) - timedelta(days=days_ago), **member)
    async with services(bot).sessionmaker() as session:
        await session.execute(
            update(Member).where(Member.id == found.id).values(advisor_user_id=advisor)
        )
        await session.commit()
    return found


async def tick(bot: Bot, now: datetime | None = None) -> int:
    """The minute job as it runs; how many call tasks it made."""
    return (await jobs.surveys_tick(services(bot), now))["call_tasks"]


async def make(bot: Bot, now: datetime | None = None) -> int:
    svc = services(bot)
    async with svc.sessionmaker() as session:
        made = await sweep.make_tasks(session, svc.default_store, now or svc.now())
        await session.commit()
    return made


async def tasks(bot: Bot) -> list[CallTask]:
    async with services(bot).sessionmaker() as session:
        return list(await session.scalars(select(CallTask).order_by(CallTask.id)))


async def task_of(bot: Bot, kind: str) -> CallTask:
    return next(t for t in await tasks(bot) if t.kind == kind)


async def move(bot: Bot, task_id: int, **values: object) -> None:
    """Change a task as time would (its next try passed, its due time gone by)."""
    async with services(bot).sessionmaker() as session:
        await session.execute(update(CallTask).where(CallTask.id == task_id).values(**values))
        await session.commit()
