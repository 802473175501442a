"""Club events in chat: owners' /events, sign-up, waitlist offers and the evaluation
form; staff's /newevent, /eventdesk (sign-ups, exports, messages, check-in) and
/questions."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.events import browse, checkin, desk, evaluate, manage, questions, signup


def build_handlers() -> list[BaseHandler]:
    """Each module's handlers, form buttons first."""
    return [
        *manage.build_handlers(),  # /newevent and the event form's buttons
        *evaluate.build_handlers(),  # the evaluation form's buttons (eva:)
        *questions.build_handlers(),  # /questions and the answer form (evq:)
        *browse.build_handlers(),  # /events and an event's card (ev:show, ev:list)
        *signup.build_handlers(),  # sign up, companions, cancel, offers, .ics (ev:)
        *desk.build_handlers(),  # /eventdesk and its evd: buttons
        *checkin.build_handlers(),  # the check-in list (evc:)
    ]
