"""An owner's evaluation of an event they attended: a rating 1–5, what was useful and a
question for the staff. Who may evaluate and until when are plain functions; the write
is one insert that a unique key (one evaluation per owner and event) makes happen once,
however many taps race."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.events.checkin import anyone_checked_in
from bot.club.events.rules import RATINGS, EventStatus, Status, evaluation_closes
from bot.club.policy.events import EventPolicy
from bot.club.stores.context import StoreContext
from db.models import Event, EventFeedback, EventSignup
from db.writes import insert_once

LONGEST = 1000  # the longest "useful" or question kept (the columns' size)


class Refusal(StrEnum):
    """Why an evaluation is not taken; each has an owner-facing text."""

    NOT_YOURS = "eval_not_yours"  # no such sign-up of this owner (a forged or passed-on button)
    NOT_ATTENDED = "eval_not_attended"  # cancelled, on the waitlist, or not checked in
    NOT_YET = "eval_not_yet"  # the event has not ended
    CLOSED = "eval_closed"  # past `[events].evaluation_days` after the end
    DONE = "eval_done"  # this owner evaluated the event already
    RATING = "eval_rating"  # not a rating 1–5 (a forged button)


class EvaluationRefused(Exception):
    def __init__(self, code: Refusal, event: Event | None = None) -> None:
        super().__init__(str(code))
        self.code, self.event = code, event


def attended(signup: EventSignup, event: Event, anyone_checked_in: bool) -> bool:
    """Whether the sign-up counts as having been there: checked in; or, where staff
    checked nobody in (no list was kept), any seat still held at the end."""
    if event.status != EventStatus.PUBLISHED or signup.status != Status.GOING:
        return False
    return signup.checked_in_at is not None or not anyone_checked_in


def refusal(
    policy: EventPolicy,
    event: Event,
    signup: EventSignup,
    anyone_checked_in: bool,
    evaluated: bool,
    now: datetime,
) -> Refusal | None:
    """Why the owner of `signup` may not evaluate `event` now, or None. A second
    evaluation is told first (it says thanks), then who was not there, then the time."""
    if evaluated:
        return Refusal.DONE
    if not attended(signup, event, anyone_checked_in):
        return Refusal.NOT_ATTENDED
    if now < event.ends_at:
        return Refusal.NOT_YET
    if now >= evaluation_closes(policy, event):
        return Refusal.CLOSED
    return None


def clean_text(text: str | None) -> str | None:
    """A typed answer as kept: trimmed, None when empty."""
    text = (text or "").strip()
    return text or None


@dataclass(frozen=True)
class Evaluable:
    signup: EventSignup
    event: Event


@dataclass(frozen=True)
class Saved:
    feedback: EventFeedback
    event: Event
    again: bool = False  # evaluated before: that evaluation, unchanged


async def _evaluated(session: AsyncSession, event_id: int, member_id: int) -> EventFeedback | None:
    return await session.scalar(
        select(EventFeedback)
        .where(EventFeedback.event_id == event_id, EventFeedback.member_id == member_id)
        .execution_options(populate_existing=True)
    )


async def evaluable(
    session: AsyncSession, store: StoreContext, signup_id: int, member_id: int, now: datetime
) -> Evaluable:
    """The owner's sign-up and its event, if they may evaluate it now; else raises
    `EvaluationRefused` (DONE when they have already)."""
    row = (
        await session.execute(
            select(EventSignup, Event)
            .join(Event, Event.id == EventSignup.event_id)
            .where(
                EventSignup.id == signup_id,
                EventSignup.store_id == store.id,
                EventSignup.member_id == member_id,
            )
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise EvaluationRefused(Refusal.NOT_YOURS)
    signup, event = row
    evaluated = await _evaluated(session, event.id, member_id) is not None
    checked = await anyone_checked_in(session, event.id)
    reason = refusal(store.policy.events, event, signup, checked, evaluated, now)
    if reason is not None:
        raise EvaluationRefused(reason, event)
    return Evaluable(signup, event)


async def save(
    session: AsyncSession,
    store: StoreContext,
    signup_id: int,
    member_id: int,
    rating: int,
    useful: str | None,
    question: str | None,
    now: datetime,
) -> Saved:
    """Keep the owner's evaluation (checked again: the form may have stayed open past
    the deadline). Two racing saves write one row; the other gets it back (`again`)."""
    if rating not in RATINGS:
        raise EvaluationRefused(Refusal.RATING)
    try:
        found = await evaluable(session, store, signup_id, member_id, now)
    except EvaluationRefused as refused:
        if refused.code != Refusal.DONE or refused.event is None:
            raise
        kept = await _evaluated(session, refused.event.id, member_id)
        assert kept is not None
        return Saved(kept, refused.event, again=True)
    useful, question = clean_text(useful), clean_text(question)
    new = await insert_once(
        session,
        EventFeedback,
        {
            "store_id": store.id,
            "event_id": found.event.id,
            "member_id": member_id,
            "rating": rating,
            "useful": useful[:LONGEST] if useful else None,
            "question": question[:LONGEST] if question else None,
            "asked_at": now if question else None,
            "created_at": now,
        },
    )
    kept = await _evaluated(session, found.event.id, member_id)
    assert kept is not None
    return Saved(kept, found.event, again=new is None)
