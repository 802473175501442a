"""Reading one DMS value: phones, dates, VINs, amounts, mileage, order numbers,
categories, each to its typed form or a :class:`RowError` naming the field."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
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
    DATE_AFTER_EXPORT = "date_after_export"  # after the import's "as of" date


class RowError(ValueError):
    """A row cannot be imported: ``code`` says why, ``field`` which value."""

    def __init__(self, code: str, field: str | None = None) -> None:
        super().__init__(f"{code} ({field})" if field else code)
        self.code = str(code)
        self.field = field


# --------------------------------------------------------------------------- #
# Field readers
# --------------------------------------------------------------------------- #


def _dms_vin(text: str) -> str:
    """A DMS's VIN must be 17 valid characters; its check digit is checked apart
    (:func:`_vin_warnings`), because imported European cars often lack one."""
    return normalise_vin(text, check_digit=False)


def _vin_warnings(vin: str | None) -> tuple[tuple[str, str], ...]:
    if vin is None:
        return ()
    try:
        normalise_vin(vin)
    except ValidationError as exc:
        return ((exc.code.value, "vin"),)
    return ()


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
# A visits export names each car again at every visit: its plate is worked out once.
_cached_plate = lru_cache(maxsize=32768)(normalise_plate)
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


def _date(
    value: str, field: str, today: date, earliest: date | None, as_of: date | None = None
) -> date:
    result = _cached_date(value, today, earliest)
    if isinstance(result, ValidationCode):
        raise RowError(result, field)
    if as_of is not None and result > as_of:
        raise RowError(RowCode.DATE_AFTER_EXPORT, field)
    return result


def _optional_date(
    raw: Mapping[str, str], field: str, today: date, earliest: date, as_of: date | None = None
) -> date | None:
    value = _text(raw, field)
    return _date(value, field, today, earliest, as_of) if value else None


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
