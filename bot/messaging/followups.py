"""Whom the staff should phone (/followups): owners pushes did not reach, and owners who
pressed "Call me" on a reminder."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.messaging.claims import follow_ups
from db import queries
from db.models import Member, Push

CALL_ME = "callback.request"  # the audit action of a "Call me" button


@dataclass(frozen=True)
class FollowUps:
    unreached: list[tuple[Push, Member]]  # newest first
    call_requests: int


async def to_phone(session: AsyncSession, store_id: int, limit: int = 30) -> FollowUps:
    rows = await follow_ups(session, store_id, limit)
    requests = await queries.recent_audit(session, store_id, CALL_ME, limit)
    return FollowUps(rows, len(requests))
