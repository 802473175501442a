"""DMS exports as dealers' systems write them, for the end-to-end import tests: members,
cars and visits; CSV in UTF-8 with BOM or GBK, or XLSX; Chinese or English headers.

Every file has rows refused on purpose, each for a known reason, and a row imported
with a warning; `EXPECTED` says how each file must come out.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from openpyxl import Workbook

FORMATS = ("utf-8-sig", "gbk", "xlsx")
AS_OF = date(2024, 6, 30)  # the export's own date

HEADERS = {
    "zh": {
        "members": ["客户姓名", "手机号"],
        "cars": ["客户姓名", "手机号", "车牌号", "VIN码", "车型", "交车日期"],
        "visits": ["车牌号", "工单号", "结算日期", "维修类别", "结算金额", "行驶里程"],
    },
    "en": {
        "members": ["Customer Name", "Mobile"],
        "cars": ["Customer Name", "Mobile", "Plate No.", "VIN", "Model", "Delivery Date"],
        "visits": [
            "Plate No.",
            "Repair Order No.",
            "Settlement Date",
            "Service Type",
            "Amount",
            "Mileage",
        ],
    },
}
CATEGORY = {
    "zh": {"maintenance": "保养", "repair": "一般维修", "other": "其他"},
    "en": {"maintenance": "Periodic Maintenance", "repair": "General Repair", "other": "Other"},
}
# Phones as exports write them; the two last are spreadsheet number cells in XLSX.
PHONES = [
    "(+86)13800138001",
    "+86 138-0013-8002",
    "8613800138003",
    "１３８００１３８００４",
    13800138005.0,
    13800138006,
]
NO_CHECK_DIGIT_VIN = "WVWZZZ1KZ6W612345"  # an imported car's VIN: accepted, with a warning


def _members() -> list[list[Any]]:
    return [[f"车主{i + 1}", phone] for i, phone in enumerate(PHONES)]


def _cars() -> list[list[Any]]:
    return [
        ["车主1", PHONES[0], "粤B10001", "LSVAU2182N2183290", "途观L", date(2023, 5, 6)],
        ["车主2", PHONES[1], "粤B10002", NO_CHECK_DIGIT_VIN, "高尔夫", date(2022, 1, 1)],
        ["车主3", PHONES[2], "粤B10003", None, "朗逸", date(2021, 3, 15)],
        ["陌生人", "13900000000", "粤B10009", None, "宝来", date(2022, 2, 2)],  # no member
    ]


def _visits(language: str) -> list[list[Any]]:
    c = CATEGORY[language]
    return [
        ["粤B10001", "RO1", date(2024, 3, 5), c["maintenance"], 1280, 12000],
        ["粤B10002", "RO2", date(2024, 4, 1), c["repair"], 6000.0, 30000],
        ["粤B10003", "RO3", date(2024, 5, 1), c["other"], 500, 10000],  # not a category
        ["粤B99999", "RO4", date(2024, 5, 2), c["maintenance"], 800, 5000],  # unknown plate
        ["粤B10001", "RO5", date(2024, 7, 5), c["maintenance"], 900, 15000],  # after AS_OF
        ["粤B10001", "RO6", AS_OF, c["repair"], 300, 14000],
    ]


# kind -> (rows, new, refused {plate or phone in the row: code}, warnings)
EXPECTED = {
    "members": (6, 6, {}, 0),
    "cars": (4, 3, {"粤B10009": "unknown_member"}, 1),
    "visits": (
        6,
        3,
        {"RO3": "category_unknown", "RO4": "unknown_plate", "RO5": "date_after_export"},
        0,
    ),
}


def _text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def export(kind: str, language: str, fmt: str) -> tuple[str, bytes]:
    """(file name, content) of one export."""
    rows = {"members": _members, "cars": _cars, "visits": lambda: _visits(language)}[kind]()
    header = HEADERS[language][kind]
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.append([f"{kind} export"])  # a title row above the header, as DMSs write
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return f"{kind}.xlsx", out.getvalue()
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text(v) for v in row])
    return f"{kind}.csv", text.getvalue().encode(fmt)
