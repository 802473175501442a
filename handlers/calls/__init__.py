"""Follow-up calls in chat: /calls (one's own calls after deliveries and services, and
the team's for managers) and /dmsname (cl:)."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.calls import desk, dmsname, done


def build_handlers() -> list[BaseHandler]:
    # The note dialog's buttons (cl:pick/skip/cancel) and Done first, then the list's.
    return [*done.build_handlers(), *desk.build_handlers(), *dmsname.build_handlers()]
