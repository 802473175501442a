"""Staff broadcasts: who receives them (audiences), scheduling, queueing, cancelling.

A broadcast is one row; when its time comes it becomes one outbox row per recipient
(unique per member and broadcast), and the sender does the rest. The scheduler queues
it by ranges of member ids, one short transaction each (`release_in_batches`), so that
a million recipients never hold SQLite's write lock for seconds. A broadcast sent at
once from the staff form is stored as due now and queued the same way, right after the
form's commit. (`release` queues one in a single transaction: the benchmarks' baseline.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql import Select

from bot.club.points.tiers import add_months
from bot.club.policy.model import ClubPolicy
from bot.club.staff import audit
from bot.messaging import outbox
from bot.messaging.outbox import BROADCAST_OPT_OUT, Purpose, Status
from db.models import Broadcast, Car, Member, Push, PushOptOut, Visit
from db.wal import batch_log

IDLE_CHOICES = (90, 180, 365)
RELEASE_BATCH = 5_000  # member ids per transaction when a broadcast is queued (~50 ms at 1M)


def describe(audience: dict[str, Any]) -> tuple[str, Any]:
    """The one criterion an audience uses: ("all", None), ("tier", "gold"), …"""
    for key in ("tier", "model", "region", "idle_days", "out_of_warranty"):
        if audience.get(key):
            return key, audience[key]
    return "all", None


def audience_query(
    policy: ClubPolicy, store_id: int, kind: str, audience: dict[str, Any], today: date
) -> Select:
    """Members (id, chat id) a broadcast reaches: reachable, not opted out, in the segment."""
    opt_out = BROADCAST_OPT_OUT.get(kind, "activity")
    query = select(Member.id, Member.telegram_user_id).where(
        Member.store_id == store_id,
        Member.telegram_user_id.is_not(None),
        Member.blocked_at.is_(None),
        not_(exists().where(PushOptOut.member_id == Member.id, PushOptOut.kind == opt_out)),
    )
    key, value = describe(audience)
    car = select(Car.id).where(Car.member_id == Member.id)
    if key == "tier":
        query = query.where(Member.tier_code == value)
    elif key == "model":
        query = query.where(exists(car.where(func.lower(Car.model).contains(str(value).lower()))))
    elif key == "region":
        local = (
            or_(*(Car.plate.startswith(p) for p in policy.local_plate_prefixes))
            if policy.local_plate_prefixes
            else literal(False)
        )
        has_local = exists(car.where(local))
        query = query.where(has_local if value == "local" else not_(has_local))
    elif key == "idle_days":
        since = today - timedelta(days=int(value))
        recent = select(Visit.id).where(Visit.member_id == Member.id, Visit.visit_date >= since)
        query = query.where(not_(exists(recent)))
    elif key == "out_of_warranty":
        ended = add_months(today, -policy.reminders.warranty_months)
        query = query.where(
            exists(car.where(and_(Car.delivery_date.is_not(None), Car.delivery_date < ended)))
        )
    return query


async def count_audience(
    session: AsyncSession,
    policy: ClubPolicy,
    store_id: int,
    kind: str,
    audience: dict[str, Any],
    today: date,
) -> int:
    query = audience_query(policy, store_id, kind, audience, today).subquery()
    return int(await session.scalar(select(func.count()).select_from(query)) or 0)


async def create(
    session: AsyncSession,
    *,
    store_id: int,
    staff_id: int,
    kind: str,
    texts: dict[str, str],
    photo_file_id: str | None,
    audience: dict[str, Any],
    send_at: datetime,
    report_chat_id: int | None = None,
    report_locale: str | None = None,
    event_id: int | None = None,
) -> Broadcast:
    broadcast = Broadcast(
        store_id=store_id,
        kind=kind,
        texts=texts,
        photo_file_id=photo_file_id,
        audience=audience,
        created_by=staff_id,
        send_at=send_at,
        report_chat_id=report_chat_id,
        report_locale=report_locale,
        event_id=event_id,
    )
    session.add(broadcast)
    await session.flush()
    audit.record(
        session,
        store_id,
        staff_id,
        "broadcast.create",
        f"broadcast:{broadcast.id}",
        kind=kind,
        audience=audience,
        send_at=send_at.isoformat(),
    )
    return broadcast


async def release(
    session: AsyncSession, policy: ClubPolicy, broadcast_id: int, today: date, now: datetime
) -> int | None:
    """Queue a scheduled broadcast for its audience, once: the number of recipients, or
    None if another instance (or an earlier call) released or cancelled it already."""
    claimed = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == "scheduled")
        .values(status="queued")
        .returning(Broadcast.store_id, Broadcast.kind, Broadcast.audience)
    )
    row = claimed.first()
    if row is None:
        return None
    store_id, kind, audience = row
    recipients = await _enqueue(
        session, audience_query(policy, store_id, kind, audience, today), row, broadcast_id, now
    )
    await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id).values(recipients=recipients)
    )
    return recipients


async def _enqueue(
    session: AsyncSession, recipients: Select, row: Any, broadcast_id: int, now: datetime
) -> int:
    store_id, kind, _ = row
    return await outbox.enqueue_for(
        session,
        recipients,
        store_id=store_id,
        purpose=Purpose.BROADCAST,
        dedupe_key=f"b{broadcast_id}",
        params={"broadcast_id": broadcast_id},
        urgent=kind == "weather",
        broadcast_id=broadcast_id,
        not_before=now,
    )


Then = Callable[[AsyncSession], Awaitable[None]]


async def release_in_batches(
    sessionmaker: async_sessionmaker[AsyncSession],
    policy: ClubPolicy,
    broadcast_id: int,
    today: date,
    now: datetime,
    *,
    batch: int | None = None,
    then: Then | None = None,
) -> int | None:
    """`release`, one range of `batch` member ids (`RELEASE_BATCH`) per transaction, each
    committed: the number of recipients, or None if it was released or cancelled
    elsewhere meanwhile.

    The broadcast stays "scheduled" while its ranges are queued (each transaction first
    checks, and on PostgreSQL locks, that it still is, then adds the rows it queued to
    `recipients`), and turns "queued" in a last transaction, which also runs `then`
    (its delivery report). Copies already queued go out meanwhile. A crash between two
    ranges leaves it scheduled and due: the next run goes over every range again, and
    the outbox's unique (member, purpose, key) lets only the missing rows in, so every
    recipient gets one copy and `recipients` counts each once. A cancel between two
    ranges stops the release (its queued copies are cancelled by `cancel`).

    Two releases of one broadcast at once (sent now from the staff form while the
    scheduler finds it due; two instances) take turns range by range: each range's
    transaction holds the write lock (SQLite) or the broadcast's row (PostgreSQL) from
    its check to its commit, so the later one finds the earlier one's rows and adds none,
    and only one of them turns it "queued" and runs `then`; the other returns None."""
    async with sessionmaker() as session:
        found = await session.execute(
            select(Broadcast.store_id, Broadcast.kind, Broadcast.audience).where(
                Broadcast.id == broadcast_id, Broadcast.status == "scheduled"
            )
        )
        row = found.first()
        last = await session.scalar(select(func.max(Member.id)))
        await session.commit()
    if row is None:
        return None
    store_id, kind, audience = row
    everyone = audience_query(policy, store_id, kind, audience, today)
    batch = batch or RELEASE_BATCH
    # SQLite's log is checkpointed beside the ranges, not in one range's commit.
    async with batch_log(sessionmaker) as log:
        for start in range(0, (last or 0) + 1, batch):
            await log.before()
            async with sessionmaker() as session:
                if not await _still_scheduled(session, broadcast_id):
                    return None
                people = everyone.where(Member.id >= start, Member.id < start + batch)
                if queued := await _enqueue(session, people, row, broadcast_id, now):
                    await session.execute(
                        update(Broadcast)
                        .where(Broadcast.id == broadcast_id)
                        .values(recipients=Broadcast.recipients + queued)
                    )
                await session.commit()
            await log.after()
    async with sessionmaker() as session:
        done = await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.status == "scheduled")
            .values(status="queued")
            .returning(Broadcast.recipients)
        )
        recipients = done.scalar_one_or_none()
        if recipients is not None and then is not None:
            await then(session)
        await session.commit()
    return recipients


async def _still_scheduled(session: AsyncSession, broadcast_id: int) -> bool:
    """Is it still to be released? Its row locked until the commit (PostgreSQL), so that
    a cancel, or another instance's range, waits for this one."""
    touched = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == "scheduled")
        .values(recipients=Broadcast.recipients)
        .returning(Broadcast.id)
    )
    return touched.first() is not None


