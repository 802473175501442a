"""The push outbox: every message the bot sends unasked is first a row here.

Writers (broadcasts, reminder sweeps, notices) call `enqueue`/`enqueue_many`; the one
sender (`bot.messaging.sender`) claims due rows, sends them and records the outcome here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Select, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Push
from db.writes import (
    insert_ignoring_duplicates,
    insert_many_once,
    insert_once,
    insert_rows_counted,
)


class Purpose(StrEnum):
    BROADCAST = "broadcast"
    FIRST_MAINTENANCE = "first_maintenance"
    REGULAR_MAINTENANCE = "regular_maintenance"
    WARRANTY = "warranty"
    INSPECTION = "inspection"
    INSURANCE = "insurance"
    BIRTHDAY = "birthday"
    MEMBERSHIP = "membership"
    HOLIDAY = "holiday"
    POINTS_EXPIRY = "points_expiry"  # redeemable points about to expire: see the gifts
    BOOKING_EVE = "booking_eve"  # the evening before a booking
    BOOKING_SOON = "booking_soon"  # some hours before a booking
    BOOKING_INVITE = "booking_invite"  # staff invite an owner due for maintenance to book
    EVENT_REMINDER = "event_reminder"  # the evening before an event the owner goes to
    EVENT_EVALUATION = "event_evaluation"  # the evaluation form after an event
    EVENT_OFFER = "event_offer"  # a freed place offered to the first on the waitlist
    SURVEY = "survey"  # the satisfaction survey after a service visit
    NOTICE = "notice"  # a direct consequence of something the owner did (a visit, a renewal)
    STAFF = "staff"  # a post to the staff chat (no member)
    REPORT = "report"  # a broadcast's delivery report, to the staff member who sent it


# The kinds an owner can turn off in /settings; broadcasts are switched by their kind
# (see BROADCAST_OPT_OUT): weather alerts, activity notices, holiday greetings.
REMINDERS = (
    Purpose.FIRST_MAINTENANCE,
    Purpose.REGULAR_MAINTENANCE,
    Purpose.WARRANTY,
    Purpose.INSPECTION,
    Purpose.INSURANCE,
    Purpose.BIRTHDAY,
    Purpose.MEMBERSHIP,
    Purpose.HOLIDAY,
    Purpose.POINTS_EXPIRY,
)


WEATHER, ACTIVITY = "weather", "activity"
BROADCAST_KINDS = ("weather", "activity", "holiday", "other")
BROADCAST_OPT_OUT = {
    "weather": WEATHER,
    "activity": ACTIVITY,
    "holiday": str(Purpose.HOLIDAY),
    "other": ACTIVITY,
}
OPT_OUT_KINDS = (WEATHER, ACTIVITY, *(str(p) for p in REMINDERS))


class Status(StrEnum):
    QUEUED = "queued"
    CLAIMED = "claimed"  # held by one sender, not yet handed to Telegram: safe to take back
    SENDING = "sending"  # marked (committed) just before the Telegram call
    SENT = "sent"
    UNKNOWN = "unknown"  # left "sending" by a crash: maybe delivered, never sent again
    FAILED = "failed"  # gave up after the retries: on the staff follow-up list
    BLOCKED = "blocked"  # the owner blocked the bot (403)
    CAPPED = "capped"  # over the weekly cap of non-urgent pushes: follow-up list
    CANCELLED = "cancelled"  # e.g. a scheduled broadcast called off


def push_row(
    *,
    store_id: int,
    member_id: int | None,
    chat_id: int,
    purpose: str,
    dedupe_key: str,
    params: dict[str, Any] | None = None,
    urgent: bool = False,
    broadcast_id: int | None = None,
    not_before: datetime | None = None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "store_id": store_id,
        "member_id": member_id,
        "chat_id": chat_id,
        "purpose": str(purpose),
        "dedupe_key": dedupe_key,
        "params": params or {},
        "urgent": urgent,
        "broadcast_id": broadcast_id,
        "status": Status.QUEUED,
        "attempts": 0,
    }
    if not_before is not None:
        row["not_before"] = not_before
    return row


async def enqueue(session: AsyncSession, **fields: Any) -> int | None:
    """Queue one push; its id, or None if this (member, purpose, key) was queued before."""
    return await insert_once(session, Push, push_row(**fields))


async def enqueue_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Queue many `push_row`s in one statement; how many were new."""
    return len(await insert_many_once(session, Push, rows, Push.id))


PER_PUSH = ("member_id", "chat_id", "dedupe_key", "params")


async def enqueue_each(session: AsyncSession, rows: Sequence[dict[str, Any]], **fields: Any) -> int:
    """Queue many pushes that differ only in `PER_PUSH` (the rows' keys, in that order)
    and share `fields` (`push_row`'s others), at the driver in few statements: a sweep
    queues hundreds of thousands. How many were new."""
    shared = push_row(member_id=None, chat_id=0, dedupe_key="", **fields)
    for name in PER_PUSH:
        del shared[name]
    return await insert_rows_counted(session, Push.__table__, rows, same=shared)


async def enqueue_for(session: AsyncSession, recipients: Select[Any], **fields: Any) -> int:
    """Queue the same push for every (member id, chat id) row `recipients` selects, in one
    INSERT … SELECT (a broadcast, a holiday greeting); how many were new.

    `fields` are `push_row`'s, without member_id and chat_id.
    """
    now = utcnow()
    constant = {**push_row(member_id=0, chat_id=0, **fields), "created_at": now}
    del constant["member_id"], constant["chat_id"]
    constant.setdefault("not_before", now)
    table = Push.__table__
    people = recipients.subquery()
    rows = select(
        *people.c, *(literal(value, table.c[name].type) for name, value in constant.items())
    ).where(literal(True, Boolean))  # SQLite needs a WHERE before ON CONFLICT here
    columns = ["member_id", "chat_id", *constant]
    statement = insert_ignoring_duplicates(session, Push).from_select(columns, rows)
    result = await session.execute(statement)
    return max(result.rowcount or 0, 0)
