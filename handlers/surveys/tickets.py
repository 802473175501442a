"""Tickets for supervisors (HANDLE_TICKETS): the staff group's "I'll call", /tickets
(active, overdue first then by deadline, "mine" marked, paged; `/tickets done`: solved
in the last 14 days; `/tickets <id>`: the card), and the card's buttons.

Buttons: `tk:take:<id>` (in the group or private), `tk:show:<id>`, `tk:list:<page>`,
`tk:done:<page>`, `tk:call:<id>:<1|0>` (reached / not reached: a one-step note dialog),
`tk:solve:<id>` (what was done: a one-step dialog; "Noted" for a suggestion), and the
dialogs' `tk:pick|skip|cancel`. The owner's `tk:reopen` is `ticket_owner`'s.
In the group the phone never shows: the taker gets the card in private (outbox)."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.common.numbers import page_count, parse_id
from bot.club.staff.roles import Permission
from bot.club.surveys import ticket_forms, ticket_view, tickets
from bot.club.surveys.rules import ACTIVE, TicketKind
from bot.club.surveys.ticket_view import TicketView
from bot.club.surveys.tickets import Refusal, TicketRefused
from bot.messaging import ticket_notices
from handlers import forms
from handlers.callbacks import encode, pattern
from handlers.common import Outgoing, Turn, inline, staff_only, turn_handler
from handlers.paging import page_row
from handlers.surveys.ticket_dialogs import CALL_UI, SOLVE_UI, show_card, solved_before, who_am_i
from handlers.surveys.ticket_texts import (
    FEATURE,
    FOR_SUPERVISORS,
    card_buttons,
    card_text,
    list_line,
    refusal_text,
    taken_line,
)

PAGE = 8
LAST_PAGE = 10_000


def in_group(turn: Turn) -> bool:
    chat = turn.update.effective_chat
    return chat is not None and chat.type != "private"


async def show_list(turn: Turn, page: int, *, done: bool) -> None:
    store, now = turn.store, turn.store.now()
    found, total = await ticket_view.listing(
        turn.session, store.id, now, page * PAGE, PAGE, done=done
    )
    pages = page_count(total, PAGE)
    if page >= pages and total:
        page = pages - 1
        found, _ = await ticket_view.listing(
            turn.session, store.id, now, page * PAGE, PAGE, done=done
        )
    switch = (
        (turn._("Active tickets"), encode(FEATURE, "list", 0))
        if done
        else (turn._("Solved lately"), encode(FEATURE, "done", 0))
    )
    if not found:
        empty = (
            turn._("No ticket was solved in the last 14 days.")
            if done
            else turn._("No open tickets. Well done!")
        )
        turn.replace(empty, inline([[switch]]))
        return
    head = (
        turn._("Solved in the last 14 days (page {page}/{pages}):", page=page + 1, pages=pages)
        if done
        else turn._(
            "Open tickets, overdue first (page {page}/{pages}):", page=page + 1, pages=pages
        )
    )
    lines = [head, *(list_line(turn.t, view, turn.user_id, now) for view in found)]
    opens = [(f"#{v.ticket.id}", encode(FEATURE, "show", v.ticket.id)) for v in found]
    rows = [opens[i : i + 4] for i in range(0, len(opens), 4)]
    action = "done" if done else "list"
    moves = page_row(
        page,
        pages,
        turn._("◀ Previous"),
        turn._("Next ▶"),
        lambda n: encode(FEATURE, action, n),
    )
    rows += [moves] if moves else []
    rows.append([switch])
    turn.replace("\n".join(lines), inline(rows))


@turn_handler
@staff_only(Permission.HANDLE_TICKETS)
async def on_tickets(turn: Turn) -> None:
    args = turn.args
    if not args:
        await show_list(turn, 0, done=False)
    elif len(args) == 1 and args[0].lower() in ("done", "solved"):
        await show_list(turn, 0, done=True)
    elif len(args) == 1 and (ticket_id := parse_id(args[0].lstrip("#"))) is not None:
        await show_card(turn, ticket_id)
    else:
        turn.reply(
            turn._("Usage: /tickets, /tickets done (solved lately) or /tickets <ticket number>.")
        )


async def _take(turn: Turn, ticket_id: int) -> None:
    store = turn.store
    try:
        taken = await tickets.take(
            turn.session, store.id, ticket_id, turn.user_id, await who_am_i(turn), store.now()
        )
    except TicketRefused as refused:
        if refused.code == Refusal.TAKEN and refused.ticket is not None:
            view = await ticket_view.card(turn.session, store.id, ticket_id, calls=False)
            turn.callback_notice = taken_line(turn.t, view, turn.user_id)
        else:
            turn.callback_notice = refusal_text(turn.t, refused.code)
        return
    if in_group(turn):
        await _taken_in_group(turn, taken.ticket.id, taken.again)
        return
    turn.callback_notice = turn._("It is yours: please call the owner.")
    await show_card(turn, ticket_id)


async def _card_to_private(turn: Turn, ticket_id: int) -> TicketView:
    """The ticket's card, with the phone, to the presser's private chat (once per
    version of the ticket); the card as read."""
    store = turn.store
    view = await ticket_view.card(turn.session, store.id, ticket_id)
    text = card_text(turn.t, store, view, turn.user_id, store.now())
    buttons = [b for row in card_buttons(turn.t, view) for b in row]
    key = f"tk-card:{ticket_id}:{turn.user_id}:{view.ticket.version}"
    await ticket_notices.send_card(
        turn.session, turn.services, store, turn.user_id, text, buttons, key
    )
    return view


async def _taken_in_group(turn: Turn, ticket_id: int, again: bool) -> None:
    """The group's post says who will call (no more button); the card, with the phone,
    goes to the taker's private chat."""
    store, services, now = turn.store, turn.services, turn.store.now()
    view = await _card_to_private(turn, ticket_id)
    turn.callback_notice = turn._(
        "The ticket and the owner's phone are in your private chat with me (/tickets {id}).",
        id=ticket_id,
    )
    if again:
        return
    group_t = services.translator(store.default_locale, store)
    line = group_t.gettext("📞 {name} will call.", name=view.ticket.taken_by_name or turn.user_id)
    query = turn.update.callback_query
    pressed = query.message if query is not None else None
    if pressed is not None and getattr(pressed, "photo", None):
        turn.outbox.append(Outgoing("", strip=pressed.message_id))
        turn.reply(f"#{ticket_id} · {line}")
    else:
        post = ticket_notices.post_text(group_t, store, view, now)
        turn.replace(f"{post}\n\n{line}")


