"""The club's tables. Every row that belongs to a dealership carries its store."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime, utcnow


class Store(Base):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("store_id", "telegram_user_id"),
        UniqueConstraint("store_id", "phone"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)
    phone: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(60))
    birthday: Mapped[date | None] = mapped_column(Date)
    locale: Mapped[str | None] = mapped_column(String(10))
    tier_code: Mapped[str] = mapped_column(String(20))
    valid_until: Mapped[date] = mapped_column(Date)
    cumulative_points: Mapped[int] = mapped_column(Integer, default=0)
    redeemable_points: Mapped[int] = mapped_column(Integer, default=0)
    card_code: Mapped[str] = mapped_column(String(16), unique=True)
    referral_code: Mapped[str] = mapped_column(String(16), unique=True)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    join_channel: Mapped[str] = mapped_column(String(20))
    advisor_user_id: Mapped[int | None] = mapped_column(BigInteger)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A tier staff set by hand; with the policy's manual_tier_is_floor, never stepped below.
    tier_floor: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10), default="chat")  # chat | import
    # Set when Telegram answers 403 (the owner blocked the bot); pushes skip them.
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cars: Mapped[list[Car]] = relationship(
        back_populates="member", order_by="Car.id", lazy="selectin"
    )


class Car(Base):
    __tablename__ = "cars"
    __table_args__ = (UniqueConstraint("store_id", "plate"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    plate: Mapped[str] = mapped_column(String(12))
    vin: Mapped[str | None] = mapped_column(String(17), index=True)
    model: Mapped[str] = mapped_column(String(60))
    delivery_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_service_date: Mapped[date | None] = mapped_column(Date)
    last_mileage: Mapped[int | None] = mapped_column(Integer)
    last_mileage_date: Mapped[date | None] = mapped_column(Date)
    # Known due dates (staff or imports may set them); reminders derive them otherwise.
    insurance_due: Mapped[date | None] = mapped_column(Date)
    inspection_due: Mapped[date | None] = mapped_column(Date)

    member: Mapped[Member] = relationship(back_populates="cars")


class Visit(Base):
    """A paid service visit (a DMS repair order). Never edited; reversed by a ledger row."""

    __tablename__ = "visits"
    __table_args__ = (
        UniqueConstraint("store_id", "order_no"),
        Index("ix_visits_member_date", "member_id", "visit_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    car_id: Mapped[int | None] = mapped_column(ForeignKey("cars.id", ondelete="SET NULL"))
    order_no: Mapped[str] = mapped_column(String(40))
    visit_date: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(24))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    mileage: Mapped[int | None] = mapped_column(Integer)
    advisor: Mapped[str | None] = mapped_column(String(40))
    recorded_by: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(10), default="chat")  # chat | import
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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


class StaffRole(Base):
    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("store_id", "telegram_user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    role: Mapped[str] = mapped_column(String(24))
    granted_by: Mapped[int | None] = mapped_column(BigInteger)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JoinLink(Base):
    """A one-time onboarding link a staff member hands to an owner."""

    __tablename__ = "join_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    code: Mapped[str] = mapped_column(String(24), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    advisor_user_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """Who changed what, when. Append-only."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_store_at", "store_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    actor_user_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(80))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatUser(Base):
    """What the bot knows of a Telegram user before (or apart from) membership."""

    __tablename__ = "chat_users"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    locale: Mapped[str | None] = mapped_column(String(10))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Dialog(Base):
    """A half-finished conversation (join, later bookings), kept across restarts."""

    __tablename__ = "dialogs"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    flow: Mapped[str] = mapped_column(String(20))
    step: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Push(Base):
    """The outbox: one row per message the bot sends unasked (broadcast, reminder, notice,
    a post to the staff chat: those have no member).

    (member, purpose, dedupe_key) is unique, so a push is queued at most once however
    many sweeps or instances try; a sender claims rows, and marks each one "sending"
    (committed) before its Telegram call.
    """

    __tablename__ = "pushes"
    __table_args__ = (
        UniqueConstraint("member_id", "purpose", "dedupe_key"),
        Index("ix_pushes_status_not_before", "status", "not_before"),
        Index("ix_pushes_broadcast_id_status", "broadcast_id", "status"),
        Index("ix_pushes_claimed_by_status", "claimed_by", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(24))
    dedupe_key: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    urgent: Mapped[bool] = mapped_column(default=False)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"))
    # queued | claimed | sending | sent | unknown | failed | blocked | capped | cancelled
    status: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Broadcast(Base):
    """A staff broadcast: texts per language, an optional photo, an audience, a time."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    kind: Mapped[str] = mapped_column(String(20))  # weather | activity | holiday | other
    texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # scheduled | queued | cancelled
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    report_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    report_message_id: Mapped[int | None] = mapped_column(BigInteger)
    report_locale: Mapped[str | None] = mapped_column(String(10))


class PushOptOut(Base):
    """A kind of push an owner turned off in /settings."""

    __tablename__ = "push_optouts"
    __table_args__ = (UniqueConstraint("member_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))


class Template(Base):
    """A manager's wording (话术) for a reminder kind in one language."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("store_id", "kind", "locale"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    kind: Mapped[str] = mapped_column(String(24))
    locale: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(String(1000))
    updated_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SendBudget(Base):
    """Telegram's budget for one bot token, shared by every instance: the moment (epoch
    seconds) from which the next message may go. Instances take slots in small batches
    (`bot.messaging.budget`)."""

    __tablename__ = "send_budgets"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    next_free: Mapped[float] = mapped_column(Float, default=0.0)
