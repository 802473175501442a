"""Whose call it is. A delivery call is the salesperson's whose join link the owner
used; a service call is the advisor's the DMS names on the visit (by the name they
set with /dmsname), else the recorder's if they are a service advisor, else nobody's
yet, keeping the DMS's name so it becomes theirs once they set it."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.calls.rules import SERVICE, TaskStatus, clean_name, name_key
from bot.club.staff.roles import Role
from db.models import CallTask, StaffRole


def service_assignee(
    advisor: str | None,
    recorded_by: int | None,
    names: Mapping[str, int],
    advisors: set[int],
) -> tuple[int | None, str | None]:
    """(assignee, the DMS's name for them) of a service visit's call. `names`: DMS
    names (`name_key`) → staff; `advisors`: who holds the service-advisor role (only
    they are given a call by their DMS name)."""
    shown = clean_name(advisor)
    user = names.get(name_key(advisor)) if shown else None
    if user is not None and user in advisors:  # a name alone never hands out owners' phones
        return user, shown
    if recorded_by is not None and recorded_by in advisors:
        return recorded_by, shown
    return None, shown


async def service_advisors(session: AsyncSession, store_id: int) -> set[int]:
    found = await session.scalars(
        select(StaffRole.telegram_user_id).where(
            StaffRole.store_id == store_id, StaffRole.role == Role.SERVICE_ADVISOR
        )
    )
    return set(found)


async def claim_named(session: AsyncSession, store_id: int, user_id: int, name: str) -> int:
    """Give `user_id` the open unassigned service calls the DMS put under `name`; how
    many. Each is a conditional update (a colleague's Take a moment earlier wins)."""
    key = name_key(name)
    rows = await session.execute(
        select(CallTask.id, CallTask.assignee_name).where(
            CallTask.store_id == store_id,
            CallTask.kind == SERVICE,
            CallTask.status == TaskStatus.OPEN,
            CallTask.assignee_user_id.is_(None),
            CallTask.assignee_name.is_not(None),
        )
    )
    ids = [task_id for task_id, shown in rows.all() if name_key(shown) == key]
    if not ids:
        return 0
    result = await session.execute(
        update(CallTask)
        .where(CallTask.id.in_(ids), CallTask.assignee_user_id.is_(None))
        .values(assignee_user_id=user_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
