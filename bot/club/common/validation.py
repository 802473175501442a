"""Validation and normalisation of owner input and DMS export fields.

Pure functions only: no Telegram imports and no I/O. Every validator raises
:class:`ValidationError` carrying a :class:`ValidationCode`; callers map the
code to a localised message, so the exception itself holds no user-facing text.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

__all__ = [
    "PLATE_PROVINCES",
    "ValidationCode",
    "ValidationError",
    "mask_phone",
    "normalise_model",
    "normalise_name",
    "normalise_phone",
    "normalise_plate",
    "normalise_vin",
    "parse_date",
    "plate_kind",
    "to_halfwidth",
]


class ValidationCode(StrEnum):
    """Machine-readable reason a value was rejected."""

    PHONE_INVALID = "phone_invalid"
    PHONE_NOT_MOBILE = "phone_not_mobile"
    PLATE_INVALID = "plate_invalid"
    VIN_LENGTH = "vin_length"
    VIN_CHARS = "vin_chars"
    VIN_CHECK_DIGIT = "vin_check_digit"
    DATE_INVALID = "date_invalid"
    DATE_IN_FUTURE = "date_in_future"
    DATE_TOO_OLD = "date_too_old"
    NAME_EMPTY = "name_empty"
    NAME_TOO_LONG = "name_too_long"
    MODEL_EMPTY = "model_empty"
    MODEL_TOO_LONG = "model_too_long"
    AMOUNT_INVALID = "amount_invalid"
    AMOUNT_NEGATIVE = "amount_negative"
    AMOUNT_TOO_LARGE = "amount_too_large"
    MILEAGE_INVALID = "mileage_invalid"


class ValidationError(ValueError):
    """Raised when input cannot be normalised; ``code`` says why."""

    def __init__(self, code: ValidationCode) -> None:
        super().__init__(code.value)
        self.code = code


# --------------------------------------------------------------------------- #
# Generic text helpers
# --------------------------------------------------------------------------- #

_FULLWIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH_TABLE[0x3000] = 0x20


def to_halfwidth(text: str) -> str:
    """Map full-width ASCII (U+FF01..U+FF5E) and U+3000 to half-width; strip."""
    return text.translate(_FULLWIDTH_TABLE).strip()


# Control (Cc), format (Cf: zero-width chars, bidi overrides) and lone
# surrogates (Cs). Whitespace controls are turned into spaces before this.
_STRIP_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def _clean_text(text: str) -> str:
    text = unicodedata.normalize("NFC", to_halfwidth(text))
    # Whitespace (incl. \t, \n, NBSP) becomes a single space first so that
    # "John\nSmith" keeps its word break; other controls are then dropped.
    text = " ".join(text.split())
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _STRIP_CATEGORIES)
    return " ".join(text.split())


def _bounded_text(text: str, max_len: int, empty: ValidationCode, too_long: ValidationCode) -> str:
    cleaned = _clean_text(text)
    if not cleaned:
        raise ValidationError(empty)
    if len(cleaned) > max_len:
        raise ValidationError(too_long)
    return cleaned


def normalise_name(text: str, max_len: int = 40) -> str:
    """Clean an owner's name: drop control chars, collapse whitespace."""
    return _bounded_text(text, max_len, ValidationCode.NAME_EMPTY, ValidationCode.NAME_TOO_LONG)


def normalise_model(text: str, max_len: int = 60) -> str:
    """Clean a car model name: drop control chars, collapse whitespace."""
    return _bounded_text(text, max_len, ValidationCode.MODEL_EMPTY, ValidationCode.MODEL_TOO_LONG)


# --------------------------------------------------------------------------- #
# Phone numbers
# --------------------------------------------------------------------------- #

