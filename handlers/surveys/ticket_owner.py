"""The owner's "Not solved" on the notice of what was done (`tk:reopen:<ticket id>`):
only the ticket's own owner, once, within the policy's days; the ticket goes back to
the staff group as reopened and the owner is told a supervisor will call again."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.club.surveys import tickets
from bot.club.surveys.tickets import Refusal, TicketRefused
from bot.i18n import N_
from bot.messaging import ticket_notices
from handlers.callbacks import pattern
from handlers.card import current_member
from handlers.common import Outgoing, Turn, turn_handler
from handlers.surveys.ticket_texts import FEATURE

REFUSALS = {
    Refusal.UNKNOWN: N_("That is not feedback of yours."),
    Refusal.REOPENED: N_("You told us already that it is not solved; a supervisor is on it."),
    Refusal.NOT_RESOLVED: N_("We are still working on it; a supervisor will call you."),
    Refusal.TOO_LATE: N_(
        "Sorry, this can no longer be reopened. Please tell us with /feedback what is wrong."
    ),
    Refusal.SUGGESTION: N_("Thank you; a suggestion cannot be reopened."),
}


@turn_handler
async def on_reopen(turn: Turn) -> None:
    cb = turn.callback
    ticket_id = cb.id(0) if cb is not None else None
    member = await current_member(turn)
    if member is None:
        return
    store = turn.store
    try:
        if ticket_id is None:
            raise TicketRefused(Refusal.UNKNOWN)
        ticket = await tickets.reopen(turn.session, store, ticket_id, member.id, store.now())
    except TicketRefused as refused:
        text = turn._(REFUSALS.get(refused.code, REFUSALS[Refusal.UNKNOWN]))
        turn.callback_notice = text  # the press's notice only: said once
        return
    await ticket_notices.post_new(turn.session, turn.services, store, ticket)
    query = turn.update.callback_query
    if query is not None and query.message is not None:  # "Not solved" is said once
        turn.outbox.append(Outgoing("", strip=query.message.message_id))
    turn.reply(
        turn._(
            "We are sorry it is not solved. A supervisor will call you again soon about your "
            "feedback #{id}.",
            id=ticket.id,
        )
    )


def build_handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(on_reopen, pattern=pattern(FEATURE, "reopen"))]
