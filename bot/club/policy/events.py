"""The events part of the club policy: who runs events, how long a freed place is held
for the first on the waitlist, when reminders and evaluations go, and how soon owners'
questions must be answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.club.policy.checks import clock, section, whole
from bot.club.policy.pushes import role_list


@dataclass(frozen=True)
class EventPolicy:
    manage_roles: tuple[str, ...]  # who may create, change, publish, announce and cancel
    offer_hours: int  # a freed place is held this long for the first on the waitlist
    reminder_at: time | None  # the reminder the evening before, store time; None: off
    evaluation_hours: int  # the evaluation form this many hours after the event ends
    evaluation_days: int  # …and is answered within this many days of the end
    answer_hours: int  # owners' questions answered within this (SOURCES: 48 h)
    checkin_hours: int  # check-in opens this many hours before the start
    max_companions: int  # the most companions staff may allow per owner


KEYS = {
    "manage_roles",
    "offer_hours",
    "reminder_at",
    "evaluation_hours",
    "evaluation_days",
    "answer_hours",
    "checkin_hours",
    "max_companions",
}


def parse_events(data: dict[str, Any]) -> EventPolicy:
    table = section(data, "events", KEYS)
    where = "[events]"
    roles = role_list(table, where, "manage_roles")
    return EventPolicy(
        manage_roles=roles,
        offer_hours=whole(table, where, "offer_hours", 1),
        reminder_at=clock(table, where, "reminder_at"),
        evaluation_hours=whole(table, where, "evaluation_hours"),
        evaluation_days=whole(table, where, "evaluation_days", 1),
        answer_hours=whole(table, where, "answer_hours", 1),
        checkin_hours=whole(table, where, "checkin_hours"),
        max_companions=whole(table, where, "max_companions"),
    )
