"""/duebook [days]: owners due for maintenance with no booking (主动预约), a page at a
time, with a one-tap invitation to book for each car."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.bookings import due
from bot.club.common.numbers import parse_whole
from bot.club.staff.roles import Permission
from bot.i18n import N_
from handlers.bookings import push_texts as words
from handlers.bookings.push_texts import DUE_FEATURE
from handlers.callbacks import encode, pattern
from handlers.common import Markup, Turn, inline, staff_only, turn_handler

STALE = N_("This button is out of date.")


def _markup(turn: Turn, page: due.DuePage) -> Markup | None:
    rows = [
        [(words.invite_label(turn.t, car), encode(DUE_FEATURE, "inv", car.car_id))]
        for car in page.items
    ]
    nav = []
    if page.page > 0:
        nav.append((turn._("◀ Previous"), encode(DUE_FEATURE, "page", page.page - 1, page.days)))
    if page.page + 1 < page.pages:
        nav.append((turn._("Next ▶"), encode(DUE_FEATURE, "page", page.page + 1, page.days)))
    if nav:
        rows.append(nav)
    return inline(rows) if rows else None


async def _show(turn: Turn, days: int, number: int) -> None:
    store = turn.store
    page = await due.due_page(turn.session, store, store.today(), days, number)
    turn.replace(words.due_text(turn.t, page), _markup(turn, page))


@turn_handler
@staff_only(Permission.VIEW_BOOKINGS)
async def on_duebook(turn: Turn) -> None:
    days = turn.store.policy.bookings.proactive_days
    if turn.args:
        days = parse_whole(turn.args[0], minimum=1, maximum=due.MAX_DAYS)
    if days is None or len(turn.args) > 1:
        default = turn.store.policy.bookings.proactive_days
        turn.reply(turn._(words.DUE_USAGE, max=due.MAX_DAYS, default=default))
        return
    await _show(turn, days, 0)


@turn_handler
@staff_only(Permission.VIEW_BOOKINGS)
async def on_page(turn: Turn) -> None:
    cb = turn.callback  # bkdue:page:<n>:<days>
    number = cb.number(0) if cb is not None else None
    days = cb.number(1, minimum=1) if cb is not None else None
    if number is None or days is None or days > due.MAX_DAYS:
        turn.callback_notice = turn._(STALE)
        return
    await _show(turn, days, number)


@turn_handler
@staff_only(Permission.VIEW_BOOKINGS)
async def on_invite(turn: Turn) -> None:
    cb = turn.callback  # bkdue:inv:<car id>
    car_id = cb.id(0) if cb is not None else None
    if car_id is None:
        turn.callback_notice = turn._(STALE)
        return
    outcome, car = await due.invite(turn.session, turn.store, car_id, turn.store.now())
    text = words.invited_text(turn.t, outcome, car)
    turn.callback_notice = text[:190]
    turn.reply(text)


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("duebook", on_duebook, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(on_page, pattern=pattern(DUE_FEATURE, "page")),
        CallbackQueryHandler(on_invite, pattern=pattern(DUE_FEATURE, "inv")),
    ]
