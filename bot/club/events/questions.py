"""Owners' questions from their evaluations, and what staff read of an event's
evaluations: the list (unanswered first, oldest first), an event's ratings, answering
once (a conditional UPDATE: of two staff members answering, one wins and the other is
told who did), and flagging those unanswered past `[events].answer_hours` once (a
conditional UPDATE too, safe on several instances)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Row, Select, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.events.rules import RATINGS, overdue_if_asked_by
from bot.club.staff import audit, names
from bot.club.stores.context import StoreContext
from db.models import Event, EventFeedback, Member

ANSWER_ACTION = "event.answer"
LONGEST_ANSWER = 2000


class Refusal(StrEnum):
    UNKNOWN = "question_unknown"  # no such question in this store (a forged button)
    EMPTY = "question_answer_empty"
    TOO_LONG = "question_answer_too_long"


class QuestionRefused(Exception):
    def __init__(self, code: Refusal) -> None:
        super().__init__(str(code))
        self.code = code


@dataclass(frozen=True)
class Item:
    """One evaluation with its event and owner."""

    feedback: EventFeedback
    event: Event
    member: Member


@dataclass(frozen=True)
class Ratings:
    count: int
    average: float | None  # None: no rating yet
    stars: dict[int, int] = field(default_factory=dict)  # rating → how many, 1..5


@dataclass(frozen=True)
class Answered:
    item: Item
    again: bool = False  # someone answered it first: that answer, unchanged


def _items(rows: Sequence[Row[tuple[EventFeedback, Event, Member]]]) -> list[Item]:
    return [Item(fb, ev, m) for fb, ev, m in rows]


def _joined() -> Select[tuple[EventFeedback, Event, Member]]:
    """Evaluations with their event and owner, read afresh."""
    return (
        select(EventFeedback, Event, Member)
        .join(Event, Event.id == EventFeedback.event_id)
        .join(Member, Member.id == EventFeedback.member_id)
        .execution_options(populate_existing=True)
    )


OPEN = EventFeedback.answered_at.is_(None)
ASKED = EventFeedback.question.is_not(None)


async def listing(
    session: AsyncSession, store_id: int, offset: int, limit: int, event_id: int | None = None
) -> tuple[list[Item], int]:
    """A page of the store's questions (with `event_id`: that event's evaluations that
    say something), unanswered first and oldest first, then the answered, latest
    answer first; and how many there are in all."""
    where = [EventFeedback.store_id == store_id]
    if event_id is None:
        where.append(ASKED)
    else:
        where += [
            EventFeedback.event_id == event_id,
            ASKED | EventFeedback.useful.is_not(None),
        ]
    waiting = ASKED & OPEN
    rows = await session.execute(
        _joined()
        .where(*where)
        .order_by(
            case((waiting, 0), else_=1),
            case((waiting, EventFeedback.asked_at), else_=None),
            case((EventFeedback.answered_at.is_(None), 1), else_=0),  # NULLs last everywhere
            EventFeedback.answered_at.desc(),
            EventFeedback.created_at,
            EventFeedback.id,
        )
        .offset(offset)
        .limit(limit)
    )
    total = await session.scalar(select(func.count(EventFeedback.id)).where(*where))
    return _items(rows.all()), int(total or 0)


async def ratings(session: AsyncSession, store_id: int, event_id: int) -> Ratings:
    rows = (
        await session.execute(
            select(EventFeedback.rating, func.count(EventFeedback.id))
            .where(EventFeedback.store_id == store_id, EventFeedback.event_id == event_id)
            .group_by(EventFeedback.rating)
        )
    ).all()
    stars = dict.fromkeys(RATINGS, 0)
    for rating, count in rows:
        stars[int(rating)] = int(count)
    count = sum(stars.values())
    average = sum(n * c for n, c in stars.items()) / count if count else None
    return Ratings(count, average, stars)


async def find(session: AsyncSession, store_id: int, feedback_id: int) -> Item | None:
    """The store's question `feedback_id` (None: unknown, or an evaluation without one)."""
    row = (
        await session.execute(
            _joined().where(
                EventFeedback.id == feedback_id, EventFeedback.store_id == store_id, ASKED
            )
        )
    ).first()
    return None if row is None else Item(row[0], row[1], row[2])


def clean_answer(text: str | None) -> str:
    """The typed answer as kept; raises `QuestionRefused` when empty or too long."""
    text = (text or "").strip()
    if not text:
        raise QuestionRefused(Refusal.EMPTY)
    if len(text) > LONGEST_ANSWER:
        raise QuestionRefused(Refusal.TOO_LONG)
    return text


async def answer(
    session: AsyncSession,
    store_id: int,
    feedback_id: int,
    staff_user: int,
    staff_name: str | None,
    text: str,
    now: datetime,
) -> Answered:
    """Answer the question once: of two staff members answering it, the first keeps
    theirs and the second gets it back (`again`). The caller tells the owner."""
    text = clean_answer(text)
    won = (
        await session.execute(
            update(EventFeedback)
            .where(
                EventFeedback.id == feedback_id,
                EventFeedback.store_id == store_id,
                ASKED,
                OPEN,
            )
            .values(
                answer=text,
                answered_at=now,
                answered_by=staff_user,
                answered_by_name=staff_name[:64] if staff_name else None,
            )
            .returning(EventFeedback.id)
            .execution_options(synchronize_session=False)
        )
    ).first()
    item = await find(session, store_id, feedback_id)
    if item is None:
        raise QuestionRefused(Refusal.UNKNOWN)
    if won is None:
        return Answered(item, again=True)
    audit.record(session, store_id, staff_user, ANSWER_ACTION, f"feedback:{feedback_id}")
    return Answered(item)


async def answerer_name(
    session: AsyncSession, store_id: int, feedback: EventFeedback
) -> str | None:
    """What colleagues call whoever answered: their Telegram name when they answered,
    else their member name, else None."""
    if feedback.answered_by is None:
        return None
    return feedback.answered_by_name or await names.staff_name(
        session, store_id, feedback.answered_by
    )


async def overdue(
    session: AsyncSession, store: StoreContext, now: datetime, limit: int = 30
) -> tuple[list[Item], int]:
    """The questions still unanswered past the policy's hours, oldest first (at most
    `limit`), and how many there are."""
    where = (
        EventFeedback.store_id == store.id,
        ASKED,
        OPEN,
        EventFeedback.asked_at <= overdue_if_asked_by(store.policy.events, now),
    )
    rows = await session.execute(
        _joined().where(*where).order_by(EventFeedback.asked_at, EventFeedback.id).limit(limit)
    )
    total = await session.scalar(select(func.count(EventFeedback.id)).where(*where))
    return _items(rows.all()), int(total or 0)


async def flag_overdue(session: AsyncSession, store: StoreContext, now: datetime) -> list[Item]:
    """Mark every question unanswered past the policy's hours and not flagged yet; the
    ones marked now. One conditional UPDATE: of two instances ticking at once, each
    question is marked (and so posted) by one only."""
    marked = (
        await session.execute(
            update(EventFeedback)
            .where(
                EventFeedback.store_id == store.id,
                ASKED,
                OPEN,
                EventFeedback.flagged_at.is_(None),
                EventFeedback.asked_at <= overdue_if_asked_by(store.policy.events, now),
            )
            .values(flagged_at=now)
            .returning(EventFeedback.id)
            .execution_options(synchronize_session=False)
        )
    ).scalars()
    ids = sorted(marked)
    if not ids:
        return []
    rows = await session.execute(
        _joined().where(EventFeedback.id.in_(ids)).order_by(EventFeedback.asked_at)
    )
    return _items(rows.all())
