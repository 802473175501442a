"""Stream rows out of DMS exports (CSV or XLSX) and recognise their layout.

A file is opened with :func:`open_rows`, which reads only as far as the header row,
works out what kind of file it is and which columns matter, and returns a
:class:`DmsFile`. Iterating that yields ``(row_number, {field: text})`` one row at a
time, so memory stays flat however long the file is. Row numbers are the ones a
person sees in Excel (header row = 1 when it is the first row).

Column layouts
--------------
Each field has an English header and the Chinese names DMS exports use. Headers match
after dropping spaces, BOM, ``_ - . * :`` and a trailing unit in brackets
("结算金额（元）"), mapping full-width to half-width and case-folding.

========================  ==================================  ============================
field                     Chinese headers                     English headers
========================  ==================================  ============================
name                      客户姓名, 姓名, 客户名称            name
phone                     手机号, 手机, 联系电话, 手机号码    phone, mobile
birthday                  生日, 出生日期                      birthday
plate                     车牌号, 车牌, 车牌号码              plate
vin                       VIN码, VIN, 车架号, 底盘号          vin
model                     车型, 车型名称                      model
delivery_date             交车日期, 购车日期, 销售日期        delivery_date
order_no                  工单号, 维修工单号, 委托书号        order_no
date                      结算日期, 维修日期, 进厂日期        date
category                  维修类别, 维修类型, 业务类型        category
amount                    结算金额, 金额, 实收金额            amount
mileage                   行驶里程, 里程, 进厂里程            mileage
advisor                   服务顾问                            advisor
========================  ==================================  ============================

Kinds, decided from the header row:

* VISITS when there is an ``order_no`` column. Needs order_no, date, category, amount
  and at least one of plate/vin; mileage and advisor are optional.
* MEMBERS when there are ``name`` and ``phone``; birthday optional. If there is also a
  ``plate`` column, vin/model/delivery_date are read too and a row may carry a car.
* CARS when there are ``phone`` (the owner's) and ``plate``; vin, model, delivery_date
  optional.

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
    FIELD_HEADERS,
    DmsFile,
    FileFormatError,
    FileKind,
    normalise_header,
)
from bot.club.imports.dms.xlsx_source import _open_xlsx

__all__ = [
    "FIELD_HEADERS",
    "DmsFile",
    "FileFormatError",
    "FileKind",
    "normalise_header",
    "open_rows",
]


def open_rows(data: BinaryIO, filename: str) -> DmsFile:
    """Open a DMS export, read up to its header row and recognise the layout.

    The file type comes from ``filename``'s extension. Raises
    :class:`FileFormatError`. The caller keeps ownership of ``data``.
    """
    ext = os.path.splitext(filename.lower())[1]
    if ext in _XLSX_EXTENSIONS:
        return _open_xlsx(data)
    if ext in _CSV_EXTENSIONS:
        return _open_csv(data)
    if ext == ".xls":
        raise FileFormatError("not_a_spreadsheet", "old .xls format: save as .xlsx or .csv")
    raise FileFormatError("not_a_spreadsheet", f"unsupported file type {ext or filename!r}")
