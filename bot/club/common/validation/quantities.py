"""When and how much: dates, amounts in fen and odometer readings, as staff type them
in chat and as DMS exports write them."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bot.club.common.validation.base import (
    ValidationCode,
    ValidationError,
    quick_halfwidth,
    to_halfwidth,
)

# --------------------------------------------------------------------------- #
# Dates
# --------------------------------------------------------------------------- #

# Optional trailing time as found in DMS exports ("2023-05-06 00:00:00").
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_YMD_SEP_RE = re.compile(rf"(\d{{4}})([-/.])(\d{{1,2}})\2(\d{{1,2}}){_TIME}")
_YMD_CN_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_YMD_COMPACT_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_EXCEL_RE = re.compile(r"(\d{5})(?:\.\d+)?")
_EXCEL_EPOCH = date(1899, 12, 30)  # absorbs Excel's 1900 leap-year bug
_EXCEL_MIN, _EXCEL_MAX = 20000, 80000


def _parse_any_date(text: str) -> date:
    cleaned = to_halfwidth(text)
    try:
        if m := _YMD_SEP_RE.fullmatch(cleaned):
            return date(int(m[1]), int(m[3]), int(m[4]))
        if m := _YMD_CN_RE.fullmatch(cleaned):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _YMD_COMPACT_RE.fullmatch(cleaned):
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as exc:  # e.g. 2023-02-30
        raise ValidationError(ValidationCode.DATE_INVALID) from exc
    if m := _EXCEL_RE.fullmatch(cleaned):
        serial = int(m[1])
        if _EXCEL_MIN <= serial <= _EXCEL_MAX:
            return _EXCEL_EPOCH + timedelta(days=serial)
    raise ValidationError(ValidationCode.DATE_INVALID)


def parse_date(
    text: str,
    *,
    today: date,
    allow_future: bool = False,
    earliest: date | None = None,
) -> date:
    """Parse an owner- or DMS-supplied date and check it against bounds.

    Accepts Y-M-D with "-", "/" or "." separators, "YYYYMMDD", "2023年5月6日"
    and Excel 1900-system serials (20000..80000). Any trailing time is ignored.
    """
    parsed = _parse_any_date(text)
    if not allow_future and parsed > today:
        raise ValidationError(ValidationCode.DATE_IN_FUTURE)
    if earliest is not None and parsed < earliest:
        raise ValidationError(ValidationCode.DATE_TOO_OLD)
    return parsed


# --- money and mileage ------------------------------------------------------------------
# One reading of amounts and odometers for staff typing in chat and for DMS exports.

_AMOUNT_RE = re.compile(
    r"([-+]?)(?:[¥￥]|rmb|cny)?([-+]?)"
    r"(\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)"
    r"(?:元|rmb|cny)?",
    re.IGNORECASE,
)
_FEN = Decimal("0.01")
_FLOAT_NOISE = Decimal("0.000001")
_MAX_INTEGER_DIGITS = 15
MAX_MILEAGE = 2_000_000


def parse_amount_fen(text: str) -> int:
    """Yuan as people and DMS exports write them ("¥1,280.00", "1280元", "１２８０") → fen.

    Exact: no float is involved. More than two decimals is refused, except Excel's float
    noise within a millionth of a fen (1280.1000000000001), which is rounded half up.
    """
    value = quick_halfwidth(str(text))
    whole, dot, fraction = value.partition(".")
    if (  # "1280" or "1280.5" or "1280.00", as DMS exports write most amounts
        whole.isascii()
        and whole.isdigit()
        and len(whole) <= _MAX_INTEGER_DIGITS
        and len(fraction) <= 2
        and (not fraction or (fraction.isascii() and fraction.isdigit()))
    ):
        return int(whole) * 100 + (int(fraction.ljust(2, "0")) if dot else 0)
    match = _AMOUNT_RE.fullmatch("".join(value.replace("\u2212", "-").split()))
    if not match or (match[1] and match[2]):
        raise ValidationError(ValidationCode.AMOUNT_INVALID)
    number = match[3].replace(",", "")
    whole, _, fraction = number.partition(".")
    if len(whole.lstrip("0")) > _MAX_INTEGER_DIGITS:
        raise ValidationError(ValidationCode.AMOUNT_TOO_LARGE)
    if len(fraction) <= 2:
        fen = int(whole or "0") * 100 + int(fraction.ljust(2, "0"))
    else:
        exact = Decimal(number)
        rounded = exact.quantize(_FEN, rounding=ROUND_HALF_UP)
        if abs(exact - rounded) > _FLOAT_NOISE:
            raise ValidationError(ValidationCode.AMOUNT_INVALID)
        fen = int(rounded * 100)
    if fen and "-" in (match[1], match[2]):
        raise ValidationError(ValidationCode.AMOUNT_NEGATIVE)
    return fen


_MILEAGE_RE = re.compile(
    r"(-?)(\d{1,3}(?:,\d{3})+|\d{1,9})(\.\d*)?(?:km|公里|千米)?", re.IGNORECASE
)


def parse_mileage(text: str) -> int:
    """Odometer reading in km ("35,000 km", "35000公里", "12345.6") → int, 0–2,000,000."""
    value = quick_halfwidth(str(text))
    if value.isascii() and value.isdigit() and len(value) <= 9:
        km = int(value)
    else:
        match = _MILEAGE_RE.fullmatch("".join(value.replace("\u2212", "-").split()))
        if not match or match[1]:
            raise ValidationError(ValidationCode.MILEAGE_INVALID)
        whole, fraction = match[2].replace(",", ""), (match[3] or "").rstrip(".")
        if fraction:
            km = int(Decimal(whole + fraction).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        else:
            km = int(whole)
    if km > MAX_MILEAGE:
        raise ValidationError(ValidationCode.MILEAGE_INVALID)
    return km
