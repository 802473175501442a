"""Tests for bot.club.common.validation: owner input and DMS export normalisation."""

from datetime import date

import pytest

from bot.club.common.validation import (
    ValidationCode,
    ValidationError,
    mask_phone,
    normalise_model,
    normalise_name,
    normalise_phone,
    normalise_plate,
    normalise_vin,
    parse_date,
    plate_kind,
    to_halfwidth,
)

TODAY = date(2024, 6, 1)


def _code(exc_info: pytest.ExceptionInfo[ValidationError]) -> ValidationCode:
    return exc_info.value.code


# --------------------------------------------------------------------------- #
# to_halfwidth
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("\u3000粤Ｂ１２３４５\u3000", "粤B12345"),
        ("！～", "!~"),
        ("宝马（进口）", "宝马(进口)"),
        ("中文不变", "中文不变"),
        ("  plain  ", "plain"),
    ],
)
def test_to_halfwidth(raw: str, expected: str) -> None:
    assert to_halfwidth(raw) == expected


# --------------------------------------------------------------------------- #
# Phone numbers
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "138.1234.5678",
        "(138) 1234 5678",
        "+86-138-1234-5678",
        "+86 138 1234 5678",
        "0086 138 1234 5678",
        "8613812345678",
        "１３８１２３４５６７８",
        "０１３８１２３４５６７８",
        "＋８６　１３８　１２３４　５６７８",
        " 138 1234 5678\n",
    ],
)
def test_normalise_phone_cn_mobile(raw: str) -> None:
    assert normalise_phone(raw) == "+8613812345678"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("199 1234 5678", "+8619912345678"),
        ("+852 9123 4567", "+85291234567"),
        ("+1 650-253-0000", "+16502530000"),
    ],
)
def test_normalise_phone_other_valid(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


def test_normalise_phone_uses_region_for_local_numbers() -> None:
    assert normalise_phone("9123 4567", region="HK") == "+85291234567"


@pytest.mark.parametrize(
    "raw",
    [
        "010-12345678",  # Beijing landline
        "(0755) 8888 8888",  # Shenzhen landline
        "+86 10 1234 5678",
        "400-123-4567",  # service hotline
    ],
)
def test_normalise_phone_rejects_cn_non_mobile(raw: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        normalise_phone(raw)
    assert _code(exc_info) is ValidationCode.PHONE_NOT_MOBILE


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "",
        "   ",
        "1381234567",  # one digit short
        "138123456789",  # one digit long
        "138-1234-5678 ext 12",
        "138 1234 567a",
        "tel: 13812345678",
        "85291234567",  # Hong Kong number without "+" is read as Chinese
    ],
)
def test_normalise_phone_rejects_invalid(raw: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        normalise_phone(raw)
    assert _code(exc_info) is ValidationCode.PHONE_INVALID


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        ("+8613812345678", "+86138****5678"),
        ("+8619912345678", "+86199****5678"),
        ("+85291234567", "+852912*4567"),
    ],
)
def test_mask_phone(e164: str, expected: str) -> None:
    assert mask_phone(e164) == expected


@pytest.mark.parametrize("junk", ["13812345678", "not a phone", ""])
def test_mask_phone_never_leaks_unparseable_input(junk: str) -> None:
    masked = mask_phone(junk)
    assert not any(ch.isdigit() for ch in masked)
    assert masked.strip("*") == ""


# --------------------------------------------------------------------------- #
# Licence plates
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("raw", "expected", "kind"),
    [
        ("粤B12345", "粤B12345", "ordinary"),
        ("粤b 12345", "粤B12345", "ordinary"),
        ("粤Ｂ１２３４５", "粤B12345", "ordinary"),
        ("京A.12345", "京A12345", "ordinary"),
        ("京a-ab123", "京AAB123", "ordinary"),
        ("京A·1234学", "京A1234学", "ordinary"),
        ("鲁B•1234挂", "鲁B1234挂", "ordinary"),
        ("粤Z・1234港", "粤Z1234港", "ordinary"),
        ("粤Z 1234澳", "粤Z1234澳", "ordinary"),
        ("沪AD12345", "沪AD12345", "new_energy"),
        ("沪A D1234 5", "沪AD12345", "new_energy"),
        ("浙AFA1234", "浙AFA1234", "new_energy"),
        ("沪A12345D", "沪A12345D", "new_energy"),
        ("苏e 12345f", "苏E12345F", "new_energy"),
    ],
)
def test_normalise_plate_valid(raw: str, expected: str, kind: str) -> None:
    assert normalise_plate(raw) == expected
    assert plate_kind(expected) == kind


@pytest.mark.parametrize(
    "raw",
    [
        "粤BI2345",  # I is never used on plates
        "粤BO2345",  # nor O
        "粤O12345",  # authority letter O
        "XX12345",  # not a province
        "B12345",  # province missing
        "粤12345",  # authority letter missing
        "粤B1234",  # too short
        "粤B12345学",  # suffix replaces the 5th character, not added
        "粤B123456",  # 6 chars but neither NEV form
        "沪AA12345",  # small NEV must start with D or F
        "沪AD1234A",  # small NEV ends in 4 digits
        "沪A1234AD",  # large NEV is 5 digits then D/F
        "粤B1234挂5",
        "",
    ],
)
def test_normalise_plate_invalid(raw: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        normalise_plate(raw)
    assert _code(exc_info) is ValidationCode.PLATE_INVALID


def test_plate_kind_rejects_invalid_plate() -> None:
    with pytest.raises(ValidationError) as exc_info:
        plate_kind("XX12345")
    assert _code(exc_info) is ValidationCode.PLATE_INVALID


# --------------------------------------------------------------------------- #
# VIN
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1M8GDM9AXKP042788", "1M8GDM9AXKP042788"),  # check digit X
        ("11111111111111111", "11111111111111111"),
        ("1HGCM82633A004352", "1HGCM82633A004352"),
        ("1m8gdm9axkp042788", "1M8GDM9AXKP042788"),
        (" 1M8G DM9A XKP0 42788 ", "1M8GDM9AXKP042788"),
        ("１Ｍ８ＧＤＭ９ＡＸＫＰ０４２７８８", "1M8GDM9AXKP042788"),
    ],
)
def test_normalise_vin_valid(raw: str, expected: str) -> None:
    assert normalise_vin(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1M8GDM9AXKP04278", ValidationCode.VIN_LENGTH),
        ("1M8GDM9AXKP0427888", ValidationCode.VIN_LENGTH),
        ("", ValidationCode.VIN_LENGTH),
        ("1M8GDM9AXKP04278I", ValidationCode.VIN_CHARS),
        ("1M8GDM9AXKPO42788", ValidationCode.VIN_CHARS),
        ("1M8GDM9AXKP04278Q", ValidationCode.VIN_CHARS),
        ("1M8GDM9AXKP-42788", ValidationCode.VIN_CHARS),
        ("1M8GDM9A1KP042788", ValidationCode.VIN_CHECK_DIGIT),  # check digit
        ("1M8GDM9AXKP042789", ValidationCode.VIN_CHECK_DIGIT),  # last digit
        ("2M8GDM9AXKP042788", ValidationCode.VIN_CHECK_DIGIT),  # first digit
        ("1HGCM82633B004352", ValidationCode.VIN_CHECK_DIGIT),
        ("11111111211111111", ValidationCode.VIN_CHECK_DIGIT),
    ],
)
def test_normalise_vin_invalid(raw: str, code: ValidationCode) -> None:
    with pytest.raises(ValidationError) as exc_info:
        normalise_vin(raw)
    assert _code(exc_info) is code


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
