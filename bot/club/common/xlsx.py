"""Workbooks for the store's own spreadsheets: one sheet with translated headers, and
the cells every export shares (moments on the store's wall clock, money in yuan).

Written with openpyxl in write-only mode (rows streamed, not held as cells). Used by the
gift exports and the event attendee list.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from bot.i18n import Translator

Row = list[object]


def local(t: Translator, moment: datetime | None) -> datetime | None:
    """A stored UTC moment on the store's wall clock, without zone (Excel has none)."""
    if moment is None:
        return None
    return (moment.astimezone(t.tz) if moment.tzinfo else moment).replace(tzinfo=None)


def yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else Decimal(fen) / 100


def label(t: Translator, table: dict[str, str], key: str) -> str:
    """The translation of `table[key]` (an N_-marked table), else the key itself."""
    return t.gettext(table[key]) if key in table else key


Sheet = tuple[str, Iterable[str], Iterable[Row]]  # title, headers (N_-marked), rows


def workbook(t: Translator, title: str, headers: Iterable[str], rows: Iterable[Row]) -> bytes:
    """One sheet: translated headers, then the rows; the file's bytes."""
    return sheets_workbook(t, [(title, headers, rows)])


def sheets_workbook(t: Translator, sheets: Iterable[Sheet]) -> bytes:
    """Several sheets, each with translated headers, streamed (write-only)."""
    from openpyxl import Workbook  # imported lazily: most updates never export

    book = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append([t.gettext(h) for h in headers])
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
