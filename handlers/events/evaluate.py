"""The evaluation form in chat: a rating button on the evaluation push
(`eva:rate:<signup id>:<1-5>`) opens the dialog with that rating; the owner says what
was useful and may ask the staff a question (both skippable), then it is kept once. A
question goes to the staff group at once (answered with /questions)."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.club.events import evaluate, evaluate_form
from bot.club.events.evaluate import EvaluationRefused, Refusal, Saved
from bot.club.events.rules import RATINGS
from bot.club.forms.engine import Outcome
from bot.i18n import N_
from bot.messaging.event_notices import tell_question
from handlers import forms
from handlers.callbacks import pattern
from handlers.card import current_member
from handlers.common import Turn, turn_handler
from handlers.events.question_texts import stars
from handlers.events.texts import title

FEATURE = "eva"  # eva:rate:<signup id>:<n>, and the dialog's eva:skip/pick/cancel

REFUSALS = {
    Refusal.NOT_YOURS: N_("That evaluation is not one of yours."),
    Refusal.NOT_ATTENDED: N_("Only owners who attended the event can evaluate it."),
    Refusal.NOT_YET: N_("You can evaluate the event once it is over."),
    Refusal.CLOSED: N_("Sorry, the evaluation of this event has closed."),
    Refusal.DONE: N_("Thank you, we have your evaluation already."),
    Refusal.RATING: N_("Please choose a rating from 1 to 5."),
}


def refusal_text(turn: Turn, code: str) -> str:
    return turn._(REFUSALS.get(code, REFUSALS[Refusal.NOT_YOURS]))


async def useful_screen(turn: Turn, outcome: Outcome) -> str:
    data = outcome.data
    return "\n".join(
        [
            str(data.get("title") or ""),
            turn._("Your rating: {stars}", stars=stars(int(data["rating"]))),
            turn._("What was useful to you? Type a few words, or skip."),
        ]
    )


async def question_screen(turn: Turn, outcome: Outcome) -> str:
    return turn._(
        "Do you have a question for our staff? Type it and we will answer within "
        "{hours} hours, or skip.",
        hours=turn.t.number(turn.store.policy.events.answer_hours),
    )


async def done(turn: Turn, outcome: Outcome) -> None:
    result: Saved | EvaluationRefused = outcome.result
    if isinstance(result, EvaluationRefused):
        turn.reply(refusal_text(turn, result.code))
        return
    if result.again:
        turn.reply(refusal_text(turn, Refusal.DONE))
        return
    lines = [turn._("Thank you for your evaluation!")]
    if result.feedback.question:
        hours = turn.t.number(turn.store.policy.events.answer_hours)
        lines.append(turn._("We will answer your question here within {hours} hours.", hours=hours))
        member = await current_member(turn)
        name = member.name if member is not None else ""
        await tell_question(turn.session, turn.services, turn.store, result, name)
    turn.reply("\n".join(lines))


UI = forms.register(
    forms.FormUI(
        form=evaluate_form.FORM,
        feature=FEATURE,
        prompts={},
        cancelled=N_("Cancelled; your evaluation was not kept. Press a rating to start again."),
        done=done,
        skip_labels={"useful": N_("Skip"), "question": N_("No question")},
        screens={"useful": useful_screen, "question": question_screen},
    )
)


@turn_handler
async def on_rate(turn: Turn) -> None:
    """`eva:rate:<signup id>:<n>`: the dialog with that rating, if the presser may
    evaluate that sign-up's event now."""
    cb = turn.callback
    member = await current_member(turn)
    if member is None:
        return
    signup_id = cb.id(0) if cb is not None else None
    rating = cb.number(1) if cb is not None else None
    refused: str | None = None
    if signup_id is None:
        refused = Refusal.NOT_YOURS
    elif rating not in RATINGS:
        refused = Refusal.RATING
    if refused is None and signup_id is not None and rating is not None:
        store = turn.store
        try:
            found = await evaluate.evaluable(turn.session, store, signup_id, member.id, store.now())
        except EvaluationRefused as exc:
            refused = exc.code
        else:
            ctx = await forms.context(turn, UI)
            outcome = await evaluate_form.begin(ctx, found, rating, title(turn.t, found.event))
            await forms.show(turn, UI, outcome)
            return
    turn.callback_notice = refusal_text(turn, str(refused))
    turn.reply(refusal_text(turn, str(refused)))


def build_handlers() -> list[BaseHandler]:
    return [
        forms.button_handler(FEATURE),
        CallbackQueryHandler(on_rate, pattern=pattern(FEATURE, "rate")),
    ]
