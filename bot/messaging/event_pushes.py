"""An event sign-up's pushes: the reminder the evening before and the evaluation form
after (queued when the owner takes a seat, keyed by the event's version and the
sign-up's turn, so those of a cancelled sign-up, a moved or cancelled event are never
sent, and none twice across restarts), and the notice that a freed place is held for
the first on the waitlist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.events.rules import evaluation_at, reminder_at
from bot.club.stores.context import StoreContext
from bot.messaging import outbox
from bot.messaging.outbox import Purpose, Status
from db.models import Event, EventSignup, Member, Push

EVENT_PUSHES = (Purpose.EVENT_REMINDER, Purpose.EVENT_EVALUATION, Purpose.EVENT_OFFER)


def seat_key(event: Event, signup: EventSignup) -> str:
    """The key of a seat's reminder and evaluation: event, its version, the sign-up's turn."""
    return f"event:{event.id}:{event.version}:{signup.turn}"


async def _chat(session: AsyncSession, member_id: int) -> int | None:
    return await session.scalar(
        select(Member.telegram_user_id).where(Member.id == member_id, Member.blocked_at.is_(None))
    )


async def queue_seat(
    session: AsyncSession, store: StoreContext, event: Event, signup: EventSignup, now: datetime
) -> int:
    """Queue the reminder and the evaluation of a seat the owner now holds; how many
    were new (the same seat twice queues nothing more)."""
    chat = await _chat(session, signup.member_id)
    if chat is None:
        return 0
    policy, pushes = store.policy.events, store.policy.pushes
    params = {
        "event_id": event.id,
        "signup_id": signup.id,
        "version": event.version,
        "turn": signup.turn,
    }
    times: list[tuple[Purpose, datetime]] = []
    if (eve := reminder_at(policy, store.tz, event, now)) is not None:
        times.append((Purpose.EVENT_REMINDER, eve))
    evaluation = evaluation_at(policy, store.tz, (pushes.quiet_start, pushes.quiet_end), event)
    times.append((Purpose.EVENT_EVALUATION, max(evaluation, now)))
    rows = [
        outbox.push_row(
            store_id=store.id,
            member_id=signup.member_id,
            chat_id=chat,
            purpose=purpose,
            dedupe_key=seat_key(event, signup),
            params=params,
            urgent=True,  # the owner's own event, timed by the rule: no weekly cap
            not_before=at,
        )
        for purpose, at in times
    ]
    return await outbox.enqueue_many(session, rows)


async def queue_offer(session: AsyncSession, store: StoreContext, signup: EventSignup) -> None:
    """Tell the first on the waitlist a place is held for them (once per offer)."""
    chat = await _chat(session, signup.member_id)
    if chat is None:
        return
    await outbox.enqueue(
        session,
        store_id=store.id,
        member_id=signup.member_id,
        chat_id=chat,
        purpose=Purpose.EVENT_OFFER,
        dedupe_key=f"event:{signup.event_id}:offer:{signup.offers}",
        params={"event_id": signup.event_id, "signup_id": signup.id, "offer": signup.offers},
        urgent=True,  # it runs out: it must not wait for the quiet hours to end
    )


async def drop(session: AsyncSession, event_id: int, member_id: int | None = None) -> None:
    """Call off the queued pushes of an event (of one owner's sign-up, with `member_id`);
    the sender also skips any whose sign-up or event is no longer as it was."""
    statement = (
        update(Push)
        .where(
            Push.purpose.in_([str(p) for p in EVENT_PUSHES]),
            Push.dedupe_key.like(f"event:{event_id}:%"),
            Push.status == Status.QUEUED,
        )
        .values(status=Status.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    if member_id is not None:
        statement = statement.where(Push.member_id == member_id)
    await session.execute(statement)
