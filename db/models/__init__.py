"""The club's tables, one module per area. Every row that belongs to a dealership
carries its store. Import the models from here (`from db.models import Member`): this
package registers every table on `Base.metadata`."""

from __future__ import annotations

from db.models.bookings import Booking, BookingBlock, BookingDay, BookingMonth
from db.models.chats import ChatUser, Dialog
from db.models.events import Event, EventFeedback, EventSignup
from db.models.gifts import Gift, GiftWatch, Redemption
from db.models.members import Car, Member, Store, Visit
from db.models.points import MembershipEvent, PointsEntry
from db.models.pushes import Broadcast, Push, PushOptOut, SendBudget, Template
from db.models.staff import AuditEntry, JoinLink, StaffRole
from db.models.surveys import CallTask, StaffName, Survey, Ticket, TicketCall

__all__ = [
    "AuditEntry",
    "Booking",
    "BookingBlock",
    "BookingDay",
    "BookingMonth",
    "Broadcast",
    "CallTask",
    "Car",
    "ChatUser",
    "Dialog",
    "Event",
    "EventFeedback",
    "EventSignup",
    "Gift",
    "GiftWatch",
    "JoinLink",
    "Member",
    "MembershipEvent",
    "PointsEntry",
    "Push",
    "PushOptOut",
    "Redemption",
    "SendBudget",
    "StaffName",
    "StaffRole",
    "Store",
    "Survey",
    "Template",
    "Ticket",
    "TicketCall",
    "Visit",
]
