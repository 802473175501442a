"""The desk's day sheet in chat: /today and /day <date>, the bookings by slot with
Arrived and No-show buttons, paged, with the previous and next day one tap away."""

from __future__ import annotations

from datetime import date, timedelta

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.bookings import desk
from bot.club.bookings.desk import Marked, Sheet
from bot.club.bookings.rules import Status
from bot.club.staff.roles import Permission
from handlers.bookings import desk_texts as words
from handlers.callbacks import encode, pattern
from handlers.common import Markup, Turn, inline, staff_only, turn_handler

FEATURE = "bkdesk"


def _buttons(turn: Turn, sheet: Sheet, page: int) -> Markup:
    """Arrived / No-show for each booking of the page still open to marking, then the
    pages, then the previous and next day."""
    rows: list[list[tuple[str, str]]] = []
    for line in words.on_page(sheet, page):
        b, plate = line.booking, words.plate(line)
        row = [(turn._("✓ Arrived {plate}", plate=plate), encode(FEATURE, "arr", b.id, page))]
        if b.status == Status.BOOKED:
            row.append(
                (turn._("✗ No-show {plate}", plate=plate), encode(FEATURE, "ns", b.id, page))
            )
        if b.status in (Status.BOOKED, Status.NO_SHOW):
            rows.append(row)
    iso, count = sheet.day.isoformat(), words.pages(sheet)
    if count > 1:
        paging = []
        if page > 0:
            paging.append((turn._("‹ Page {n}", n=page), encode(FEATURE, "day", iso, page - 1)))
        if page + 1 < count:
            paging.append((turn._("Page {n} ›", n=page + 2), encode(FEATURE, "day", iso, page + 1)))
        rows.append(paging)
    before, after = sheet.day - timedelta(days=1), sheet.day + timedelta(days=1)
    rows.append(
        [
            ("‹ " + turn.t.date(before), encode(FEATURE, "day", before.isoformat(), 0)),
            (turn._("Refresh"), encode(FEATURE, "day", iso, page)),
            (turn.t.date(after) + " ›", encode(FEATURE, "day", after.isoformat(), 0)),
        ]
    )
    return inline(rows)


async def show(turn: Turn, day: date, page: int = 0, head: str | None = None) -> None:
    """The sheet of `day` at `page` (the last page when the day has fewer now), in place
    of the pressed message when a button was pressed."""
    sheet = await desk.day_sheet(turn.session, turn.store, day)
    page = min(max(page, 0), words.pages(sheet) - 1)
    text = words.sheet_text(turn.t, turn.store, sheet, page)
    if head:
        text = (head + "\n\n" + text)[: words.MAX_TEXT]
    turn.replace(text, _buttons(turn, sheet, page))


@turn_handler
@staff_only(Permission.VIEW_BOOKINGS)
async def on_today(turn: Turn) -> None:
    await show(turn, turn.store.today())


@turn_handler
@staff_only(Permission.VIEW_BOOKINGS)
async def on_day(turn: Turn) -> None:
    day = desk.parse_day(" ".join(turn.args), turn.store.today()) if turn.args else None
    if day is None:
        turn.reply(turn._(words.DAY_USAGE))
        return
    await show(turn, day)


def _stale(turn: Turn) -> None:
    turn.callback_notice = turn._("This button is out of date.")
    turn.reply(turn.callback_notice)


@turn_handler
@staff_only(Permission.VIEW_BOOKINGS)
async def on_page(turn: Turn) -> None:
    cb = turn.callback  # bkdesk:day:<iso>:<page>
    try:
        day = date.fromisoformat(cb.arg(0) or "") if cb is not None else None
    except ValueError:
        day = None
    page = cb.number(1) if cb is not None else None
    if day is None:
        _stale(turn)
        return
    await show(turn, day, page or 0)


@turn_handler
@staff_only(Permission.VIEW_BOOKINGS)
async def on_mark(turn: Turn) -> None:
    cb = turn.callback  # bkdesk:arr:<booking id>:<page> | bkdesk:ns:<booking id>:<page>
    booking_id = cb.id(0) if cb is not None else None
    if cb is None or booking_id is None:
        _stale(turn)
        return
    status = Status.ARRIVED if cb.action == "arr" else Status.NO_SHOW
    store = turn.store
    done = await desk.mark(
        turn.session, store, booking_id, status, by=turn.user_id, now=store.now()
    )
    notice = turn._(words.MARKED[done.outcome])
    turn.callback_notice = notice[:190]
    if done.booking is None:
        turn.reply(notice)
        return
    head = None if done.outcome == Marked.DONE else notice
    await show(turn, done.booking.day, cb.number(1) or 0, head)


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("today", on_today, filters=private),
        CommandHandler("day", on_day, filters=private),
        CallbackQueryHandler(on_page, pattern=pattern(FEATURE, "day")),
        CallbackQueryHandler(on_mark, pattern=pattern(FEATURE, "arr", "ns")),
    ]
