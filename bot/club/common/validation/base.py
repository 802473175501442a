"""Why a value was refused, and the text cleaning every validator starts from:
full-width to half-width, control characters dropped, names and models bounded."""

from __future__ import annotations

import unicodedata
from enum import StrEnum


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


def quick_halfwidth(text: str) -> str:
    """`to_halfwidth`, skipping the translation for plain ASCII (most values)."""
    return text.strip() if text.isascii() else to_halfwidth(text)


def normalise_category_key(text: str) -> str:
    """The form spend-category names are compared in: half-width, case-folded, no spaces."""
    return "".join(to_halfwidth(text).casefold().split())
