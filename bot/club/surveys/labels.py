"""The words for the surveys' codes, one table each, so the survey's buttons, the staff
chat's ticket post, /surveys and its export name a reason, a ticket's kind and its
status alike (marked for translation; read with `label` or `reasons_text`)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.club.surveys.rules import Reason, TicketKind, TicketStatus
from bot.i18n import N_, Translator

REASONS: dict[str, str] = {
    Reason.PRICE: N_("Price"),
    Reason.WAITING: N_("Waiting time"),
    Reason.QUALITY: N_("Quality of work"),
    Reason.ATTITUDE: N_("Staff attitude"),
    Reason.CLEANLINESS: N_("Cleanliness"),
    Reason.OTHER: N_("Other"),
}
KINDS: dict[str, str] = {
    TicketKind.SURVEY: N_("Unhappy survey"),
    TicketKind.COMPLAINT: N_("Complaint"),
    TicketKind.SUGGESTION: N_("Suggestion"),
}
STATUSES: dict[str, str] = {
    TicketStatus.OPEN: N_("Open"),
    TicketStatus.TAKEN: N_("Being handled"),
    TicketStatus.RESOLVED: N_("Resolved"),
    TicketStatus.CLOSED: N_("Closed (noted)"),
}
NO_ADVISOR = N_("No advisor")
# The mark a chat heading puts before a kind's label (the label itself is KINDS').
KIND_MARKS: dict[str, str] = {
    TicketKind.SURVEY: "😞",
    TicketKind.COMPLAINT: "⚠️",
    TicketKind.SUGGESTION: "💡",
}


def kind_heading(t: Translator, kind: str) -> str:
    """A ticket kind as a chat heading: its mark and its one label."""
    code = kind if kind in KINDS else TicketKind.COMPLAINT
    return f"{KIND_MARKS[code]} {t.gettext(KINDS[code])}"


def reasons_text(t: Translator, codes: Sequence[str]) -> str:
    """The known reasons among `codes` in the reader's language, joined as their
    language lists them."""
    return t.gettext(", ").join(t.gettext(REASONS[c]) for c in codes if c in REASONS)
