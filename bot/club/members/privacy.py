"""An owner's rights over their data (PIPL): see it, take a copy, have it deleted."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.events import signup as event_signups
from bot.club.events.rules import ACTIVE as EVENT_ACTIVE
from bot.club.gifts import refunds
from bot.club.gifts.rules import Status
from bot.club.members.lookup import cars_of
from bot.club.staff import audit
from bot.club.stores.context import StoreContext
from bot.club.surveys import feedback as surveys_feedback
from db import queries
from db.base import utcnow
from db.models import (
    Booking,
    Car,
    ChatUser,
    Dialog,
    Event,
    EventFeedback,
    EventSignup,
    JoinLink,
    Member,
    MembershipEvent,
    PointsEntry,
    Push,
    PushOptOut,
    Redemption,
    Visit,
)


def _day(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def export(session: AsyncSession, member: Member) -> dict[str, Any]:
    """Everything the club keeps about this member, as plain JSON-able values: the
    member row, cars, visits, the points ledger, membership changes, the messages sent
    or queued to them, the kinds they turned off, their chat settings, and the surveys
    they answered and the complaints and suggestions they sent."""
    cars = await cars_of(session, member.store_id, member.id)
    referrer = (
        await queries.member_by_id(session, member.store_id, member.referred_by_id)
        if member.referred_by_id
        else None
    )
    return {
        "member": {
            "name": member.name,
            "phone": member.phone,
            "birthday": _day(member.birthday),
            "language": member.locale,
            "tier": member.tier_code,
            "tier_floor": member.tier_floor,
            "valid_until": member.valid_until.isoformat(),
            "cumulative_points": member.cumulative_points,
            "redeemable_points": member.redeemable_points,
            "card_code": member.card_code,
            "referral_code": member.referral_code,
            "referred_by": referrer.name if referrer else None,
            "join_channel": member.join_channel,
            "advisor_telegram_id": member.advisor_user_id,
            "telegram_id": member.telegram_user_id,
            "source": member.source,
            "joined_at": member.joined_at.isoformat(),
            "blocked_bot_at": _day(member.blocked_at),
        },
        "consents": {
            "club_terms_accepted_at": _day(member.consent_at),
            "messages_turned_off": sorted(
                await session.scalars(
                    select(PushOptOut.kind).where(PushOptOut.member_id == member.id)
                )
            ),
        },
        "cars": [
            {
                "plate": car.plate,
                "vin": car.vin,
                "model": car.model,
                "delivery_date": _day(car.delivery_date),
            }
            for car in cars
        ],
        "car_service": [  # what visits and imports taught the club about each car
            {
                "plate": car.plate,
                "last_service_date": _day(car.last_service_date),
                "last_mileage_km": car.last_mileage,
                "insurance_due": _day(car.insurance_due),
                "inspection_due": _day(car.inspection_due),
            }
            for car in cars
        ],
        "visits": [
            {
                "order_no": v.order_no,
                "date": v.visit_date.isoformat(),
                "category": v.category,
                "amount_fen": v.amount_fen,
                "mileage_km": v.mileage,
                "advisor": v.advisor,
                "source": v.source,
            }
            for v in await _rows(session, Visit, Visit.member_id == member.id, Visit.id)
        ],
        "points": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "cumulative": e.cumulative,
                "redeemable": e.redeemable,
                "expires_on": _day(e.expires_on),
                "reason": e.reason,
            }
            for e in await _rows(
                session, PointsEntry, PointsEntry.member_id == member.id, PointsEntry.id
            )
        ],
        "membership_changes": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "tier_before": e.tier_before,
                "tier_after": e.tier_after,
                "valid_until_after": _day(e.valid_until_after),
                "reason": e.reason,
            }
            for e in await _rows(
                session, MembershipEvent, MembershipEvent.member_id == member.id, MembershipEvent.id
            )
        ],
        "messages": [
            {
                "purpose": p.purpose,
                "status": p.status,
                "queued_at": p.created_at.isoformat(),
                "sent_at": _day(p.sent_at),
                "details": dict(p.params or {}),
            }
            for p in await _rows(session, Push, Push.member_id == member.id, Push.id)
        ],
        "gifts_and_vouchers": [
            {
                "code": r.code,
                "item": r.names,
                "kind": r.kind,
                "points": r.cost_points,
                "status": r.status,
                "redeemed_at": r.created_at.isoformat(),
                "collected_at": _day(r.collected_at),
                "repair_order": r.used_order_no,
                "expires_on": _day(r.expires_on),
            }
            for r in await _rows(
                session, Redemption, Redemption.member_id == member.id, Redemption.id
            )
        ],
        "bookings": [
            {
                "service": b.service,
                "starts_at": b.starts_at.isoformat(),
                "status": b.status,
                "notes": b.notes,
                "mileage": b.mileage,
                "booked_at": b.created_at.isoformat(),
            }
            for b in await _rows(session, Booking, Booking.member_id == member.id, Booking.id)
        ],
        "events": await _events(session, member.id),
        **await surveys_feedback.owner_record(session, member.id),  # surveys and tickets
        "members_referred": await queries.count_referred(session, member.id),
    }


async def _events(session: AsyncSession, member_id: int) -> list[dict[str, Any]]:
    """Their sign-ups, with what they said in each event's evaluation."""
    rows = await session.execute(
        select(EventSignup, Event.titles, Event.starts_at, EventFeedback)
        .join(Event, Event.id == EventSignup.event_id)
        .outerjoin(
            EventFeedback,
            (EventFeedback.event_id == EventSignup.event_id)
            & (EventFeedback.member_id == EventSignup.member_id),
        )
        .where(EventSignup.member_id == member_id)
        .order_by(EventSignup.id)
    )
    return [
        {
            "event": titles,
            "starts_at": starts_at.isoformat(),
            "status": s.status,
            "companions": s.companions,
            "signed_up_at": s.queued_at.isoformat(),
            "checked_in_at": _day(s.checked_in_at),
            "points_paid": s.points_paid,
            "rating": f.rating if f else None,
            "useful": f.useful if f else None,
            "question": f.question if f else None,
            "answer": f.answer if f else None,
        }
        for s, titles, starts_at, f in rows
    ]


