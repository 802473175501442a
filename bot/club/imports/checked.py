"""A DMS export's rows, read and checked: what an import's batches are made of.

Each row comes out as (row number, its raw values, its record or the `RowError` that
refuses it), in file order. `open_checked` reads them on the caller's thread, or, for a
large file, in a helper process ahead of the batches (`bot.club.imports.ahead`): the
same rows either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any, BinaryIO, Protocol

from bot.club.imports.dms.reader import FileKind, open_rows
from bot.club.imports.dms.rows import RowError, normalise_car, normalise_member, normalise_visit

CheckedRow = tuple[int, dict[str, str], Any]  # number, raw values, record or RowError


@dataclass(frozen=True)
class RowChecks:
    """What checking a row needs besides the row: plain values, so a helper process
    checks rows exactly as the bot's own would."""

    today: date
    as_of: date
    categories: Mapping[str, str]
    max_amount_fen: int
    headers: Mapping[str, str]

    def parser(self, kind: FileKind) -> Callable[[dict[str, str]], Any]:
        """The check of one raw row of a `kind` file: its record; raises RowError."""
        if kind is FileKind.VISITS:
            return lambda raw: normalise_visit(
                raw,
                today=self.today,
                categories=self.categories,
                max_amount_fen=self.max_amount_fen,
                as_of=self.as_of,
            )
        if kind is FileKind.CARS:
            return lambda raw: normalise_car(raw, today=self.today, as_of=self.as_of)
        return lambda raw: normalise_member(raw, today=self.today)


def checked_rows(
    rows: Iterator[tuple[int, dict[str, str]]], parse: Callable[[dict[str, str]], Any]
) -> Iterator[CheckedRow]:
    for number, raw in rows:
        try:
            yield number, raw, parse(raw)
        except RowError as exc:
            yield number, raw, exc


class CheckedSource(Protocol):
    kind: FileKind
    on_this_thread: bool  # reading and checking hold the caller's thread

    async def take(self, count: int) -> list[CheckedRow]:
        """The next `count` rows (fewer at the end of the file, none after it)."""
        ...

    def close(self) -> None: ...


class InlineRows:
    """Rows read and checked on the caller's thread, as they are taken."""

    on_this_thread = True

    def __init__(self, data: BinaryIO, filename: str, checks: RowChecks, after: int = 0) -> None:
        self._file = open_rows(data, filename, checks.headers)
        self.kind = self._file.kind
        rows: Iterator[tuple[int, dict[str, str]]] = iter(self._file)
        if after:  # going on where a helper process stopped
            rows = ((number, raw) for number, raw in rows if number > after)
        self._rows = checked_rows(rows, checks.parser(self.kind))

    def take_now(self, count: int) -> list[CheckedRow]:
        return list(islice(self._rows, count))

    async def take(self, count: int) -> list[CheckedRow]:
        return self.take_now(count)

    def close(self) -> None:
        self._file.close()


# A file this large is read in a helper process (about 20,000 visit rows and more): its
# start (~0.2 s of the other core) is then a few percent of the import.
AHEAD_BYTES = 2 * 1024 * 1024


def _size(data: BinaryIO) -> int | None:
    if not data.seekable():
        return None
    with suppress(OSError, ValueError):
        here = data.tell()
        end = data.seek(0, 2)
        data.seek(here)
        return end - here
    return None


async def open_checked(
    data: BinaryIO, filename: str, checks: RowChecks, ahead: bool | None = None
) -> CheckedSource:
    """The file's checked rows: read ahead in a helper process when `ahead` (default:
    when the file has AHEAD_BYTES or more, and it can be read again should the helper
    fail), else on this thread. Raises FileFormatError as `open_rows` does."""
    size = _size(data)
    if ahead is None:
        ahead = size is not None and size >= AHEAD_BYTES
    if ahead and size is not None:
        from bot.club.imports.ahead import AheadRows

        source = await AheadRows.start(data, filename, checks)
        if source is not None:
            return source
    return InlineRows(data, filename, checks)
