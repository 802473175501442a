"""Tests for bot.club.common.validation: half-width text, phones, plates and VINs."""

from datetime import date

import pytest

from bot.club.common.validation import (
    ValidationCode,
    ValidationError,
    mask_phone,
    normalise_phone,
    normalise_plate,
    normalise_vin,
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
