"""Whole flows a person goes through, reused by several tests."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.services import Services
from db.models import Member
from tests.harness import Bot, Person

EN_CONSENT = "I agree, let's join"


async def join_club(
    owner: Person,
    *,
    phone: str = "+8613812345678",
    name: str = "Wang Wei",
    plate: str = "粤B12345",
    channel: str | None = "Bought a new car here",
    start: str = "/start",
) -> None:
    """An English-speaking owner joins with valid answers (skipping birthday and VIN)."""
    await owner.send(start)
    await owner.press(EN_CONSENT)
    await owner.share_contact(phone)
    await owner.send(name)
    await owner.press("Skip")  # birthday
    await owner.send(plate)
    await owner.press("Skip")  # VIN
    await owner.send("Camry 2.0 2022")
    await owner.send("2024-03-18")
    if channel is not None:
        await owner.press(channel)


def services(bot: Bot) -> Services:
    return bot.app.bot_data["services"]


async def members(bot: Bot) -> list[Member]:
    async with services(bot).sessionmaker() as session:
        query = select(Member).options(selectinload(Member.cars)).order_by(Member.id)
        return list((await session.scalars(query)).all())


async def member_of(bot: Bot, user_id: int) -> Member | None:
    async with services(bot).sessionmaker() as session:
        return await session.scalar(
            select(Member)
            .options(selectinload(Member.cars))  # tests look at the cars too
            .where(Member.telegram_user_id == user_id)
        )


def member_rows(store_id: int, tier_code: str, first_chat: int, count: int) -> list[dict]:
    """`count` members with chats first_chat, first_chat + 1, …, for bulk inserts."""
    return [
        {
            "store_id": store_id,
            "telegram_user_id": first_chat + i,
            "phone": f"+86139{first_chat + i:08d}",
            "name": f"Owner {i}",
            "tier_code": tier_code,
            "valid_until": date(2030, 1, 1),
            "card_code": f"C{first_chat + i:09d}",
            "referral_code": f"R{first_chat + i:09d}",
            "join_channel": "new_car",
        }
        for i in range(count)
    ]
