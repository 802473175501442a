"""The event dialogs, declared to the form engine: create an event step by step (saved
as a draft or published), change its time or place, set its seats, and write a
message to everyone holding a seat.

The change form asks the create form's own time and place steps (`manage_steps`), each
skippable to keep the old value; the seats form is its capacity step. Nothing is
written before the last answer (the create and change forms show a summary first).
"""

from __future__ import annotations

from typing import Any

from bot.club.events import manage
from bot.club.events.manage import ManageRefused
from bot.club.events.manage_steps import BY_NAME, CHANGE_STEPS, STEPS, columns, known, moment
from bot.club.forms import engine
from bot.club.forms.engine import Context, Form, Kind, Outcome, Rejected, Reply, Step
from bot.club.forms.steps import confirm_step
from db.models import Event

NEW, MOVE, SEATS, MESSAGE = "event_new", "event_move", "event_seats", "event_message"
DRAFT, PUBLISH = "draft", "publish"
MAX_MESSAGE = 1000


async def _save_as(reply: Reply, ctx: Context) -> dict[str, Any]:
    if reply.value not in (DRAFT, PUBLISH):
        raise Rejected("unexpected")
    return {"save": reply.value}


async def _check(ctx: Context) -> None:
    """The end after the start and the deadline not after it, however they were given."""
    data = ctx.data
    starts, ends = moment(known(data, "starts")), moment(data.get("ends"))
    if starts is not None and ends is not None and ends <= starts:
        raise Rejected("end_before_start", "ends")
    until = moment(data.get("deadline"))
    if starts is not None and until is not None and until > starts:
        raise Rejected("deadline_after_start", "deadline")


async def _create(ctx: Context) -> Event:
    data = ctx.data
    publish = data.get("save") == PUBLISH
    values = columns(data)
    return await manage.create(
        ctx.session, ctx.store_id, ctx.user_id, values, ctx.now, publish=publish
    )


SAVE_STEP = Step(
    "save",
    _save_as,
    accepts=frozenset({Kind.CHOICE}),
    choices=lambda ctx: [DRAFT, PUBLISH],
    review=True,
)
NEW_FORM = Form(NEW, (*STEPS, SAVE_STEP), complete=_create, check=_check, wrong_kind="unexpected")


async def _moved(ctx: Context) -> manage.Moved | ManageRefused:
    assert ctx.store is not None
    values = columns({k: v for k, v in ctx.data.items() if k in {s.name for s in CHANGE_STEPS}})
    try:
        return await manage.move(
            ctx.session, ctx.store, int(ctx.data["event"]), ctx.user_id, values, ctx.now
        )
    except ManageRefused as refused:
        return refused


MOVE_FORM = Form(
    MOVE, (*CHANGE_STEPS, confirm_step()), complete=_moved, check=_check, wrong_kind="unexpected"
)


async def _seats(ctx: Context) -> tuple[Event, list[Any]] | ManageRefused:
    assert ctx.store is not None
    try:
        return await manage.set_capacity(
            ctx.session,
            ctx.store,
            int(ctx.data["event"]),
            ctx.user_id,
            int(ctx.data["capacity"]),
            ctx.now,
        )
    except ManageRefused as refused:
        return refused


SEATS_FORM = Form(SEATS, (BY_NAME["capacity"],), complete=_seats)


async def _message(reply: Reply, ctx: Context) -> dict[str, Any]:
    text = (reply.value or "").strip()
    if not text or len(text) > MAX_MESSAGE:
        raise Rejected("message_length")
    return {"text": text}


async def _written(ctx: Context) -> dict[str, Any]:
    """The message and its event: the caller queues it for each owner holding a seat."""
    return {"event": int(ctx.data["event"]), "text": ctx.data["text"]}


MESSAGE_FORM = Form(MESSAGE, (Step("text", _message),), complete=_written)


def was(event: Event) -> dict[str, Any]:
    """What a change form starts from: the event's kind, time and place."""
    return {
        "kind": event.kind,
        "starts": event.starts_at.isoformat(),
        "ends": event.ends_at.isoformat(),
        "place": event.place,
    }


async def begin(ctx: Context, form: Form, event: Event) -> Outcome:
    """Open a form about `event` (the change form, the seats form, the message form)."""
    preset: dict[str, Any] = {"event": event.id}
    if form is MOVE_FORM:
        preset["was"] = was(event)
    return await engine.begin(form, ctx, preset)
