"""The follow-up calls staff owe owners, made by the minute job (`bot.jobs.surveys_tick`):
each recent delivery gets the salesperson's calls (`[calls].delivery_days` after it),
each recent service visit not reversed gets its advisor's call. A task's key (kind and
car or visit) is unique per store, so instances sweeping at once make each task once
(`INSERT … ON CONFLICT DO NOTHING`), and a restart simply looks again. Deliveries and
services older than `[calls].max_age_days` are history and get none."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.calls import assign
from bot.club.calls.rules import (
    SERVICE,
    TaskStatus,
    delivery_key,
    delivery_kind,
    delivery_window,
    oldest_day,
    service_key,
    service_window,
)
from bot.club.staff import dms_names
from bot.club.stores.context import StoreContext
from bot.club.visits.reversals import reversed_visit
from db.models import CallTask, Car, Member, Visit
from db.writes import insert_many_once

BATCH = 500  # deliveries (per day after) and visits looked at per sweep and store


def _no_task(kind: str, *where: Any) -> Any:
    """No call task of `kind` for this car or visit yet (by its column and index: a
    key built in SQL would leave the planner guessing)."""
    return ~exists().where(CallTask.kind == kind, *where)


def _task(store: StoreContext, now: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "store_id": store.id,
        "status": TaskStatus.OPEN.value,
        "tries": 0,
        "next_try_at": None,
        "note": None,
        "attempts": [],
        "done_by": None,
        "done_at": None,
        "created_at": now,
        **fields,
    }


async def _delivery_tasks(
    session: AsyncSession, store: StoreContext, now: datetime
) -> list[dict[str, Any]]:
    policy, today = store.policy.calls, store.today(now)
    rows: list[dict[str, Any]] = []
    for days in policy.delivery_days:
        found = await session.execute(
            select(Car.id, Car.member_id, Car.delivery_date, Member.advisor_user_id)
            .join(Member, Member.id == Car.member_id)
            .where(
                Car.store_id == store.id,
                Car.delivery_date >= oldest_day(policy, today),
                Car.delivery_date <= today,
                _no_task(delivery_kind(days), CallTask.car_id == Car.id),
            )
            .order_by(Car.delivery_date, Car.id)  # the index's order
            .limit(BATCH)
        )
        for car_id, member_id, delivered, advisor in found.all():
            opens, due = delivery_window(store.tz, delivered, days)
            rows.append(
                _task(
                    store,
                    now,
                    key=delivery_key(days, car_id),
                    kind=delivery_kind(days),
                    member_id=member_id,
                    car_id=car_id,
                    visit_id=None,
                    assignee_user_id=advisor,
                    assignee_name=None,
                    opens_at=opens,
                    due_at=due,
                )
            )
    return rows


async def _service_tasks(
    session: AsyncSession, store: StoreContext, now: datetime
) -> list[dict[str, Any]]:
    policy = store.policy.calls
    found = await session.execute(
        select(
            Visit.id,
            Visit.member_id,
            Visit.car_id,
            Visit.advisor,
            Visit.recorded_by,
            Visit.created_at,
        )
        .where(
            Visit.store_id == store.id,
            Visit.created_at >= now - timedelta(days=policy.max_age_days),
            Visit.visit_date >= oldest_day(policy, store.today(now)),  # imported history
            Visit.category.in_(store.policy.surveys.categories),
            ~reversed_visit(),
            _no_task(SERVICE, CallTask.visit_id == Visit.id),
        )
        .order_by(Visit.visit_date, Visit.id)  # the index's order: no walk of history
        .limit(BATCH)
    )
    visits = found.all()
    if not visits:
        return []
    names = await dms_names.users_by_name(session, store.id)
    advisors = await assign.service_advisors(session, store.id)
    rows = []
    for visit_id, member_id, car_id, advisor, recorded_by, recorded_at in visits:
        user, shown = assign.service_assignee(advisor, recorded_by, names, advisors)
        opens, due = service_window(policy, recorded_at)
        rows.append(
            _task(
                store,
                now,
                key=service_key(visit_id),
                kind=SERVICE,
                member_id=member_id,
                car_id=car_id,
                visit_id=visit_id,
                assignee_user_id=user,
                assignee_name=shown,
                opens_at=opens,
                due_at=due,
            )
        )
    return rows


async def make_tasks(session: AsyncSession, store: StoreContext, now: datetime) -> int:
    """Make the call tasks due after recent deliveries and services; how many were new.
    The caller commits."""
    rows = await _delivery_tasks(session, store, now) + await _service_tasks(session, store, now)
    return len(await insert_many_once(session, CallTask, rows, CallTask.id))
