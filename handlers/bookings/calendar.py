"""The book dialog's buttons laid out: the cars, a month-style calendar of the
booking window, and the free times. Pure functions of the turn's translator and
the outcome (choices and the labels the form kept in its data)."""

from __future__ import annotations

from datetime import date, timedelta

from bot.club.bookings.answers import read_value
from bot.club.bookings.slots import local_instant, window_days
from bot.club.forms.engine import Outcome
from handlers.bookings.texts import FEATURE
from handlers.callbacks import encode
from handlers.common import Turn
from handlers.forms import FormUI, pick_data

Rows = list[list[tuple[str, str]]]
BLANK = " "  # a cell outside the booking window (Telegram needs some text)
FULL_MARK = "·"
TIMES_PER_ROW = 4


def nop() -> str:
    return encode(FEATURE, "nop")


def window(turn: Turn) -> tuple[date, date]:
    """The first and last store day one may book now."""
    store = turn.store
    return window_days(store.policy.bookings, store.tz, store.now())


def car_rows(turn: Turn, ui: FormUI, outcome: Outcome) -> Rows:
    plates = outcome.data.get("plates") or {}
    return [[(plates.get(v, v), pick_data(ui, outcome, v))] for v in outcome.choices]


def day_rows(turn: Turn, ui: FormUI, outcome: Outcome) -> Rows:
    """A weekday header, then a row per week from the window's first Monday: days with
    room as their number, days without as "·", cells outside the window blank."""
    first, last = window(turn)
    free = set(outcome.choices)
    monday = first - timedelta(days=first.weekday())
    rows: Rows = [[(turn.t.weekday(monday + timedelta(days=i)), nop()) for i in range(7)]]
    day = monday
    while day <= last:
        row = []
        for _ in range(7):
            if first <= day <= last and day.isoformat() in free:
                row.append((str(day.day), pick_data(ui, outcome, day.isoformat())))
            elif first <= day <= last:
                row.append((FULL_MARK, encode(FEATURE, "full", day.isoformat())))
            else:
                row.append((BLANK, nop()))
            day += timedelta(days=1)
        rows.append(row)
    return rows


def time_rows(turn: Turn, ui: FormUI, outcome: Outcome) -> Rows:
    """The free starts with their places left, four a row; offered starts on other days
    (after a refusal) one a row with their date."""
    t, tz = turn.t, turn.store.tz
    places = outcome.data.get("places") or {}
    day = date.fromisoformat(outcome.data["day"]) if outcome.data.get("day") else None
    pairs = []
    for value in outcome.choices:
        found = read_value(value, day)
        if found is None:
            continue
        start = local_instant(found[0], found[1], tz)
        label = t.clock(start)
        if len(value) > 4:
            label = f"{t.weekday(found[0])} {t.date(found[0])} {label}"
        if value in places:
            label += f" ({t.number(int(places[value]))})"
        pairs.append((label, pick_data(ui, outcome, value)))
    width = TIMES_PER_ROW if all(len(v) == 4 for v in outcome.choices) else 1
    return [pairs[i : i + width] for i in range(0, len(pairs), width)]
