"""The points ledger and the membership events (tier and validity changes)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class PointsEntry(Base):
    """The points ledger: append-only, two tracks. Balances on `members` mirror its sums.

    `dedupe_key` makes each (member, kind, key) happen once: a visit's award and its
    reversal, one expiry per day, one renewal per request, however often it is retried.
    """

    __tablename__ = "points_entries"
    __table_args__ = (
        UniqueConstraint("member_id", "kind", "dedupe_key"),
        Index("ix_points_entries_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str] = mapped_column(String(40))
    cumulative: Mapped[int] = mapped_column(Integer, default=0)
    redeemable: Mapped[int] = mapped_column(Integer, default=0)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    expires_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))
    actor_user_id: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MembershipEvent(Base):
    """Tier changes and renewals, in order; `dedupe_key` makes a rule apply once."""

    __tablename__ = "membership_events"
    __table_args__ = (UniqueConstraint("member_id", "kind", "dedupe_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    dedupe_key: Mapped[str] = mapped_column(String(40))
    tier_before: Mapped[str | None] = mapped_column(String(20))
    tier_after: Mapped[str | None] = mapped_column(String(20))
    valid_until_before: Mapped[date | None] = mapped_column(Date)
    valid_until_after: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))
    actor_user_id: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
