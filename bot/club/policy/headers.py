"""The column headers DMS exports use, per field: built in, and extended by a store.

A header matches a field after :func:`normalise_header`: case, spaces, punctuation,
full-width forms, a BOM and a trailing unit in brackets ("结算金额（元）", "Amount (CNY)")
do not matter. A store whose DMS writes other headers adds them in its policy file::

    [import.headers]
    phone = ["车主电话", "Owner Mobile"]
    order_no = ["结算单号"]

Names are added to the built-in ones below; one header may name only one field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from bot.club.common.validation import to_halfwidth
from bot.club.policy.checks import PolicyError, string_list

# field -> (Chinese headers, English headers); the first English one is the field's name.
DEFAULT_HEADERS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "name": (
        ("客户姓名", "姓名", "客户名称", "车主姓名"),
        ("name", "customer name", "customer", "owner name", "client name"),
    ),
    "phone": (
        ("手机号", "手机", "联系电话", "手机号码", "移动电话", "车主手机"),
        (
            "phone",
            "mobile",
            "mobile phone",
            "mobile no.",
            "mobile number",
            "phone no.",
            "phone number",
            "cell phone",
            "telephone",
            "contact number",
        ),
    ),
    "birthday": (("生日", "出生日期"), ("birthday", "date of birth", "birth date", "DOB")),
    "plate": (
        ("车牌号", "车牌", "车牌号码"),
        (
            "plate",
            "plate no.",
            "plate number",
            "licence plate",
            "license plate",
            "license plate no.",
            "registration no.",
        ),
    ),
    "vin": (
        ("VIN码", "车架号", "底盘号", "车辆识别代号"),
        ("VIN", "VIN code", "VIN no.", "chassis no.", "frame no."),
    ),
    "model": (("车型", "车型名称"), ("model", "vehicle model", "car model", "model name")),
    "delivery_date": (
        ("交车日期", "购车日期", "销售日期"),
        ("delivery date", "delivered on", "purchase date", "sales date", "sale date"),
    ),
    "order_no": (
        ("工单号", "维修工单号", "委托书号", "工单编号"),
        (
            "order no.",
            "order number",
            "repair order no.",
            "repair order number",
            "RO no.",
            "work order no.",
            "work order number",
        ),
    ),
    "date": (
        ("结算日期", "维修日期", "进厂日期"),
        ("date", "settlement date", "repair date", "service date", "invoice date"),
    ),
    "category": (
        ("维修类别", "维修类型", "业务类型", "维修性质"),
        ("category", "service type", "repair type", "job type", "business type"),
    ),
    "amount": (
        ("结算金额", "金额", "实收金额"),
        ("amount", "total amount", "settlement amount", "invoice amount", "paid amount"),
    ),
    "mileage": (("行驶里程", "里程", "进厂里程"), ("mileage", "odometer", "km")),
    "advisor": (("服务顾问",), ("advisor", "service advisor", "SA")),
}
IMPORT_FIELDS = tuple(DEFAULT_HEADERS)

_UNIT_SUFFIX_RE = re.compile(r"\([^()]*\)$")


def normalise_header(text: str) -> str:
    """The key headers are matched by: "结算金额（元）" → "结算金额", "Plate No." → "plateno"."""
    cleaned = _UNIT_SUFFIX_RE.sub("", to_halfwidth(text.replace("\ufeff", "")).strip())
    return "".join(
        ch for ch in cleaned if unicodedata.category(ch)[0] not in "PZSC" and not ch.isspace()
    ).casefold()


def header_fields(extra: Mapping[str, tuple[str, ...]] | None = None) -> dict[str, str]:
    """Every known header, normalised, → its field; `extra` adds a store's own names.

    Raises PolicyError when a header would name two fields or is only punctuation.
    """
    out: dict[str, str] = {}
    defaults = {f: chinese + english for f, (chinese, english) in DEFAULT_HEADERS.items()}
    for source, table in (("built-in", defaults), ("[import.headers]", extra or {})):
        for field, names in table.items():
            for name in names:
                key = normalise_header(name)
                if not key:
                    raise PolicyError(f"{source}.{field}: {name!r} is only punctuation")
                if out.setdefault(key, field) != field:
                    raise PolicyError(f"{source}.{field}: {name!r} already names {out[key]}")
    return out


def parse_import_headers(value: Any) -> dict[str, tuple[str, ...]]:
    """The `[import.headers]` table: field → extra header names."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PolicyError("[import.headers]: must be a table of header lists per field")
    unknown = set(value) - set(IMPORT_FIELDS)
    if unknown:
        fields = ", ".join(IMPORT_FIELDS)
        raise PolicyError(f"[import.headers].{sorted(unknown)[0]}: not a column; one of {fields}")
    extra = {f: string_list(v, f"[import.headers].{f}") for f, v in value.items()}
    header_fields(extra)  # names no header twice
    return extra
