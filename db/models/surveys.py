"""Satisfaction surveys after visits, the tickets an unhappy answer or a complaint opens
(with each call a supervisor made), and the follow-up calls staff owe owners after a
delivery or a service (issue: surveys, complaints and the follow-up loop)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class Survey(Base):
    """One survey per visit (the unique `visit_id`: however many sweeps or instances
    look, a visit is surveyed once). Its push is queued in the same transaction; the
    answer is written once, by a conditional update on `status`."""

    __tablename__ = "surveys"
    __table_args__ = (
        Index("ix_surveys_store_id_sent_after", "store_id", "sent_after"),
        Index("ix_surveys_member_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), unique=True)
    car_id: Mapped[int | None] = mapped_column(ForeignKey("cars.id", ondelete="SET NULL"))
    advisor: Mapped[str | None] = mapped_column(String(40))  # the visit's, as the DMS names them
    category: Mapped[str] = mapped_column(String(24))  # the visit's
    # pending | answered | expired (expired: read at answer time from expires_at as well)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    sent_after: Mapped[datetime] = mapped_column(UTCDateTime)  # the push's not_before
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    satisfaction: Mapped[int | None] = mapped_column(Integer)  # 1–5
    nps: Mapped[int | None] = mapped_column(Integer)  # 0–10, likelihood to recommend
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)  # what went wrong
    comment: Mapped[str | None] = mapped_column(String(1000))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Ticket(Base):
    """An unhappy survey answer, a complaint or a suggestion, for a supervisor to call
    back about until it is solved. Each change of hands is a conditional update on
    `status` (and `taken_by`), so two supervisors pressing at once cannot both take it,
    and escalations (`next_escalation_at`, in the database) survive restarts."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_store_id_status", "store_id", "status"),
        Index("ix_tickets_next_escalation_at", "next_escalation_at"),
        Index("ix_tickets_member_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # survey | complaint | suggestion
    survey_id: Mapped[int | None] = mapped_column(
        ForeignKey("surveys.id", ondelete="SET NULL"), unique=True
    )
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    car_id: Mapped[int | None] = mapped_column(ForeignKey("cars.id", ondelete="SET NULL"))
    advisor: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str | None] = mapped_column(String(2000))  # the owner's words
    photo: Mapped[str | None] = mapped_column(String(200))  # a Telegram file_id
    # open | taken | resolved | closed (resolved and past its reopen, or a suggestion noted)
    status: Mapped[str] = mapped_column(String(10), default="open")
    taken_by: Mapped[int | None] = mapped_column(BigInteger)
    taken_by_name: Mapped[str | None] = mapped_column(String(80))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # resolve by (None: no deadline)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    next_escalation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(2000))  # what was done
    resolved_by: Mapped[int | None] = mapped_column(BigInteger)
    resolved_by_name: Mapped[str | None] = mapped_column(String(80))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # "not solved", once
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped by every change
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketCall(Base):
    """One call a supervisor made about a ticket: reached or not, and a note."""

    __tablename__ = "ticket_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    by_user_id: Mapped[int] = mapped_column(BigInteger)
    by_name: Mapped[str | None] = mapped_column(String(80))
    reached: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(String(1000))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallTask(Base):
    """A call a person owes an owner: the salesperson 24 h and 72 h after a delivery,
    the service advisor within 48 h of a service. `key` (kind and car or visit) is
    unique per store, so sweeps on several instances make each task once. Marked done,
    not needed, or unreachable: three tries at different times, then another channel."""

    __tablename__ = "call_tasks"
    __table_args__ = (
        UniqueConstraint("store_id", "key"),
        Index("ix_call_tasks_store_id_status_due_at", "store_id", "status", "due_at"),
        Index("ix_call_tasks_assignee_user_id", "assignee_user_id"),
        # The sweep asks "has this visit (car) its call yet?" of each recent one.
        Index("ix_call_tasks_visit_id_kind", "visit_id", "kind"),
        Index("ix_call_tasks_car_id_kind", "car_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    key: Mapped[str] = mapped_column(String(40))  # "delivery1:car:12", "service:visit:34"
    kind: Mapped[str] = mapped_column(String(12))  # delivery_1 | delivery_3 | service
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    car_id: Mapped[int | None] = mapped_column(ForeignKey("cars.id", ondelete="SET NULL"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    assignee_user_id: Mapped[int | None] = mapped_column(BigInteger)
    assignee_name: Mapped[str | None] = mapped_column(String(40))  # the DMS's name for them
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)  # listed from here
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # behind after here
    # open | done | not_needed | unreached (three tries failed: another channel)
    status: Mapped[str] = mapped_column(String(12), default="open")
    tries: Mapped[int] = mapped_column(Integer, default=0)  # unanswered calls so far
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(1000))
    attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # each try
    done_by: Mapped[int | None] = mapped_column(BigInteger)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffName(Base):
    """The name the DMS knows a staff member by (its advisor column), so calls after an
    imported service reach the advisor who did it."""

    __tablename__ = "staff_names"
    __table_args__ = (
        UniqueConstraint("store_id", "telegram_user_id"),
        UniqueConstraint("store_id", "name_key"),  # one person per name, however set
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(40))
    name_key: Mapped[str] = mapped_column(String(40))  # the name as compared (calls.rules)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