_PHONE_CHARS_RE = re.compile(r"\+?[0-9\s\-.()]+")
# A country code in brackets, as dealers' exports write it: "(+86)138…", "（86）138…".
_BRACKETED_CC_RE = re.compile(r"\(\s*(?:(?:\+|00)\s*(\d{1,3})|(86))\s*\)\s*(?=\d)")
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def normalise_phone(text: str, region: str = "CN") -> str:
    """Return the number in E.164; mainland China numbers must be mobile."""
    cleaned = to_halfwidth(text)
    if cleaned.startswith("("):
        cleaned = _BRACKETED_CC_RE.sub(lambda m: f"+{m[1] or m[2]} ", cleaned, count=1)
    # Only digits and common separators: rejects letters (vanity numbers) and
    # extensions such as "ext. 12", which phonenumbers would otherwise accept.
    if not _PHONE_CHARS_RE.fullmatch(cleaned):
        raise ValidationError(ValidationCode.PHONE_INVALID)
    try:
        number = phonenumbers.parse(cleaned, region)
    except NumberParseException as exc:
        raise ValidationError(ValidationCode.PHONE_INVALID) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(ValidationCode.PHONE_INVALID)
    if phonenumbers.region_code_for_number(number) == "CN" and (
        phonenumbers.number_type(number) not in _MOBILE_TYPES
    ):
        raise ValidationError(ValidationCode.PHONE_NOT_MOBILE)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """Mask an E.164 number for logs: "+8613812345678" -> "+86138****5678".

    Never raises: unparseable input is masked wholesale.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return "*" * max(len(e164), 4)
    national = phonenumbers.national_significant_number(number)
    head, tail = 3, 4
    if len(national) - head - tail < 1:
        # Short numbers: keep at most a quarter of the digits at each end.
        head = tail = len(national) // 4
    hidden = len(national) - head - tail
    return (
        f"+{number.country_code}{national[:head]}{'*' * hidden}{national[len(national) - tail :]}"
    )


# --------------------------------------------------------------------------- #
# Licence plates
# --------------------------------------------------------------------------- #

PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

_L = "A-HJ-NP-Z"  # letters used on plates: no I, no O
_PLATE_SEPARATORS_RE = re.compile(r"[\s\-.·•・･‧∙⋅‐‑‒–—―]")
_ORDINARY_RE = re.compile(
    rf"[{PLATE_PROVINCES}][{_L}](?:[{_L}0-9]{{5}}|[{_L}0-9]{{4}}[挂学警港澳])"
)
_NEW_ENERGY_RE = re.compile(rf"[{PLATE_PROVINCES}][{_L}](?:[DF][{_L}0-9][0-9]{{4}}|[0-9]{{5}}[DF])")


def normalise_plate(text: str) -> str:
    """Return a civilian Chinese plate without separators, e.g. "粤B12345"."""
    plate = _PLATE_SEPARATORS_RE.sub("", to_halfwidth(text)).upper()
    if _ORDINARY_RE.fullmatch(plate) or _NEW_ENERGY_RE.fullmatch(plate):
        return plate
    raise ValidationError(ValidationCode.PLATE_INVALID)


def plate_kind(plate: str) -> str:
    """Return "new_energy" or "ordinary" for a plate (validated again)."""
    plate = normalise_plate(plate)
    return "new_energy" if _NEW_ENERGY_RE.fullmatch(plate) else "ordinary"


# --------------------------------------------------------------------------- #
# VIN
# --------------------------------------------------------------------------- #

_VIN_CHARS_RE = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
_VIN_VALUES = {str(d): d for d in range(10)} | {
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def _vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[ch] * w for ch, w in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalise_vin(text: str, *, check_digit: bool = True) -> str:
    """Return an upper-case 17-char VIN; with `check_digit`, its ISO 3779 check digit must hold.

    Owners typing a VIN get the check (it catches typos); DMS imports skip it, because
    imported European cars often carry VINs without a check digit.
    """
    vin = "".join(to_halfwidth(text).split()).upper()
    if len(vin) != 17:
        raise ValidationError(ValidationCode.VIN_LENGTH)
    if not _VIN_CHARS_RE.fullmatch(vin):
        raise ValidationError(ValidationCode.VIN_CHARS)
    if check_digit and vin[8] != _vin_check_digit(vin):
        raise ValidationError(ValidationCode.VIN_CHECK_DIGIT)
    return vin


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


def quick_halfwidth(text: str) -> str:
    """`to_halfwidth`, skipping the translation for plain ASCII (most values)."""
    return text.strip() if text.isascii() else to_halfwidth(text)


def parse_amount_fen(text: str) -> int:
    """Yuan as people and DMS exports write them ("¥1,280.00", "1280元", "１２８０") → fen.

    Exact: no float is involved. More than two decimals is refused, except Excel's float
    noise within a millionth of a fen (1280.1000000000001), which is rounded half up.
    """
    value = quick_halfwidth(str(text))
    if value.isascii() and value.isdigit() and len(value) <= _MAX_INTEGER_DIGITS:
        return int(value) * 100
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


def normalise_category_key(text: str) -> str:
    """The form spend-category names are compared in: half-width, case-folded, no spaces."""
    return "".join(to_halfwidth(text).casefold().split())
