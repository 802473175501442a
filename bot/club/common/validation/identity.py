"""Who and what: phone numbers (E.164, mainland mobiles), licence plates and VINs."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from bot.club.common.validation.base import ValidationCode, ValidationError, to_halfwidth

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
