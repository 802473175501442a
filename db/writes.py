"""Writes that must be race-safe on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
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
