"""Linking a membership imported from the DMS to the owner's Telegram chat.

Only a phone number the owner shared with Telegram's contact button (which Telegram
vouches for) may claim a record; a typed number is asked to be shared instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.staff import audit
from db.models import Member


async def link(
    session: AsyncSession, member: Member, user_id: int, data: dict[str, Any], locale: str | None
) -> Member:
    """Attach the chat to the member record (the join form ends with it)."""
    member.telegram_user_id = user_id
    member.consent_at = datetime.fromisoformat(data["consent_at"])
    member.locale = member.locale or locale
    if data.get("advisor") and member.advisor_user_id is None:
        member.advisor_user_id = data["advisor"]
    audit.record(session, member.store_id, None, "member.claim", f"member:{member.id}")
    await session.flush()
    await session.refresh(member, ["cars"])
    return member