async def _in_group(turn: Turn, action: str, ticket_id: int | None) -> None:
    """In the group only "I'll call" and a suggestion's "Noted" act; the rest belongs
    in private chat."""
    if ticket_id is None:
        turn.callback_notice = turn._("That button is no longer active.")
    elif action == "take":
        await _take(turn, ticket_id)
    elif action == "solve":
        await _card_to_private(turn, ticket_id)
        turn.callback_notice = turn._("Sent to your private chat: note it there.")
    else:
        turn.callback_notice = turn._("Please open it in private chat: /tickets {id}", id=ticket_id)


async def _call(turn: Turn, ticket_id: int, reached: int | None) -> None:
    if reached not in (0, 1):
        turn.callback_notice = turn._("That button is no longer active.")
        return
    view = await ticket_view.card(turn.session, turn.store.id, ticket_id, calls=False)
    ticket = view.ticket
    if ticket.kind == TicketKind.SUGGESTION:
        turn.reply(refusal_text(turn.t, Refusal.SUGGESTION))
    elif ticket.status not in ACTIVE:
        turn.reply(await solved_before(turn, view))
    else:
        ctx = await forms.context(turn, CALL_UI)
        outcome = await ticket_forms.begin_call(ctx, ticket.id, bool(reached))
        await forms.show(turn, CALL_UI, outcome)


async def _solve(turn: Turn, ticket_id: int) -> None:
    view = await ticket_view.card(turn.session, turn.store.id, ticket_id, calls=False)
    if view.ticket.status not in ACTIVE:
        turn.reply(await solved_before(turn, view))
        return
    ctx = await forms.context(turn, SOLVE_UI)
    outcome = await ticket_forms.begin_solve(ctx, view.ticket.id)
    await forms.show(turn, SOLVE_UI, outcome)


@turn_handler
async def on_button(turn: Turn) -> None:
    cb = turn.callback
    if cb is None:
        return
    if not await turn.may(Permission.HANDLE_TICKETS):
        turn.callback_notice = turn._(FOR_SUPERVISORS)
        return
    if cb.action in ("list", "done"):
        if in_group(turn):
            turn.callback_notice = turn._("Please open it in private chat: /tickets")
            return
        await show_list(turn, min(cb.number(0) or 0, LAST_PAGE), done=cb.action == "done")
        return
    ticket_id = cb.id(0)
    try:
        if in_group(turn):
            await _in_group(turn, cb.action, ticket_id)
        elif ticket_id is None:
            turn.callback_notice = turn._("That button is no longer active.")
        elif cb.action == "take":
            await _take(turn, ticket_id)
        elif cb.action == "show":
            await show_card(turn, ticket_id)
        elif cb.action == "call":
            await _call(turn, ticket_id, cb.number(1))
        else:
            await _solve(turn, ticket_id)
    except TicketRefused as refused:
        turn.callback_notice = refusal_text(turn.t, refused.code)


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("tickets", on_tickets, filters=filters.ChatType.PRIVATE),
        forms.button_handler(FEATURE),
        CallbackQueryHandler(
            on_button, pattern=pattern(FEATURE, "take", "show", "list", "done", "call", "solve")
        ),
    ]
