"""Normalise raw DMS rows (``{field: text}`` from :mod:`.reader`) into typed records.

Each ``normalise_*`` function returns a frozen record or raises :class:`RowError`
with a stable ``code`` (a :class:`RowCode` or :class:`ValidationCode` value) and the
``field`` it concerns; callers map the code to localised text. The first problem in
a row wins. A required field that is empty gives ``missing_field``; an optional
field that is filled in but wrong fails the row too, so nothing is dropped silently.

Accepted values:

* phone: mainland mobiles as DMS exports write them: spaces, dashes, +86 / 0086 / 86
  prefixes, full-width digits, Excel numbers ("13812345678.0", "1.3812345678E10").
  Scientific notation that has lost digits ("1.38123E+10") is ``phone_invalid``.
* amount: "1280", "1,280.5", "¥1,280.00", "￥1280", "1280元" → integer fen, using
  Decimal. More than two decimals is ``amount_invalid``, except float noise from
  Excel (1280.1000000000001), which is rounded half up to the fen.
* dates: whatever :func:`~bot.club.common.validation.parse_date` accepts; visit and
  delivery dates before 1980 (DMS placeholders such as 1900-01-01) are
  ``date_too_old``, as are birthdays more than 120 years back.
* mileage: "12345", "12,345", "12345km", "12345 公里", decimals rounded half up.
* order_no: 1–40 printable characters; Excel scientific notation ("2.02405E+13",
  digits lost) is ``order_no_invalid``.
* category: looked up after :func:`normalise_category_key` in the caller's alias map.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from bot.club.common.validation import (
    MAX_MILEAGE,
    ValidationCode,
    ValidationError,
    normalise_category_key,
    normalise_model,
    normalise_name,
    normalise_phone,
    normalise_plate,
    normalise_vin,
    parse_amount_fen,
    parse_date,
    parse_mileage,
    quick_halfwidth,
)

__all__ = [
    "EARLIEST_DMS_DATE",
    "MAX_MILEAGE_KM",
    "CarRecord",
    "MemberRecord",
    "RowCode",
    "RowError",
    "VisitRecord",
    "normalise_car",
    "normalise_category_key",
    "normalise_member",
    "normalise_visit",
]

EARLIEST_DMS_DATE = date(1980, 1, 1)
MAX_MILEAGE_KM = MAX_MILEAGE
MAX_ORDER_NO_LEN = 40
BIRTHDAY_MAX_YEARS = 120


class RowCode(StrEnum):
    """Row problems beyond :class:`ValidationCode` (whose values are used as they are)."""

    MISSING_FIELD = "missing_field"
    AMOUNT_INVALID = "amount_invalid"
    AMOUNT_NEGATIVE = "amount_negative"
    AMOUNT_TOO_LARGE = "amount_too_large"
    MILEAGE_INVALID = "mileage_invalid"
    CATEGORY_UNKNOWN = "category_unknown"
    ORDER_NO_INVALID = "order_no_invalid"


class RowError(ValueError):
    """A row cannot be imported: ``code`` says why, ``field`` which value."""

    def __init__(self, code: str, field: str | None = None) -> None:
        super().__init__(f"{code} ({field})" if field else code)
        self.code = str(code)
        self.field = field


@dataclass(frozen=True, slots=True)
class CarRecord:
    phone: str | None  # owner's phone, E.164
    plate: str
    vin: str | None
    model: str | None
    delivery_date: date | None


@dataclass(frozen=True, slots=True)
class MemberRecord:
    name: str
    phone: str  # E.164
    birthday: date | None
    car: CarRecord | None


@dataclass(frozen=True, slots=True)
class VisitRecord:
    plate: str | None
    vin: str | None
    order_no: str
    visit_date: date
    category: str
    amount_fen: int
    mileage: int | None
    advisor: str | None


# --------------------------------------------------------------------------- #
# Field helpers
# --------------------------------------------------------------------------- #


def _dms_vin(text: str) -> str:
    """A DMS's VIN is trusted for its check digit (imported cars often lack one)."""
    return normalise_vin(text, check_digit=False)


def _text(raw: Mapping[str, str], field: str) -> str:
    value = raw.get(field)
    return value.strip() if value else ""


def _required(raw: Mapping[str, str], field: str) -> str:
    value = _text(raw, field)
    if not value:
        raise RowError(RowCode.MISSING_FIELD, field)
    return value


def _validated(fn: Callable[[str], str], value: str, field: str) -> str:
    try:
        return fn(value)
    except ValidationError as exc:
        raise RowError(exc.code, field) from exc


_cached_name = lru_cache(maxsize=1024)(normalise_name)
_cached_model = lru_cache(maxsize=1024)(normalise_model)


_FLOAT_INT_RE = re.compile(r"(\d+)\.0*")
_SCIENTIFIC_RE = re.compile(r"(\d)(?:\.(\d+))?[eE]\+?(\d{1,2})")


def _phone(value: str, field: str = "phone") -> str:
    text = quick_halfwidth(value)
    if m := _FLOAT_INT_RE.fullmatch(text):
        text = m[1]
    elif m := _SCIENTIFIC_RE.fullmatch(text):
        # "1.3812345678E10" keeps every digit; "1.38123E+10" has lost six of them.
        fraction, exponent = m[2] or "", int(m[3])
        digits = m[1] + fraction
        extra = len(fraction) - exponent
        if extra < 0 or digits[len(digits) - extra :].strip("0"):
            raise RowError(ValidationCode.PHONE_INVALID, field)
        text = digits[: len(digits) - extra]
    return _validated(normalise_phone, text, field)


