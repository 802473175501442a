"""How the desk's day reads to staff: the day sheet in pages (each under Telegram's 4,096
characters and 100 buttons), what staff changed about the day, and the bookings a staff
change leaves for the desk to call."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from bot.club.bookings.desk import Line, Marked, Sheet
from bot.club.bookings.rules import Status
from bot.club.bookings.slots import EVERY, opening
from bot.club.common.numbers import page_count
from bot.i18n import N_, Translator
from handlers.bookings import texts

if TYPE_CHECKING:
    from bot.club.stores.context import StoreContext

PAGE = 8  # bookings per message: 8 lines of at most ~330 characters, 16 buttons
MAX_TEXT = 4096
MAX_BLOCKS = 10  # blocks listed in the head; more are counted

STATUS: dict[str, str] = {
    Status.BOOKED: N_("booked"),
    Status.ARRIVED: N_("arrived ✓"),
    Status.NO_SHOW: N_("no-show ✗"),
    Status.CANCELLED: N_("cancelled"),
}
MARKED: dict[str, str] = {
    Marked.DONE: N_("Marked."),
    Marked.ALREADY: N_("That was already marked."),
    Marked.CANCELLED: N_("That booking was cancelled; it cannot be marked."),
    Marked.NOT_FOUND: N_("No such booking in this store."),
    Marked.TOO_EARLY: N_("Too early: a car arrives on its day, and is a no-show after its time."),
    Marked.ARRIVED: N_("That car has arrived already; it is not a no-show."),
}
DAY_USAGE = N_("Usage: /day <date>, e.g. /day 2026-12-05, /day 12-05 or /day 12/5")
KEEP = N_("Already booked there (they keep their place; call them):")


def service_name(t: Translator, store: StoreContext, code: str | None) -> str:
    if code in (None, EVERY):
        return t.gettext("all services")
    return texts.service_name(t, store.policy, code)


def span_text(t: Translator, start: datetime, end: datetime) -> str:
    return f"{t.clock(start)}–{t.clock(end)}"


def day_title(t: Translator, sheet: Sheet) -> str:
    return f"{t.weekday(sheet.day)} {t.date(sheet.day)}"


def state_lines(t: Translator, store: StoreContext, sheet: Sheet) -> list[str]:
    """Open or closed, and what staff changed: closed, places per slot, blocks."""
    change, lines = sheet.change, []
    hours = opening(store.policy.bookings, store.tz, sheet.day)
    if change is not None and change.closed:
        note = f" ({change.note})" if change.note else ""
        lines.append(t.gettext("Closed for booking by staff.") + note)
    elif hours is None:
        lines.append(t.gettext("Closed (opening hours or a holiday)."))
    else:
        lines.append(t.gettext("Open {hours}.", hours=span_text(t, *hours)))
    places = (change.capacity if change is not None else None) or {}
    if places:
        parts = [
            f"{service_name(t, store, code)} {t.number(int(n))}"
            for code, n in sorted(places.items(), key=lambda kv: kv[0] != EVERY)
        ]
        lines.append(t.gettext("Places per slot changed: {list}.", list=", ".join(parts)))
    for block in sheet.blocks[:MAX_BLOCKS]:
        reason = f" ({block.reason})" if block.reason else ""
        lines.append(
            t.gettext(
                "Blocked {span}: {service}",
                span=span_text(t, block.starts_at, block.ends_at),
                service=service_name(t, store, block.service),
            )
            + reason
        )
    if len(sheet.blocks) > MAX_BLOCKS:
        more = len(sheet.blocks) - MAX_BLOCKS
        lines.append(t.gettext("… and {n} more blocks.", n=t.number(more)))
    return lines


def _cut(text: str | None, size: int) -> str:
    text = (text or "").strip()
    return text if len(text) <= size else text[: size - 1] + "…"


def plate(line: Line) -> str:
    return line.plate or f"#{line.booking.id}"


def booking_lines(t: Translator, store: StoreContext, line: Line) -> list[str]:
    """One booking: car, service, status; the owner and phone; notes, mileage, advisor."""
    b = line.booking
    head = " · ".join(
        part
        for part in (plate(line), _cut(line.model, 40), service_name(t, store, b.service))
        if part
    )
    out = [f"• {head} — {t.gettext(STATUS[b.status])}"]
    out.append(f"  {_cut(line.owner, 40) or '—'} · {line.phone or '—'}")
    extra = []
    if b.notes:
        extra.append(t.gettext("Notes: {notes}", notes=_cut(b.notes, 120)))
    if b.mileage is not None:
        extra.append(t.gettext("Mileage: {km} km", km=t.number(b.mileage)))
    if line.advisor:
        extra.append(t.gettext("Advisor: {name}", name=_cut(line.advisor, 40)))
    if extra:
        out.append("  " + " · ".join(extra))
    return out


def pages(sheet: Sheet) -> int:
    return page_count(len(sheet.lines), PAGE)


def on_page(sheet: Sheet, page: int) -> list[Line]:
    return sheet.lines[page * PAGE : (page + 1) * PAGE]


def footer(t: Translator, sheet: Sheet) -> str:
    c = sheet.counts
    return t.gettext(
        "Booked {booked} · arrived {arrived} · no-show {no_show} · cancelled {cancelled}",
        booked=t.number(c[Status.BOOKED]),
        arrived=t.number(c[Status.ARRIVED]),
        no_show=t.number(c[Status.NO_SHOW]),
        cancelled=t.number(c[Status.CANCELLED]),
    )


def sheet_text(t: Translator, store: StoreContext, sheet: Sheet, page: int) -> str:
    """One page of the day sheet: the day's state, its bookings by slot, the counts."""
    lines = [t.gettext("Bookings for {day}", day=day_title(t, sheet))]
    lines += state_lines(t, store, sheet)
    lines.append("")
    shown = on_page(sheet, page)
    if not shown:
        lines.append(t.gettext("No bookings."))
    by_start: dict[datetime, list[Line]] = defaultdict(list)
    for line in shown:
        by_start[line.booking.starts_at].append(line)
    for start, group in by_start.items():
        lines.append(t.clock(start))
        for line in group:
            lines += booking_lines(t, store, line)
    lines.append("")
    if pages(sheet) > 1:
        lines.append(
            t.gettext(
                "Page {page} of {pages}", page=t.number(page + 1), pages=t.number(pages(sheet))
            )
        )
    lines.append(footer(t, sheet))
    text = "\n".join(lines)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def call_list(t: Translator, store: StoreContext, lines: list[Line]) -> list[str]:
    """The bookings a change leaves in place, for the desk to call."""
    if not lines:
        return [t.gettext("No booking is affected.")]
    out = [t.gettext(KEEP)]
    for line in lines[:30]:
        b = line.booking
        out.append(
            f"· {t.clock(b.starts_at)} {plate(line)} · {service_name(t, store, b.service)}"
            f" · {_cut(line.owner, 40) or '—'} {line.phone or ''}".rstrip()
        )
    if len(lines) > 30:
        out.append(t.gettext("… and {n} more (see /day).", n=t.number(len(lines) - 30)))
    return out
