"""Reading DMS exports in XLSX: cell values converted, float amounts, odd streams."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from bot.club.imports.dms import (
    CarRecord,
    FileKind,
    normalise_car,
    normalise_member,
    normalise_visit,
    open_rows,
)
from tests.dms_support import (
    CATEGORIES,
    MAX_FEN,
    TODAY,
    OneWayStream,
    format_error,
    read,
    xlsx_bytes,
)

# --------------------------------------------------------------------------- #
# XLSX
# --------------------------------------------------------------------------- #


def test_xlsx_values_converted(tmp_path: Path) -> None:
    data = xlsx_bytes(
        [
            ["客户姓名", "手机号码", "车牌", "交车日期", "备注"],
            ["张伟", 13812345678.0, "粤B12345", date(2023, 5, 6), True],
            [None, None, None, None, None],
            ["李娜", 13987654321, "沪A88888", 44927, 1.25],
            ["王芳", "1.3912345678E10", "浙A12345", None, None],
        ],
        tmp_path,
    )
    dms, rows = read(data, "Export.XLSX")
    assert dms.kind is FileKind.CARS  # a plate makes it cars, though it names the owner
    assert dms.columns == ("name", "phone", "plate", "delivery_date")
    assert rows == [
        (
            2,
            {
                "name": "张伟",
                "phone": "13812345678",
                "plate": "粤B12345",
                "delivery_date": "2023-05-06",
            },
        ),
        (
            4,
            {"name": "李娜", "phone": "13987654321", "plate": "沪A88888", "delivery_date": "44927"},
        ),
        (5, {"name": "王芳", "phone": "1.3912345678E10", "plate": "浙A12345", "delivery_date": ""}),
    ]
    cars = [normalise_car(raw, today=TODAY) for _, raw in rows]
    assert cars[0] == CarRecord("+8613812345678", "粤B12345", None, None, date(2023, 5, 6))
    assert cars[1] == CarRecord("+8613987654321", "沪A88888", None, None, date(2023, 1, 1))
    assert cars[2].phone == "+8613912345678"


def test_xlsx_member_values_converted(tmp_path: Path) -> None:
    data = xlsx_bytes(
        [
            ["客户姓名", "手机号码", "出生日期", "备注"],
            ["张伟", 13812345678.0, datetime(1985, 3, 12), True],
            ["李娜", 13987654321, datetime(1990, 7, 8, 14, 30), 1.25],
        ],
        tmp_path,
    )
    dms, rows = read(data, "m.xlsx")
    assert dms.kind is FileKind.MEMBERS
    assert rows == [
        (2, {"name": "张伟", "phone": "13812345678", "birthday": "1985-03-12"}),
        (3, {"name": "李娜", "phone": "13987654321", "birthday": "1990-07-08"}),
    ]
    members = [normalise_member(raw, today=TODAY) for _, raw in rows]
    assert [m.birthday for m in members] == [date(1985, 3, 12), date(1990, 7, 8)]


def test_xlsx_float_amounts(tmp_path: Path) -> None:
    data = xlsx_bytes(
        [
            ["Order No", "Date", "Category", "Amount", "Plate", "Mileage"],
            ["WO1", datetime(2024, 3, 5), "Repair", 1280.1 + 1e-13, "粤B12345", 12345.0],
            [20240501001.0, datetime(2024, 3, 6), "保养", 99.99, "粤B12345", None],
        ],
        tmp_path,
    )
    rows = read(data, "v.xlsx")[1]
    assert rows[1][1]["order_no"] == "20240501001"
    records = [
        normalise_visit(raw, today=TODAY, categories=CATEGORIES, max_amount_fen=MAX_FEN)
        for _, raw in rows
    ]
    assert [(r.amount_fen, r.mileage, r.category) for r in records] == [
        (128010, 12345, "repair"),
        (9999, None, "maintenance"),
    ]


def test_xlsx_non_seekable_and_empty(tmp_path: Path) -> None:
    data = xlsx_bytes([["手机", "车牌"], ["13812345678", "粤B12345"]], tmp_path)
    dms = open_rows(OneWayStream(data), "c.xlsx")  # type: ignore[arg-type]
    assert dms.kind is FileKind.CARS
    assert list(dms) == [(2, {"phone": "13812345678", "plate": "粤B12345"})]
    assert format_error(xlsx_bytes([], tmp_path, "empty.xlsx"), "e.xlsx").code == "empty_file"
