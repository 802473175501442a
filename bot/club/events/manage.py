"""Staff run events: create one (a draft, or published at once), publish a draft, move
its time or place, set its seats, call it off. Every change writes an audit row (no
personal data) and returns what the caller needs to tell owners; the texts are the
handlers'.

A change of time or place bumps `event.version`: the reminders and evaluations queued
for the old time carry the old version in their key, so they are called off here and
never sent, and each seat's pushes are queued again for the new time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.events import signup
from bot.club.events.rules import ACTIVE, EventRefused, EventStatus, Status
from bot.club.staff import audit
from bot.club.stores.context import StoreContext
from bot.messaging import event_pushes
from db.models import Event, EventSignup

RECENT = timedelta(days=14)  # the desk still lists events that ended this recently
DESK_SIZE = 20
MOVED = ("starts_at", "ends_at", "place", "latitude", "longitude", "meeting_point")


class Refused(StrEnum):
    """Why a staff change to an event was not made; each has a staff-facing text."""

    UNKNOWN = "event_unknown"
    NOT_DRAFT = "event_not_draft"  # published already (or cancelled)
    CANCELLED = "event_cancelled"  # a cancelled event is never changed again
    STARTED = "event_started"  # it has begun: too late to publish or move it


class ManageRefused(Exception):
    def __init__(self, code: Refused, event: Event | None = None) -> None:
        super().__init__(str(code))
        self.code, self.event = code, event


async def create(
    session: AsyncSession,
    store_id: int,
    actor: int,
    columns: dict[str, Any],
    now: datetime,
    *,
    publish: bool = False,
) -> Event:
    """A new event from the form's columns: a draft, or published at once."""
    status = EventStatus.PUBLISHED if publish else EventStatus.DRAFT
    values = {"descriptions": {}, **columns}
    event = Event(
        store_id=store_id,
        status=status,
        seats_taken=0,
        version=1,
        created_by=actor,
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(event)
    await session.flush()
    audit.record(session, store_id, actor, "event.create", f"event:{event.id}", status=status)
    return event


async def desk_events(
    session: AsyncSession, store_id: int, now: datetime, *, drafts: bool
) -> list[Event]:
    """Upcoming events and those that ended lately, soonest first (drafts for managers)."""
    query = (
        select(Event)
        .where(Event.store_id == store_id, Event.ends_at >= now - RECENT)
        .order_by(Event.starts_at, Event.id)
        .limit(DESK_SIZE)
    )
    if not drafts:
        query = query.where(Event.status != EventStatus.DRAFT)
    return list(await session.scalars(query))


async def event_of(session: AsyncSession, store_id: int, event_id: int) -> Event | None:
    return await session.scalar(
        select(Event)
        .where(Event.id == event_id, Event.store_id == store_id)
        .execution_options(populate_existing=True)
    )


async def _changeable(
    session: AsyncSession, store: StoreContext, event_id: int, now: datetime
) -> Event:
    event = await signup.lock_event(session, store.id, event_id)
    if event is None:
        raise ManageRefused(Refused.UNKNOWN)
    if event.status == EventStatus.CANCELLED:
        raise ManageRefused(Refused.CANCELLED, event)
    if now >= event.starts_at:
        raise ManageRefused(Refused.STARTED, event)
    return event


async def publish(
    session: AsyncSession, store: StoreContext, event_id: int, actor: int, now: datetime
) -> Event:
    """Owners see the draft from now on."""
    event = await _changeable(session, store, event_id, now)
    if event.status != EventStatus.DRAFT:
        raise ManageRefused(Refused.NOT_DRAFT, event)
    event.status, event.updated_at = EventStatus.PUBLISHED, now
    await session.flush()
    audit.record(session, store.id, actor, "event.publish", f"event:{event.id}")
    return event


@dataclass(frozen=True)
class Moved:
    """A change of time or place: the event now, its old values, whom to tell."""

    event: Event
    before: dict[str, Any]
    changed: tuple[str, ...]
    told: list[int] = field(default_factory=list)  # member ids: everyone signed up


def moved_columns(event: Event, columns: dict[str, Any]) -> dict[str, Any]:
    """The time, place and deadline `columns` leave the event with: a new start without a
    new end keeps the length; the deadline (given, or kept) never falls after the start."""
    out = {k: v for k, v in columns.items() if k in MOVED}
    if "starts_at" in out and "ends_at" not in out:
        out["ends_at"] = event.ends_at + (out["starts_at"] - event.starts_at)
    starts = out.get("starts_at", event.starts_at)
    out["signup_until"] = min(columns.get("signup_until") or event.signup_until, starts)
    return out


def as_moved(event: Event, columns: dict[str, Any]) -> Event:
    """The event as `move` would leave it, not stored (the change's summary)."""
    shown = Event(
        kind=event.kind, **{name: getattr(event, name) for name in (*MOVED, "signup_until")}
    )
    for name, value in moved_columns(event, columns).items():
        setattr(shown, name, value)
    return shown


async def move(
    session: AsyncSession,
    store: StoreContext,
    event_id: int,
    actor: int,
    columns: dict[str, Any],
    now: datetime,
) -> Moved:
    """Set the new time or place, and the sign-up deadline if given. A later start with
    no new end keeps the length; the deadline never falls after the start. A change of
    time or place queues the seats' pushes again and tells everyone signed up; a new
    deadline alone concerns nobody signed up already."""
    event = await _changeable(session, store, event_id, now)
    before = {name: getattr(event, name) for name in (*MOVED, "signup_until")}
    after = moved_columns(event, columns)
    changed = tuple(k for k, v in after.items() if v != before[k])
    for name in changed:
        setattr(event, name, after[name])
    if not changed:
        return Moved(event, before, ())
    event.updated_at = now
    audit.record(session, store.id, actor, "event.move", f"event:{event.id}", changed=list(changed))
    if changed == ("signup_until",):
        await session.flush()
        return Moved(event, before, changed)
    old = event.version
    event.version = old + 1
    await session.flush()
    await event_pushes.drop(session, event.id, version=old)  # the old time's reminders
    signups = (
        await session.scalars(
            select(EventSignup)
            .where(EventSignup.event_id == event.id, EventSignup.status.in_(ACTIVE))
            .order_by(EventSignup.id)
        )
    ).all()
    for seat in signups:
        if seat.status == Status.GOING:
            await event_pushes.queue_seat(session, store, event, seat, now)
    return Moved(event, before, changed, [s.member_id for s in signups])


async def set_capacity(
    session: AsyncSession, store: StoreContext, event_id: int, actor: int, seats: int, now: datetime
) -> tuple[Event, list[EventSignup]]:
    """New seats are offered to the waitlist at once (`signup.change_capacity`)."""
    event = await _changeable(session, store, event_id, now)
    before = event.capacity
    offered = await signup.change_capacity(session, store, event.id, seats, now)
    audit.record(
        session,
        store.id,
        actor,
        "event.capacity",
        f"event:{event.id}",
        before=before,
        after=seats,
        offered=len(offered),
    )
    return event, offered


async def call_off(
    session: AsyncSession, store: StoreContext, event_id: int, actor: int, now: datetime
) -> signup.Called:
    """Cancel the event (`signup.cancel_event`: every sign-up cancelled, points costs
    refunded, pushes called off); whom to tell and what each got back."""
    try:
        called = await signup.cancel_event(session, store, event_id, actor, now)
    except EventRefused:
        raise ManageRefused(Refused.UNKNOWN) from None
    if called.again:
        raise ManageRefused(Refused.CANCELLED, called.event)
    audit.record(
        session,
        store.id,
        actor,
        "event.cancel",
        f"event:{called.event.id}",
        told=len(called.refunds),
        refunded=called.refunded,
    )
    return called
