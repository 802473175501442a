"""An owner taps a button on a reminder ("call me to book", "renew"): the request is
checked against the push the owner really received, then recorded for the desk."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.staff import audit
from db import queries
from db.models import AuditEntry, Member, Push

CALL_REQUEST = "callback.request"


class Action(StrEnum):
    BOOK = "book"  # call me to book a service
    INSURE = "insure"  # call me about insurance
    RENEW = "renew"  # offer me a renewal with points


@dataclass(frozen=True)
class CallRequest:
    """What the handler shows, and what the staff chat is told."""

    member: Member
    action: Action
    purpose: str  # the reminder's kind
    plate: str
    repeated: bool = False  # the same button was tapped before: the desk already knows


async def tap(
    session: AsyncSession, store_id: int, user_id: int, push_id: int, action: str
) -> CallRequest | None:
    """The request behind a reminder's button, or None when the button is not this
    owner's or not one the bot offers. A call-back request is audited (the desk's
    /followups counts them); a renewal only opens the offer."""
    try:
        chosen = Action(action)
    except ValueError:
        return None
    member = await queries.member_by_user(session, store_id, user_id)
    push = await session.get(Push, push_id)
    if member is None or push is None or push.member_id != member.id:
        return None
    plate = str(push.params.get("plate", ""))
    if chosen is Action.RENEW:
        return CallRequest(member, chosen, push.purpose, plate)
    target = f"push:{push.id}"
    asked = await session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.store_id == member.store_id,
            AuditEntry.action == CALL_REQUEST,
            AuditEntry.target == target,
        )
    )
    if asked is None:
        audit.record(
            session,
            member.store_id,
            user_id,
            CALL_REQUEST,
            target,
            purpose=push.purpose,
            member=member.id,
        )
    return CallRequest(member, chosen, push.purpose, plate, repeated=asked is not None)


async def recent(session: AsyncSession, store_id: int, limit: int) -> int:
    """How many of the latest call-back requests there are (at most `limit`)."""
    return len(await queries.recent_audit(session, store_id, CALL_REQUEST, limit))
