"""People who wrote to the bot, and their open dialogs (form state)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class ChatUser(Base):
    """What the bot knows of a Telegram user before (or apart from) membership."""

    __tablename__ = "chat_users"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    locale: Mapped[str | None] = mapped_column(String(10))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Dialog(Base):
    """A half-finished form (join, visit, broadcast, ...), kept across restarts."""

    __tablename__ = "dialogs"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    flow: Mapped[str] = mapped_column(String(20))
    step: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # per answer
    prompt_message_id: Mapped[int | None] = mapped_column(BigInteger)  # its buttons go later
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
