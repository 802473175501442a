"""Whole numbers read from text people type or from button data.

One reader for every id, count and page number: ASCII digits only (`²` and full-width
digits pass `str.isdigit()` but are not ids), and within what the database holds (a
64-bit signed integer), so a forged or mistyped number gets a clear answer instead of
an exception deep in the database driver.
"""

from __future__ import annotations

MAX_ID = 2**63 - 1  # BIGINT / SQLite INTEGER


def parse_whole(text: str | None, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """The number `text` spells in ASCII digits, within [minimum, maximum]; else None."""
    if text is None:
        return None
    value = text.strip()
    if not value or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


def parse_id(text: str | None) -> int | None:
    """A database or Telegram id: a positive whole number that fits in 64 bits."""
    return parse_whole(text, minimum=1)


def parse_signed(text: str | None, *, limit: int = MAX_ID) -> int | None:
    """A whole number with an optional sign (`+500`, `-200`), |n| <= limit; else None."""
    if text is None:
        return None
    value = text.strip()
    sign = -1 if value[:1] == "-" else 1
    magnitude = parse_whole(value[1:] if value[:1] in "+-" else value, maximum=limit)
    return None if magnitude is None else sign * magnitude


def page_count(total: int, size: int) -> int:
    """How many pages of `size` hold `total` items: at least one (an empty list)."""
    return max(1, -(-total // size))