@lru_cache(maxsize=4096)
def _cached_date(text: str, today: date, earliest: date | None) -> date | ValidationCode:
    try:
        return parse_date(text, today=today, earliest=earliest)
    except ValidationError as exc:
        return exc.code


def _date(value: str, field: str, today: date, earliest: date | None) -> date:
    result = _cached_date(value, today, earliest)
    if isinstance(result, ValidationCode):
        raise RowError(result, field)
    return result


def _optional_date(raw: Mapping[str, str], field: str, today: date, earliest: date) -> date | None:
    value = _text(raw, field)
    return _date(value, field, today, earliest) if value else None


def _optional_vin(raw: Mapping[str, str]) -> str | None:
    value = _text(raw, "vin")
    return _validated(_dms_vin, value, "vin") if value else None


def _optional_model(raw: Mapping[str, str]) -> str | None:
    value = _text(raw, "model")
    return _validated(_cached_model, value, "model") if value else None


def _amount_fen(value: str, max_amount_fen: int) -> int:
    try:
        fen = parse_amount_fen(value)
    except ValidationError as exc:
        raise RowError(exc.code, "amount") from exc
    if fen > max_amount_fen:
        raise RowError(RowCode.AMOUNT_TOO_LARGE, "amount")
    return fen


def _mileage(value: str) -> int:
    try:
        return parse_mileage(value)
    except ValidationError as exc:
        raise RowError(exc.code, "mileage") from exc


_EXCEL_SCIENTIFIC_RE = re.compile(r"\d(?:\.\d+)?E\+\d+", re.IGNORECASE)


def _order_no(value: str) -> str:
    text = quick_halfwidth(value)
    if not text:
        raise RowError(RowCode.MISSING_FIELD, "order_no")
    if (
        len(text) > MAX_ORDER_NO_LEN
        or not text.isprintable()
        or _EXCEL_SCIENTIFIC_RE.fullmatch(text)
    ):
        raise RowError(RowCode.ORDER_NO_INVALID, "order_no")
    return text


def _category(value: str, categories: Mapping[str, str]) -> str:
    # Keys are already normalised, so a value equal to a key normalises to that key.
    code = categories.get(value)
    if code is None:
        code = categories.get(normalise_category_key(value))
    if code is None:
        raise RowError(RowCode.CATEGORY_UNKNOWN, "category")
    return code


# --------------------------------------------------------------------------- #
# Records
# --------------------------------------------------------------------------- #


def _car(raw: Mapping[str, str], phone: str | None, today: date) -> CarRecord:
    plate = _validated(normalise_plate, _required(raw, "plate"), "plate")
    return CarRecord(
        phone=phone,
        plate=plate,
        vin=_optional_vin(raw),
        model=_optional_model(raw),
        delivery_date=_optional_date(raw, "delivery_date", today, EARLIEST_DMS_DATE),
    )


def normalise_member(raw: Mapping[str, str], *, today: date) -> MemberRecord:
    """A member row; it carries a car when any of plate/vin/model/delivery_date is filled.

    The car's ``phone`` is the member's phone. Raises :class:`RowError`.
    """
    name = _validated(_cached_name, _required(raw, "name"), "name")
    phone = _phone(_required(raw, "phone"))
    earliest = date(today.year - BIRTHDAY_MAX_YEARS, 1, 1)
    birthday = _optional_date(raw, "birthday", today, earliest)
    has_car = any(_text(raw, f) for f in ("plate", "vin", "model", "delivery_date"))
    car = _car(raw, phone, today) if has_car else None
    return MemberRecord(name=name, phone=phone, birthday=birthday, car=car)


def normalise_car(raw: Mapping[str, str], *, today: date) -> CarRecord:
    """A car row, with the owner's phone to match the member. Raises :class:`RowError`."""
    phone = _phone(_required(raw, "phone"))
    return _car(raw, phone, today)


def normalise_visit(
    raw: Mapping[str, str],
    *,
    today: date,
    categories: Mapping[str, str],
    max_amount_fen: int,
) -> VisitRecord:
    """A workshop visit, identified by plate and/or VIN.

    ``categories`` maps aliases normalised with :func:`normalise_category_key` to
    category codes. Raises :class:`RowError`.
    """
    plate_text, vin_text = _text(raw, "plate"), _text(raw, "vin")
    if not plate_text and not vin_text:
        raise RowError(RowCode.MISSING_FIELD, "plate" if "plate" in raw else "vin")
    plate = _validated(normalise_plate, plate_text, "plate") if plate_text else None
    vin = _validated(_dms_vin, vin_text, "vin") if vin_text else None
    order_no = _order_no(_text(raw, "order_no"))
    visit_date = _date(_required(raw, "date"), "date", today, EARLIEST_DMS_DATE)
    category = _category(_required(raw, "category"), categories)
    amount_fen = _amount_fen(_required(raw, "amount"), max_amount_fen)
    mileage_text = _text(raw, "mileage")
    advisor_text = _text(raw, "advisor")
    return VisitRecord(
        plate=plate,
        vin=vin,
        order_no=order_no,
        visit_date=visit_date,
        category=category,
        amount_fen=amount_fen,
        mileage=_mileage(mileage_text) if mileage_text else None,
        advisor=_validated(_cached_name, advisor_text, "advisor") if advisor_text else None,
    )
