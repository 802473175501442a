"""Everything sent unasked: the outbox rows, broadcasts, opt-outs, templates, and the
shared Telegram send budget."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import text

from db.base import Base, UTCDateTime, utcnow


class Push(Base):
    """The outbox: one row per message the bot sends unasked (broadcast, reminder, notice,
    a post to the staff chat: those have no member).

    (member, purpose, dedupe_key) is unique, so a push is queued at most once however
    many sweeps or instances try; a post with no member (the staff chat, a staff member's
    private chat) is unique by (chat, purpose, dedupe_key) instead, since no two NULL
    members ever clash. A sender claims rows, and marks each one "sending" (committed)
    before its Telegram call.
    """

    __tablename__ = "pushes"
    __table_args__ = (
        UniqueConstraint("member_id", "purpose", "dedupe_key"),
        Index(
            "uq_pushes_staff_chat_purpose_key",
            "chat_id",
            "purpose",
            "dedupe_key",
            unique=True,
            sqlite_where=text("member_id IS NULL"),
            postgresql_where=text("member_id IS NULL"),
        ),
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
    # The club event it announces: each copy carries a button to see it and sign up.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))


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
