"""The survey in chat: a rating button on the survey push (`sv:rate:<survey id>:<n>`)
opens the dialog with that rating, if the presser is the survey's owner and it is still
open; they say how likely they are to recommend us (0–10), for an unhappy answer what
went wrong and a comment, and it is kept once. An unhappy answer opens a ticket, posted
to the staff group, and the owner hears that a supervisor will call them back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.club.forms import engine
from bot.club.forms.engine import Outcome
from bot.club.surveys import answer, answer_form
from bot.club.surveys.answer import Refusal, Saved, SurveyRefused
from bot.club.surveys.labels import REASONS
from bot.club.surveys.rules import SCORES
from bot.i18n import N_
from bot.messaging import ticket_notices
from bot.messaging.survey_pushes import rating_label
from handlers import forms
from handlers.callbacks import pattern
from handlers.card import current_member
from handlers.common import Turn, turn_handler
from handlers.surveys import answer_texts
from handlers.surveys.answer_texts import refusal_text

if TYPE_CHECKING:
    from db.models import Survey

FEATURE = "sv"  # sv:rate:<survey id>:<n>, and the dialog's sv:pick/skip/cancel

ERRORS = {
    answer_form.NPS_RANGE: N_("Please choose a number from 0 to 10."),
}


async def nps_screen(turn: Turn, outcome: Outcome) -> str:
    score = int(outcome.data["satisfaction"])
    return "\n".join(
        [
            turn._("Your rating: {rating}", rating=rating_label(score)),
            turn._(
                "How likely are you to recommend us to a friend? 0 = not at all, "
                "10 = extremely likely."
            ),
        ]
    )


async def reasons_screen(turn: Turn, outcome: Outcome) -> str:
    return turn._(
        "We are sorry it was not as it should be. What went wrong? Tap all that apply, then Done."
    )


async def comment_screen(turn: Turn, outcome: Outcome) -> str:
    if outcome.data.get("low"):
        return turn._("Tell us in a few words what happened, or skip.")
    return turn._("Anything else you would like to tell us? Type it, or skip.")


def reasons_keyboard(turn: Turn, ui: forms.FormUI, outcome: Outcome) -> list[list[tuple[str, str]]]:
    """The reasons two a row, ✓ on the ticked ones, then Done."""
    chosen = set(outcome.data.get(answer_form.CHOSEN) or [])
    buttons = []
    for value in outcome.choices:
        if value == answer_form.DONE:
            continue
        name = turn._(REASONS[value])
        buttons.append(
            (f"✓ {name}" if value in chosen else name, forms.pick_data(ui, outcome, value))
        )
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(turn._("Done"), forms.pick_data(ui, outcome, answer_form.DONE))])
    return rows


def nps_keyboard(turn: Turn, ui: forms.FormUI, outcome: Outcome) -> list[list[tuple[str, str]]]:
    """0–10 in two rows (six and five): every number readable on a phone."""
    buttons = [(value, forms.pick_data(ui, outcome, value)) for value in outcome.choices]
    return [buttons[:6], buttons[6:]]


async def done(turn: Turn, outcome: Outcome) -> None:
    result: Saved | SurveyRefused = outcome.result
    if isinstance(result, SurveyRefused):
        lines = [refusal_text(turn.t, result.code)]
        if result.code == Refusal.DONE and result.survey is not None:
            lines.append(answer_texts.given(turn.t, result.survey))
        turn.reply("\n".join(lines))
        return
    if result.ticket is None:
        turn.reply(turn._("Thank you for your answer! It helps us serve you better."))
        return
    hours = turn.t.number(turn.store.policy.surveys.ticket_hours)
    turn.reply(
        turn._(
            "Thank you for telling us. This is your feedback #{id}: a supervisor will call "
            "you back within {hours} hours to put it right.",
            id=result.ticket.id,
            hours=hours,
        )
    )
    await ticket_notices.post_new(turn.session, turn.services, turn.store, result.ticket)


UI = forms.register(
    forms.FormUI(
        form=answer_form.FORM,
        feature=FEATURE,
        prompts={},
        cancelled=N_("Cancelled; your answer was not kept. Press a rating to start again."),
        done=done,
        errors=ERRORS,
        skip_labels={"comment": N_("Skip")},
        screens={"nps": nps_screen, "reasons": reasons_screen, "comment": comment_screen},
        keyboards={"nps": nps_keyboard, "reasons": reasons_keyboard},
    )
)


async def _refuse(turn: Turn, code: str, survey: Survey | None = None) -> None:
    """Why the press opens nothing, as the press's notice only; a message too where it
    must stay readable: what they answered, or the closed survey's pointer to /feedback."""
    text = refusal_text(turn.t, code)
    turn.callback_notice = text
    if code == Refusal.DONE and survey is not None:
        turn.reply(text + "\n" + answer_texts.given(turn.t, survey))
    elif code == Refusal.EXPIRED:
        turn.reply(text)


async def _begun(turn: Turn, survey_id: int) -> bool:
    """Whether the presser's open dialog is this survey's (its first tap's time is kept
    by `answer_form.begin`, so the answer counts as begun in time)."""
    found = await engine.current(turn.session, turn.user_id)
    return (
        found is not None
        and found[0].name == answer_form.FORM_NAME
        and found[1].data.get("survey") == survey_id
    )


@turn_handler
async def on_rate(turn: Turn) -> None:
    """`sv:rate:<survey id>:<n>`: the dialog with that rating, if the presser's survey
    may be answered now; else why not (answered: what they said)."""
    cb = turn.callback
    member = await current_member(turn)
    if member is None:
        return
    survey_id = cb.id(0) if cb is not None else None
    rating = cb.number(1) if cb is not None else None
    if survey_id is None:
        await _refuse(turn, Refusal.NOT_YOURS)
        return
    if rating not in SCORES:
        await _refuse(turn, Refusal.SCORE)
        return
    store = turn.store
    try:
        await answer.open_survey(turn.session, store, survey_id, member.id, store.now())
    except SurveyRefused as refused:
        # Begun in time (its dialog is open): `save` still takes it, so they go on.
        if refused.code != Refusal.EXPIRED or not await _begun(turn, survey_id):
            await _refuse(turn, refused.code, refused.survey)
            return
    ctx = await forms.context(turn, UI)
    outcome = await answer_form.begin(ctx, survey_id, member.id, int(rating))
    await forms.show(turn, UI, outcome)


def build_handlers() -> list[BaseHandler]:
    return [
        forms.button_handler(FEATURE),
        CallbackQueryHandler(on_rate, pattern=pattern(FEATURE, "rate")),
    ]
