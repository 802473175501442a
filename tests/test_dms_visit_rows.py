"""Normalising DMS visit rows: amounts, mileage, categories, dates, identity, and every
row error."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.club.common.validation import ValidationCode
from bot.club.imports.dms import (
    RowCode,
    RowError,
    VisitRecord,
    normalise_car,
    normalise_category_key,
    normalise_visit,
)
from tests.dms_support import (
    CATEGORIES,
    MAX_FEN,
    TODAY,
    VIN_A,
    car_raw,
    read,
    row_error,
    visit,
    visit_raw,
)

# --------------------------------------------------------------------------- #
# Visits
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("amount", "fen"),
    [
        ("1280", 128000),
        ("¥1,280.00", 128000),
        ("￥1,280.00", 128000),
        ("1,280.5", 128050),
        ("123,456.78", 12345678),
        ("￥1280", 128000),
        ("1280元", 128000),
        ("¥ 1280 元", 128000),
        ("RMB 99", 9900),
        ("１２８０", 128000),
        ("１，２８０．５０", 128050),
        ("0", 0),
        ("0.00", 0),
        ("-0", 0),
        (".5", 50),
        ("1280.", 128000),
        ("1280.000", 128000),
        ("1280.1000000000001", 128010),  # Excel float noise: rounded
        ("1280.0000000000002", 128000),
        ("99.98999999999999", 9999),
        ("500000", MAX_FEN),
    ],
)
def test_amounts(amount: str, fen: int) -> None:
    assert visit(amount=amount).amount_fen == fen


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("1280.005", "amount_invalid"),  # three real decimals
        ("12.345", "amount_invalid"),
        ("12,80", "amount_invalid"),
        ("1,2345", "amount_invalid"),
        ("abc", "amount_invalid"),
        ("¥", "amount_invalid"),
        ("1280$", "amount_invalid"),
        ("--5", "amount_invalid"),
        ("1e3", "amount_invalid"),
        ("-100", "amount_negative"),
        ("−100.50", "amount_negative"),
        ("￥-1,280.00", "amount_negative"),
        ("500000.01", "amount_too_large"),
        ("9" * 40, "amount_too_large"),
        ("", "missing_field"),
    ],
)
def test_amount_errors(amount: str, code: str) -> None:
    assert row_error(
        normalise_visit,
        visit_raw(amount=amount),
        today=TODAY,
        categories=CATEGORIES,
        max_amount_fen=MAX_FEN,
    ) == (code, "amount")


@pytest.mark.parametrize(
    ("mileage", "km"),
    [
        ("12345", 12345),
        ("12,345", 12345),
        ("12345km", 12345),
        ("12345 KM", 12345),
        ("12345公里", 12345),
        ("１２３４５", 12345),
        ("12345.5", 12346),
        ("0", 0),
        ("2,000,000", 2_000_000),
        ("", None),
    ],
)
def test_mileage(mileage: str, km: int | None) -> None:
    assert visit(mileage=mileage).mileage == km


@pytest.mark.parametrize("mileage", ["-5", "2000001", "abc", "1,23", "12345 miles", "1" * 12])
def test_mileage_errors(mileage: str) -> None:
    assert row_error(
        normalise_visit,
        visit_raw(mileage=mileage),
        today=TODAY,
        categories=CATEGORIES,
        max_amount_fen=MAX_FEN,
    ) == ("mileage_invalid", "mileage")


@pytest.mark.parametrize(
    ("category", "code"),
    [
        ("保养", "maintenance"),
        ("定期保养", "maintenance"),
        (" 首保 ", "first_maintenance"),
        ("机修", "repair"),
        ("Repair", "repair"),
        ("ＲＥＰＡＩＲ", "repair"),
        ("insurer_paid", "insurer_paid"),
        ("钣金 喷漆", "bodywork"),
        ("索赔", "warranty"),
        ("装潢", "accessories"),
    ],
)
def test_categories(category: str, code: str) -> None:
    assert visit(category=category).category == code


def test_category_key() -> None:
    assert normalise_category_key("  Ｆirst Maintenance ") == "firstmaintenance"
    assert normalise_category_key("保养") == "保养"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("2024/3/5", date(2024, 3, 5)),
        ("20240305", date(2024, 3, 5)),
        ("2024年3月5日", date(2024, 3, 5)),
        ("45356", date(2024, 3, 5)),
        ("2024-03-05 14:30:00", date(2024, 3, 5)),
        ("2024-06-01", TODAY),
    ],
)
def test_visit_dates(text: str, day: date) -> None:
    assert visit(date=text).visit_date == day


def test_visit_identity_and_text_fields() -> None:
    record = visit(plate="粤b 12345", vin=VIN_A.lower(), order_no=" ＷＯ 0001 ", advisor=" 李明 ")
    assert record == VisitRecord(
        plate="粤B12345",
        vin=VIN_A,
        order_no="WO 0001",
        visit_date=date(2024, 3, 5),
        category="maintenance",
        amount_fen=10000,
        mileage=None,
        advisor="李明",
    )
    assert visit(plate="", vin=VIN_A).plate is None
    vin_only = {k: v for k, v in visit_raw(vin=VIN_A).items() if k != "plate"}
    assert (
        normalise_visit(vin_only, today=TODAY, categories=CATEGORIES, max_amount_fen=MAX_FEN).vin
        == VIN_A
    )
    assert visit(order_no="A" * 40).order_no == "A" * 40
    assert visit(order_no="20240501001").order_no == "20240501001"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"plate": "", "vin": ""}, ("missing_field", "plate")),
        ({"plate": "粤B1234"}, ("plate_invalid", "plate")),
        ({"order_no": ""}, ("missing_field", "order_no")),
        ({"order_no": "A" * 41}, ("order_no_invalid", "order_no")),
        ({"order_no": "WO\x01"}, ("order_no_invalid", "order_no")),
        ({"order_no": "WO\u200b1"}, ("order_no_invalid", "order_no")),
        ({"order_no": "2.02405E+13"}, ("order_no_invalid", "order_no")),
        ({"date": ""}, ("missing_field", "date")),
        ({"date": "2099-01-01"}, ("date_in_future", "date")),
        ({"date": "2024-06-02"}, ("date_in_future", "date")),
        ({"date": "1900-01-01"}, ("date_too_old", "date")),
        ({"date": "2024-02-30"}, ("date_invalid", "date")),
        ({"date": "上周"}, ("date_invalid", "date")),
        ({"category": ""}, ("missing_field", "category")),
        ({"category": "洗车"}, ("category_unknown", "category")),
        ({"advisor": "李" * 41}, ("name_too_long", "advisor")),
    ],
)
def test_visit_errors(changes: dict[str, str], expected: tuple[str, str]) -> None:
    raw = visit_raw(**changes)
    got = row_error(
        normalise_visit, raw, today=TODAY, categories=CATEGORIES, max_amount_fen=MAX_FEN
    )
    assert got == expected


def test_visit_missing_identity_in_vin_only_file() -> None:
    raw = {k: v for k, v in visit_raw().items() if k != "plate"}
    assert row_error(
        normalise_visit, raw, today=TODAY, categories=CATEGORIES, max_amount_fen=MAX_FEN
    ) == ("missing_field", "vin")


def test_every_row_code_is_tested() -> None:
    """Each RowCode is produced by at least one case above (kept in step by hand)."""
    produced = {
        "missing_field": visit_raw(order_no=""),
        "amount_invalid": visit_raw(amount="1.234"),
        "amount_negative": visit_raw(amount="-1"),
        "amount_too_large": visit_raw(amount="1000000"),
        "mileage_invalid": visit_raw(mileage="-1"),
        "category_unknown": visit_raw(category="洗车"),
        "order_no_invalid": visit_raw(order_no="x" * 41),
        "date_after_export": visit_raw(date="2024-05-31"),
    }
    assert set(produced) == {c.value for c in RowCode}
    for code, raw in produced.items():
        got, _ = row_error(
            normalise_visit,
            raw,
            today=TODAY,
            categories=CATEGORIES,
            max_amount_fen=MAX_FEN,
            as_of=date(2024, 5, 30),
        )
        assert got == code
    assert RowError(ValidationCode.PLATE_INVALID, "plate").code == "plate_invalid"


def test_xlsx_row_numbers_with_missing_rows(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet["B3"], sheet["C3"] = "手机", "车牌号"
    sheet["B6"], sheet["C6"] = "13812345678", "粤B12345"
    sheet["E8"] = "  "
    sheet["C9"] = "沪A88888"
    path = tmp_path / "sparse.xlsx"
    book.save(path)
    dms, rows = read(path.read_bytes(), "sparse.xlsx")
    assert dms.header_row == 3
    assert rows == [
        (6, {"phone": "13812345678", "plate": "粤B12345"}),
        (9, {"phone": "", "plate": "沪A88888"}),
    ]


def test_dms_vins_without_a_check_digit_are_kept_with_a_warning() -> None:
    """Imported European cars carry VINs whose 9th character is no check digit: the car is
    imported, and the row is listed as a warning for staff to check."""
    record = normalise_car(car_raw(vin="wvwzzz1kz6w612345"), today=TODAY)
    assert record.vin == "WVWZZZ1KZ6W612345"
    assert record.warnings == (("vin_check_digit", "vin"),)
    assert normalise_car(car_raw(vin=VIN_A), today=TODAY).warnings == ()


def test_dates_after_the_export_are_refused() -> None:
    as_of = date(2024, 5, 1)
    assert row_error(
        normalise_visit,
        visit_raw(date="2024-05-02"),
        today=TODAY,
        categories=CATEGORIES,
        max_amount_fen=MAX_FEN,
        as_of=as_of,
    ) == ("date_after_export", "date")
    on_the_day = normalise_visit(
        visit_raw(date="2024-05-01"),
        today=TODAY,
        categories=CATEGORIES,
        max_amount_fen=MAX_FEN,
        as_of=as_of,
    )
    assert on_the_day.visit_date == as_of
    assert row_error(
        normalise_car, car_raw(delivery_date="2024-05-20"), today=TODAY, as_of=as_of
    ) == ("date_after_export", "delivery_date")
