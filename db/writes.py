"""Writes that must be race-safe on SQLite and PostgreSQL alike."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Date, DateTime, Executable, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base


def insert_ignoring_duplicates(session: AsyncSession, model: Any) -> Insert:
    """`INSERT … ON CONFLICT DO NOTHING` for the session's database."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    factory = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return factory(model).on_conflict_do_nothing()


async def insert_once(
    session: AsyncSession, model: type[Base], values: dict[str, Any]
) -> int | None:
    """Insert one row; its id, or None when a unique key says it exists already."""
    statement = insert_ignoring_duplicates(session, model).values(**values)
    return await session.scalar(statement.returning(model.id))  # type: ignore[attr-defined]


async def insert_many_once(
    session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]], *returning: Any
) -> list[Any]:
    """Insert many rows in few round trips; the `returning` columns of those that were new.

    Core, not the ORM: an import writes thousands of rows a second through here.
    """
    if not rows:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    columns = [table.c[attribute.key] for attribute in returning]
    statement = insert_ignoring_duplicates(session, table).returning(*columns)
    result = await session.execute(statement, list(rows))
    return list(result.all())


# --------------------------------------------------------------------------- #
# Driver-level batches: a DMS import writes tens of thousands of rows a second, and
# SQLAlchemy's per-row parameter handling costs more than the database's own work.
# Statements are compiled once per database; each value goes through its column's bind
# processor only (the same conversion Core applies), then straight to the driver.
# --------------------------------------------------------------------------- #

_MAX_PARAMETERS = {"sqlite": 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999}
_DEFAULT_MAX_PARAMETERS = 32767  # PostgreSQL's wire protocol
Processor = Callable[[Any], Any] | None
_forms: dict[tuple[Any, str], Any] = {}


