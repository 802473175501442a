"""Stream rows out of DMS exports (CSV or XLSX) and recognise their layout.

A file is opened with :func:`open_rows`, which reads only as far as the header row,
works out what kind of file it is and which columns matter, and returns a
:class:`DmsFile`. Iterating that yields ``(row_number, {field: text})`` one row at a
time, so memory stays flat however long the file is. Row numbers are the ones a
person sees in Excel (header row = 1 when it is the first row).

Column layouts
--------------
Each field has Chinese and English header names (:data:`DEFAULT_HEADERS` in
:mod:`bot.club.policy.headers`, listed in ``samples/dms/README.md``), and a store adds
its own in the policy file (``[import.headers]``). Headers match after dropping case,
spaces, punctuation, a BOM and a trailing unit in brackets ("结算金额（元）",
"Amount (CNY)"), full-width mapped to half-width.

Kinds, decided by the identifying columns of the header row:

* VISITS when there is an ``order_no`` column (or a plate and visit columns but no
  phone: then ``order_no`` is reported missing). Needs order_no, date, category,
  amount and at least one of plate/vin; mileage and advisor are optional.
* CARS when there is a ``plate`` column: needs the owner's ``phone``; name (shown on
  the refused-rows file only), vin, model, delivery_date optional. A cars export that
  names the owner is still a cars file: a car whose owner is not a member is refused.
* MEMBERS when there are ``name`` and ``phone`` and no plate; birthday optional.

Other columns are ignored. Up to 10 rows above the header (a report title, an export
date) are skipped: the header is the first row naming at least two known columns.

Files: ``.xlsx``/``.xlsm`` are read with openpyxl in read-only mode (active sheet;
numbers and dates turned into text: 13812345678.0 → "13812345678", a date cell →
"YYYY-MM-DD"). ``.csv``/``.txt`` are decoded as UTF-8 (with or without BOM), UTF-16
with BOM, or else GB18030 (a superset of GBK), guessed from the first 64 KB; the
delimiter is a comma unless the header line has more tabs or semicolons.

:class:`FileFormatError` codes: ``empty_file``, ``not_a_spreadsheet``,
``unknown_layout``, ``missing_column``, ``duplicate_column`` (raised by
:func:`open_rows`), and ``encoding_error``, ``malformed_file`` (may also be raised
while iterating, when a bad byte or a broken quote turns up further down the file).
"""

from __future__ import annotations

import os
from typing import BinaryIO

from bot.club.imports.dms.csv_source import _open_csv
from bot.club.imports.dms.layout import (
    _CSV_EXTENSIONS,
    _XLSX_EXTENSIONS,
    DEFAULT_HEADER_MAP,
    DmsFile,
    FileFormatError,
    FileKind,
    HeaderMap,
)
from bot.club.imports.dms.xlsx_source import _open_xlsx
from bot.club.policy.headers import DEFAULT_HEADERS, normalise_header

__all__ = [
    "DEFAULT_HEADERS",
    "DmsFile",
    "FileFormatError",
    "FileKind",
    "normalise_header",
    "open_rows",
]


def open_rows(data: BinaryIO, filename: str, headers: HeaderMap | None = None) -> DmsFile:
    """Open a DMS export, read up to its header row and recognise the layout.

    The file type comes from ``filename``'s extension; ``headers`` maps normalised
    header names to fields (:func:`bot.club.policy.headers.header_fields`: the built-in
    names and a store's own). Raises :class:`FileFormatError`. The caller keeps
    ownership of ``data``.
    """
    headers = DEFAULT_HEADER_MAP if headers is None else headers
    ext = os.path.splitext(filename.lower())[1]
    if ext in _XLSX_EXTENSIONS:
        return _open_xlsx(data, headers)
    if ext in _CSV_EXTENSIONS:
        return _open_csv(data, headers)
    if ext == ".xls":
        raise FileFormatError("not_a_spreadsheet", "old .xls format: save as .xlsx or .csv")
    raise FileFormatError("not_a_spreadsheet", f"unsupported file type {ext or filename!r}")
