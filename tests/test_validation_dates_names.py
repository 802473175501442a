"""Tests for bot.club.common.validation: dates, names and car models."""

from datetime import date

import pytest

from bot.club.common.validation import (
    ValidationCode,
    ValidationError,
    normalise_model,
    normalise_name,
    parse_date,
)

TODAY = date(2024, 6, 1)


def _code(exc_info: pytest.ExceptionInfo[ValidationError]) -> ValidationCode:
    return exc_info.value.code


# --------------------------------------------------------------------------- #
# Dates
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "raw",
    [
        "2023-05-06",
        "2023-5-6",
        "2023/5/6",
        "2023/05/06",
        "2023.5.6",
        "20230506",
        "2023年5月6日",
        "2023年05月06日",
        "2023 年 5 月 6 日",
        "２０２３－０５－０６",
        "２０２３年５月６日",
        "2023-05-06 00:00:00",  # DMS datetime export
        " 2023-05-06 ",
        "45052",  # Excel serial
        "45052.0",  # Excel serial read as a float
    ],
)
def test_parse_date_formats(raw: str) -> None:
    assert parse_date(raw, today=TODAY) == date(2023, 5, 6)


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        ("44927", date(2023, 1, 1)),
        ("45292", date(2024, 1, 1)),
        ("45351", date(2024, 2, 29)),
        ("20000", date(1954, 10, 3)),
    ],
)
def test_parse_date_excel_serials(serial: str, expected: date) -> None:
    assert parse_date(serial, today=TODAY) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "yesterday",
        "2023-02-30",
        "2023-13-01",
        "2023-00-10",
        "20230230",
        "2023-05/06",  # mixed separators
        "06/05/2023",  # day-first is ambiguous, not accepted
        "2023年5月",
        "19999",  # below Excel serial range
        "80001",  # above Excel serial range
        "450520",
        "-45052",
    ],
)
def test_parse_date_invalid(raw: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        parse_date(raw, today=TODAY)
    assert _code(exc_info) is ValidationCode.DATE_INVALID


def test_parse_date_today_is_not_future() -> None:
    assert parse_date("2024-06-01", today=TODAY) == TODAY


@pytest.mark.parametrize("raw", ["2024-06-02", "2030/1/1", "80000"])
def test_parse_date_future_rejected(raw: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        parse_date(raw, today=TODAY)
    assert _code(exc_info) is ValidationCode.DATE_IN_FUTURE


def test_parse_date_future_allowed() -> None:
    assert parse_date("2024-06-02", today=TODAY, allow_future=True) == date(2024, 6, 2)
    assert parse_date("80000", today=TODAY, allow_future=True) == date(2119, 1, 11)


def test_parse_date_too_old() -> None:
    earliest = date(2000, 1, 1)
    assert parse_date("2000-01-01", today=TODAY, earliest=earliest) == earliest
    with pytest.raises(ValidationError) as exc_info:
        parse_date("1999-12-31", today=TODAY, earliest=earliest)
    assert _code(exc_info) is ValidationCode.DATE_TOO_OLD


# --------------------------------------------------------------------------- #
# Names and models
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张三", "张三"),
        ("  张  三 ", "张 三"),
        ("张\u3000三", "张 三"),
        ("Li\tWei\n", "Li Wei"),
        ("John\nSmith", "John Smith"),
        ("张\x00三", "张三"),
        ("王\u200b五", "王五"),  # zero-width space
        ("Evil\u202eeman", "Evileman"),  # bidi override
        ("Ｌｉ Ｗｅｉ", "Li Wei"),
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "\t\n", "\x00\x07", "\u3000", "\u200b"])
def test_normalise_name_empty(raw: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        normalise_name(raw)
    assert _code(exc_info) is ValidationCode.NAME_EMPTY


def test_normalise_name_length_limit() -> None:
    assert normalise_name("名" * 40) == "名" * 40
    with pytest.raises(ValidationError) as exc_info:
        normalise_name("名" * 41)
    assert _code(exc_info) is ValidationCode.NAME_TOO_LONG
    with pytest.raises(ValidationError) as exc_info:
        normalise_name("Alexander", max_len=8)
    assert _code(exc_info) is ValidationCode.NAME_TOO_LONG


def test_normalise_name_limit_counts_collapsed_text() -> None:
    padded = "  " + "A" * 20 + "     " + "B" * 19 + "  "
    assert normalise_name(padded) == "A" * 20 + " " + "B" * 19


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("宝马 X5", "宝马 X5"),
        ("宝马  X5\n M Sport ", "宝马 X5 M Sport"),
        ("奔驰ＧＬＣ（进口）", "奔驰GLC(进口)"),
        ("Model\x7fY", "ModelY"),
    ],
)
def test_normalise_model(raw: str, expected: str) -> None:
    assert normalise_model(raw) == expected


def test_normalise_model_errors() -> None:
    with pytest.raises(ValidationError) as exc_info:
        normalise_model(" \n ")
    assert _code(exc_info) is ValidationCode.MODEL_EMPTY
    assert normalise_model("X" * 60) == "X" * 60
    with pytest.raises(ValidationError) as exc_info:
        normalise_model("X" * 61)
    assert _code(exc_info) is ValidationCode.MODEL_TOO_LONG
    with pytest.raises(ValidationError) as exc_info:
        normalise_model("Cayenne", max_len=5)
    assert _code(exc_info) is ValidationCode.MODEL_TOO_LONG


def test_validation_error_carries_code_only() -> None:
    err = ValidationError(ValidationCode.VIN_LENGTH)
    assert err.code is ValidationCode.VIN_LENGTH
    assert isinstance(err, ValueError)
    assert str(err) == "vin_length"