def _iso_date(slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLite's date conversion, by `date.isoformat` (the same text, a fifth of the time)
    for plain dates; anything else goes the dialect's own way."""

    def process(value: Any) -> Any:
        return value.isoformat() if value.__class__ is date else slow(value)

    return process


def _processor(column_type: Any, dialect: Dialect) -> Processor:
    processor = column_type.dialect_impl(dialect).bind_processor(dialect)
    plain_date = isinstance(column_type, Date) and not isinstance(column_type, DateTime)
    if processor is not None and plain_date and dialect.name == "sqlite":
        return _iso_date(processor)
    return processor  # type: ignore[no-any-return]


def _getter(names: Sequence[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A row's values in `names` order, as a tuple, in one call."""
    if len(names) == 1:
        name = names[0]
        return lambda row: (row[name],)
    return itemgetter(*names)


def _converted(values: Sequence[Sequence[Any]], procs: Sequence[Processor]) -> Sequence[Any]:
    """Each row's values, each through its column's processor (if it has one)."""
    conversions = [(i, p) for i, p in enumerate(procs) if p is not None]
    if not conversions:
        return values
    out = []
    for row in values:
        done = list(row)
        for i, p in conversions:
            done[i] = p(done[i])
        out.append(done)
    return out


def _driver_form(
    statement: Executable, dialect: Dialect
) -> tuple[str, list[tuple[str, Processor]]]:
    """The statement's SQL for `dialect` and, per positional parameter, its name and
    bind processor; compiled once per (statement, database)."""
    key = (statement, dialect.name)
    form = _forms.get(key)
    if form is None:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        names = list(compiled.positiontup or ())
        form = (compiled.string, [(n, _processor(compiled.binds[n].type, dialect)) for n in names])
        _forms[key] = form
    return form


async def execute_many(
    session: AsyncSession, statement: Executable, rows: Sequence[dict[str, Any]]
) -> None:
    """Run a Core UPDATE/INSERT once per parameter set in one driver `executemany`."""
    if not rows:
        return
    connection = await session.connection()
    sql, params = _driver_form(statement, connection.dialect)
    get = _getter([n for n, _ in params])
    values = _converted([get(row) for row in rows], [p for _, p in params])
    await _driver_sql(session, sql, [tuple(v) for v in values])


class _Outcome(NamedTuple):
    rows: list[Any]
    rowcount: int


async def _driver_sql(session: AsyncSession, sql: str, parameters: Any) -> _Outcome:
    """Run SQL at the driver in the session's transaction: its rows and row count.

    Through `run_sync`, which (unlike the async connection's own `exec_driver_sql`) also
    runs statements that never wait (`db.sqlite_driver.inline_writes`)."""

    def run(sync_session: Any) -> _Outcome:
        result = sync_session.connection().exec_driver_sql(sql, parameters)
        return _Outcome(list(result.all()) if result.returns_rows else [], result.rowcount)

    return await session.run_sync(run)


def _placeholders(dialect: Dialect, width: int, count: int) -> str:
    if dialect.paramstyle == "qmark":
        group = "(" + ",".join("?" * width) + ")"
        return ",".join([group] * count)
    return ",".join(
        "(" + ",".join(f"${i * width + j + 1}" for j in range(width)) + ")" for i in range(count)
    )


# Rows go in chunks whose sizes are powers of two (a 1,000-row batch: 512 + 256 + 128 +
# 64 + 32 + 8), so a table's insert has a dozen statement texts at most, each prepared
# once and then found in the driver's statement cache. With one text per row count, as
# before, every batch of a new size compiled a statement of thousands of parameters
# again and left it in the cache (128 of them per connection: memory grew with the file).
_MAX_CHUNK = 512


def _chunk_sizes(count: int, largest: int) -> list[int]:
    sizes = []
    size = 1 << (largest.bit_length() - 1)  # the largest power of two <= largest
    while count:
        while size > count:
            size >>= 1
        sizes.append(size)
        count -= size
    return sizes


class _InsertForm:
    """One (table, columns, returning) insert for one database: its statement texts by
    chunk size, and the conversions its values need."""

    def __init__(
        self,
        table: Table,
        names: tuple[str, ...],
        shared: tuple[str, ...],
        returning: tuple[str, ...],
        dialect: Dialect,
    ) -> None:
        self.names = names
        self.defaulted = [
            c
            for c in table.columns
            if c.name not in names
            and c.name not in shared
            and c.default is not None
            and not c.primary_key
        ]
        columns = [table.c[n] for n in (*names, *shared)] + self.defaulted
        self.width = len(columns)
        self.procs = [_processor(c.type, dialect) for c in columns]
        self.returning = returning
        self.result_procs = [
            table.c[n].type.dialect_impl(dialect).result_processor(dialect, None) for n in returning
        ]
        quote = dialect.identifier_preparer.quote
        self.head = (
            f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
            f"({', '.join(quote(c.name) for c in columns)}) VALUES "
        )
        self.tail = " ON CONFLICT DO NOTHING"
        # SQLite: one single-row statement, prepared once, run by the driver's own loop
        # (`executemany`); a quarter less of SQLite's time than multi-row VALUES, which it
        # parses anew for each chunk. The new rows' `returning` columns are then read by
        # id: a rowid given to a new row is above the table's largest before, and every
        # transaction of the writing engine holds SQLite's write lock from its start
        # (BEGIN IMMEDIATE, db.engine), so no other writer's rows are among them.
        rowid = _rowid_key(table, dialect) if dialect.name == "sqlite" else None
        self.one_by_one = dialect.name == "sqlite" and (not returning or rowid is not None)
        self.single = self.head + _placeholders(dialect, self.width, 1) + self.tail
        if returning and rowid is not None:
            key, table_name = quote(rowid), dialect.identifier_preparer.format_table(table)
            self.top = f"SELECT coalesce(max({key}), 0) FROM {table_name}"
            self.since = (
                f"SELECT {', '.join(quote(n) for n in returning)} FROM {table_name} "
                f"WHERE {key} > ? ORDER BY {key}"
            )
        if returning:
            self.tail += " RETURNING " + ", ".join(quote(n) for n in returning)
        limit = _MAX_PARAMETERS.get(dialect.name, _DEFAULT_MAX_PARAMETERS) // self.width
        self.largest = max(1, min(_MAX_CHUNK, limit))
        self.dialect = dialect
        self._texts: dict[int, str] = {}

    def text(self, count: int) -> str:
        sql = self._texts.get(count)
        if sql is None:
            sql = self._texts[count] = (
                self.head + _placeholders(self.dialect, self.width, count) + self.tail
            )
        return sql


def _rowid_key(table: Table, dialect: Dialect) -> str | None:
    """The name of `table`'s primary key when SQLite keeps it as the rowid: one column
    whose type is spelt INTEGER (not BIGINT)."""
    keys = list(table.primary_key.columns)
    if len(keys) == 1 and keys[0].type.compile(dialect=dialect) == "INTEGER":
        return keys[0].name
    return None


_FormKey = tuple[Table, tuple[str, ...], tuple[str, ...], tuple[str, ...], str]
_insert_forms: dict[_FormKey, _InsertForm] = {}


def _insert_form(
    table: Table,
    names: tuple[str, ...],
    shared: tuple[str, ...],
    returning: tuple[str, ...],
    dialect: Dialect,
) -> _InsertForm:
    key = (table, names, shared, returning, dialect.name)
    form = _insert_forms.get(key)
    if form is None:
        form = _insert_forms[key] = _InsertForm(table, names, shared, returning, dialect)
    return form


async def _insert_chunks(
    session: AsyncSession,
    table: Table,
    names: tuple[str, ...],
    rows: Sequence[Sequence[Any]],
    returning: tuple[str, ...],
    same: dict[str, Any] | None,
) -> AsyncIterator[tuple[_InsertForm, Any]]:
    """Run `rows` (values in `names` order) as multi-row inserts; each chunk's form and
    driver result."""
    connection = await session.connection()
    shared = same or {}
    form = _insert_form(table, names, tuple(shared), returning, connection.dialect)
    names, procs = form.names, form.procs
    values = [
        *shared.values(),
        *(
            c.default.arg(None) if c.default.is_callable else c.default.arg  # type: ignore[attr-defined]
            for c in form.defaulted
        ),
    ]
    fixed = [v if p is None else p(v) for v, p in zip(values, procs[len(names) :], strict=True)]
    converted = _converted(rows, procs[: len(names)])
    if form.one_by_one:
        top = (await _driver_sql(session, form.top, ())).rows[0][0] if returning else 0
        done = await _driver_sql(session, form.single, [(*row, *fixed) for row in converted])
        if returning:
            new = await _driver_sql(session, form.since, (top,))
            done = _Outcome(new.rows, done.rowcount)
        yield form, done
        return
    start = 0
    for size in _chunk_sizes(len(rows), form.largest):
        flat: list[Any] = []
        for row_values in converted[start : start + size]:
            flat += row_values
            flat += fixed
        start += size
        yield form, await _driver_sql(session, form.text(size), tuple(flat))


async def insert_rows_once(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    returning: Sequence[str] = (),
    same: dict[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """`insert_many_once` at the driver: multi-row `INSERT … ON CONFLICT DO NOTHING
    RETURNING …` statements of up to the database's parameter limit.

    Every row names the same columns; `same` holds values every row shares (converted
    once per call, not once per row); columns left out get their Python-side default
    (computed once per call) or the database's. Returns the `returning` columns of the
    rows that were new.
    """
    if not rows:
        return []
    names = tuple(rows[0])
    get = _getter(names)
    return await insert_values_once(
        session, table, names, [get(row) for row in rows], returning, same
    )


async def insert_values_once(
    session: AsyncSession,
    table: Table,
    names: tuple[str, ...],
    rows: Sequence[Sequence[Any]],
    returning: Sequence[str] = (),
    same: dict[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """`insert_rows_once` for rows given as values in `names` order (no dict per row)."""
    if not rows:
        return []
    out: list[tuple[Any, ...]] = []
    async for form, result in _insert_chunks(session, table, names, rows, tuple(returning), same):
        if returning:
            result_procs = form.result_procs
            if all(p is None for p in result_procs):
                out.extend(tuple(r) for r in result.rows)
            else:
                out.extend(
                    tuple(v if p is None else p(v) for v, p in zip(r, result_procs, strict=True))
                    for r in result.rows
                )
    return out


async def insert_rows_counted(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    same: dict[str, Any] | None = None,
) -> int:
    """`insert_rows_once` that only counts the rows that were new (the driver's row
    count: SQLite and PostgreSQL count what an `ON CONFLICT DO NOTHING` inserted)."""
    if not rows:
        return 0
    new = 0
    names = tuple(rows[0])
    get = _getter(names)
    async for _, result in _insert_chunks(session, table, names, [get(r) for r in rows], (), same):
        new += max(result.rowcount, 0)
    return new
