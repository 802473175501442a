"""An owner's rights over their data (PIPL): see it, take a copy, have it deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.staff import audit
from db import queries
from db.models import Car, ChatUser, Dialog, JoinLink, Member


async def export(session: AsyncSession, member: Member) -> dict[str, Any]:
    """Everything the club keeps about this member, as plain JSON-able values."""
    referrer = (
        await queries.member_by_id(session, member.store_id, member.referred_by_id)
        if member.referred_by_id
        else None
    )
    return {
        "member": {
            "name": member.name,
            "phone": member.phone,
            "birthday": member.birthday.isoformat() if member.birthday else None,
            "language": member.locale,
            "tier": member.tier_code,
            "valid_until": member.valid_until.isoformat(),
            "cumulative_points": member.cumulative_points,
            "redeemable_points": member.redeemable_points,
            "card_code": member.card_code,
            "referral_code": member.referral_code,
            "referred_by": referrer.name if referrer else None,
            "join_channel": member.join_channel,
            "consent_at": member.consent_at.isoformat(),
            "joined_at": member.joined_at.isoformat(),
        },
        "cars": [
            {
                "plate": car.plate,
                "vin": car.vin,
                "model": car.model,
                "delivery_date": car.delivery_date.isoformat() if car.delivery_date else None,
            }
            for car in member.cars
        ],
        "members_referred": await queries.count_referred(session, member.id),
    }


async def erase(session: AsyncSession, member: Member, actor_user_id: int | None) -> None:
    """Delete the member and everything personal about them; keep a content-free audit row."""
    member_id, store_id = member.id, member.store_id
    await session.execute(
        update(Member).where(Member.referred_by_id == member_id).values(referred_by_id=None)
    )
    await session.execute(
        update(JoinLink)
        .where(JoinLink.used_by_member_id == member_id)
        .values(used_by_member_id=None)
    )
    await session.execute(delete(Car).where(Car.member_id == member_id))
    if member.telegram_user_id is not None:
        await session.execute(
            delete(Dialog).where(Dialog.telegram_user_id == member.telegram_user_id)
        )
        await session.execute(
            delete(ChatUser).where(ChatUser.telegram_user_id == member.telegram_user_id)
        )
    await session.execute(delete(Member).where(Member.id == member_id))
    audit.record(session, store_id, actor_user_id, "member.erase", f"member:{member_id}")
