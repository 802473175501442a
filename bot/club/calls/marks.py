"""What a caller does with a call task: take an unassigned one, mark it done (with a
note), record an unanswered try, or mark it not needed. Each is one conditional update
on the task's status (and its assignee, and for a try its count of tries), so a double
tap or a colleague's earlier press changes nothing twice: the loser gets a refusal
carrying the task as it now is. Nothing is trusted from a button: the task is read
back in this store, and a task assigned to someone else is refused."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.calls.rules import LONGEST_NOTE, TaskStatus, next_try
from bot.club.staff import audit
from bot.club.stores.context import StoreContext
from db.models import CallTask


class Refusal(StrEnum):
    UNKNOWN = "call_unknown"  # no such task in this store (forged, or deleted with its owner)
    NOT_YOURS = "call_not_yours"  # assigned to a colleague, or to nobody yet (take it first)
    TAKEN = "call_taken"  # a colleague took it a moment earlier
    CLOSED = "call_closed"  # done, not needed or unreached already
    TRIED = "call_tried"  # that try was recorded already (a double tap, an old button)
    TOO_LONG = "call_note_too_long"


class CallRefused(Exception):
    def __init__(self, code: Refusal, task: CallTask | None = None) -> None:
        super().__init__(str(code))
        self.code, self.task = code, task


async def get(session: AsyncSession, store_id: int, task_id: int) -> CallTask:
    """The store's task, read afresh; else UNKNOWN."""
    task = await session.scalar(
        select(CallTask)
        .where(CallTask.id == task_id, CallTask.store_id == store_id)
        .execution_options(populate_existing=True)
    )
    if task is None:
        raise CallRefused(Refusal.UNKNOWN)
    return task


async def mine(session: AsyncSession, store_id: int, task_id: int, user_id: int) -> CallTask:
    """The caller's open task (before a note is asked for); else why not."""
    task = await get(session, store_id, task_id)
    if task.status != TaskStatus.OPEN:
        raise CallRefused(Refusal.CLOSED, task)
    if task.assignee_user_id != user_id:
        raise CallRefused(Refusal.NOT_YOURS, task)
    return task


async def _changed(
    session: AsyncSession, store_id: int, task_id: int, where: list[Any], values: dict[str, Any]
) -> tuple[bool, CallTask]:
    result = await session.execute(
        update(CallTask)
        .where(CallTask.id == task_id, CallTask.store_id == store_id, *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount), await get(session, store_id, task_id)


def _refusal(task: CallTask, user_id: int) -> CallRefused:
    """Why a conditional update on the caller's open task changed nothing."""
    if task.status != TaskStatus.OPEN:
        return CallRefused(Refusal.CLOSED, task)
    if task.assignee_user_id != user_id:
        return CallRefused(Refusal.NOT_YOURS, task)
    return CallRefused(Refusal.TRIED, task)


async def take(
    session: AsyncSession, store_id: int, task_id: int, user_id: int, now: datetime
) -> CallTask:
    """An unassigned open task becomes the caller's, once: a colleague's press a moment
    earlier wins (TAKEN); one's own second press is no error."""
    done, task = await _changed(
        session,
        store_id,
        task_id,
        [CallTask.status == TaskStatus.OPEN, CallTask.assignee_user_id.is_(None)],
        {"assignee_user_id": user_id},
    )
    if done:
        audit.record(session, store_id, user_id, "call.take", f"call:{task_id}")
        return task
    if task.assignee_user_id == user_id and task.status == TaskStatus.OPEN:
        return task
    if task.status != TaskStatus.OPEN:
        raise CallRefused(Refusal.CLOSED, task)
    raise CallRefused(Refusal.TAKEN, task)


def clean_note(text: str | None) -> str | None:
    """A note as kept (trimmed; None when empty); refused past LONGEST_NOTE."""
    note = (text or "").strip() or None
    if note is not None and len(note) > LONGEST_NOTE:
        raise CallRefused(Refusal.TOO_LONG)
    return note


async def _close(
    session: AsyncSession,
    store_id: int,
    task_id: int,
    user_id: int,
    status: TaskStatus,
    note: str | None,
    now: datetime,
) -> CallTask:
    values: dict[str, Any] = {"status": status.value, "done_by": user_id, "done_at": now}
    if note is not None:
        values["note"] = note
    done, task = await _changed(
        session,
        store_id,
        task_id,
        [CallTask.status == TaskStatus.OPEN, CallTask.assignee_user_id == user_id],
        values,
    )
    if not done:
        raise _refusal(task, user_id)
    audit.record(session, store_id, user_id, f"call.{status.value}", f"call:{task_id}")
    return task


async def mark_done(
    session: AsyncSession,
    store_id: int,
    task_id: int,
    user_id: int,
    note: str | None,
    now: datetime,
) -> CallTask:
    """The owner was reached; `note` says what was said (optional)."""
    return await _close(session, store_id, task_id, user_id, TaskStatus.DONE, clean_note(note), now)


async def not_needed(
    session: AsyncSession, store_id: int, task_id: int, user_id: int, now: datetime
) -> CallTask:
    """No call needed (the owner called in, or was seen at the store)."""
    return await _close(session, store_id, task_id, user_id, TaskStatus.NOT_NEEDED, None, now)


async def no_answer(
    session: AsyncSession,
    store: StoreContext,
    task_id: int,
    user_id: int,
    tries: int,
    now: datetime,
) -> CallTask:
    """One more unanswered call on a task that had `tries` (what the pressed button
    showed: an older button or a double tap is TRIED). The next try is the policy's
    wait later; the last one makes the task unreached (another channel), kept with
    every try for the record."""
    count = tries + 1
    when = next_try(
        store.policy.calls,
        count,
        now,
        store.tz,
        (store.policy.pushes.quiet_start, store.policy.pushes.quiet_end),
    )
    task = await get(session, store.id, task_id)
    attempts = [*(task.attempts or []), {"at": now.isoformat(), "by": user_id}]
    values: dict[str, Any] = {"tries": count, "next_try_at": when, "attempts": attempts}
    if when is None:
        values.update(status=TaskStatus.UNREACHED.value, done_by=user_id, done_at=now)
    done, task = await _changed(
        session,
        store.id,
        task_id,
        [
            CallTask.status == TaskStatus.OPEN,
            CallTask.assignee_user_id == user_id,
            CallTask.tries == tries,
        ],
        values,
    )
    if not done:
        raise _refusal(task, user_id)
    action = "call.unreached" if when is None else "call.no_answer"
    audit.record(session, store.id, user_id, action, f"call:{task_id}", tries=count)
    return task
