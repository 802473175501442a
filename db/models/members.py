"""Stores, members, their cars and their visits: who the club knows."""

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

    # Loaded only when asked for (bot.club.members.lookup.cars_of): nearly every look-up
    # of a member (each /points, /card, push) needs none of them, and loading them with
    # every member cost a second statement each time.
    cars: Mapped[list[Car]] = relationship(back_populates="member", order_by="Car.id", lazy="raise")


class Car(Base):
    __tablename__ = "cars"
    __table_args__ = (
        UniqueConstraint("store_id", "plate"),
        # The calls' minute sweep reads the deliveries of the last days, in order.
        Index("ix_cars_store_id_delivery_date_id", "store_id", "delivery_date", "id"),
    )

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
        # The surveys' and calls' minute sweep reads the visits of the last days, in order,
        # however much history an import recorded this week.
        Index("ix_visits_store_id_visit_date_id", "store_id", "visit_date", "id"),
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
