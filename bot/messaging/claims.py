"""The database side of the one push sender (`bot.messaging.sender`): claims and outcomes.

Plain functions on an `AsyncSession`; none commits. A row goes queued → sending (claimed
by one instance until `claimed_until`) → a final `outbox.Status`, or back to queued.
A graceful stop puts unsent claims back (`release`); a dead instance's claims become
claimable when their lease runs out. The trade-off: a hard crash between Telegram
accepting a message and the row being marked sent resends that one message (marking
first would lose it instead; a rare duplicate is the lesser harm).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messaging.outbox import REMINDERS, Status
from db.models import Member, Push

WEEK = timedelta(days=7)
# Pushes that answer something the owner did (a visit, a renewal) are not marketing:
# they neither count towards nor are held back by the weekly cap.
CAP_EXEMPT = frozenset({"notice"})
FOLLOW_UP = (Status.FAILED, Status.BLOCKED, Status.CAPPED)
BLOCKED = "member blocked the bot"
_UNCLAIMED: dict[str, Any] = {"claimed_by": None, "claimed_until": None}


async def claim_due(
    session: AsyncSession,
    *,
    instance: str,
    now: datetime,
    limit: int,
    lease: timedelta,
    quiet: bool,
) -> list[Push]:
    """Claim up to `limit` due rows (queued and `not_before <= now`, or a dead claim
    whose lease ran out), oldest first, for `now + lease`; only urgent ones if `quiet`.
    Blocked members' rows are marked blocked, never handed out. PostgreSQL: SKIP LOCKED
    keeps concurrent claims disjoint; SQLite serialises transactions (BEGIN IMMEDIATE)."""
    due = or_(
        and_(Push.status == Status.QUEUED, Push.not_before <= now),
        and_(Push.status == Status.SENDING, Push.claimed_until < now),
    )
    statement = (
        select(Push.id, Member.blocked_at.is_not(None))
        .join(Member, Member.id == Push.member_id)
        .where(due)
        .order_by(Push.not_before, Push.id)
        .limit(limit)
    )
    if quiet:
        statement = statement.where(Push.urgent.is_(True))
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        statement = statement.with_for_update(of=Push, skip_locked=True)
    rows = (await session.execute(statement)).all()
    blocked = [push_id for push_id, is_blocked in rows if is_blocked]
    wanted = [push_id for push_id, is_blocked in rows if not is_blocked]
    if blocked:
        await session.execute(
            update(Push)
            .where(Push.id.in_(blocked))
            .values(status=Status.BLOCKED, last_error=BLOCKED, **_UNCLAIMED)
        )
    if not wanted:
        return []
    claimed = await session.scalars(
        update(Push)
        .where(Push.id.in_(wanted))
        .values(status=Status.SENDING, claimed_by=instance, claimed_until=now + lease)
        .returning(Push),
        execution_options={"populate_existing": True},
    )
    return sorted(claimed, key=lambda push: (push.not_before, push.id))


async def release(
    session: AsyncSession, instance: str, push_ids: Iterable[int] | None = None
) -> int:
    """Put this instance's unsent claims (or just `push_ids` of them) back in the queue."""
    statement = update(Push).where(Push.status == Status.SENDING, Push.claimed_by == instance)
    if push_ids is not None:
        ids = list(push_ids)
        if not ids:
            return 0
        statement = statement.where(Push.id.in_(ids))
    result = await session.execute(statement.values(status=Status.QUEUED, **_UNCLAIMED))
    return max(result.rowcount or 0, 0)


async def mark_sent(
    session: AsyncSession, push_ids_with_message_ids: Sequence[tuple[int, int]], now: datetime
) -> None:
    """Record delivered pushes in one executemany round trip (they are the bulk)."""
    values = [
        {"id": push_id, "message_id": message_id, "status": Status.SENT, "sent_at": now}
        | {"last_error": None, **_UNCLAIMED}
        for push_id, message_id in push_ids_with_message_ids
    ]
    if values:
        await session.execute(update(Push), values)


async def _finish(session: AsyncSession, push_id: int, **values: Any) -> None:
    if isinstance(values.get("last_error"), str):
        values["last_error"] = values["last_error"][:200]
    await session.execute(
        update(Push)
        .where(Push.id == push_id, Push.status != Status.SENT)
        .values(**values, **_UNCLAIMED)
    )


async def mark_retry(
    session: AsyncSession, push_id: int, not_before: datetime, error: str, count_attempt: bool
) -> None:
    """Back to the queue until `not_before`; a flood wait (429) does not count an attempt."""
    more = {"attempts": Push.attempts + 1} if count_attempt else {}
    await _finish(
        session, push_id, status=Status.QUEUED, not_before=not_before, last_error=error, **more
    )


async def mark_failed(session: AsyncSession, push_id: int, error: str) -> None:
    """Given up (bad request, or out of retries): the staff follow-up list shows it."""
    await _finish(session, push_id, status=Status.FAILED, last_error=error)


async def mark_capped(session: AsyncSession, push_id: int) -> None:
    await _finish(session, push_id, status=Status.CAPPED, last_error="weekly cap reached")


async def mark_cancelled(session: AsyncSession, push_id: int) -> None:
    """Nothing to send any more (e.g. its broadcast was called off)."""
    await _finish(session, push_id, status=Status.CANCELLED)


async def mark_blocked(session: AsyncSession, push_id: int, member_id: int, now: datetime) -> None:
    """The owner blocked the bot (403): this push and all later ones are not sent."""
    await _finish(session, push_id, status=Status.BLOCKED, last_error=BLOCKED)
    await session.execute(
        update(Member)
        .where(Member.id == member_id, Member.blocked_at.is_(None))
        .values(blocked_at=now)
    )


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
        sending = and_(Push.status == Status.SENDING, Push.id.not_in(list(in_flight_except)))
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


Outcome = tuple[str, int, int, Any]  # (kind, push id, member id, detail)


async def record(
    session: AsyncSession, instance: str, outcomes: Sequence[Outcome], now: datetime
) -> None:
    """Write a batch of send outcomes: "sent" (detail: message id), "retry" (detail:
    not_before, error, count_attempt), "failed" (error), "blocked", "release"."""
    sent = [(push_id, detail) for kind, push_id, _, detail in outcomes if kind == "sent"]
    await mark_sent(session, sent, now)
    back = [push_id for kind, push_id, _, _ in outcomes if kind == "release"]
    await release(session, instance, back)
    for kind, push_id, member_id, detail in outcomes:
        if kind == "retry":
            await mark_retry(session, push_id, *detail)
        elif kind == "failed":
            await mark_failed(session, push_id, detail)
        elif kind == "blocked":
            await mark_blocked(session, push_id, member_id, now)


async def broadcast_counts(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """A broadcast's pushes by status, e.g. {"sent": 950, "blocked": 12, "queued": 38}."""
    rows = await session.execute(
        select(Push.status, func.count())
        .where(Push.broadcast_id == broadcast_id)
        .group_by(Push.status)
    )
    return {status: count for status, count in rows.all()}


async def follow_ups(session: AsyncSession, store_id: int, limit: int) -> list[tuple[Push, Member]]:
    """Reminders that never reached the owner (failed, blocked, capped): who to phone."""
    rows = await session.execute(
        select(Push, Member)
        .join(Member, Member.id == Push.member_id)
        .where(
            Push.store_id == store_id,
            Push.purpose.in_([str(p) for p in REMINDERS]),
            Push.status.in_([str(s) for s in FOLLOW_UP]),
        )
        .order_by(Push.id.desc())
        .limit(limit)
    )
    return [(push, member) for push, member in rows.all()]
