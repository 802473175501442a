"""Date expressions SQLite and PostgreSQL spell differently, for set-based filters.

SQLite keeps a `Date` column as ISO text (`YYYY-MM-DD`); PostgreSQL as a date. Both
functions below give the same values on either database.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class month_day(FunctionElement[str]):
    """A date's month and day as text, `MM-DD` (sorts like the calendar within a year)."""

    type = String()
    inherit_cache = True


EPOCH = date(2000, 1, 1)
_EPOCH_JULIAN = 2451544.5  # SQLite's julianday('2000-01-01')


def day_of(day: date) -> int:
    """`day` as `day_number` counts it."""
    return (day - EPOCH).days


class day_number(FunctionElement[float]):
    """A date as days since 2000-01-01 (`day_of` in Python): differences are days."""

    type = Float()
    inherit_cache = True


@compiles(month_day)
def _month_day(element: month_day, compiler: Any, **kw: Any) -> str:
    return f"strftime('%m-%d', {compiler.process(element.clauses, **kw)})"


@compiles(month_day, "postgresql")
def _month_day_pg(element: month_day, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'MM-DD')"


@compiles(day_number)
def _day_number(element: day_number, compiler: Any, **kw: Any) -> str:
    return f"(julianday({compiler.process(element.clauses, **kw)}) - {_EPOCH_JULIAN})"


@compiles(day_number, "postgresql")
def _day_number_pg(element: day_number, compiler: Any, **kw: Any) -> str:
    return f"(({compiler.process(element.clauses, **kw)}) - DATE '2000-01-01')"
