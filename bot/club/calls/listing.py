"""The calls a caller reads in /calls: their own that are open now (opened, not waiting
for the next try), the most urgent first (the overdue ones have the earliest due
times), with the owner, the car and the visit that make the call; the unassigned ones
anybody may take; and how many of theirs wait for a later try."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.calls.rules import TaskStatus
from db.models import CallTask, Car, Member, Visit


@dataclass(frozen=True)
class Item:
    task: CallTask
    member: Member
    car: Car | None
    visit: Visit | None


def open_now(now: datetime) -> Any:
    """A task to call now: open, its day begun, its next try (if any) come."""
    return and_(
        CallTask.status == TaskStatus.OPEN,
        CallTask.opens_at <= now,
        or_(CallTask.next_try_at.is_(None), CallTask.next_try_at <= now),
    )


def _open_now(store_id: int, now: datetime) -> list[Any]:
    return [CallTask.store_id == store_id, open_now(now)]


async def _items(
    session: AsyncSession, where: list[Any], offset: int, limit: int
) -> tuple[list[Item], int]:
    total = await session.scalar(select(func.count()).select_from(CallTask).where(*where))
    rows = await session.execute(
        select(CallTask, Member, Car, Visit)
        .join(Member, Member.id == CallTask.member_id)
        .outerjoin(Car, Car.id == CallTask.car_id)
        .outerjoin(Visit, Visit.id == CallTask.visit_id)
        .where(*where)
        .order_by(CallTask.due_at, CallTask.id)
        .offset(offset)
        .limit(limit)
    )
    return [Item(*row) for row in rows.all()], int(total or 0)


async def due_calls(
    session: AsyncSession, store_id: int, user_id: int, now: datetime, offset: int, limit: int
) -> tuple[list[Item], int]:
    """The caller's calls open now, most urgent first (a page of them), and how many."""
    where = [*_open_now(store_id, now), CallTask.assignee_user_id == user_id]
    return await _items(session, where, offset, limit)


async def unassigned(
    session: AsyncSession, store_id: int, now: datetime, limit: int
) -> tuple[list[Item], int]:
    """Open calls nobody has yet (a delivery of an owner who joined without a
    salesperson's link, a service whose DMS advisor has not set /dmsname)."""
    where = [*_open_now(store_id, now), CallTask.assignee_user_id.is_(None)]
    return await _items(session, where, 0, limit)


async def waiting(
    session: AsyncSession, store_id: int, user_id: int, now: datetime
) -> tuple[int, datetime | None]:
    """How many of the caller's open calls wait for their next try, and the soonest."""
    row = (
        await session.execute(
            select(func.count(), func.min(CallTask.next_try_at)).where(
                CallTask.store_id == store_id,
                CallTask.status == TaskStatus.OPEN,
                CallTask.assignee_user_id == user_id,
                CallTask.next_try_at > now,
            )
        )
    ).one()
    return int(row[0] or 0), row[1]
