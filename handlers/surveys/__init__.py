"""Surveys and complaints in chat: the owner's survey after a visit (sv:) and
/feedback (fb:); staff's tickets in the staff group and /tickets (tk:), and /surveys
with its export (svf:)."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.surveys import answer, feedback, figures, ticket_owner, tickets


def build_handlers() -> list[BaseHandler]:
    """Each module's handlers, form buttons first."""
    return [
        *answer.build_handlers(),  # the survey's buttons and dialog (sv:)
        *feedback.build_handlers(),  # /feedback and its dialog (fb:)
        *tickets.build_handlers(),  # /tickets, the staff group's buttons (tk:)
        *ticket_owner.build_handlers(),  # the owner's "not solved" (tk:reopen)
        *figures.build_handlers(),  # /surveys and its export (svf:)
    ]
