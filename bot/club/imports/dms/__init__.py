"""Reading dealer-management-system (DMS) exports: files in, typed records out.

:mod:`.reader` streams rows out of CSV/XLSX files and recognises the layout;
:mod:`.rows` turns each raw row into a record or a :class:`~.rows.RowError`.
"""

from bot.club.imports.dms.reader import DmsFile, FileFormatError, FileKind, open_rows
from bot.club.imports.dms.rows import (
    CarRecord,
    MemberRecord,
    RowCode,
    RowError,
    VisitRecord,
    normalise_car,
    normalise_category_key,
    normalise_member,
    normalise_visit,
)

__all__ = [
    "CarRecord",
    "DmsFile",
    "FileFormatError",
    "FileKind",
    "MemberRecord",
    "RowCode",
    "RowError",
    "VisitRecord",
    "normalise_car",
    "normalise_category_key",
    "normalise_member",
    "normalise_visit",
    "open_rows",
]
