"""The supervisor's one-step dialogs about a ticket, declared to the form engine (so a
double tap is stale, /cancel works and the dialog survives a restart):

- "tkcall": a call made, reached or not (preset), with an optional note;
- "tksolve": what was done (required; for a suggestion, the note that closes it).

Preset: `ticket` (its id) and, for a call, `reached`. The caller's `extra` gives
`staff_name`, the name colleagues and the card show. A refusal from the use-case (the
ticket solved meanwhile) ends the dialog with it as the result."""

from __future__ import annotations

from typing import Any

from bot.club.forms import engine
from bot.club.forms.engine import Context, Form, Outcome, Step
from bot.club.forms.steps import text_parser
from bot.club.surveys import tickets
from bot.club.surveys.rules import LONGEST_COMMENT, LONGEST_TEXT
from bot.club.surveys.tickets import Refusal, TicketRefused

CALL_FORM_NAME = "tkcall"
SOLVE_FORM_NAME = "tksolve"


async def _called(ctx: Context) -> Any:
    data = ctx.data
    try:
        return await tickets.record_call(
            ctx.session,
            ctx.store_id,
            int(data["ticket"]),
            ctx.user_id,
            ctx.extra.get("staff_name"),
            bool(data["reached"]),
            data.get("note"),
            ctx.now,
        )
    except TicketRefused as refused:
        return refused


async def _solved(ctx: Context) -> Any:
    data = ctx.data
    try:
        return await tickets.resolve(
            ctx.session,
            ctx.store_id,
            int(data["ticket"]),
            ctx.user_id,
            ctx.extra.get("staff_name"),
            str(data["resolution"]),
            ctx.now,
        )
    except TicketRefused as refused:
        return refused


CALL_FORM = Form(
    CALL_FORM_NAME,
    (Step("note", text_parser("note", LONGEST_COMMENT), skippable=True),),
    complete=_called,
)
SOLVE_FORM = Form(
    SOLVE_FORM_NAME,
    (Step("resolution", text_parser("resolution", LONGEST_TEXT, empty=Refusal.NO_TEXT)),),
    complete=_solved,
)


async def begin_call(ctx: Context, ticket_id: int, reached: bool) -> Outcome:
    return await engine.begin(CALL_FORM, ctx, {"ticket": ticket_id, "reached": reached})


async def begin_solve(ctx: Context, ticket_id: int) -> Outcome:
    return await engine.begin(SOLVE_FORM, ctx, {"ticket": ticket_id})