async def _rows(session: AsyncSession, model: Any, where: Any, order: Any) -> list[Any]:
    return list(await session.scalars(select(model).where(where).order_by(order)))


async def erase(
    session: AsyncSession, store: StoreContext, member: Member, actor_user_id: int | None
) -> None:
    """Delete the member and everything personal about them; keep a content-free audit row.
    Their event seats are given up first, so each is offered to the next in line."""
    member_id, store_id = member.id, member.store_id
    holding = await session.scalars(
        select(EventSignup.event_id).where(
            EventSignup.member_id == member_id, EventSignup.status.in_(EVENT_ACTIVE)
        )
    )
    for event_id in list(holding):
        await event_signups.cancel(
            session, store, event_id, member_id, utcnow(), actor=actor_user_id
        )
    await session.execute(
        update(Member).where(Member.referred_by_id == member_id).values(referred_by_id=None)
    )
    await session.execute(
        update(JoinLink)
        .where(JoinLink.used_by_member_id == member_id)
        .values(used_by_member_id=None)
    )
    await session.execute(delete(Car).where(Car.member_id == member_id))
    # Gifts not yet collected go back into stock (their points leave with the member).
    waiting = await session.scalars(
        select(Redemption.id).where(
            Redemption.member_id == member_id, Redemption.status == Status.WAITING
        )
    )
    for redemption_id in list(waiting):
        await refunds.give_back(
            session, redemption_id, Status.CANCELLED, utcnow(), actor=actor_user_id, points=False
        )
    if member.telegram_user_id is not None:
        await session.execute(
            delete(Dialog).where(Dialog.telegram_user_id == member.telegram_user_id)
        )
        await session.execute(
            delete(ChatUser).where(ChatUser.telegram_user_id == member.telegram_user_id)
        )
    await session.execute(delete(Member).where(Member.id == member_id))
    audit.record(session, store_id, actor_user_id, "member.erase", f"member:{member_id}")
