"""Whether a visit was reversed, as a SQL condition the sweeps that follow visits up
(surveys, calls) put in their queries: a reversal is a ledger row of its own."""

from __future__ import annotations

from sqlalchemy import Exists, exists

from bot.club.points.ledger import EntryKind
from db.models import PointsEntry, Visit


def reversed_visit() -> Exists:
    """True for a `Visit` row whose points were reversed. (member, kind) lead the
    ledger's unique index, so each visit costs a short look."""
    return exists().where(
        PointsEntry.member_id == Visit.member_id,
        PointsEntry.kind == EntryKind.REVERSAL,
        PointsEntry.visit_id == Visit.id,
    )
