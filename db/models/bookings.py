"""Maintenance bookings: the places owners take, the days staff change, the slots staff
block, and the monthly figures kept for the report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class Booking(Base):
    """One car booked for one service at one time (stored in UTC; `day` is the store's
    calendar day of `starts_at`). A reschedule moves the row and bumps `version`, which
    keys its reminders: those of an earlier time are never sent. `request_key` (the form
    instance) makes a repeated confirm the same booking."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("store_id", "request_key"),
        Index("ix_bookings_store_id_day", "store_id", "day", "status"),
        Index("ix_bookings_member_id_status", "member_id", "status"),
        Index("ix_bookings_car_id_day", "car_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    car_id: Mapped[int | None] = mapped_column(ForeignKey("cars.id", ondelete="SET NULL"))
    service: Mapped[str] = mapped_column(String(24))  # a [bookings] service code
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # booked | arrived | no_show | cancelled
    status: Mapped[str] = mapped_column(String(12), default="booked")
    notes: Mapped[str | None] = mapped_column(String(500))
    mileage: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10), default="owner")  # owner | staff | invite
    booked_by: Mapped[int | None] = mapped_column(BigInteger)  # the Telegram user who booked
    advisor: Mapped[str | None] = mapped_column(String(60))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    request_key: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    marked_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BookingDay(Base):
    """A store day as staff changed it (closed, or other capacities), and the row every
    booking of that day locks first, so places are counted by one writer at a time."""

    __tablename__ = "booking_days"
    __table_args__ = (UniqueConstraint("store_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    day: Mapped[date] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    # service code (or "*" for every service) → places per slot that day
    capacity: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(String(200))
    lock: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BookingBlock(Base):
    """Slots staff took out of booking (a training, a broken lift): [starts_at, ends_at)
    for one service or, with `service` None, for all."""

    __tablename__ = "booking_blocks"
    __table_args__ = (Index("ix_booking_blocks_store_id_day", "store_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    service: Mapped[str | None] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BookingMonth(Base):
    """The monthly booking figures as last computed (the appointment rate: booked
    maintenance visits of all maintenance visits; the show rate: arrivals of the
    bookings that fell due)."""

    __tablename__ = "booking_months"
    __table_args__ = (UniqueConstraint("store_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, store time
    maintenance_visits: Mapped[int] = mapped_column(Integer, default=0)
    booked_visits: Mapped[int] = mapped_column(Integer, default=0)
    bookings_due: Mapped[int] = mapped_column(Integer, default=0)  # past, not cancelled
    arrived: Mapped[int] = mapped_column(Integer, default=0)
    no_show: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
