"""/surveys [YYYY-MM]: a month's satisfaction, NPS, reasons and tickets (this month by
default), with buttons to the month before and after, per advisor, the last six months
and the XLSX export (svf:). Every button re-checks the role and reads its month again:
a forged or future month is refused as out of date."""

from __future__ import annotations

from datetime import date

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.bookings.figures import month_of, parse_month
from bot.club.points.tiers import add_months
from bot.club.staff import audit
from bot.club.staff.roles import Permission
from bot.club.surveys import export, figures
from bot.i18n import N_
from handlers.callbacks import encode, pattern
from handlers.common import Markup, Turn, inline, staff_only, turn_handler
from handlers.paging import page_row
from handlers.surveys import figure_texts as words

FEATURE = "svf"
STALE = N_("This button is out of date.")


def _this_month(turn: Turn) -> date:
    return turn.store.today().replace(day=1)


def _index(month: date) -> int:
    return month.year * 12 + month.month - 1


def _button(turn: Turn, action: str, month: date) -> str:
    return encode(FEATURE, action, month_of(month))


async def _month_row(turn: Turn, month: date) -> list[tuple[str, str]]:
    """To the month before (back to the store's first survey) and after (up to now)."""
    this = _this_month(turn)
    earliest = await figures.first_month(turn.session, turn.store) or this
    origin = min(earliest, month)
    before, after = add_months(month, -1), add_months(month, 1)
    return page_row(
        _index(month) - _index(origin),
        _index(this) - _index(origin) + 1,
        "◀ " + words.month_name(turn.t, before, short=True),
        words.month_name(turn.t, after, short=True) + " ▶",
        lambda n: _button(turn, "m", add_months(origin, n)),
    )


async def _summary(turn: Turn, month: date) -> None:
    found = await figures.month(turn.session, turn.store, month, turn.store.now())
    rows = [
        await _month_row(turn, month),
        [
            (turn._("Per advisor"), _button(turn, "adv", month)),
            (turn._("Last 6 months"), _button(turn, "six", month)),
        ],
        [(turn._("Export XLSX"), _button(turn, "xls", month))],
    ]
    turn.replace(words.summary_text(turn.t, found), inline([r for r in rows if r]))


def _back(turn: Turn, month: date) -> Markup:
    return inline(
        [
            [(turn._("Back to the summary"), _button(turn, "m", month))],
            [(turn._("Export XLSX"), _button(turn, "xls", month))],
        ]
    )


async def _advisors(turn: Turn, month: date) -> None:
    rows = await figures.advisors(turn.session, turn.store, month, turn.store.now())
    turn.replace(words.advisors_text(turn.t, month, rows), _back(turn, month))


async def _months(turn: Turn, month: date) -> None:
    rows = await figures.recent_months(turn.session, turn.store, month, turn.store.now())
    turn.replace(words.months_text(turn.t, rows), _back(turn, month))


async def _export(turn: Turn, month: date) -> None:
    store = turn.store
    content = await export.month_xlsx(turn.session, store, month, store.now(), turn.t)
    audit.record(
        turn.session, store.id, turn.user_id, "surveys.export", None, month=month_of(month)
    )
    caption = turn._("Survey figures for {month}.", month=words.month_name(turn.t, month))
    turn.reply_document(f"surveys-{month_of(month)}.xlsx", content, caption)


VIEWS = {"m": _summary, "adv": _advisors, "six": _months, "xls": _export}


@turn_handler
@staff_only(Permission.VIEW_SURVEYS)
async def on_surveys(turn: Turn) -> None:
    month = _this_month(turn)
    if turn.args:
        chosen = parse_month(turn.args[0]) if len(turn.args) == 1 else None
        if chosen is None:
            turn.reply(turn._(words.USAGE))
            return
        if chosen > month:
            turn.reply(turn._(words.AHEAD, month=words.month_name(turn.t, chosen)))
            return
        month = chosen
    await _summary(turn, month)


@turn_handler
@staff_only(Permission.VIEW_SURVEYS)
async def on_button(turn: Turn) -> None:
    cb = turn.callback  # svf:<m|adv|six|xls>:<YYYY-MM>
    view = VIEWS.get(cb.action) if cb is not None and len(cb.args) == 1 else None
    month = parse_month(cb.args[0]) if view is not None and cb is not None else None
    if view is None or month is None or month > _this_month(turn):
        turn.callback_notice = turn._(STALE)
        return
    await view(turn, month)


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("surveys", on_surveys, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(on_button, pattern=pattern(FEATURE)),
    ]
