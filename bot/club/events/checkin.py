"""Checking an owner in at an event (staff scan the sign-up's QR, or tick the list),
which gives the attendance points once per owner and event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common.codes import clean_code
from bot.club.common.numbers import page_count
from bot.club.events.rules import EventRefused, EventStatus, Refusal, Status, checkin_open
from bot.club.points import ledger, membership
from bot.club.points.ledger import Balances, EntryKind, Posting
from bot.club.points.membership import Change
from bot.club.points.rules import expiry_for
from bot.club.stores.context import StoreContext
from db.models import Event, EventSignup, Member


@dataclass(frozen=True)
class CheckedIn:
    signup: EventSignup
    event: Event
    member: Member
    points: int  # attendance points given now (0: none, or given before)
    balances: Balances | None
    again: bool = False  # checked in before: nothing changed
    upgrade: Change | None = None  # the points lifted their tier


Found = tuple[EventSignup, Event, Member]


async def _found(session: AsyncSession, store_id: int, *where: Any) -> Found | None:
    """The store's sign-up matching `where`, with its event and owner, read afresh."""
    row = (
        await session.execute(
            select(EventSignup, Event, Member)
            .join(Event, Event.id == EventSignup.event_id)
            .join(Member, Member.id == EventSignup.member_id)
            .where(EventSignup.store_id == store_id, *where)
            .execution_options(populate_existing=True)
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])


async def by_code(session: AsyncSession, store_id: int, code: str) -> Found | None:
    """The sign-up whose check-in pass is `code` (as scanned or typed), in this store."""
    return await _found(session, store_id, EventSignup.code == clean_code(code)[:12])


async def by_id(session: AsyncSession, store_id: int, signup_id: int) -> Found | None:
    """The store's sign-up `signup_id` with its event and owner (a tick on the list)."""
    return await _found(session, store_id, EventSignup.id == signup_id)


async def anyone_checked_in(session: AsyncSession, event_id: int) -> bool:
    """Whether staff checked anyone in at the event (else no list was kept)."""
    found = await session.scalar(
        select(EventSignup.id)
        .where(EventSignup.event_id == event_id, EventSignup.checked_in_at.is_not(None))
        .limit(1)
    )
    return found is not None


async def check_in(
    session: AsyncSession,
    store: StoreContext,
    signup_id: int,
    staff_user: int,
    now: datetime,
    *,
    staff_name: str | None = None,
) -> CheckedIn:
    """Mark the sign-up attended and give the event's attendance points, once: a second
    scan or tick changes nothing (`again`). Raises `EventRefused` for a sign-up not
    going, an event not running, or outside the check-in hours."""
    row = await by_id(session, store.id, signup_id)
    if row is None:
        raise EventRefused(Refusal.NOT_SIGNED_UP)
    signup, event, member = row
    if signup.checked_in_at is not None:
        return CheckedIn(signup, event, member, 0, None, again=True)
    if event.status != EventStatus.PUBLISHED:
        raise EventRefused(Refusal.NOT_OPEN, event)
    if signup.status != Status.GOING:
        raise EventRefused(Refusal.NOT_GOING, event)
    if not checkin_open(store.policy.events, event, now):
        raise EventRefused(Refusal.CHECKIN_CLOSED, event)
    marked = (
        await session.execute(
            update(EventSignup)
            .where(EventSignup.id == signup.id, EventSignup.checked_in_at.is_(None))
            .values(
                checked_in_at=now,
                checked_in_by=staff_user,
                checked_in_by_name=staff_name[:64] if staff_name else None,
                updated_at=now,
            )
            .returning(EventSignup.id)
            .execution_options(synchronize_session="fetch")  # the row in hand is updated
        )
    ).first()
    if marked is None:  # a twin scan got there first
        await session.refresh(signup)
        return CheckedIn(signup, event, member, 0, None, again=True)
    balances, points = None, event.points_award
    if points:
        balances = await ledger.post(
            session,
            Posting(
                store.id,
                member.id,
                EntryKind.ATTENDANCE,
                f"attend:{event.id}",  # once per owner and event, whatever happens
                cumulative=points,
                redeemable=points,
                reason=f"event:{event.id}",
                expires_on=expiry_for(store.policy, store.today(now)),
                actor_user_id=staff_user,
                at=now,
            ),
        )
        if balances is None:
            points = 0  # given before (checked in, cancelled, signed up again)
    upgrade = None
    if points:
        locked = await membership.locked(session, member.id)
        if locked is not None:
            upgrade = await membership.upgrade_by_points(session, store.policy, locked)
    return CheckedIn(signup, event, member, points, balances, upgrade=upgrade)


@dataclass(frozen=True)
class Roll:
    """One page of an event's check-in list: the owners going (checked in or not), in
    name order, with the counts the list's head shows."""

    event: Event
    rows: list[tuple[EventSignup, Member]]
    going: int  # sign-ups going
    checked: int  # …of them checked in
    seats: int  # the seats they take, companions included
    page: int  # the page shown (the asked one, kept within the pages)
    pages: int


async def roll(
    session: AsyncSession, store_id: int, event_id: int, page: int, size: int
) -> Roll | None:
    """The check-in list's page `page` (from 0) of the store's event; None: unknown."""
    event = await session.scalar(
        select(Event)
        .where(Event.id == event_id, Event.store_id == store_id)
        .execution_options(populate_existing=True)
    )
    if event is None:
        return None
    going = (EventSignup.event_id == event.id, EventSignup.status == Status.GOING)
    counts = (
        await session.execute(
            select(
                func.count(),
                func.count(EventSignup.checked_in_at),
                func.coalesce(func.sum(EventSignup.companions + 1), 0),
            ).where(*going)
        )
    ).one()
    total, checked, seats = int(counts[0]), int(counts[1]), int(counts[2])
    pages = page_count(total, size)
    page = min(max(0, page), pages - 1)
    found = await session.execute(
        select(EventSignup, Member)
        .join(Member, Member.id == EventSignup.member_id)
        .where(*going)
        .order_by(Member.name, EventSignup.id)
        .offset(page * size)
        .limit(size)
        .execution_options(populate_existing=True)
    )
    rows = [(signup, member) for signup, member in found.all()]
    return Roll(event, rows, total, checked, seats, page, pages)
