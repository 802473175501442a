"""What a DMS export looks like: its kinds, columns and the opened-file object.

See :mod:`bot.club.imports.dms.reader` for the column layouts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Any

from bot.club.policy.headers import header_fields, normalise_header


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


_REQUIRED: Mapping[FileKind, tuple[str, ...]] = {
    FileKind.MEMBERS: ("name", "phone"),
    FileKind.CARS: ("phone", "plate"),
    FileKind.VISITS: ("order_no", "date", "category", "amount"),
}
_OPTIONAL: Mapping[FileKind, tuple[str, ...]] = {
    FileKind.MEMBERS: ("birthday",),
    # The owner's name is read only to show it on the refused-rows file.
    FileKind.CARS: ("name", "vin", "model", "delivery_date"),
    FileKind.VISITS: ("plate", "vin", "mileage", "advisor"),
}
_VISIT_ONLY = frozenset({"date", "category", "amount", "mileage", "advisor"})
HeaderMap = Mapping[str, str]  # normalised header -> field
DEFAULT_HEADER_MAP: HeaderMap = header_fields()

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
    headers: HeaderMap,
) -> tuple[int, list[str]]:
    first: tuple[int, list[str]] | None = None
    seen = 0
    for number, cells in rows:
        if is_blank(cells):
            continue
        texts = [convert(c) for c in cells]
        fields = {headers.get(normalise_header(t)) for t in texts} - {None}
        if len(fields) >= 2:
            return number, texts
        first = first or (number, texts)
        seen += 1
        if seen >= _MAX_PREAMBLE_ROWS:
            break
    if first is None:
        raise FileFormatError("empty_file", "no rows")
    return first


def _kind(found: Mapping[str, object]) -> FileKind:
    """What a file holds, by its identifying columns: an order number makes it visits, a
    plate cars (a cars export names the owner too), else name and phone members."""
    if "order_no" in found:
        return FileKind.VISITS
    if "plate" in found:
        # Plate and visit columns but no phone: a visits file without its order number.
        return (
            FileKind.VISITS
            if "phone" not in found and _VISIT_ONLY & found.keys()
            else (FileKind.CARS)
        )
    if "name" in found and "phone" in found:
        return FileKind.MEMBERS
    needs = {k: [f for f in _REQUIRED[k] if f not in found] for k in FileKind}
    detail = "; ".join(f"{k.value} needs {', '.join(v)}" for k, v in needs.items())
    missing = sorted({f for v in needs.values() for f in v})
    raise FileFormatError("unknown_layout", detail, missing)


def _layout(
    header: Sequence[str], headers: HeaderMap
) -> tuple[FileKind, dict[str, int], dict[str, str]]:
    found: dict[str, list[int]] = {}
    for index, text in enumerate(header):
        field = headers.get(normalise_header(text))
        if field is not None:
            found.setdefault(field, []).append(index)
    kind = _kind(found)

    missing = [f for f in _REQUIRED[kind] if f not in found]
    if kind is FileKind.VISITS and "plate" not in found and "vin" not in found:
        missing.append("plate")
    if missing:
        raise FileFormatError("missing_column", ", ".join(missing), missing)

    wanted = _REQUIRED[kind] + _OPTIONAL[kind]
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
    headers: HeaderMap,
) -> DmsFile:
    try:
        header_row, header = _find_header(rows, convert, is_blank, headers)
        kind, positions, names = _layout(header, headers)
    except BaseException:
        close()
        raise
    return DmsFile(
        kind=kind,
        positions=positions,
        headers=names,
        header_row=header_row,
        rows=rows,
        convert=convert,
        is_blank=is_blank,
        close=close,
        source=source,
        encoding=encoding,
    )
