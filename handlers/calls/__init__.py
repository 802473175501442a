"""Follow-up calls in chat: /calls (one's own calls after deliveries and services, and
the team's for managers) and /dmsname (cl:)."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.calls import desk


def build_handlers() -> list[BaseHandler]:
    return [*desk.build_handlers()]