async def due(session: AsyncSession, store_id: int, now: datetime) -> list[int]:
    rows = await session.scalars(
        select(Broadcast.id).where(
            Broadcast.store_id == store_id,
            Broadcast.status == "scheduled",
            Broadcast.send_at <= now,
        )
    )
    return list(rows)


async def scheduled(session: AsyncSession, store_id: int) -> list[Broadcast]:
    rows = await session.scalars(
        select(Broadcast)
        .where(Broadcast.store_id == store_id, Broadcast.status == "scheduled")
        .order_by(Broadcast.send_at)
    )
    return list(rows)


async def cancel(session: AsyncSession, store_id: int, broadcast_id: int, staff_id: int) -> bool:
    """Call off a scheduled broadcast, or the part of a running one not sent yet."""
    done = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.store_id == store_id,
            Broadcast.status.in_(("scheduled", "queued")),
        )
        .values(status="cancelled")
    )
    if not done.rowcount:
        return False
    await session.execute(
        update(Push)
        .where(Push.broadcast_id == broadcast_id, Push.status == Status.QUEUED)
        .values(status=Status.CANCELLED)
    )
    audit.record(session, store_id, staff_id, "broadcast.cancel", f"broadcast:{broadcast_id}")
    return True


async def recent(session: AsyncSession, store_id: int, limit: int) -> list[Broadcast]:
    rows = await session.scalars(
        select(Broadcast)
        .where(Broadcast.store_id == store_id, Broadcast.status.in_(("queued", "done")))
        .order_by(Broadcast.id.desc())
        .limit(limit)
    )
    return list(rows)


async def reporting(session: AsyncSession, store_id: int) -> list[Broadcast]:
    """Running broadcasts whose staff report message should be brought up to date."""
    rows = await session.scalars(
        select(Broadcast).where(
            Broadcast.store_id == store_id,
            Broadcast.status == "queued",
            Broadcast.report_message_id.is_not(None),
        )
    )
    return list(rows)


async def set_report_message(session: AsyncSession, broadcast_id: int, message_id: int) -> None:
    await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id).values(report_message_id=message_id)
    )


async def mark_done(session: AsyncSession, broadcast_id: int) -> None:
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == "queued")
        .values(status="done")
    )
