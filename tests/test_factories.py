"""The factories leave the club as the chat would: tests built on them stand for real
members and staff."""

from __future__ import annotations

from sqlalchemy import select

from db.models import AuditEntry, StaffRole
from tests import factories
from tests.conftest import ADMIN_ID
from tests.flows import join_club, member_of, services
from tests.harness import joined

SAME = (
    "store_id",
    "name",
    "birthday",
    "locale",
    "tier_code",
    "valid_until",
    "cumulative_points",
    "redeemable_points",
    "join_channel",
    "tier_floor",
    "source",
    "blocked_at",
    "referred_by_id",
)
CAR = ("store_id", "plate", "vin", "model", "delivery_date", "last_service_date", "last_mileage")


async def test_a_factory_owner_is_what_a_chat_join_leaves(bot):
    await join_club(bot.person(9001, language="en"))
    made = await factories.owner(bot, 9002, phone="+8613812345679", plate="粤B12346")
    chat, factory = await member_of(bot, 9001), await member_of(bot, 9002)
    assert {k: getattr(factory, k) for k in SAME} == {k: getattr(chat, k) for k in SAME}
    assert factory.consent_at and factory.joined_at and factory.card_code != chat.card_code
    assert len(factory.cars) == len(chat.cars) == 1
    car, chat_car = factory.cars[0], chat.cars[0]
    expected = {k: getattr(chat_car, k) for k in CAR} | {"plate": "粤B12346"}
    assert {k: getattr(car, k) for k in CAR} == expected
    # Each owner sees the same card, apart from the card number.
    chat_card = (await bot.person(9001, language="en").send("/card"))[-1]
    factory_card = (await made.send("/card"))[-1]
    assert chat_card.method == factory_card.method == "sendPhoto"
    assert without_code(factory_card.text, factory.card_code) == without_code(
        chat_card.text, chat.card_code
    )


def without_code(text: str, code: str) -> str:
    shown = f"{code[:4]} {code[4:]}"
    assert shown in text
    return text.replace(shown, "")


async def test_a_factory_staff_member_is_what_grant_leaves(bot):
    admin = bot.person(ADMIN_ID, language="en")
    assert "is now" in joined(await admin.send("/grant 9100 service_advisor"))
    advisor = await factories.staff(bot, 9101, "service_advisor")
    async with services(bot).sessionmaker() as session:
        granted = {
            r.telegram_user_id: (r.store_id, r.role, r.granted_by)
            for r in await session.scalars(select(StaffRole))
        }
        audits = [(a.action, a.actor_user_id) for a in await session.scalars(select(AuditEntry))]
    assert (
        granted[9101]
        == granted[9100]
        == (services(bot).default_store.id, "service_advisor", ADMIN_ID)
    )
    assert audits == [("staff.grant", ADMIN_ID), ("staff.grant", ADMIN_ID)]
    await factories.owner(bot, 9001)
    shown = joined(await advisor.send("/member 粤B12345"))
    granted_view = joined(await bot.person(9100, language="en").send("/member 粤B12345"))
    assert "Wang Wei" in shown and shown == granted_view
