"""What the survey dialog says: the refusals, the reasons' names, and an answer as the
owner gave it (shown again when they press a rating after answering)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.club.surveys.answer import Refusal
from bot.club.surveys.labels import reasons_text
from bot.i18n import N_, Translator

if TYPE_CHECKING:
    from db.models import Survey

REFUSALS = {
    Refusal.NOT_YOURS: N_("That survey is not one of yours."),
    Refusal.DONE: N_("Thank you, we have your answer."),
    Refusal.EXPIRED: N_(
        "Sorry, this survey has closed. You can tell us about your visit any time with /feedback."
    ),
    Refusal.SCORE: N_("Please choose a rating from 1 to 5."),
}


def refusal_text(t: Translator, code: str) -> str:
    return t.gettext(REFUSALS.get(code, REFUSALS[Refusal.NOT_YOURS]))


def scores_line(t: Translator, satisfaction: int, nps: int | None) -> str:
    line = t.gettext("Satisfaction: {score} of 5", score=t.number(satisfaction))
    if nps is not None:
        line += " · " + t.gettext("Would recommend us: {nps} of 10", nps=t.number(nps))
    return line


def given(t: Translator, survey: Survey) -> str:
    """The answer kept: when, the scores, what went wrong and the comment."""
    lines = [t.gettext("Your answer:")]
    if survey.answered_at is not None:
        lines = [t.gettext("Your answer of {date}:", date=t.date(survey.answered_at))]
    if survey.satisfaction is not None:
        lines.append(scores_line(t, survey.satisfaction, survey.nps))
    if survey.reasons:
        lines.append(
            t.gettext("What went wrong: {reasons}", reasons=reasons_text(t, survey.reasons))
        )
    if survey.comment:
        lines.append(t.gettext("Your words: {comment}", comment=survey.comment))
    return "\n".join(lines)
