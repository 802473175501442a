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

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from bot.club.common.validation import normalise_category_key
from bot.club.imports.dms.fields import (
    BIRTHDAY_MAX_YEARS,
    EARLIEST_DMS_DATE,
    MAX_MILEAGE_KM,
    RowCode,
    RowError,
    _amount_fen,
    _cached_name,
    _cached_plate,
    _category,
    _date,
    _dms_vin,
    _mileage,
    _optional_date,
    _optional_model,
    _optional_vin,
    _order_no,
    _phone,
    _required,
    _text,
    _validated,
    _vin_warnings,
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


@dataclass(frozen=True, slots=True)
class CarRecord:
    phone: str | None  # owner's phone, E.164
    plate: str
    vin: str | None
    model: str | None
    delivery_date: date | None
    # Imported anyway, but listed on the refused-rows file: (code, field) pairs.
    warnings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class MemberRecord:
    name: str
    phone: str  # E.164
    birthday: date | None


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
# Records
# --------------------------------------------------------------------------- #


def normalise_member(raw: Mapping[str, str], *, today: date) -> MemberRecord:
    """A member row (a file with a plate column is a cars file). Raises :class:`RowError`."""
    name = _validated(_cached_name, _required(raw, "name"), "name")
    phone = _phone(_required(raw, "phone"))
    earliest = date(today.year - BIRTHDAY_MAX_YEARS, 1, 1)
    birthday = _optional_date(raw, "birthday", today, earliest)
    return MemberRecord(name=name, phone=phone, birthday=birthday)


def normalise_car(raw: Mapping[str, str], *, today: date, as_of: date | None = None) -> CarRecord:
    """A car row, with the owner's phone to match the member; a delivery after `as_of`
    (the export's date) is refused. A VIN whose check digit is wrong is kept, with a
    warning. Raises :class:`RowError`."""
    phone = _phone(_required(raw, "phone"))
    plate = _validated(_cached_plate, _required(raw, "plate"), "plate")
    vin = _optional_vin(raw)
    return CarRecord(
        phone=phone,
        plate=plate,
        vin=vin,
        model=_optional_model(raw),
        delivery_date=_optional_date(raw, "delivery_date", today, EARLIEST_DMS_DATE, as_of),
        warnings=_vin_warnings(vin),
    )


def normalise_visit(
    raw: Mapping[str, str],
    *,
    today: date,
    categories: Mapping[str, str],
    max_amount_fen: int,
    as_of: date | None = None,
) -> VisitRecord:
    """A workshop visit, identified by plate and/or VIN.

    ``categories`` maps aliases normalised with :func:`normalise_category_key` to
    category codes; a visit after ``as_of`` (the export's date) is refused. Raises
    :class:`RowError`.
    """
    plate_text, vin_text = _text(raw, "plate"), _text(raw, "vin")
    if not plate_text and not vin_text:
        raise RowError(RowCode.MISSING_FIELD, "plate" if "plate" in raw else "vin")
    plate = _validated(_cached_plate, plate_text, "plate") if plate_text else None
    vin = _validated(_dms_vin, vin_text, "vin") if vin_text else None
    order_no = _order_no(_text(raw, "order_no"))
    visit_date = _date(_required(raw, "date"), "date", today, EARLIEST_DMS_DATE, as_of)
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
