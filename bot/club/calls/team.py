"""The team's calls for the manager: per person, how many are open now, how many are
behind (past due, still open), how many failed this month (unreached: another channel)
and how many were done this month; who is behind first. Unassigned calls are counted
too, with the DMS names they wait for (an advisor who has not set /dmsname)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.calls.listing import open_now
from bot.club.calls.rules import TaskStatus, month_start
from bot.club.stores.context import StoreContext
from db.models import CallTask


@dataclass
class Figures:
    open_now: int = 0
    behind: int = 0
    unreached: int = 0  # this month
    done: int = 0  # this month


@dataclass
class Team:
    people: list[tuple[int, Figures]]  # who is behind first, then who has most open
    unassigned: Figures
    waiting_for: Counter[str] = field(default_factory=Counter)  # DMS name → open calls


def _count(condition: object) -> object:
    return func.sum(case((condition, 1), else_=0))  # type: ignore[arg-type]


async def team(session: AsyncSession, store: StoreContext, now: datetime) -> Team:
    since = month_start(store.tz, now)
    is_open = CallTask.status == TaskStatus.OPEN
    rows = await session.execute(
        select(
            CallTask.assignee_user_id,
            _count(open_now(now)),
            _count(and_(is_open, CallTask.due_at < now)),
            _count(and_(CallTask.status == TaskStatus.UNREACHED, CallTask.done_at >= since)),
            _count(and_(CallTask.status == TaskStatus.DONE, CallTask.done_at >= since)),
        )
        .where(
            CallTask.store_id == store.id,
            or_(is_open, CallTask.done_at >= since),
        )
        .group_by(CallTask.assignee_user_id)
    )
    people: list[tuple[int, Figures]] = []
    nobody = Figures()
    for user_id, *counts in rows.all():
        figures = Figures(*(int(n or 0) for n in counts))
        if user_id is None:
            nobody = figures
        else:
            people.append((int(user_id), figures))
    people.sort(key=lambda p: (-p[1].behind, -p[1].open_now, p[0]))
    names = await session.execute(
        select(CallTask.assignee_name, func.count())
        .where(
            CallTask.store_id == store.id,
            is_open,
            CallTask.assignee_user_id.is_(None),
            CallTask.assignee_name.is_not(None),
        )
        .group_by(CallTask.assignee_name)
    )
    waiting = Counter({str(name): int(n) for name, n in names.all()})
    return Team(people, nobody, waiting)
