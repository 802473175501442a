"""The supervisor's ticket card and its two one-step dialogs in chat: a call made
(reached or not, an optional note) and what was done (the owner is told, with "Not
solved"). Declared to the form engine (`bot.club.surveys.ticket_forms`); their buttons
are `tk:pick|skip|cancel`."""

from __future__ import annotations

from bot.club.forms.engine import Form, Outcome
from bot.club.staff.names import staff_name
from bot.club.staff.roles import Permission
from bot.club.surveys import ticket_forms, ticket_view
from bot.club.surveys.rules import TicketKind
from bot.club.surveys.ticket_view import TicketView
from bot.club.surveys.tickets import Refusal, TicketRefused
from bot.i18n import N_
from bot.messaging import ticket_notices
from handlers import forms
from handlers.common import Turn, inline
from handlers.surveys.ticket_texts import ERRORS, FEATURE, card_buttons, card_text, refusal_text
from handlers.texts import who


async def who_am_i(turn: Turn) -> str | None:
    """The name colleagues read: the staff member's club name, else Telegram's."""
    return await staff_name(turn.session, turn.store.id, turn.user_id) or turn.user_name


async def show_card(turn: Turn, ticket_id: int) -> None:
    """The card in place of the pressed message (or as a reply), the owner's photo after."""
    try:
        view = await ticket_view.card(turn.session, turn.store.id, ticket_id)
    except TicketRefused as refused:
        if turn.update.callback_query is not None:
            turn.callback_notice = refusal_text(turn.t, refused.code)
        else:
            turn.reply(refusal_text(turn.t, refused.code))
        return
    text = card_text(turn.t, turn.store, view, turn.user_id, turn.store.now())
    turn.replace(text, inline(card_buttons(turn.t, view)))
    if view.ticket.photo and turn.update.callback_query is None:
        turn.reply_photo(view.ticket.photo, turn._("The owner's photo (#{id})", id=ticket_id))


async def solved_before(turn: Turn, view: TicketView) -> str:
    ticket = view.ticket
    if ticket.resolved_at is None:
        return refusal_text(turn.t, Refusal.NOT_ACTIVE)
    if ticket.resolved_by == turn.user_id:
        return turn._(
            "You solved ticket #{id} already on {when}: {text}",
            id=ticket.id,
            when=turn.t.datetime(ticket.resolved_at),
            text=ticket.resolution or "",
        )
    return turn._(
        "Ticket #{id} was solved already by {who} on {when}: {text}",
        id=ticket.id,
        who=who(turn.t, ticket.resolved_by, ticket.resolved_by_name, turn.user_id),
        when=turn.t.datetime(ticket.resolved_at),
        text=ticket.resolution or "",
    )


async def _form_refused(turn: Turn, refused: TicketRefused) -> None:
    if refused.code == Refusal.NOT_ACTIVE and refused.ticket is not None:
        view = await ticket_view.card(turn.session, turn.store.id, refused.ticket.id, calls=False)
        turn.reply(await solved_before(turn, view))
    else:
        turn.reply(refusal_text(turn.t, refused.code))


async def call_screen(turn: Turn, outcome: Outcome) -> str:
    data = outcome.data
    said = (
        turn._("Reached the owner about ticket #{id}.", id=data["ticket"])
        if data["reached"]
        else turn._("Could not reach the owner about ticket #{id}.", id=data["ticket"])
    )
    return said + "\n" + turn._("Add a note (what was said, when to call again), or skip.")


async def call_done(turn: Turn, outcome: Outcome) -> None:
    result = outcome.result
    if isinstance(result, TicketRefused):
        await _form_refused(turn, result)
        return
    ticket, _call = result
    turn.reply(turn._("Call recorded."))
    await show_card(turn, ticket.id)


async def solve_screen(turn: Turn, outcome: Outcome) -> str:
    ticket_id = int(outcome.data["ticket"])
    view = await ticket_view.card(turn.session, turn.store.id, ticket_id, calls=False)
    if view.ticket.kind == TicketKind.SUGGESTION:
        return turn._(
            "Suggestion #{id}: what will be done with it? A short note; what you write is "
            "sent to the owner with our thanks.",
            id=ticket_id,
        )
    return turn._(
        "Ticket #{id}: what was done for the owner? What you write is sent to the owner, "
        "who may say it is not solved.",
        id=ticket_id,
    )


async def solve_done(turn: Turn, outcome: Outcome) -> None:
    result = outcome.result
    if isinstance(result, TicketRefused):
        await _form_refused(turn, result)
        return
    told = await ticket_notices.tell_resolved(turn.session, turn.services, turn.store, result)
    turn.reply(
        turn._("Done. The owner is told what was done.")
        if told
        else turn._("Done, but the owner cannot be reached in chat; please tell them by phone.")
    )
    await show_card(turn, result.id)


async def _extra(turn: Turn) -> dict[str, object]:
    return {"staff_name": await who_am_i(turn)}


def _ui(form: Form, done: object, screen: object, step: str, **more: object) -> forms.FormUI:
    return forms.register(
        forms.FormUI(
            form=form,
            feature=FEATURE,
            prompts={},
            cancelled=N_("Cancelled; nothing was recorded on the ticket."),
            done=done,  # type: ignore[arg-type]
            errors=ERRORS,
            permission=Permission.HANDLE_TICKETS,
            extra=_extra,
            screens={step: screen},  # type: ignore[dict-item]
            cancel_on=frozenset({step}),
            **more,  # type: ignore[arg-type]
        )
    )


CALL_UI = _ui(
    ticket_forms.CALL_FORM, call_done, call_screen, "note", skip_labels={"note": N_("No note")}
)
SOLVE_UI = _ui(ticket_forms.SOLVE_FORM, solve_done, solve_screen, "resolution")
