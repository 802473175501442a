"""A booking's reminders: outbox rows queued when it is made or moved (the evening
before and some hours before), keyed by the booking's version, so those of a cancelled
or moved booking are never sent, and none is queued twice across restarts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.bookings.rules import reminder_times
from bot.club.stores.context import StoreContext
from bot.messaging import outbox
from bot.messaging.outbox import Purpose, Status
from db.models import Booking, Member, Push

BOOKING_REMINDERS = (Purpose.BOOKING_EVE, Purpose.BOOKING_SOON)


def reminder_key(booking: Booking) -> str:
    return f"booking:{booking.id}:{booking.version}"


async def queue_reminders(
    session: AsyncSession, store: StoreContext, booking: Booking, now: datetime
) -> int:
    """Queue the reminders of `booking` as it stands now; how many were new."""
    member = await session.scalar(
        select(Member.telegram_user_id).where(
            Member.id == booking.member_id, Member.blocked_at.is_(None)
        )
    )
    if member is None:
        return 0
    pushes = store.policy.pushes
    times = reminder_times(
        store.policy.bookings,
        store.tz,
        (pushes.quiet_start, pushes.quiet_end),
        booking.starts_at,
        now,
    )
    rows = [
        outbox.push_row(
            store_id=store.id,
            member_id=booking.member_id,
            chat_id=member,
            purpose=purpose,
            dedupe_key=reminder_key(booking),
            params={"booking_id": booking.id, "version": booking.version},
            urgent=True,  # the owner's own appointment, timed by the rule: no cap
            not_before=at,
        )
        for purpose, at in times
    ]
    return await outbox.enqueue_many(session, rows)


async def drop_reminders(session: AsyncSession, booking: Booking) -> None:
    """Call off the queued reminders of a cancelled booking (the sender also skips any
    whose booking is no longer as it was)."""
    await session.execute(
        update(Push)
        .where(
            Push.member_id == booking.member_id,
            Push.purpose.in_([str(p) for p in BOOKING_REMINDERS]),
            Push.dedupe_key.like(f"booking:{booking.id}:%"),
            Push.status == Status.QUEUED,
        )
        .values(status=Status.CANCELLED)
        .execution_options(synchronize_session=False)
    )
