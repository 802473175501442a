"""Half-finished conversations (joining, recording a visit) kept in the database.

One dialog per Telegram user at a time: starting a new one replaces the old, so a
restart, a second instance or a stale button always finds the one true state.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db import queries
from db.models import Dialog


async def start(
    session: AsyncSession, store_id: int, user_id: int, flow: str, step: str, data: dict[str, Any]
) -> Dialog:
    existing = await queries.dialog(session, user_id)
    if existing is not None:
        await session.delete(existing)
        await session.flush()
    dialog = Dialog(telegram_user_id=user_id, store_id=store_id, flow=flow, step=step, data=data)
    session.add(dialog)
    return dialog


async def current(session: AsyncSession, user_id: int, flow: str | None = None) -> Dialog | None:
    """The user's open dialog (of `flow`, if given)."""
    found = await queries.dialog(session, user_id)
    if found is None or (flow is not None and found.flow != flow):
        return None
    return found


def advance(dialog: Dialog, step: str, data: dict[str, Any]) -> None:
    """Move to `step` with `data` (a new dict, so the JSON column sees the change)."""
    dialog.step, dialog.data = step, dict(data)


async def close(session: AsyncSession, user_id: int, flow: str | None = None) -> bool:
    """End the user's dialog (of `flow`, if given); False if there was none."""
    if await current(session, user_id, flow) is None:
        return False
    await queries.drop_dialog(session, user_id)
    return True
