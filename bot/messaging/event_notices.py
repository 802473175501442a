"""What events tell people unasked, written in the reader's language when queued: a new
question to the staff group, the answer to an owner's question, and the questions left
unanswered past the policy's hours, flagged to the staff group and the managers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common.localized import text_in
from bot.club.events import questions
from bot.club.events.evaluate import Saved
from bot.club.events.questions import Answered, Item
from bot.club.events.rules import answer_due
from bot.club.members.lookup import chosen_locale
from bot.club.stores.context import StoreContext
from bot.i18n import Translator
from bot.messaging.notify import managers as notify_managers
from bot.messaging.notify import notify_member, queue_staff_post, staff_notice

if TYPE_CHECKING:
    from bot.services import Services


def _title(t: Translator, item: Item) -> str:
    return text_in(item.event.titles, t.locale)


def overdue_text(t: Translator, store: StoreContext, item: Item) -> str:
    """One flagged question, for the staff group or a manager."""
    fb = item.feedback
    assert fb.asked_at is not None
    return t.gettext(
        "⚠️ A question unanswered for over {hours} hours (due {due}):\n"
        "{name} about {event}, asked {asked}:\n“{question}”\nAnswer it with /questions.",
        hours=t.number(store.policy.events.answer_hours),
        due=t.datetime(answer_due(store.policy.events, fb.asked_at)),
        name=item.member.name,
        event=_title(t, item),
        asked=t.datetime(fb.asked_at),
        question=fb.question or "",
    )


async def flag_overdue_questions(
    session: AsyncSession, services: Services, store: StoreContext, now: datetime
) -> int:
    """Flag each question unanswered past `[events].answer_hours` once, to the staff
    group and to each manager in private, in the flag's own transaction (marked and
    posted together, or neither); how many were flagged now."""
    flagged = await questions.flag_overdue(session, store, now)
    if not flagged:
        return 0
    managers = await notify_managers(session, services, store)
    locales = {
        uid: await chosen_locale(session, store.id, uid) or store.default_locale for uid in managers
    }
    for item in flagged:
        await staff_notice(
            session, services, lambda t, item=item: overdue_text(t, store, item), store=store
        )
        for uid in managers:
            t = services.translator(locales[uid], store)
            await queue_staff_post(
                session,
                services,
                chat_id=uid,
                text=overdue_text(t, store, item),
                key=f"evq-late:{item.feedback.id}:{uid}",
                store_id=store.id,
            )
    return len(flagged)


async def tell_question(
    session: AsyncSession, services: Services, store: StoreContext, saved: Saved, name: str
) -> bool:
    """A new question from an evaluation, to the staff group (due by the policy's hours)."""
    fb = saved.feedback
    if fb.question is None or fb.asked_at is None:
        return False
    asked_at, question, titles = fb.asked_at, fb.question, saved.event.titles
    return await staff_notice(
        session,
        services,
        lambda t: t.gettext(
            "❓ {name} asked about {event}:\n“{question}”\nPlease answer by {due} with /questions.",
            name=name,
            event=text_in(titles, t.locale),
            question=question,
            due=t.datetime(answer_due(store.policy.events, asked_at)),
        ),
        store=store,
    )


async def deliver_answer(session: AsyncSession, services: Services, answered: Answered) -> bool:
    """The owner receives their question and its answer, in their language, once."""
    item = answered.item
    fb = item.feedback

    def render(t: Translator) -> str:
        return t.gettext(
            "You asked about {event}:\n“{question}”\n\nOur answer:\n{answer}",
            event=_title(t, item),
            question=fb.question or "",
            answer=fb.answer or "",
        )

    return await notify_member(session, services, item.member, render, key=f"evq:{fb.id}")
