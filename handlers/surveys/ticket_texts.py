"""How tickets read for supervisors: the card (what the group post says, plus the phone,
who has it, each call and what was done), a line of the list, the card's buttons, and
why a press changed nothing. Pure functions of a translator and plain rows."""

from __future__ import annotations

from datetime import datetime

from bot.club.stores.context import StoreContext
from bot.club.surveys.labels import STATUSES
from bot.club.surveys.rules import TicketKind, TicketStatus
from bot.club.surveys.ticket_view import TicketView
from bot.club.surveys.tickets import Refusal
from bot.i18n import N_, Translator
from bot.messaging.ticket_notices import (
    NOTED,
    TAKE,
    due_text,
    fit,
    kind_label,
    summary_lines,
)
from handlers.callbacks import encode
from handlers.texts import who

FEATURE = "tk"
CARD_MOST = 4000  # one message

REFUSALS = {
    Refusal.UNKNOWN: N_("There is no such ticket in this store."),
    Refusal.NOT_ACTIVE: N_("That ticket is already solved; nothing was changed."),
    Refusal.SUGGESTION: N_("A suggestion needs no call: press Noted to close it."),
    Refusal.NO_TEXT: N_("Please write what was done, in a few words."),
    Refusal.TAKEN: N_("A colleague has this ticket already."),
}
ERRORS = {
    Refusal.NO_TEXT: REFUSALS[Refusal.NO_TEXT],
}
FOR_SUPERVISORS = N_("Sorry, tickets are for supervisors.")


def refusal_text(t: Translator, code: str) -> str:
    return t.gettext(REFUSALS.get(code, REFUSALS[Refusal.UNKNOWN]))


def holder_text(t: Translator, view: TicketView, me: int) -> str:
    ticket = view.ticket
    status = t.gettext(STATUSES.get(ticket.status, STATUSES[TicketStatus.OPEN]))
    if ticket.status == TicketStatus.TAKEN:
        name = who(t, ticket.taken_by, ticket.taken_by_name, me)
        return t.gettext("Status: {status} by {who}", status=status, who=name)
    return t.gettext("Status: {status}", status=status)


def taken_line(t: Translator, view: TicketView, me: int) -> str:
    """What a colleague pressing "I'll call" after the taker reads."""
    ticket = view.ticket
    return t.gettext(
        "{who} has ticket #{id} (since {when}).",
        who=who(t, ticket.taken_by, ticket.taken_by_name, me),
        id=ticket.id,
        when=t.datetime(ticket.taken_at) if ticket.taken_at else "—",
    )


def card_text(t: Translator, store: StoreContext, view: TicketView, me: int, now: datetime) -> str:
    """Everything about a ticket, phone included (a supervisor's private chat only)."""
    ticket = view.ticket
    lines = [*summary_lines(t, store, view, now, phone=True), holder_text(t, view, me)]
    lines.append(t.gettext("Opened {when}", when=t.datetime(ticket.created_at)))
    if view.calls:
        lines.append(t.gettext("Calls:"))
    for call in view.calls:
        outcome = t.gettext("reached") if call.reached else t.gettext("not reached")
        by = who(t, call.by_user_id, call.by_name, me)
        line = f"• {t.datetime(call.at)} · {by} · {outcome}"
        lines.append(line + (f" — {call.note}" if call.note else ""))
    if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and ticket.resolved_at:
        when, text = t.datetime(ticket.resolved_at), ticket.resolution or ""
        if ticket.resolved_by == me:  # "by you" in its own words, not a padded name
            lines.append(t.gettext("Done {when} by you: {text}", when=when, text=text))
        else:
            name = who(t, ticket.resolved_by, ticket.resolved_by_name, me)
            lines.append(t.gettext("Done {when} by {who}: {text}", when=when, who=name, text=text))
    return fit("\n".join(lines), CARD_MOST)


def list_line(t: Translator, view: TicketView, me: int, now: datetime) -> str:
    """One ticket in /tickets: number, kind, owner and plate, deadline, "mine"."""
    ticket = view.ticket
    parts = [f"#{ticket.id}", kind_label(t, ticket), view.member.name]
    if view.car is not None:
        parts.append(view.car.plate)
    if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and ticket.resolved_at:
        parts.append(t.gettext("done {when}", when=t.datetime(ticket.resolved_at)))
    elif ticket.due_at is not None:
        parts.append(due_text(t, ticket.due_at, now))
    if ticket.status == TicketStatus.TAKEN:
        parts.append(
            t.gettext("⭐ mine")
            if ticket.taken_by == me
            else t.gettext("taken by {who}", who=who(t, ticket.taken_by, ticket.taken_by_name, me))
        )
    return " · ".join(parts)


def card_buttons(t: Translator, view: TicketView) -> list[list[tuple[str, str]]]:
    """I'll call (open) · Reached · Not reached · Solved, or Noted for a suggestion;
    always back to the list. One a row: the card pushed to the taker's private chat
    (the outbox lays a message's buttons one a row) reads the same as /tickets' card."""
    ticket, rows = view.ticket, []
    active = ticket.status in (TicketStatus.OPEN, TicketStatus.TAKEN)
    if active and ticket.kind == TicketKind.SUGGESTION:
        rows.append([(t.gettext(NOTED), encode(FEATURE, "solve", ticket.id))])
    elif active:
        if ticket.status == TicketStatus.OPEN:
            rows.append([(t.gettext(TAKE), encode(FEATURE, "take", ticket.id))])
        rows.append([(t.gettext("✔️ Reached"), encode(FEATURE, "call", ticket.id, 1))])
        rows.append([(t.gettext("✖️ Not reached"), encode(FEATURE, "call", ticket.id, 0))])
        rows.append([(t.gettext("✅ Solved"), encode(FEATURE, "solve", ticket.id))])
    rows.append([(t.gettext("◀ All tickets"), encode(FEATURE, "list", 0))])
    return rows
