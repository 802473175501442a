"""Done on a call (`cl:done:<task>`): a one-step dialog asks for a note on what was
said (or Skip), then the call is marked done once and the caller's list comes again.
A call that is not the presser's, or closed meanwhile, is refused before the note."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.club.calls import done_form, marks
from bot.club.calls.marks import CallRefused
from bot.club.forms.engine import Outcome
from bot.club.members.lookup import member_by_id
from bot.club.staff.roles import Permission
from bot.i18n import N_
from handlers import forms
from handlers.callbacks import pattern
from handlers.calls import desk
from handlers.calls.texts import FEATURE, REFUSALS
from handlers.common import Turn, staff_only, turn_handler


async def note_screen(turn: Turn, outcome: Outcome) -> str:
    try:
        task = await marks.get(turn.session, turn.store.id, int(outcome.data["task"]))
    except CallRefused as refusal:  # the call went away while the dialog was open
        return await desk.refused(turn, refusal)
    member = await member_by_id(turn.session, turn.store.id, task.member_id)
    return turn._(
        "Call #{id} with {name}: what was said? Type a short note, or skip.",
        id=task.id,
        name=member.name if member is not None else "—",
    )


async def done(turn: Turn, outcome: Outcome) -> None:
    result = outcome.result
    if isinstance(result, CallRefused):
        await desk.show(turn, head=await desk.refused(turn, result), new=True)
        return
    await desk.show(turn, head=turn._("Call #{id} marked done.", id=result.id), new=True)


UI = forms.register(
    forms.FormUI(
        form=done_form.FORM,
        feature=FEATURE,
        prompts={},
        cancelled=N_("Cancelled; the call is still open."),
        done=done,
        errors=REFUSALS,
        permission=Permission.CALLS,
        skip_labels={"note": N_("No note")},
        screens={"note": note_screen},
        cancel_on=frozenset({"note"}),
    )
)


@turn_handler
@staff_only(Permission.CALLS)
async def on_done(turn: Turn) -> None:
    """`cl:done:<task>`: the note dialog, if the call is the presser's and still open."""
    cb = turn.callback
    task_id = cb.id(0) if cb is not None else None
    if task_id is None:
        turn.callback_notice = turn._("That button is no longer active.")
        return
    try:
        await marks.mine(turn.session, turn.store.id, task_id, turn.user_id)
    except CallRefused as refusal:
        await desk.refused(turn, refusal)
        return
    outcome = await done_form.begin(await forms.context(turn, UI), task_id)
    await forms.show(turn, UI, outcome)


def build_handlers() -> list[BaseHandler]:
    return [
        forms.button_handler(FEATURE),
        CallbackQueryHandler(on_done, pattern=pattern(FEATURE, "done")),
    ]
