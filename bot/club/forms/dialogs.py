"""Where a half-finished form lives: the `dialogs` table, one row per Telegram user.

Starting a form replaces the user's old one. Every answer moves the row with a
conditional UPDATE on its `version`, so two instances (or two taps racing) can never
both take an answer for the same state: the loser sees the form as moved on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Dialog


@dataclass(frozen=True)
class State:
    """A snapshot of the user's open form."""

    user_id: int
    form: str
    step: str
    data: dict[str, Any]
    version: int
    prompt_message_id: int | None


async def load(session: AsyncSession, user_id: int) -> State | None:
    row = (
        await session.execute(
            select(
                Dialog.flow, Dialog.step, Dialog.data, Dialog.version, Dialog.prompt_message_id
            ).where(Dialog.telegram_user_id == user_id)
        )
    ).first()
    if row is None:
        return None
    data = dict(row.data or {})
    return State(user_id, row.flow, row.step, data, row.version, row.prompt_message_id)


async def open_new(
    session: AsyncSession, store_id: int, user_id: int, form: str, step: str, data: dict[str, Any]
) -> int:
    """Replace whatever the user had open with `form` at `step`; returns the version."""
    await drop(session, user_id)
    session.add(
        Dialog(
            telegram_user_id=user_id,
            store_id=store_id,
            flow=form,
            step=step,
            data=dict(data),
            version=1,
        )
    )
    await session.flush()
    return 1


async def move(session: AsyncSession, state: State, step: str, data: dict[str, Any]) -> int | None:
    """Move `state` to `step` with `data`; None if someone else moved it first."""
    result = await session.execute(
        update(Dialog)
        .where(Dialog.telegram_user_id == state.user_id, Dialog.version == state.version)
        .values(step=step, data=dict(data), version=state.version + 1)
        .execution_options(synchronize_session=False)
    )
    return state.version + 1 if result.rowcount == 1 else None


async def finish(session: AsyncSession, state: State) -> bool:
    """Close `state`'s form; False if it had moved on already (the other taker wins)."""
    result = await session.execute(
        delete(Dialog)
        .where(Dialog.telegram_user_id == state.user_id, Dialog.version == state.version)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def drop(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        delete(Dialog)
        .where(Dialog.telegram_user_id == user_id)
        .execution_options(synchronize_session=False)
    )


async def remember_prompt(
    session: AsyncSession, user_id: int, version: int, message_id: int
) -> None:
    """The message that shows the prompt of `version` (its buttons go when it is answered)."""
    await session.execute(
        update(Dialog)
        .where(Dialog.telegram_user_id == user_id, Dialog.version == version)
        .values(prompt_message_id=message_id)
        .execution_options(synchronize_session=False)
    )
