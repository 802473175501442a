"""Maintenance booking in chat: owners' /book and /bookings, the desk's day sheet, slots
staff block, the proactive list and the monthly figures."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.bookings import book, bookfor, desk, due, manage, mine, stats


def build_handlers() -> list[BaseHandler]:
    """Each module's handlers, form buttons first."""
    return [
        *book.build_handlers(),  # the book dialog's buttons (owners' and staff's), book:go
        *bookfor.build_handlers(),  # /bookfor
        *mine.build_handlers(),  # /bookings and its bkme: buttons
        *desk.build_handlers(),  # /today, /day and their bkdesk: buttons
        *manage.build_handlers(),  # /block, /unblock, /capacity
        *due.build_handlers(),  # /duebook and its bkdue: buttons
        *stats.build_handlers(),  # /bookingstats
    ]
