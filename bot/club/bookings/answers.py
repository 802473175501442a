"""Days and times as owners type them: "2026-12-05", "12-05", "12/5", "12月5日",
"明天", "tomorrow"; "10:00", "10：30", "14点", "14点半", "2:30 pm". Plain functions."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from bot.club.common.validation.base import to_halfwidth

_RELATIVE = {
    "today": 0,
    "今天": 0,
    "今日": 0,
    "tomorrow": 1,
    "明天": 1,
    "明日": 1,
    "day after tomorrow": 2,
    "后天": 2,
}
_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_SHORT = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_CLOCK = re.compile(r"(\d{1,2})(?:\s*[:.点時时]\s*(\d{2}|半)?\s*分?)?\s*(am|pm|a\.m\.|p\.m\.)?")
_COMPACT = re.compile(r"(\d{2})(\d{2})")


def parse_day(text: str, today: date, *, nearest: bool = False, words: bool = True) -> date | None:
    """The day `text` names. A month and day without a year: its next one from today
    (an owner booking), or with `nearest` the one nearest today, past or not (staff
    looking a day up). `words`: "明天", "tomorrow" and the like count too."""
    value = to_halfwidth(text).lower().strip()
    if words and value in _RELATIVE:
        return today + timedelta(days=_RELATIVE[value])
    try:
        if m := _FULL.fullmatch(value):
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:  # 2026-02-30
        return None
    if (m := _SHORT.fullmatch(value)) is None:
        return None
    month, day = int(m[1]), int(m[2])
    found = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            found.append(date(year, month, day))
        except ValueError:  # 02-29 outside a leap year, 13/45
            continue
    if nearest:
        return min(found, key=lambda d: (abs(d - today), d < today)) if found else None
    return next((d for d in found if d >= today), None)


def parse_clock(text: str) -> time | None:
    """The wall-clock time `text` names, or None."""
    value = to_halfwidth(text).lower().replace(" ", "")
    if m := _COMPACT.fullmatch(value):
        hour, minute, half = int(m[1]), int(m[2]), None
    elif (m := _CLOCK.fullmatch(value)) and (m[2] or m[3] or re.search(r"[点時时]", value)):
        hour = int(m[1])
        minute = 30 if m[2] == "半" else int(m[2] or 0)
        half = m[3]
    else:
        return None
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def local_value(day: date, clock: time, *, with_day: bool) -> str:
    """A start as a button carries it: "HHMM", or "YYYYMMDDHHMM" for one on another day."""
    hhmm = f"{clock.hour:02d}{clock.minute:02d}"
    return day.strftime("%Y%m%d") + hhmm if with_day else hhmm


def read_value(value: str, day: date | None) -> tuple[date, time] | None:
    """The (day, time) of a button's value; "HHMM" is on `day`."""
    if not value.isascii() or not value.isdigit():
        return None
    try:
        if len(value) == 4 and day is not None:
            return day, time(int(value[:2]), int(value[2:]))
        if len(value) == 12:
            return date(int(value[:4]), int(value[4:6]), int(value[6:8])), time(
                int(value[8:10]), int(value[10:])
            )
    except ValueError:
        return None
    return None
