"""The dialogs about an evaluation: the owner's, and a staff member's answer to its question.

The evaluation dialog: opened by a rating button on the evaluation push (the rating
preset), it asks what was useful and a question for the staff (both may be skipped),
then keeps the evaluation. Declared to the form engine, so a double tap is stale, the
dialog survives a restart and /cancel works as for every form.

Preset: `signup`, `member`, `rating`, and `title` (the event's, for the prompts).

The answer dialog ("evanswer"): one step, the answer typed by a staff member to the
question of evaluation `feedback` (preset); kept once (`questions.answer`). Its
caller's `extra` gives `staff_name`, the Telegram name colleagues know them by.
"""

from __future__ import annotations

from typing import Any

from bot.club.events import evaluate, questions
from bot.club.events.evaluate import EvaluationRefused, Saved
from bot.club.events.questions import Answered, QuestionRefused
from bot.club.forms import engine
from bot.club.forms.engine import Context, Form, Outcome, Rejected, Reply, Step
from bot.club.forms.steps import text_parser

FORM_NAME = "evaluate"
ANSWER_FORM_NAME = "evanswer"


async def _complete(ctx: Context) -> Saved | EvaluationRefused:
    """Keep the evaluation; a refusal (closed meanwhile) ends the dialog with its reason."""
    assert ctx.store is not None, "the evaluation runs for a store"
    data = ctx.data
    try:
        return await evaluate.save(
            ctx.session,
            ctx.store,
            int(data["signup"]),
            int(data["member"]),
            int(data["rating"]),
            data.get("useful"),
            data.get("question"),
            ctx.now,
        )
    except EvaluationRefused as refused:
        return refused


FORM = Form(
    FORM_NAME,
    (
        Step("useful", text_parser("useful", evaluate.LONGEST), skippable=True),
        Step("question", text_parser("question", evaluate.LONGEST), skippable=True),
    ),
    complete=_complete,
)


async def begin(ctx: Context, found: evaluate.Evaluable, rating: int, title: str) -> Outcome:
    """Open the dialog for an evaluable sign-up with the pressed rating (a second press
    starts it afresh with the new rating)."""
    preset = {
        "signup": found.signup.id,
        "member": found.signup.member_id,
        "rating": rating,
        "title": title,
    }
    return await engine.begin(FORM, ctx, preset)


async def _answer_text(reply: Reply, ctx: Context) -> dict[str, Any]:
    try:
        return {"answer": questions.clean_answer(reply.value)}
    except QuestionRefused as refused:
        raise Rejected(refused.code) from refused


async def _answered(ctx: Context) -> Answered | QuestionRefused:
    """Keep the answer once; a colleague's earlier answer comes back (`again`)."""
    data = ctx.data
    try:
        return await questions.answer(
            ctx.session,
            ctx.store_id,
            int(data["feedback"]),
            ctx.user_id,
            ctx.extra.get("staff_name"),
            str(data["answer"]),
            ctx.now,
        )
    except QuestionRefused as refused:
        return refused


ANSWER_FORM = Form(ANSWER_FORM_NAME, (Step("answer", _answer_text),), complete=_answered)


async def begin_answer(ctx: Context, feedback_id: int) -> Outcome:
    return await engine.begin(ANSWER_FORM, ctx, {"feedback": feedback_id})
