"""CSV exports: encoding and delimiter detection, streamed line by line."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator
from typing import Any, BinaryIO

from bot.club.imports.dms.layout import (
    _MAX_LINE_CHARS,
    _MAX_PREAMBLE_ROWS,
    _OLE_MAGIC,
    _SNIFF_BYTES,
    _UNDECODABLE,
    _ZIP_MAGIC,
    Cells,
    DmsFile,
    FileFormatError,
    HeaderMap,
    _open,
)

# --------------------------------------------------------------------------- #
# CSV
# --------------------------------------------------------------------------- #


class _PrefixedStream(io.RawIOBase):
    """Bytes already read from ``rest``, followed by the rest of it; never closes ``rest``."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._prefix:
            n = min(len(view), len(self._prefix))
            view[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        chunk = self._rest.read(len(view))
        view[: len(chunk)] = chunk
        return len(chunk)


def _detect_encoding(head: bytes, complete: bool) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # final=False tolerates a character cut in half at the end of the sample.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _bounded_lines(text: io.TextIOWrapper) -> Iterator[str]:
    readline = text.readline
    while line := readline(_MAX_LINE_CHARS):
        if len(line) >= _MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            raise FileFormatError("malformed_file", "a line is longer than 1 MB")
        yield line


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _csv_rows(text: io.TextIOWrapper) -> Iterator[tuple[int, Cells]]:
    number = 0
    try:
        lines = _bounded_lines(text)
        sniffed: list[str] = []
        delimiter = ","
        for line in lines:
            sniffed.append(line)
            if any(d in line for d in ",\t;"):
                delimiter = _sniff_delimiter(line)
                break
            if len(sniffed) >= _MAX_PREAMBLE_ROWS:
                break
        for cells in csv.reader(itertools.chain(sniffed, lines), delimiter=delimiter):
            number += 1
            if _UNDECODABLE in "".join(cells):
                raise FileFormatError("encoding_error", f"row {number}")
            yield number, cells
    except csv.Error as exc:
        raise FileFormatError("malformed_file", f"row {number + 1}: {exc}") from exc


def _csv_blank(cells: Cells) -> bool:
    return not "".join(cells).strip()


def _open_csv(data: BinaryIO, headers: HeaderMap) -> DmsFile:
    head = data.read(_SNIFF_BYTES)
    if not head:
        raise FileFormatError("empty_file", "no data")
    if head.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        raise FileFormatError("not_a_spreadsheet", "an Excel file saved with a .csv name")
    encoding = _detect_encoding(head, complete=len(head) < _SNIFF_BYTES)
    if encoding != "utf-16" and b"\x00" in head:
        raise FileFormatError("not_a_spreadsheet", "binary data")
    # Undecodable bytes become U+FFFD and are reported with the row they are in
    # (a strict decoder fails a whole 8 KB chunk ahead of the row being read).
    text = io.TextIOWrapper(
        io.BufferedReader(_PrefixedStream(head, data)),
        encoding=encoding,
        errors="replace",
        newline="",
    )
    return _open(
        _csv_rows(text),
        convert=str.strip,
        is_blank=_csv_blank,
        close=text.close,
        source="csv",
        encoding=encoding,
        headers=headers,
    )
