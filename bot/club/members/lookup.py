"""Finding members and assembling what a card or a staff view shows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common.codes import clean_code
from bot.club.common.validation import ValidationError, normalise_phone, normalise_plate
from bot.club.members.caller import MemberFacts, caller
from bot.club.policy.model import ClubPolicy, Tier
from bot.club.staff import audit
from db import queries
from db.models import Car, ChatUser, Member

CARD_DEEP_LINK_PREFIX = "m_"
_DEEP_LINK = re.compile(r"start=m_([0-9A-Za-z]+)")


@dataclass(frozen=True)
class CardView:
    member: MemberFacts
    tier: Tier
    expired: bool


def card_view(policy: ClubPolicy, member: MemberFacts, today: date) -> CardView:
    return CardView(
        member=member,
        tier=policy.tier(member.tier_code),
        expired=member.valid_until < today,
    )


def card_payload(bot_username: str, card_code: str) -> str:
    """What the card's QR code holds: a deep link that opens the member for staff."""
    return f"https://t.me/{bot_username}?start={CARD_DEEP_LINK_PREFIX}{card_code}"


async def find_member(session: AsyncSession, store_id: int, query: str) -> Member | None:
    """Open a member by phone, plate, card code or a scanned card QR payload."""
    query = query.strip()
    if not query:
        return None
    link = _DEEP_LINK.search(query)
    if link:
        return await queries.member_by_card(session, store_id, clean_code(link.group(1)))
    if query.startswith(CARD_DEEP_LINK_PREFIX):
        query = query[len(CARD_DEEP_LINK_PREFIX) :]
    try:
        plate = normalise_plate(query)
    except ValidationError:
        pass
    else:
        car = await queries.car_by_plate(session, store_id, plate)
        if car is not None:
            return await queries.member_by_id(session, store_id, car.member_id)
    if sum(ch.isdigit() for ch in query) >= 7:
        try:
            phone = normalise_phone(query)
        except ValidationError:
            pass
        else:
            found = await queries.member_by_phone(session, store_id, phone)
            if found is not None:
                return found
    return await queries.member_by_card(session, store_id, clean_code(query))


async def open_member_for_staff(
    session: AsyncSession, store_id: int, staff_id: int, query: str
) -> Member | None:
    """`find_member`, with the look-up recorded in the audit log (data-use audits)."""
    member = await find_member(session, store_id, query)
    audit.record(
        session,
        store_id,
        staff_id,
        "member.open",
        f"member:{member.id}" if member else None,
        found=member is not None,
    )
    return member


async def chosen_locale(session: AsyncSession, store_id: int, user_id: int) -> str | None:
    """The language someone chose, as a member or before joining; None if never (read
    only: for writing to staff unasked)."""
    return (await caller(session, store_id, user_id)).locale


async def save_locale(session: AsyncSession, store_id: int, user_id: int, locale: str) -> None:
    member = await queries.member_by_user(session, store_id, user_id)
    if member is not None:
        member.locale = locale
    chat_user = await queries.chat_user(session, user_id)
    if chat_user is None:
        session.add(ChatUser(telegram_user_id=user_id, locale=locale))
    else:
        chat_user.locale = locale


async def referrer_of(session: AsyncSession, member: Member) -> Member | None:
    """The member who brought `member` to the club, if any."""
    if member.referred_by_id is None:
        return None
    return await queries.member_by_id(session, member.store_id, member.referred_by_id)


async def member_by_id(session: AsyncSession, store_id: int, member_id: int) -> Member | None:
    """The store's member `member_id` (None for another store's)."""
    return await queries.member_by_id(session, store_id, member_id)


async def member_of(session: AsyncSession, store_id: int, user_id: int) -> Member | None:
    """The member who chats from `user_id`, if they joined."""
    return await queries.member_by_user(session, store_id, user_id)


async def cars_of(session: AsyncSession, store_id: int, member_id: int) -> list[Car]:
    """The member's cars in this store, oldest first."""
    rows = await session.scalars(
        select(Car).where(Car.store_id == store_id, Car.member_id == member_id).order_by(Car.id)
    )
    return list(rows.all())


async def count_referred(session: AsyncSession, member_id: int) -> int:
    """How many members `member_id` brought to the club."""
    return await queries.count_referred(session, member_id)
