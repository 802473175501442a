"""Normalising DMS rows: members and cars, and their row errors."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from bot.club.imports.dms import (
    CarRecord,
    MemberRecord,
    normalise_car,
    normalise_member,
)
from tests.dms_support import (
    TODAY,
    VIN_A,
    car_raw,
    member_raw,
    row_error,
)

# --------------------------------------------------------------------------- #
# Members and cars
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138-1234-5678",
        "+8613812345678",
        "0086 13812345678",
        "8613812345678",
        "86 138 1234 5678",
        "１３８１２３４５６７８",
        "＋８６　１３８１２３４５６７８",
        "13812345678.0",
        "1.3812345678E10",
        "1.3812345678e+10",
        "1.381234567800E10",
        "(+86)13812345678",
        "（+86）138 1234 5678",
        "(86)13812345678",
        "(0086) 138-1234-5678",
    ],
)
def test_phone_formats(phone: str) -> None:
    assert normalise_member(member_raw(phone=phone), today=TODAY).phone == "+8613812345678"


@pytest.mark.parametrize(
    ("phone", "code"),
    [
        ("1.38123E+10", "phone_invalid"),  # Excel lost six digits
        ("1.3812345678E11", "phone_invalid"),
        ("12345", "phone_invalid"),
        ("1381234567", "phone_invalid"),
        ("13812345678/13987654321", "phone_invalid"),
        ("138abc45678", "phone_invalid"),
        ("020 8345 6789", "phone_not_mobile"),
        ("", "missing_field"),
    ],
)
def test_phone_rejected(phone: str, code: str) -> None:
    assert row_error(normalise_member, member_raw(phone=phone), today=TODAY) == (code, "phone")


def test_member_fields() -> None:
    record = normalise_member(member_raw(name="  张 \u200b伟 ", birthday="1985/3/12"), today=TODAY)
    assert record == MemberRecord("张 伟", "+8613812345678", date(1985, 3, 12))
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": ""}, ("missing_field", "name")),
        ({"name": "\u200b"}, ("name_empty", "name")),
        ({"name": "张" * 41}, ("name_too_long", "name")),
        ({"birthday": "2030-01-01"}, ("date_in_future", "birthday")),
        ({"birthday": "1900-01-01"}, ("date_too_old", "birthday")),
        ({"birthday": "03-12"}, ("date_invalid", "birthday")),
        ({"birthday": "1985-02-30"}, ("date_invalid", "birthday")),
    ],
)
def test_member_errors(changes: dict[str, str], expected: tuple[str, str]) -> None:
    assert row_error(normalise_member, member_raw(**changes), today=TODAY) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"plate": "", "vin": VIN_A}, ("missing_field", "plate")),
        ({"plate": "粤B1234"}, ("plate_invalid", "plate")),
        ({"plate": "粤B12345", "vin": "LSVAU2182N218329"}, ("vin_length", "vin")),
        ({"plate": "粤B12345", "vin": "LSVAU2182N218329O"}, ("vin_chars", "vin")),
        ({"plate": "粤B12345", "model": "M" * 61}, ("model_too_long", "model")),
        ({"plate": "粤B12345", "delivery_date": "1900-01-01"}, ("date_too_old", "delivery_date")),
    ],
)
def test_car_values_refused(changes: dict[str, str], expected: tuple[str, str]) -> None:
    assert row_error(normalise_car, car_raw(**changes), today=TODAY) == expected


def test_car_values_cleaned() -> None:
    raw = car_raw(plate="粤b·a 1234", vin=" lsvau2182n2183290 ", model=" 途观L ", delivery_date="")
    record = normalise_car(raw, today=TODAY)
    assert record == CarRecord("+8613812345678", "粤BA1234", VIN_A, "途观L", None)


def test_a_members_row_never_carries_a_car() -> None:
    """A file with a plate column is a cars file; members rows are people only."""
    record = normalise_member(member_raw(plate="粤B12345", vin=VIN_A), today=TODAY)
    assert record == MemberRecord("张伟", "+8613812345678", None)


def test_car_fields() -> None:
    raw = car_raw(plate="粤b 12345", vin=VIN_A, model="朗逸", delivery_date="45356")
    assert normalise_car(raw, today=TODAY) == CarRecord(
        "+8613812345678", "粤B12345", VIN_A, "朗逸", date(2024, 3, 5)
    )
    assert normalise_car(car_raw(), today=TODAY).vin is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"phone": ""}, ("missing_field", "phone")),
        ({"plate": " "}, ("missing_field", "plate")),
        ({"plate": "未上牌"}, ("plate_invalid", "plate")),
        ({"delivery_date": "2024-07-01"}, ("date_in_future", "delivery_date")),
        ({"delivery_date": "2024-13-01"}, ("date_invalid", "delivery_date")),
    ],
)
def test_car_errors(changes: dict[str, str], expected: tuple[str, str]) -> None:
    assert row_error(normalise_car, car_raw(**changes), today=TODAY) == expected
