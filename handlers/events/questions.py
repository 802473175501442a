"""/questions for the event desk: owners' questions from their evaluations, unanswered
first (oldest first, each with its due time against `[events].answer_hours`), each with
Answer; `/questions <event id>`: that event's ratings, what owners found useful and its
questions with their answers. Paged.

Buttons: `evq:page:<page>`, `evq:event:<event id>:<page>`, `evq:answer:<feedback id>`
(a one-step dialog, "evanswer": the answer is typed, kept once, and the owner receives
question and answer in their language through the outbox).
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.common.numbers import page_count, parse_id
from bot.club.events import evaluate_form, manage, questions
from bot.club.events.questions import Answered, Item, QuestionRefused, Refusal
from bot.club.forms.engine import Outcome
from bot.club.staff.roles import Permission
from bot.i18n import N_
from bot.messaging.event_notices import deliver_answer
from handlers import forms
from handlers.callbacks import encode, pattern
from handlers.common import Markup, Turn, inline, staff_only, turn_handler
from handlers.events.question_texts import item_lines, ratings_text
from handlers.events.texts import title
from handlers.paging import page_row

FEATURE = "evq"
PAGE = 4  # evaluations per message: 4 of at most ~800 characters fit one message
LAST_PAGE = 10_000  # a forged page number is clamped to the last page anyway

ERRORS = {
    Refusal.UNKNOWN: N_("That question does not exist (any more)."),
    Refusal.EMPTY: N_("Please type the answer as text."),
    Refusal.TOO_LONG: N_("Please keep the answer under 2,000 characters."),
}


def error(turn: Turn, code: str) -> str:
    return turn._(ERRORS.get(code, ERRORS[Refusal.UNKNOWN]))


async def _by(turn: Turn, item: Item) -> str | None:
    if item.feedback.answered_by == turn.user_id:
        return turn._("you")
    return await questions.answerer_name(turn.session, turn.store.id, item.feedback)


async def _page(turn: Turn, page: int, event_id: int | None) -> tuple[list[Item], int, int]:
    """The items of `page` (clamped to the last), that page, and how many pages."""
    offset = page * PAGE
    items, total = await questions.listing(turn.session, turn.store.id, offset, PAGE, event_id)
    pages = page_count(total, PAGE)
    if page >= pages:
        page = pages - 1
        items, _ = await questions.listing(turn.session, turn.store.id, page * PAGE, PAGE, event_id)
    return items, page, pages


def _keyboard(
    turn: Turn, items: list[Item], page: int, pages: int, event_id: int | None
) -> Markup | None:
    """Answer for each unanswered question shown; Previous and Next."""
    rows = [
        [(turn._("Answer #{id}", id=it.feedback.id), encode(FEATURE, "answer", it.feedback.id))]
        for it in items
        if it.feedback.question and it.feedback.answered_at is None
    ]

    def to(n: int) -> str:
        if event_id is None:
            return encode(FEATURE, "page", n)
        return encode(FEATURE, "event", event_id, n)

    moves = page_row(page, pages, turn._("◀ Previous"), turn._("Next ▶"), to)
    if moves:
        rows.append(moves)
    return inline(rows) if rows else None


async def _items_text(turn: Turn, items: list[Item], in_event: bool) -> list[str]:
    policy, now = turn.store.policy.events, turn.store.now()
    blocks = []
    for it in items:
        by = await _by(turn, it) if it.feedback.answered_at is not None else None
        blocks.append("\n".join(item_lines(turn.t, policy, it, now, by, in_event=in_event)))
    return blocks


async def show_questions(turn: Turn, page: int) -> None:
    items, page, pages = await _page(turn, page, None)
    if not items:
        turn.replace(turn._("No owner has asked a question yet."))
        return
    head = turn._(
        "Owners' questions, unanswered first (page {page}/{pages}):", page=page + 1, pages=pages
    )
    text = "\n\n".join([head, *await _items_text(turn, items, False)])
    turn.replace(text, _keyboard(turn, items, page, pages, None))


async def show_event(turn: Turn, event_id: int, page: int) -> None:
    event = await manage.event_of(turn.session, turn.store.id, event_id)
    if event is None:
        turn.replace(turn._("No event #{id} in this store.", id=event_id))
        return
    ratings = await questions.ratings(turn.session, turn.store.id, event.id)
    items, page, pages = await _page(turn, page, event.id)
    head = [
        f"#{event.id} {title(turn.t, event)} · {turn.t.date(event.starts_at)}",
        ratings_text(turn.t, ratings),
    ]
    if items:
        head.append(turn._("What owners said (page {page}/{pages}):", page=page + 1, pages=pages))
    elif ratings.count:
        head.append(turn._("Nobody wrote a comment or a question."))
    text = "\n\n".join(["\n".join(head), *await _items_text(turn, items, True)])
    turn.replace(text, _keyboard(turn, items, page, pages, event.id))


@turn_handler
@staff_only(Permission.RUN_EVENTS)
async def on_questions(turn: Turn) -> None:
    if not turn.args:
        await show_questions(turn, 0)
        return
    event_id = parse_id(turn.args[0].lstrip("#"))
    if event_id is None or len(turn.args) > 1:
        turn.reply(turn._("Usage: /questions, or /questions <event number> for one event."))
        return
    await show_event(turn, event_id, 0)


def answered_text(turn: Turn, item: Item, by: str | None) -> str:
    fb = item.feedback
    assert fb.answered_at is not None
    return turn._(
        "That question was answered already by {who} on {when}:\n{answer}",
        who=by or turn._("staff member {id}", id=fb.answered_by or "—"),
        when=turn.t.datetime(fb.answered_at),
        answer=fb.answer or "",
    )


async def _answer(turn: Turn, feedback_id: int | None) -> None:
    item = await questions.find(turn.session, turn.store.id, feedback_id) if feedback_id else None
    if item is None:
        turn.callback_notice = error(turn, Refusal.UNKNOWN)
        return
    if item.feedback.answered_at is not None:
        turn.reply(answered_text(turn, item, await _by(turn, item)))
        return
    ctx = await forms.context(turn, ANSWER_UI)
    outcome = await evaluate_form.begin_answer(ctx, item.feedback.id)
    await forms.show(turn, ANSWER_UI, outcome)


@turn_handler
@staff_only(Permission.RUN_EVENTS)
async def on_button(turn: Turn) -> None:
    cb = turn.callback
    if cb is None:
        return
    if cb.action == "answer":
        await _answer(turn, cb.id(0))
    elif cb.action == "page":
        await show_questions(turn, min(cb.number(0) or 0, LAST_PAGE))
    else:
        event_id = cb.id(0)
        if event_id is None:
            turn.callback_notice = turn._("That button is no longer active.")
            return
        await show_event(turn, event_id, min(cb.number(1) or 0, LAST_PAGE))


async def answer_screen(turn: Turn, outcome: Outcome) -> str:
    item = await questions.find(turn.session, turn.store.id, int(outcome.data["feedback"]))
    if item is None:
        return error(turn, Refusal.UNKNOWN)
    return turn._(
        "{name} asked about {event}:\n“{question}”\n\nType your answer; the owner receives "
        "it here in chat.",
        name=item.member.name,
        event=title(turn.t, item.event),
        question=item.feedback.question or "",
    )


async def answer_done(turn: Turn, outcome: Outcome) -> None:
    result: Answered | QuestionRefused = outcome.result
    if isinstance(result, QuestionRefused):
        turn.reply(error(turn, result.code))
        return
    if result.again:
        turn.reply(answered_text(turn, result.item, await _by(turn, result.item)))
        return
    sent = await deliver_answer(turn.session, turn.services, result)
    name = result.item.member.name
    if sent:
        turn.reply(turn._("Answered. {name} receives your answer now.", name=name))
    else:
        turn.reply(
            turn._("Answered, but {name} cannot be reached in chat; please call.", name=name)
        )


async def _extra(turn: Turn) -> dict[str, object]:
    return {"staff_name": turn.user_name}


ANSWER_UI = forms.register(
    forms.FormUI(
        form=evaluate_form.ANSWER_FORM,
        feature=FEATURE,
        prompts={},
        cancelled=N_("Cancelled; the question is still waiting for an answer."),
        done=answer_done,
        errors=ERRORS,
        permission=Permission.RUN_EVENTS,
        extra=_extra,
        screens={"answer": answer_screen},
        cancel_on=frozenset({"answer"}),
    )
)


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("questions", on_questions, filters=filters.ChatType.PRIVATE),
        forms.button_handler(FEATURE),
        CallbackQueryHandler(on_button, pattern=pattern(FEATURE, "answer", "page", "event")),
    ]
