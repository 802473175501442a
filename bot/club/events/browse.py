"""What owners read about events: the upcoming ones with their own sign-up beside each,
and one event's card. Reads only; the seats move in `bot.club.events.signup`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.club.events.rules import ACTIVE, EventStatus, Status
from db.models import Event, EventSignup


@dataclass(frozen=True)
class Seen:
    """An event as one owner sees it: their sign-up (None: none, or not a member) and,
    when they wait, their place on the waitlist (1: next)."""

    event: Event
    signup: EventSignup | None = None
    place: int | None = None

    @property
    def status(self) -> str | None:
        """Their sign-up's status while it holds or waits for a place, else None."""
        if self.signup is None or self.signup.status not in ACTIVE:
            return None
        return self.signup.status


def _place_of(mine: type[EventSignup]):
    """Their waitlist place, counted in the same statement (NULL unless waiting)."""
    ahead = aliased(EventSignup)
    count = (
        select(func.count())
        .where(
            ahead.event_id == mine.event_id,
            ahead.status == Status.WAITING,
            ahead.queue_no < mine.queue_no,
        )
        .correlate(mine)
        .scalar_subquery()
    )
    return count + 1


def _visible(store_id: int, now: datetime) -> list:
    return [
        Event.store_id == store_id,
        Event.status == EventStatus.PUBLISHED,
        Event.starts_at > now,
    ]


async def upcoming(
    session: AsyncSession,
    store_id: int,
    member_id: int | None,
    now: datetime,
    offset: int,
    limit: int,
) -> tuple[list[Seen], int]:
    """A page of the store's published events still to come, soonest first, each with
    the member's sign-up and waitlist place (one statement), and how many there are."""
    mine = aliased(EventSignup)
    joined = and_(mine.event_id == Event.id, mine.member_id == (member_id or 0))
    rows = (
        await session.execute(
            select(Event, mine, _place_of(mine))
            .outerjoin(mine, joined)
            .where(*_visible(store_id, now))
            .order_by(Event.starts_at, Event.id)
            .offset(offset)
            .limit(limit)
        )
    ).all()
    total = await session.scalar(select(func.count(Event.id)).where(*_visible(store_id, now)))
    return [_seen(event, signup, place) for event, signup, place in rows], int(total or 0)


async def card(
    session: AsyncSession, store_id: int, event_id: int, member_id: int | None
) -> Seen | None:
    """One event of the store (any status: the caller says what a draft or a cancelled
    one means) with the member's sign-up; None when there is no such event here."""
    mine = aliased(EventSignup)
    joined = and_(mine.event_id == Event.id, mine.member_id == (member_id or 0))
    row = (
        await session.execute(
            select(Event, mine, _place_of(mine))
            .outerjoin(mine, joined)
            .where(Event.id == event_id, Event.store_id == store_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    return None if row is None else _seen(row[0], row[1], row[2])


def _seen(event: Event, signup: EventSignup | None, place: int | None) -> Seen:
    waiting = signup is not None and signup.status == Status.WAITING
    return Seen(event, signup, int(place) if waiting and place is not None else None)
