"""/bookingstats [YYYY-MM]: the month's appointment and show rates (computed now and
kept), and the previous five months as kept by the daily sweep."""

from __future__ import annotations

from telegram.ext import BaseHandler, CommandHandler, filters

from bot.club.bookings import figures
from bot.club.staff.roles import Permission
from handlers.bookings import push_texts as words
from handlers.common import Turn, staff_only, turn_handler

EARLIER = 5  # months shown before the chosen one


@turn_handler
@staff_only(Permission.VIEW_BOOKINGS)
async def on_bookingstats(turn: Turn) -> None:
    store, now = turn.store, turn.store.now()
    first = store.today(now).replace(day=1)
    if turn.args:
        chosen = figures.parse_month(turn.args[0]) if len(turn.args) == 1 else None
        if chosen is None:
            turn.reply(turn._(words.STATS_USAGE))
            return
        first = chosen
    this = await figures.refresh(turn.session, store, first, now)
    earlier = [figures.month_of(m) for m in figures.months_before(first, EARLIER)]
    found = await figures.kept(turn.session, store.id, earlier)
    history = [(month, found.get(month)) for month in earlier]
    turn.reply(words.month_text(turn.t, this) + "\n\n" + words.history_text(turn.t, history))


def build_handlers() -> list[BaseHandler]:
    return [CommandHandler("bookingstats", on_bookingstats, filters=filters.ChatType.PRIVATE)]
