"""Validation and normalisation of owner input and DMS export fields.

Pure functions only: no Telegram imports and no I/O. Every validator raises
:class:`ValidationError` carrying a :class:`ValidationCode`; callers map the
code to a localised message, so the exception itself holds no user-facing text.

`base`: the codes and the text cleaning; `identity`: phones, plates and VINs;
`quantities`: dates, amounts and mileages. Import any of them from here.
"""

from __future__ import annotations

from bot.club.common.validation.base import (
    ValidationCode,
    ValidationError,
    normalise_category_key,
    normalise_model,
    normalise_name,
    quick_halfwidth,
    to_halfwidth,
)
from bot.club.common.validation.identity import (
    PLATE_PROVINCES,
    mask_phone,
    normalise_phone,
    normalise_plate,
    normalise_vin,
    plate_kind,
)
from bot.club.common.validation.quantities import (
    MAX_MILEAGE,
    parse_amount_fen,
    parse_date,
    parse_mileage,
)

__all__ = [
    "MAX_MILEAGE",
    "PLATE_PROVINCES",
    "ValidationCode",
    "ValidationError",
    "mask_phone",
    "normalise_category_key",
    "normalise_model",
    "normalise_name",
    "normalise_phone",
    "normalise_plate",
    "normalise_vin",
    "parse_amount_fen",
    "parse_date",
    "parse_mileage",
    "plate_kind",
    "quick_halfwidth",
    "to_halfwidth",
]
