"""XLSX exports, streamed with openpyxl in read-only mode."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any, BinaryIO

from bot.club.imports.dms.layout import (
    _OLE_MAGIC,
    _ZIP_MAGIC,
    Cells,
    DmsFile,
    FileFormatError,
    HeaderMap,
    _open,
)

# --------------------------------------------------------------------------- #
# XLSX
# --------------------------------------------------------------------------- #


def _cell_text(value: Any) -> str:
    """Excel cell value -> text as a person reads it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def _xlsx_blank(cells: Cells) -> bool:
    return all(c is None or (isinstance(c, str) and (not c or c.isspace())) for c in cells)


def _xlsx_rows(sheet: Any) -> Iterator[tuple[int, Cells]]:
    number = 0
    try:
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, cells
    except (zipfile.BadZipFile, KeyError, ValueError, SyntaxError, OSError) as exc:
        raise FileFormatError("malformed_file", f"row {number + 1}: {exc}") from exc


def _seekable(data: BinaryIO) -> BinaryIO:
    if data.seekable():
        return data
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    while chunk := data.read(1024 * 1024):
        spool.write(chunk)
    spool.seek(0)
    return spool  # type: ignore[return-value]


def _open_xlsx(data: BinaryIO, headers: HeaderMap) -> DmsFile:
    from openpyxl import load_workbook  # imported lazily: CSV-only callers skip the cost

    data = _seekable(data)
    start = data.tell()
    magic = data.read(4)
    data.seek(start)
    if not magic:
        raise FileFormatError("empty_file", "no data")
    if magic != _ZIP_MAGIC:
        old = magic == _OLE_MAGIC
        raise FileFormatError("not_a_spreadsheet", "old .xls format" if old else "not an .xlsx")
    try:
        book = load_workbook(data, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, SyntaxError, OSError) as exc:
        raise FileFormatError("not_a_spreadsheet", str(exc)) from exc
    sheet = book.active
    if not hasattr(sheet, "iter_rows"):
        if not book.worksheets:
            book.close()
            raise FileFormatError("empty_file", "no worksheet")
        sheet = book.worksheets[0]
    # Some exporters write a wrong <dimension>; without it openpyxl reads every cell.
    sheet.reset_dimensions()
    return _open(
        _xlsx_rows(sheet),
        convert=_cell_text,
        is_blank=_xlsx_blank,
        close=book.close,
        source="xlsx",
        encoding=None,
        headers=headers,
    )
