"""What events tell people unasked, written in the reader's language when queued: the
answer to an owner's question, and the questions left unanswered past the policy's
hours, flagged to the manager."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.stores.context import StoreContext

if TYPE_CHECKING:
    from bot.services import Services


async def flag_overdue_questions(
    session: AsyncSession, services: Services, store: StoreContext, now: datetime
) -> int:
    """Flag each question unanswered past `[events].answer_hours` once, to the manager;
    how many were flagged now."""
    return 0
