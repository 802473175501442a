"""Who is coming to an event, as staff read it: the counts of the desk view, the
sign-up list (owner, phone, plates, companions, status, waitlist place, check-in), and
the owners a message or a notice goes to. Reads only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common.numbers import page_count
from bot.club.events.rules import ACTIVE, HOLDING, Status
from db.models import Car, EventSignup, Member

PAGE = 10
# The list's order: holding a seat first, then the waitlist in its order, then the rest.
RANK = {Status.GOING: 0, Status.OFFERED: 1, Status.WAITING: 2}


@dataclass(frozen=True)
class Counts:
    going: int  # owners going
    companions: int  # …and the companions they bring
    waiting: int
    offered: int  # places held for someone from the waitlist
    checked_in: int


@dataclass(frozen=True)
class Entry:
    signup: EventSignup
    member: Member
    plates: tuple[str, ...]
    place: int | None  # on the waitlist (1: next), None when not waiting


async def counts(session: AsyncSession, event_id: int) -> Counts:
    by_status = dict(
        (
            await session.execute(
                select(EventSignup.status, func.count())
                .where(EventSignup.event_id == event_id)
                .group_by(EventSignup.status)
            )
        ).all()
    )
    companions, checked = (
        await session.execute(
            select(
                func.coalesce(
                    func.sum(case((EventSignup.status == Status.GOING, EventSignup.companions))), 0
                ),
                func.count(EventSignup.checked_in_at),
            ).where(EventSignup.event_id == event_id)
        )
    ).one()
    return Counts(
        going=int(by_status.get(Status.GOING, 0)),
        companions=int(companions or 0),
        waiting=int(by_status.get(Status.WAITING, 0)),
        offered=int(by_status.get(Status.OFFERED, 0)),
        checked_in=int(checked or 0),
    )


async def entries(session: AsyncSession, event_id: int, *, everyone: bool = False) -> list[Entry]:
    """The event's sign-ups still active (with `everyone`, the cancelled and lapsed
    too): seats first, then the waitlist in order, then the rest."""
    query = (
        select(EventSignup, Member)
        .join(Member, Member.id == EventSignup.member_id)
        .where(EventSignup.event_id == event_id)
        .order_by(
            case(RANK, value=EventSignup.status, else_=3),
            EventSignup.queue_no,  # the waitlist in its order
            EventSignup.id,
        )
    )
    if not everyone:
        query = query.where(EventSignup.status.in_(ACTIVE))
    rows = (await session.execute(query)).all()
    plates: dict[int, list[str]] = defaultdict(list)
    members = [m.id for _, m in rows]
    if members:
        for member_id, plate in await session.execute(
            select(Car.member_id, Car.plate).where(Car.member_id.in_(members)).order_by(Car.id)
        ):
            plates[member_id].append(plate)
    out, waiting = [], 0
    for signup, member in rows:
        place = None
        if signup.status == Status.WAITING:
            waiting += 1
            place = waiting
        out.append(Entry(signup, member, tuple(plates[member.id]), place))
    return out


def page(items: list[Entry], number: int) -> tuple[list[Entry], int]:
    """The entries of page `number` (0-based, clamped) and the number of pages."""
    pages = page_count(len(items), PAGE)
    number = min(max(number, 0), pages - 1)
    return items[number * PAGE : (number + 1) * PAGE], pages


async def holders(session: AsyncSession, event_id: int) -> list[Member]:
    """Owners holding a seat (going, or a place held for them), once each."""
    return await _members(session, event_id, HOLDING)


async def members(session: AsyncSession, member_ids: list[int]) -> list[Member]:
    if not member_ids:
        return []
    rows = await session.scalars(
        select(Member).where(Member.id.in_(member_ids)).order_by(Member.id)
    )
    return list(rows)


async def _members(session: AsyncSession, event_id: int, statuses: tuple[str, ...]) -> list[Member]:
    rows = await session.scalars(
        select(Member)
        .join(EventSignup, EventSignup.member_id == Member.id)
        .where(EventSignup.event_id == event_id, EventSignup.status.in_(statuses))
        .order_by(Member.id)
        .distinct()
    )
    return list(rows)
