"""Club events (owner classes, road trips, other activities), the owners signed up for
them or waiting for a place, and what owners said afterwards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class Event(Base):
    """One event. Its `seats_taken` (owners and their companions, going or holding an
    offer) is changed only with the row locked, by `bot.club.events.signup`. A change
    of time or place bumps `version`, which keys the reminders: those queued for the
    old time are never sent."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("seats_taken >= 0", name="event_seats_not_negative"),
        Index("ix_events_store_id_starts_at", "store_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    kind: Mapped[str] = mapped_column(String(10))  # class | trip | activity
    titles: Mapped[dict[str, str]] = mapped_column(JSON)  # per locale: zh_Hans, en
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    photo: Mapped[str | None] = mapped_column(String(200))  # a Telegram file_id
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signup_until: Mapped[datetime] = mapped_column(UTCDateTime)  # the sign-up deadline
    place: Mapped[str] = mapped_column(String(300), default="")  # the address
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    meeting_point: Mapped[str | None] = mapped_column(String(300))  # road trips
    capacity: Mapped[int] = mapped_column(Integer)  # seats, companions included
    companions_max: Mapped[int] = mapped_column(Integer, default=0)  # per owner; 0: none
    min_tier: Mapped[str | None] = mapped_column(String(20))
    points_award: Mapped[int] = mapped_column(Integer, default=0)  # for attending, once
    points_cost: Mapped[int] = mapped_column(Integer, default=0)  # per seat, at sign-up
    # draft | published | cancelled
    status: Mapped[str] = mapped_column(String(10), default="draft")
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    queued: Mapped[int] = mapped_column(Integer, default=0)  # the line's counter (see queue_no)
    version: Mapped[int] = mapped_column(Integer, default=1)
    broadcast_id: Mapped[int | None] = mapped_column(Integer)  # its announcement, if any
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventSignup(Base):
    """One owner's place at one event (one row per owner and event, reused when they
    sign up again). The waitlist is the `waiting` rows in `queue_no` order: numbers
    handed out by the event's counter under its lock, so the line is the order in which
    sign-ups took the lock, whatever clock each request read before it;
    `code` is the check-in pass (the QR deep link staff scan)."""

    __tablename__ = "event_signups"
    __table_args__ = (
        UniqueConstraint("event_id", "member_id"),
        CheckConstraint("companions >= 0", name="signup_companions_not_negative"),
        Index("ix_event_signups_event_id_status", "event_id", "status", "queue_no"),
        Index("ix_event_signups_member_id_status", "member_id", "status"),
        Index("ix_event_signups_status_offer_until", "status", "offer_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    companions: Mapped[int] = mapped_column(Integer, default=0)
    # going | waiting | offered | cancelled | lapsed (an offer not taken in time)
    status: Mapped[str] = mapped_column(String(10))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # signed up at
    queue_no: Mapped[int] = mapped_column(Integer, default=0)
    offer_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offers: Mapped[int] = mapped_column(Integer, default=0)  # places offered so far
    code: Mapped[str] = mapped_column(String(12), unique=True)
    points_paid: Mapped[int] = mapped_column(Integer, default=0)
    # The points lots the cost took, [[expires_on ISO or None, amount], ...], to refund.
    lots: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # How many times this sign-up has taken a seat: keys its cost, refund and pushes.
    turn: Mapped[int] = mapped_column(Integer, default=0)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by: Mapped[int | None] = mapped_column(BigInteger)
    checked_in_by_name: Mapped[str | None] = mapped_column(String(64))  # as Telegram named them
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventFeedback(Base):
    """An attendee's evaluation of an event (one per owner and event), with the question
    they asked, which staff answer in chat; one unanswered after the policy's hours is
    flagged once (`flagged_at`) to the manager and on /followups."""

    __tablename__ = "event_feedback"
    __table_args__ = (
        UniqueConstraint("event_id", "member_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="feedback_rating_1_to_5"),
        Index("ix_event_feedback_store_id_answered_at", "store_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)
    useful: Mapped[str | None] = mapped_column(String(1000))
    question: Mapped[str | None] = mapped_column(String(1000))
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(String(2000))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[int | None] = mapped_column(BigInteger)
    answered_by_name: Mapped[str | None] = mapped_column(String(64))  # as Telegram named them
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
