"""The weekly cap on non-urgent pushes to one owner (`policy.pushes.weekly_cap`), applied
by the sender to what it has just claimed."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messaging.claims import mark_capped
from bot.messaging.outbox import Status
from db.models import Push

WEEK = timedelta(days=7)
# Pushes that answer something the owner did (a visit, a renewal) are not marketing:
# they neither count towards nor are held back by the weekly cap; nor are staff posts,
# nor the survey after a visit (it waits for the end of quiet hours like any other push).
CAP_EXEMPT = frozenset({"notice", "staff", "report", "survey"})


async def sent_in_week(
    session: AsyncSession,
    member_ids: Iterable[int],
    now: datetime,
    *,
    in_flight_except: Collection[int] | None = None,
) -> dict[int, int]:
    """How many non-urgent pushes each member was sent in the 7 days before `now`; with
    `in_flight_except`, also those being sent right now (by any instance) but these."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    counted = and_(Push.status == Status.SENT, Push.sent_at >= now - WEEK)
    if in_flight_except is not None:
        sending = and_(
            Push.status.in_([Status.CLAIMED, Status.SENDING]),
            Push.id.not_in(list(in_flight_except)),
        )
        counted = or_(counted, sending)
    rows = await session.execute(
        select(Push.member_id, func.count())
        .where(
            Push.member_id.in_(ids),
            counted,
            Push.urgent.is_(False),
            Push.purpose.not_in(CAP_EXEMPT),
        )
        .group_by(Push.member_id)
    )
    return {member_id: count for member_id, count in rows.all()}


def capped_by_week(push: Push) -> bool:
    return not push.urgent and push.purpose not in CAP_EXEMPT


async def apply_weekly_cap(
    session: AsyncSession, pushes: Sequence[Push], now: datetime, cap: int
) -> list[Push]:
    """Mark capped the claimed pushes that would take a member over `cap` non-urgent
    pushes in 7 days (counting ones in flight); the rest, in order."""
    counted = [p for p in pushes if capped_by_week(p)]
    week = await sent_in_week(
        session, [p.member_id for p in counted], now, in_flight_except={p.id for p in pushes}
    )
    kept = []
    for push in pushes:
        if capped_by_week(push):
            if week.get(push.member_id, 0) >= cap:
                await mark_capped(session, push.id)
                continue
            week[push.member_id] = week.get(push.member_id, 0) + 1
        kept.append(push)
    return kept
