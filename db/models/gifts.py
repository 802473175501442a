"""The gift catalog, the redemptions owners make from it, and who waits for a restock."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class Gift(Base):
    """An item of the catalog: a gift (礼品) handed over at the desk, or a voucher (代金券)
    used at a later visit. `stock` None is unlimited; it never goes below zero."""

    __tablename__ = "gifts"
    __table_args__ = (
        CheckConstraint("stock IS NULL OR stock >= 0", name="gift_stock_not_negative"),
        CheckConstraint("cost_points > 0", name="gift_cost_positive"),
        Index("ix_gifts_store_id_status", "store_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    kind: Mapped[str] = mapped_column(String(10))  # gift | voucher
    names: Mapped[dict[str, str]] = mapped_column(JSON)  # per locale: zh_Hans, en
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    photo: Mapped[str | None] = mapped_column(String(200))  # a Telegram file_id
    cost_points: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int | None] = mapped_column(Integer)
    per_member_limit: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    limit_days: Mapped[int | None] = mapped_column(Integer)  # the limit's period
    min_tier: Mapped[str | None] = mapped_column(String(20))
    available_from: Mapped[date | None] = mapped_column(Date)
    available_until: Mapped[date | None] = mapped_column(Date)
    face_value_fen: Mapped[int | None] = mapped_column(Integer)  # vouchers
    min_spend_fen: Mapped[int | None] = mapped_column(Integer)  # vouchers
    valid_days: Mapped[int | None] = mapped_column(Integer)  # vouchers: days after redeeming
    status: Mapped[str] = mapped_column(String(10), default="active")  # active|paused|retired
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Redemption(Base):
    """One owner's redemption of one item: what it cost (as confirmed), its code for the
    desk, and its status. Points and stock move only through the ledger and a
    conditional UPDATE of the gift; a cancellation writes new ledger rows."""

    __tablename__ = "redemptions"
    __table_args__ = (
        UniqueConstraint("member_id", "request"),
        Index("ix_redemptions_member_id_id", "member_id", "id"),
        Index("ix_redemptions_store_id_status", "store_id", "status"),
        Index("ix_redemptions_gift_id_member_id", "gift_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    gift_id: Mapped[int] = mapped_column(ForeignKey("gifts.id"))
    code: Mapped[str] = mapped_column(String(12), unique=True)  # shown and scanned at the desk
    request: Mapped[str] = mapped_column(String(16))  # the confirm it came from: one per tap
    kind: Mapped[str] = mapped_column(String(10))
    names: Mapped[dict[str, str]] = mapped_column(JSON)  # the item's names when redeemed
    cost_points: Mapped[int] = mapped_column(Integer)
    # The points lots it took, [[expires_on ISO or None, amount], ...]: a refund puts
    # each back with its own expiry.
    lots: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    face_value_fen: Mapped[int | None] = mapped_column(Integer)
    min_spend_fen: Mapped[int | None] = mapped_column(Integer)
    expires_on: Mapped[date | None] = mapped_column(Date)  # last day to collect or use it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    collected_by: Mapped[int | None] = mapped_column(BigInteger)
    collected_by_name: Mapped[str | None] = mapped_column(String(64))  # as Telegram named them
    collected_store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    used_order_no: Mapped[str | None] = mapped_column(String(40))  # vouchers
    used_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # cancelled or expired
    ended_by: Mapped[int | None] = mapped_column(BigInteger)


class GiftWatch(Base):
    """An owner asked to hear when an out-of-stock item is back: one notice, then gone."""

    __tablename__ = "gift_watches"
    __table_args__ = (UniqueConstraint("member_id", "gift_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    gift_id: Mapped[int] = mapped_column(ForeignKey("gifts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
