"""Signing up, waiting, taking an offered place and cancelling: the use-cases that move
an event's seats, race-safe.

Every change locks the event's row first (`SELECT … FOR UPDATE` on PostgreSQL; on
SQLite the write lock every transaction takes first does the same), then reads and
writes its seats and waitlist under that lock. So however many owners race, the seats
held (owners and companions, going or holding an offer) never pass the capacity, the
waitlist is served first come, first served, and each freed place is offered exactly
once, in the same transaction that freed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common import codes
from bot.club.events import costs
from bot.club.events.rules import (
    ACTIVE,
    HOLDING,
    EventRefused,
    Refusal,
    Status,
    offer_until,
    party,
    seats_left,
    sign_up_refusal,
)
from bot.club.stores.context import StoreContext
from bot.messaging import event_pushes
from db.models import Event, EventSignup, Member

CODE_LENGTH = 10


@dataclass(frozen=True)
class SignedUp:
    signup: EventSignup
    event: Event
    place: int | None = None  # their place on the waitlist (1: next), None when going
    again: bool = False  # they were signed up already: that sign-up, unchanged


@dataclass(frozen=True)
class Freed:
    """A seat given up (a cancel, a declined or lapsed offer): the sign-up as it is now,
    whether points came back, and whom the freed seats were offered to."""

    signup: EventSignup
    refunded: int = 0
    offered: list[EventSignup] = field(default_factory=list)


async def lock_event(session: AsyncSession, store_id: int, event_id: int) -> Event | None:
    """The store's event, its row held until the transaction ends (None: unknown)."""
    event = await session.scalar(
        select(Event)
        .where(Event.id == event_id, Event.store_id == store_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return event


async def _own_offer(
    session: AsyncSession, store: StoreContext, signup_id: int, member_id: int
) -> tuple[Event, EventSignup]:
    """The event of the owner's sign-up `signup_id`, locked (found through the sign-up
    in the same statement), and the sign-up as it stands under that lock."""
    event_id = select(EventSignup.event_id).where(EventSignup.id == signup_id).scalar_subquery()
    event = await session.scalar(
        select(Event)
        .where(Event.id == event_id, Event.store_id == store.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    signup = await session.get(EventSignup, signup_id, populate_existing=True)
    if event is None or signup is None or signup.member_id != member_id:
        raise EventRefused(Refusal.NOT_SIGNED_UP)
    return event, signup


async def signup_of(session: AsyncSession, event_id: int, member_id: int) -> EventSignup | None:
    return await session.scalar(
        select(EventSignup)
        .where(EventSignup.event_id == event_id, EventSignup.member_id == member_id)
        .execution_options(populate_existing=True)
    )


async def waitlist_place(session: AsyncSession, signup: EventSignup) -> int | None:
    """1 for the next in line; None when the sign-up is not waiting."""
    if signup.status != Status.WAITING:
        return None
    ahead = await session.scalar(
        select(func.count()).where(
            EventSignup.event_id == signup.event_id,
            EventSignup.status == Status.WAITING,
            EventSignup.queue_no < signup.queue_no,
        )
    )
    return int(ahead or 0) + 1


async def _queue_head(session: AsyncSession, event_id: int) -> EventSignup | None:
    return await session.scalar(
        select(EventSignup)
        .where(EventSignup.event_id == event_id, EventSignup.status == Status.WAITING)
        .order_by(EventSignup.queue_no)
        .limit(1)
        .execution_options(populate_existing=True)
    )


async def _seat(
    session: AsyncSession, store: StoreContext, event: Event, signup: EventSignup, now: datetime
) -> None:
    """The sign-up now goes: a new turn, its cost paid, its pushes queued."""
    signup.turn += 1
    signup.status, signup.offer_until, signup.updated_at = Status.GOING, None, now
    await session.flush()
    await costs.pay(session, event, signup, now)
    await event_pushes.queue_seat(session, store, event, signup, now)


async def promote(
    session: AsyncSession, store: StoreContext, event: Event, now: datetime
) -> list[EventSignup]:
    """Offer free seats to the waitlist, strictly in order: while the first in line fits,
    their seats are held for them until the policy's time and they are told. Call with
    the event locked."""
    offered: list[EventSignup] = []
    until = offer_until(store.policy.events, event, now)
    while until is not None:
        head = await _queue_head(session, event.id)
        if head is None or party(head.companions) > seats_left(event):
            break
        head.status, head.offer_until, head.updated_at = Status.OFFERED, until, now
        head.offers += 1
        event.seats_taken += party(head.companions)
        await session.flush()
        await event_pushes.queue_offer(session, store, head)
        offered.append(head)
    return offered


async def sign_up(
    session: AsyncSession,
    store: StoreContext,
    event_id: int,
    member_id: int,
    companions: int,
    now: datetime,
) -> SignedUp:
    """Take a seat at the event (paying its cost), or a place on its waitlist when the
    seats are taken or others wait already. Raises `EventRefused`; then nothing was
    written. Signing up twice gives the first sign-up (`again`)."""
    event = await lock_event(session, store.id, event_id)
    if event is None:
        raise EventRefused(Refusal.UNKNOWN)
    tier = await session.scalar(
        select(Member.tier_code).where(Member.id == member_id, Member.store_id == store.id)
    )
    if tier is None:
        raise EventRefused(Refusal.NOT_MEMBER, event)
    signup = await signup_of(session, event.id, member_id)
    if signup is not None and signup.status in ACTIVE:
        return SignedUp(signup, event, await waitlist_place(session, signup), again=True)
    reason = sign_up_refusal(store.policy, event, tier, companions, now)
    if reason is not None:
        raise EventRefused(reason, event)
    if not await costs.can_pay(session, event, member_id, companions):
        raise EventRefused(Refusal.SHORT, event)
    # First come, first served: nobody jumps a waitlist, even where a seat is free.
    going = await _queue_head(session, event.id) is None and party(companions) <= seats_left(event)
    if signup is None:
        signup = EventSignup(
            store_id=store.id,
            event_id=event.id,
            member_id=member_id,
            code=codes.new_code(CODE_LENGTH),
            status=Status.WAITING,
            turn=0,
            offers=0,
            created_at=now,
        )
        session.add(signup)
    signup.companions, signup.queued_at, signup.offer_until = companions, now, None
    event.queued += 1  # under the lock: the line is the order sign-ups took it
    signup.queue_no = event.queued
    signup.cancelled_at, signup.checked_in_at, signup.checked_in_by = None, None, None
    signup.points_paid, signup.lots, signup.updated_at = 0, [], now
    if going:
        event.seats_taken += party(companions)
        await _seat(session, store, event, signup, now)
        return SignedUp(signup, event)
    signup.status = Status.WAITING
    await session.flush()
    return SignedUp(signup, event, await waitlist_place(session, signup))


async def take_offer(
    session: AsyncSession, store: StoreContext, signup_id: int, member_id: int, now: datetime
) -> SignedUp:
    """The owner takes the place held for them (paying its cost). Raises `EventRefused`:
    NO_OFFER when it ran out or passed on; SHORT leaves the offer standing."""
    event, signup = await _own_offer(session, store, signup_id, member_id)
    if signup.status == Status.GOING:
        return SignedUp(signup, event, again=True)
    if signup.status != Status.OFFERED or signup.offer_until is None or signup.offer_until <= now:
        raise EventRefused(Refusal.NO_OFFER, event)
    if not await costs.can_pay(session, event, member_id, signup.companions):
        raise EventRefused(Refusal.SHORT, event)  # the offer stands until it runs out
    await _seat(session, store, event, signup, now)
    return SignedUp(signup, event)


async def _give_up(
    session: AsyncSession,
    store: StoreContext,
    event: Event,
    signup: EventSignup,
    status: Status,
    now: datetime,
    actor: int | None,
) -> Freed:
    holding = signup.status in HOLDING
    refunded = await costs.refund(session, signup, now, actor) if holding else 0
    if holding:
        event.seats_taken = max(0, event.seats_taken - party(signup.companions))
    signup.status, signup.offer_until, signup.updated_at = status, None, now
    if status == Status.CANCELLED:
        signup.cancelled_at = now
    await session.flush()
    await event_pushes.drop(session, event.id, signup.member_id)
    # Promote even when no seat was freed: the first in line leaving the line (too big
    # for the free seats) lets those behind, who may fit, move up.
    offered = await promote(session, store, event, now)
    return Freed(signup, refunded, offered)


async def cancel(
    session: AsyncSession,
    store: StoreContext,
    event_id: int,
    member_id: int,
    now: datetime,
    *,
    actor: int | None = None,
) -> Freed:
    """The owner gives up their seat, offer or waitlist place (points back; the seat
    offered on at once). Until the start; staff (`actor`) may cancel any time."""
    event = await lock_event(session, store.id, event_id)
    if event is None:
        raise EventRefused(Refusal.UNKNOWN)
    signup = await signup_of(session, event.id, member_id)
    if signup is None or signup.status not in ACTIVE:
        raise EventRefused(Refusal.NOT_SIGNED_UP, event)
    if actor is None and now >= event.starts_at:
        raise EventRefused(Refusal.STARTED, event)
    return await _give_up(session, store, event, signup, Status.CANCELLED, now, actor)


async def decline_offer(
    session: AsyncSession, store: StoreContext, signup_id: int, member_id: int, now: datetime
) -> Freed:
    """The owner lets the place held for them go: it passes on to the next in line."""
    event, signup = await _own_offer(session, store, signup_id, member_id)
    if signup.status != Status.OFFERED:
        raise EventRefused(Refusal.NO_OFFER, event)
    return await _give_up(session, store, event, signup, Status.LAPSED, now, None)


async def lapse_offers(session: AsyncSession, store: StoreContext, now: datetime) -> list[Freed]:
    """Offers whose time ran out pass on to the next in line (the sweep's work; safe on
    several instances: each is re-read under its event's lock)."""
    due = (
        await session.execute(
            select(EventSignup.id, EventSignup.event_id)
            .where(
                EventSignup.store_id == store.id,
                EventSignup.status == Status.OFFERED,
                EventSignup.offer_until <= now,
            )
            .order_by(EventSignup.event_id, EventSignup.offer_until, EventSignup.id)
        )
    ).all()
    out: list[Freed] = []
    for signup_id, event_id in due:
        event = await lock_event(session, store.id, event_id)
        signup = await session.get(EventSignup, signup_id, populate_existing=True)
        if event is None or signup is None or signup.status != Status.OFFERED:
            continue
        if signup.offer_until is None or signup.offer_until > now:
            continue
        out.append(await _give_up(session, store, event, signup, Status.LAPSED, now, None))
    return out


async def change_capacity(
    session: AsyncSession, store: StoreContext, event_id: int, capacity: int, now: datetime
) -> list[EventSignup]:
    """Staff set the seats: more seats are offered to the waitlist at once; fewer never
    remove anyone (the seats held stay held). Whom new seats were offered to."""
    event = await lock_event(session, store.id, event_id)
    if event is None:
        raise EventRefused(Refusal.UNKNOWN)
    event.capacity, event.updated_at = max(0, capacity), now
    await session.flush()
    return await promote(session, store, event, now)


@dataclass(frozen=True)
class Called:
    event: Event
    # Everyone who held a seat, an offer or a waitlist place: member id -> points back.
    refunds: dict[int, int]
    again: bool = False  # it was called off before: nothing changed now

    @property
    def told(self) -> list[int]:
        return list(self.refunds)

    @property
    def refunded(self) -> int:
        return sum(self.refunds.values())


async def cancel_event(
    session: AsyncSession, store: StoreContext, event_id: int, actor: int, now: datetime
) -> Called:
    """Staff call the event off: every sign-up is cancelled, its points cost given back
    and its pushes called off. The caller tells the owners (`told`)."""
    event = await lock_event(session, store.id, event_id)
    if event is None:
        raise EventRefused(Refusal.UNKNOWN)
    if event.status == "cancelled":
        return Called(event, {}, again=True)
    event.status, event.cancelled_at, event.updated_at = "cancelled", now, now
    signups = (
        await session.scalars(
            select(EventSignup)
            .where(EventSignup.event_id == event.id, EventSignup.status.in_(ACTIVE))
            .order_by(EventSignup.id)
            .execution_options(populate_existing=True)
        )
    ).all()
    refunds: dict[int, int] = {}
    for signup in signups:
        refunds[signup.member_id] = await costs.refund(session, signup, now, actor)
        signup.status, signup.cancelled_at, signup.offer_until = Status.CANCELLED, now, None
        signup.updated_at = now
    event.seats_taken = 0
    await session.flush()
    await event_pushes.drop(session, event.id)
    return Called(event, refunds)
