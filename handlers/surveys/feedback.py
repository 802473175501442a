"""/feedback in chat, for any member: a suggestion or a complaint, the words (a photo
with a caption counts as both), an optional photo; it opens a ticket, posted to the
staff group, and the owner hears what happens next."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.ext import BaseHandler, CommandHandler, filters

from bot.club.forms.engine import Outcome
from bot.club.surveys import feedback_form
from bot.club.surveys.labels import kind_heading
from bot.club.surveys.rules import TicketKind
from bot.i18n import N_
from bot.messaging import ticket_notices
from handlers import forms
from handlers.card import current_member
from handlers.common import Turn, turn_handler

if TYPE_CHECKING:
    from db.models import Ticket

FEATURE = "fb"  # the dialog's fb:pick/skip/cancel

PROMPTS = {
    "kind": N_(
        "We take every word you tell us seriously. Is it a complaint (something went "
        "wrong) or a suggestion?"
    ),
    "photo": N_("Would you like to add a photo? Send it, or press “No photo”."),
}
ERRORS = {
    feedback_form.NO_TEXT: N_("Please write a few words."),
}


async def text_screen(turn: Turn, outcome: Outcome) -> str:
    data = outcome.data
    if data.get("photo"):
        return turn._(
            "Thank you for the photo. Now please tell us in a few words what it is about."
        )
    if data.get("kind") == TicketKind.COMPLAINT:
        return turn._(
            "Please tell us what happened: when, which car, who you dealt with. You can "
            "send a photo with a caption too."
        )
    return turn._("What is your suggestion? You can send a photo with a caption too.")


async def done(turn: Turn, outcome: Outcome) -> None:
    ticket: Ticket = outcome.result
    if ticket.kind == TicketKind.COMPLAINT:
        hours = turn.t.number(turn.store.policy.surveys.ticket_hours)
        text = turn._(
            "Thank you; we are sorry about this. This is your feedback #{id}: a supervisor "
            "will call you back within {hours} hours.",
            id=ticket.id,
            hours=hours,
        )
    else:
        text = turn._(
            "Thank you for your suggestion (your feedback #{id}). Our team reads every one.",
            id=ticket.id,
        )
    turn.reply(text)
    await ticket_notices.post_new(turn.session, turn.services, turn.store, ticket)


async def extra(turn: Turn) -> dict[str, Any]:
    """A photo's caption, for the words step (the router hands in only the photo)."""
    message = turn.update.effective_message if turn.update is not None else None
    return {"caption": message.caption if message is not None else None}


def kind_label(turn: Turn, step: str, value: str) -> str:
    return kind_heading(turn.t, value) if step == "kind" else value


UI = forms.register(
    forms.FormUI(
        form=feedback_form.FORM,
        feature=FEATURE,
        prompts=PROMPTS,
        cancelled=N_("Cancelled; nothing was sent. Send /feedback to start again."),
        done=done,
        errors=ERRORS,
        extra=extra,
        label=kind_label,
        columns={"kind": 2},
        skip_labels={"photo": N_("No photo")},
        screens={"text": text_screen},
        cancel_on=frozenset({"kind"}),
    )
)


@turn_handler
async def on_feedback(turn: Turn) -> None:
    """/feedback: members only (a non-member is told how to join)."""
    member = await current_member(turn)
    if member is None:
        return
    ctx = await forms.context(turn, UI)
    await forms.show(turn, UI, await feedback_form.begin(ctx, member.id))


def build_handlers() -> list[BaseHandler]:
    return [
        forms.button_handler(FEATURE),
        CommandHandler("feedback", on_feedback, filters=filters.ChatType.PRIVATE),
    ]
