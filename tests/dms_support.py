"""Shared cases for the DMS tests: sample paths, raw rows, small readers."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from bot.club.imports.dms import (
    FileFormatError,
    RowError,
    VisitRecord,
    normalise_category_key,
    normalise_visit,
    open_rows,
)

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "dms"
TODAY = date(2024, 6, 1)
MAX_FEN = 50_000_000

_ALIASES = {
    "保养": "maintenance",
    "定期保养": "maintenance",
    "首保": "first_maintenance",
    "首次保养": "first_maintenance",
    "一般维修": "repair",
    "机修": "repair",
    "维修": "repair",
    "钣喷": "bodywork",
    "钣金喷漆": "bodywork",
    "保险理赔": "insurer_paid",
    "事故理赔": "insurer_paid",
    "索赔": "warranty",
    "保修": "warranty",
    "配件": "parts",
    "零件销售": "parts",
    "精品": "accessories",
    "装潢": "accessories",
    "续保": "insurance",
    "保险": "insurance",
}
CATEGORIES = {
    normalise_category_key(k): v
    for k, v in {**_ALIASES, **{code: code for code in set(_ALIASES.values())}}.items()
}

VIN_A = "LSVAU2182N2183290"
VIN_B = "LFV2A21K4P3000120"


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #


def read(data: bytes, filename: str = "export.csv") -> tuple[Any, list[tuple[int, dict]]]:
    dms = open_rows(io.BytesIO(data), filename)
    return dms, list(dms)


def read_sample(name: str) -> tuple[Any, list[tuple[int, dict]]]:
    with (SAMPLES / name).open("rb") as f:
        dms = open_rows(f, name)
        return dms, list(dms)


def format_error(data: bytes, filename: str = "export.csv") -> FileFormatError:
    with pytest.raises(FileFormatError) as exc_info:
        read(data, filename)
    return exc_info.value


def xlsx_bytes(rows: list[list[Any]], tmp_path: Path, name: str = "book.xlsx") -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path.read_bytes()


class OneWayStream(io.RawIOBase):
    """A readable, non-seekable stream (like a network download)."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        chunk = self._inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def visit_raw(**changes: str) -> dict[str, str]:
    raw = {
        "plate": "粤B12345",
        "vin": "",
        "order_no": "WO1",
        "date": "2024-03-05",
        "category": "保养",
        "amount": "100",
        "mileage": "",
        "advisor": "",
    }
    raw.update(changes)
    return raw


def visit(**changes: str) -> VisitRecord:
    return normalise_visit(
        visit_raw(**changes), today=TODAY, categories=CATEGORIES, max_amount_fen=MAX_FEN
    )


def member_raw(**changes: str) -> dict[str, str]:
    raw = {"name": "张伟", "phone": "13812345678", "birthday": ""}
    raw.update(changes)
    return raw


def car_raw(**changes: str) -> dict[str, str]:
    raw = {"phone": "13812345678", "plate": "粤B12345", "vin": "", "model": "", "delivery_date": ""}
    raw.update(changes)
    return raw


def row_error(fn: Any, raw: Mapping[str, str], **kwargs: Any) -> tuple[str, str | None]:
    with pytest.raises(RowError) as exc_info:
        fn(raw, **kwargs)
    return exc_info.value.code, exc_info.value.field
