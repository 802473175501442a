"""Writes that must be race-safe on SQLite and PostgreSQL alike."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Executable, Insert, Table
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


def _processor(column_type: Any, dialect: Dialect) -> Processor:
    return column_type.dialect_impl(dialect).bind_processor(dialect)  # type: ignore[no-any-return]


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
    values = [
        tuple(row[name] if proc is None else proc(row[name]) for name, proc in params)
        for row in rows
    ]
    await connection.exec_driver_sql(sql, values)


def _placeholders(dialect: Dialect, width: int, count: int) -> str:
    if dialect.paramstyle == "qmark":
        group = "(" + ",".join("?" * width) + ")"
        return ",".join([group] * count)
    return ",".join(
        "(" + ",".join(f"${i * width + j + 1}" for j in range(width)) + ")" for i in range(count)
    )


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
    connection = await session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    shared = same or {}
    defaults = shared | {
        c.name: c.default.arg(None) if c.default.is_callable else c.default.arg  # type: ignore[attr-defined]
        for c in table.columns
        if c.name not in rows[0]
        and c.name not in shared
        and c.default is not None
        and not c.primary_key
    }
    columns = [table.c[n] for n in names] + [table.c[n] for n in defaults]
    procs = [_processor(c.type, dialect) for c in columns]
    extra = zip(defaults.values(), procs[len(names) :], strict=True)
    fixed = [v if p is None else p(v) for v, p in extra]
    result_procs = [
        table.c[n].type.dialect_impl(dialect).result_processor(dialect, None) for n in returning
    ]
    quote = dialect.identifier_preparer.quote
    head = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(c.name) for c in columns)}) VALUES "
    )
    tail = " ON CONFLICT DO NOTHING"
    if returning:
        tail += " RETURNING " + ", ".join(quote(n) for n in returning)
    per_statement = _MAX_PARAMETERS.get(dialect.name, _DEFAULT_MAX_PARAMETERS) // len(columns)
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        flat: list[Any] = []
        for row in chunk:
            flat.extend(
                row[n] if p is None else p(row[n]) for n, p in zip(names, procs, strict=False)
            )
            flat.extend(fixed)
        sql = head + _placeholders(dialect, len(columns), len(chunk)) + tail
        result = await connection.exec_driver_sql(sql, tuple(flat))
        if returning:
            out.extend(
                tuple(v if p is None else p(v) for v, p in zip(r, result_procs, strict=True))
                for r in result.all()
            )
    return out
