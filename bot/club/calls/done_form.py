"""The "done" dialog of a call task: one step, a note on what was said (skippable),
then the task is marked done once (`marks.mark_done`). Declared to the form engine, so
a stale button, /cancel and a restart midway are handled as for every form.

Preset: `task` (its id)."""

from __future__ import annotations

from typing import Any

from bot.club.calls import marks
from bot.club.calls.marks import CallRefused
from bot.club.forms import engine
from bot.club.forms.engine import Context, Form, Outcome, Rejected, Reply, Step
from db.models import CallTask

FORM_NAME = "calldone"


async def _note(reply: Reply, ctx: Context) -> dict[str, Any]:
    try:
        return {"note": marks.clean_note(reply.value)}
    except CallRefused as refused:
        raise Rejected(refused.code) from refused


async def _complete(ctx: Context) -> CallTask | CallRefused:
    """Mark the task done; a refusal (a colleague or a double tap first) ends the dialog
    with its reason."""
    try:
        return await marks.mark_done(
            ctx.session, ctx.store_id, int(ctx.data["task"]), ctx.user_id, ctx.data["note"], ctx.now
        )
    except CallRefused as refused:
        return refused


FORM = Form(FORM_NAME, (Step("note", _note, skippable=True),), complete=_complete)


async def begin(ctx: Context, task_id: int) -> Outcome:
    return await engine.begin(FORM, ctx, {"task": task_id})
