"""What a DMS export looks like: its kinds, columns and the opened-file object.

See :mod:`bot.club.imports.dms.reader` for the column layouts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Any

from bot.club.common.validation import to_halfwidth


class FileKind(StrEnum):
    MEMBERS = "members"
    CARS = "cars"
    VISITS = "visits"


class FileFormatError(ValueError):
    """The file as a whole cannot be read; ``code`` says why, ``detail`` where.

    ``columns`` lists the field names concerned (missing or duplicated), if any.
    """

    def __init__(self, code: str, detail: str = "", columns: Sequence[str] = ()) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.columns = tuple(columns)


FIELD_HEADERS: Mapping[str, tuple[str, ...]] = {
    "name": ("name", "客户姓名", "姓名", "客户名称"),
    "phone": ("phone", "mobile", "手机号", "手机", "联系电话", "手机号码"),
    "birthday": ("birthday", "生日", "出生日期"),
    "plate": ("plate", "车牌号", "车牌", "车牌号码"),
    "vin": ("vin", "VIN码", "车架号", "底盘号"),
    "model": ("model", "车型", "车型名称"),
    "delivery_date": ("delivery_date", "交车日期", "购车日期", "销售日期"),
    "order_no": ("order_no", "工单号", "维修工单号", "委托书号"),
    "date": ("date", "结算日期", "维修日期", "进厂日期"),
    "category": ("category", "维修类别", "维修类型", "业务类型"),
    "amount": ("amount", "结算金额", "金额", "实收金额"),
    "mileage": ("mileage", "行驶里程", "里程", "进厂里程"),
    "advisor": ("advisor", "服务顾问"),
}

_REQUIRED: Mapping[FileKind, tuple[str, ...]] = {
    FileKind.MEMBERS: ("name", "phone"),
    FileKind.CARS: ("phone", "plate"),
    FileKind.VISITS: ("order_no", "date", "category", "amount"),
}
_OPTIONAL: Mapping[FileKind, tuple[str, ...]] = {
    FileKind.MEMBERS: ("birthday",),
    FileKind.CARS: ("vin", "model", "delivery_date"),
    FileKind.VISITS: ("plate", "vin", "mileage", "advisor"),
}
_MEMBER_CAR_FIELDS = ("plate", "vin", "model", "delivery_date")

_UNIT_SUFFIX_RE = re.compile(r"\([^()]*\)$")
_HEADER_NOISE_RE = re.compile(r"[\s_\-.*:]+")


def normalise_header(text: str) -> str:
    """Reduce a header cell to the key used for matching ("结算金额（元）" -> "结算金额")."""
    cleaned = to_halfwidth(text.replace("\ufeff", ""))
    cleaned = _UNIT_SUFFIX_RE.sub("", cleaned.strip())
    return _HEADER_NOISE_RE.sub("", cleaned).casefold()


_HEADER_TO_FIELD: Mapping[str, str] = {
    normalise_header(alias): field for field, aliases in FIELD_HEADERS.items() for alias in aliases
}

_MAX_PREAMBLE_ROWS = 10
_SNIFF_BYTES = 64 * 1024
_MAX_LINE_CHARS = 1024 * 1024
_UNDECODABLE = "\ufffd"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_CSV_EXTENSIONS = (".csv", ".txt")
_XLSX_EXTENSIONS = (".xlsx", ".xlsm")

Cells = Sequence[Any]
RawRow = dict[str, str]


# --------------------------------------------------------------------------- #
# The file object handed to callers
# --------------------------------------------------------------------------- #


class DmsFile:
    """An opened export: ``kind``, ``columns`` and one pass of ``(row_number, row)``."""

    def __init__(
        self,
        *,
        kind: FileKind,
        positions: Mapping[str, int],
        headers: Mapping[str, str],
        header_row: int,
        rows: Iterator[tuple[int, Cells]],
        convert: Callable[[Any], str],
        is_blank: Callable[[Cells], bool],
        close: Callable[[], None],
        source: str,
        encoding: str | None,
    ) -> None:
        self.kind = kind
        self.columns: tuple[str, ...] = tuple(positions)
        self.headers: Mapping[str, str] = dict(headers)
        self.header_row = header_row
        self.source = source
        self.encoding = encoding
        self._positions = tuple(positions.items())
        self._rows = rows
        self._convert = convert
        self._is_blank = is_blank
        self._close = close
        self._started = False

    def __iter__(self) -> Iterator[tuple[int, RawRow]]:
        if self._started:
            raise RuntimeError("a DmsFile can be iterated only once")
        self._started = True
        return self._iterate()

    def _iterate(self) -> Iterator[tuple[int, RawRow]]:
        positions, convert, is_blank = self._positions, self._convert, self._is_blank
        try:
            for number, cells in self._rows:
                if is_blank(cells):
                    continue
                width = len(cells)
                yield number, {f: convert(cells[i]) if i < width else "" for f, i in positions}
        finally:
            self.close()

    def close(self) -> None:
        close, self._close = self._close, _noop
        close()

    def __enter__(self) -> DmsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _noop() -> None:
    return None


# --------------------------------------------------------------------------- #
# Layout recognition
# --------------------------------------------------------------------------- #


def _find_header(
    rows: Iterator[tuple[int, Cells]],
    convert: Callable[[Any], str],
    is_blank: Callable[[Cells], bool],
) -> tuple[int, list[str]]:
    first: tuple[int, list[str]] | None = None
    seen = 0
    for number, cells in rows:
        if is_blank(cells):
            continue
        texts = [convert(c) for c in cells]
        fields = {_HEADER_TO_FIELD.get(normalise_header(t)) for t in texts} - {None}
        if len(fields) >= 2:
            return number, texts
        first = first or (number, texts)
        seen += 1
        if seen >= _MAX_PREAMBLE_ROWS:
            break
    if first is None:
        raise FileFormatError("empty_file", "no rows")
    return first


def _layout(header: Sequence[str]) -> tuple[FileKind, dict[str, int], dict[str, str]]:
    found: dict[str, list[int]] = {}
    for index, text in enumerate(header):
        field = _HEADER_TO_FIELD.get(normalise_header(text))
        if field is not None:
            found.setdefault(field, []).append(index)

    if "order_no" in found:
        kind = FileKind.VISITS
    elif "name" in found and "phone" in found:
        kind = FileKind.MEMBERS
    elif "phone" in found and "plate" in found:
        kind = FileKind.CARS
    else:
        needs = {k: [f for f in _REQUIRED[k] if f not in found] for k in FileKind}
        detail = "; ".join(f"{k.value} needs {', '.join(v)}" for k, v in needs.items())
        missing = sorted({f for v in needs.values() for f in v})
        raise FileFormatError("unknown_layout", detail, missing)

    missing = [f for f in _REQUIRED[kind] if f not in found]
    if kind is FileKind.VISITS and "plate" not in found and "vin" not in found:
        missing.append("plate")
    if missing:
        raise FileFormatError("missing_column", ", ".join(missing), missing)

    wanted = _REQUIRED[kind] + _OPTIONAL[kind]
    if kind is FileKind.MEMBERS and "plate" in found:
        wanted += _MEMBER_CAR_FIELDS
    dupes = [f for f in wanted if len(found.get(f, ())) > 1]
    if dupes:
        detail = "; ".join(f"{f}: {', '.join(header[i] for i in found[f])}" for f in dupes)
        raise FileFormatError("duplicate_column", detail, dupes)

    positions = dict(sorted(((f, found[f][0]) for f in wanted if f in found), key=_by_column))
    headers = {f: header[i] for f, i in positions.items()}
    return kind, positions, headers


def _by_column(item: tuple[str, int]) -> int:
    return item[1]


def _open(
    rows: Iterator[tuple[int, Cells]],
    *,
    convert: Callable[[Any], str],
    is_blank: Callable[[Cells], bool],
    close: Callable[[], None],
    source: str,
    encoding: str | None,
) -> DmsFile:
    try:
        header_row, header = _find_header(rows, convert, is_blank)
        kind, positions, headers = _layout(header)
    except BaseException:
        close()
        raise
    return DmsFile(
        kind=kind,
        positions=positions,
        headers=headers,
        header_row=header_row,
        rows=rows,
        convert=convert,
        is_blank=is_blank,
        close=close,
        source=source,
        encoding=encoding,
    )
