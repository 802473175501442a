"""The database side of the one push sender (`bot.messaging.sender`): claims and outcomes.

Plain functions on an `AsyncSession`; none commits. A row goes queued → claimed (held by
one instance until `claimed_until`, not yet handed to Telegram) → sending (committed just
before the call) → a final `outbox.Status`, or back to queued. The window between
Telegram accepting a message and its row saying so is the one a crash can hit: a row
left "sending" is never sent again blindly but becomes "unknown" (staff see it in the
broadcast report and on /followups). Claims are taken back at once when their instance
starts again (`recover`: instance ids are stable across restarts), or by any instance
when the lease has run out. So a crash costs at most the messages in flight, reported
as unknown, never a duplicate.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messaging.outbox import REMINDERS, Purpose, Status
from db.models import Broadcast, Member, Push

FOLLOW_UP = (Status.FAILED, Status.BLOCKED, Status.CAPPED)
ANY_PUSH_FOLLOW_UP = (Status.BLOCKED, Status.UNKNOWN)  # of broadcasts and notices too
BLOCKED = "member blocked the bot"
UNKNOWN = "interrupted while being sent: maybe delivered"
_UNCLAIMED: dict[str, Any] = {"claimed_by": None, "claimed_until": None}


async def recover(session: AsyncSession, instance: str) -> tuple[int, int]:
    """On start: this instance's claims from before a crash. Claimed rows go back to the
    queue (never handed to Telegram); rows left "sending" become unknown. (back, unknown)"""
    mine = Push.claimed_by == instance
    back = await session.execute(
        update(Push)
        .where(mine, Push.status == Status.CLAIMED)
        .values(status=Status.QUEUED, **_UNCLAIMED)
    )
    lost = await session.execute(
        update(Push)
        .where(mine, Push.status == Status.SENDING)
        .values(status=Status.UNKNOWN, last_error=UNKNOWN, **_UNCLAIMED)
    )
    return max(back.rowcount or 0, 0), max(lost.rowcount or 0, 0)


async def expire_in_flight(session: AsyncSession, now: datetime) -> int:
    """Rows a dead instance left "sending" past their lease: unknown, never resent."""
    result = await session.execute(
        update(Push)
        .where(Push.status == Status.SENDING, Push.claimed_until < now)
        .values(status=Status.UNKNOWN, last_error=UNKNOWN, **_UNCLAIMED)
    )
    return max(result.rowcount or 0, 0)


async def claim_due(
    session: AsyncSession,
    *,
    instance: str,
    now: datetime,
    limit: int,
    lease: timedelta,
    quiet_stores: Collection[int] = (),
) -> list[Push]:
    """Claim up to `limit` due rows (queued and `not_before <= now`, or a dead instance's
    claim whose lease ran out), oldest first, for `now + lease`; of the stores in
    `quiet_stores` (in quiet hours now), only urgent ones. Blocked members' rows are
    marked blocked, never handed out. PostgreSQL: SKIP LOCKED keeps concurrent claims
    disjoint; SQLite serialises transactions."""
    due = or_(
        and_(Push.status == Status.QUEUED, Push.not_before <= now),
        and_(Push.status == Status.CLAIMED, Push.claimed_until < now),
    )
    statement = (
        select(Push.id, Member.blocked_at.is_not(None))
        .outerjoin(Member, Member.id == Push.member_id)
        .where(due)
        .order_by(Push.not_before, Push.id)
        .limit(limit)
    )
    if quiet_stores:
        awake = Push.store_id.not_in(list(quiet_stores))
        statement = statement.where(or_(Push.urgent.is_(True), awake))
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
        .values(status=Status.CLAIMED, claimed_by=instance, claimed_until=now + lease)
        .returning(Push),
        execution_options={"populate_existing": True},
    )
    return sorted(claimed, key=lambda push: (push.not_before, push.id))


async def begin_sending(session: AsyncSession, instance: str, push_ids: Sequence[int]) -> set[int]:
    """Mark claimed rows "sending" (to be committed before their calls); the ids that
    were still this instance's to send."""
    if not push_ids:
        return set()
    marked = await session.scalars(
        update(Push)
        .where(
            Push.id.in_(list(push_ids)),
            Push.status == Status.CLAIMED,
            Push.claimed_by == instance,
        )
        .values(status=Status.SENDING)
        .returning(Push.id)
    )
    return set(marked)


async def release(
    session: AsyncSession, instance: str, push_ids: Iterable[int] | None = None
) -> int:
    """Put this instance's claimed, unsent rows (or just `push_ids` of them) back in the
    queue. Rows marked "sending" are not touched: their outcome is recorded, or unknown."""
    statement = update(Push).where(Push.status == Status.CLAIMED, Push.claimed_by == instance)
    if push_ids is not None:
        ids = list(push_ids)
        if not ids:
            return 0
        statement = statement.where(Push.id.in_(ids))
    result = await session.execute(statement.values(status=Status.QUEUED, **_UNCLAIMED))
    return max(result.rowcount or 0, 0)


async def unmark(session: AsyncSession, instance: str, push_ids: Iterable[int]) -> int:
    """Rows marked "sending" that were never handed to Telegram (a graceful stop came
    between the mark and the call): back to the queue."""
    ids = list(push_ids)
    if not ids:
        return 0
    result = await session.execute(
        update(Push)
        .where(Push.id.in_(ids), Push.status == Status.SENDING, Push.claimed_by == instance)
        .values(status=Status.QUEUED, **_UNCLAIMED)
    )
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


async def mark_blocked(
    session: AsyncSession, push_id: int, member_id: int | None, now: datetime
) -> None:
    """The owner blocked the bot (403): this push and all later ones are not sent."""
    await _finish(session, push_id, status=Status.BLOCKED, last_error=BLOCKED)
    if member_id is None:
        return
    await session.execute(
        update(Member)
        .where(Member.id == member_id, Member.blocked_at.is_(None))
        .values(blocked_at=now)
    )


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
        .where(Push.broadcast_id == broadcast_id, Push.purpose != Purpose.REPORT)
        .group_by(Push.status)
    )
    return {status: count for status, count in rows.all()}


async def report_messages(session: AsyncSession, store_id: int) -> dict[int, int]:
    """Running broadcasts whose report message the outbox has delivered but whose row
    does not know its message id yet: {broadcast id: message id}."""
    rows = await session.execute(
        select(Push.broadcast_id, Push.message_id)
        .join(Broadcast, Broadcast.id == Push.broadcast_id)
        .where(
            Broadcast.store_id == store_id,
            Broadcast.status == "queued",
            Broadcast.report_message_id.is_(None),
            Push.purpose == Purpose.REPORT,
            Push.status == Status.SENT,
        )
    )
    return {broadcast_id: message_id for broadcast_id, message_id in rows.all() if message_id}


async def follow_ups(session: AsyncSession, store_id: int, limit: int) -> list[tuple[Push, Member]]:
    """Who to phone: reminders that never reached the owner (failed, blocked, capped), and
    owners any push found blocking the bot or left unknown by a crash."""
    reminders = and_(
        Push.purpose.in_([str(p) for p in REMINDERS]),
        Push.status.in_([str(s) for s in FOLLOW_UP]),
    )
    rows = await session.execute(
        select(Push, Member)
        .join(Member, Member.id == Push.member_id)
        .where(
            Push.store_id == store_id,
            or_(reminders, Push.status.in_([str(s) for s in ANY_PUSH_FOLLOW_UP])),
        )
        .order_by(Push.id.desc())
        .limit(limit)
    )
    return [(push, member) for push, member in rows.all()]
