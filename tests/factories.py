"""Members, cars and staff put straight into the club, for tests that only need them to
exist. The join dialog itself is tested through the chat (tests/test_join.py); a test
about visits, points or pushes starts from here instead of walking nine join steps.

What a factory writes is what a completed join or `/grant` writes: the member row with
the policy's starting tier and term, a card and a referral code, the consent time, the
car; a staff role with its audit row.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common import codes
from bot.club.gifts.redeem import Redeemed, redeem
from bot.club.points import ledger
from bot.club.points.tiers import membership_valid_until
from bot.club.staff import roles
from bot.club.visits.record import VisitInput, record_visit
from bot.services import Services
from db import queries
from db.base import utcnow
from db.models import Car, Event, Gift, Member, Visit
from tests.conftest import ADMIN_ID
from tests.harness import Bot, Person

OWNER_PHONE = "+8613812345678"  # the defaults are those of tests.flows.join_club
OWNER_NAME = "Wang Wei"
PLATE = "粤B12345"
MODEL = "Camry 2.0 2022"
DELIVERY = date(2024, 3, 18)


def _services(bot: Bot) -> Services:
    return bot.app.bot_data["services"]


async def _unique_code(session: AsyncSession, kind: str) -> str:
    while await queries.code_in_use(session, kind, code := codes.new_code(8)):
        pass
    return code


async def add_member(
    bot: Bot,
    user_id: int | None,
    *,
    phone: str = OWNER_PHONE,
    name: str = OWNER_NAME,
    plate: str | None = PLATE,
    model: str = MODEL,
    delivery: date | None = DELIVERY,
    vin: str | None = None,
    birthday: date | None = None,
    channel: str = "new_car",
    locale: str | None = "en",
    tier: str | None = None,
    joined_on: date | None = None,
) -> Member:
    """A member (with one car unless `plate` is None) as a completed join leaves them:
    the starting tier (or `tier`), a term from `joined_on` (default today), no points."""
    services = _services(bot)
    policy, today = services.policy, joined_on or services.default_store.today()
    async with services.sessionmaker() as session:
        member = Member(
            store_id=services.default_store.id,
            telegram_user_id=user_id,
            phone=phone,
            name=name,
            birthday=birthday,
            locale=locale,
            tier_code=tier or policy.starting_tier,
            valid_until=membership_valid_until(policy, today),
            cumulative_points=0,
            redeemable_points=0,
            card_code=await _unique_code(session, "card"),
            referral_code=await _unique_code(session, "referral"),
            join_channel=channel,
            consent_at=utcnow(),
            joined_at=utcnow(),
        )
        session.add(member)
        await session.flush()
        if plate is not None:
            session.add(
                Car(
                    store_id=services.default_store.id,
                    member_id=member.id,
                    plate=plate,
                    vin=vin,
                    model=model,
                    delivery_date=delivery,
                )
            )
            await session.flush()
        await session.refresh(member, ["cars"])
        await session.commit()
    return member


async def add_car(
    bot: Bot,
    member: Member,
    plate: str,
    *,
    model: str = MODEL,
    delivery: date | None = DELIVERY,
    vin: str | None = None,
) -> Car:
    """Another car of an existing member."""
    services = _services(bot)
    async with services.sessionmaker() as session:
        car = Car(
            store_id=services.default_store.id,
            member_id=member.id,
            plate=plate,
            vin=vin,
            model=model,
            delivery_date=delivery,
        )
        session.add(car)
        await session.commit()
    return car


async def owner(
    bot: Bot, user_id: int, *, language: str | None = "en", first_name: str = "Wei", **member
) -> Person:
    """A person in chat with the bot who is already a member with a car (see add_member
    for the keywords; the member's locale follows `language` unless given)."""
    member.setdefault("locale", "zh_Hans" if language and language.startswith("zh") else "en")
    await add_member(bot, user_id, **member)
    return bot.person(user_id, first_name, language)


async def staff(
    bot: Bot,
    user_id: int,
    role: str | roles.Role,
    *,
    language: str | None = "en",
    first_name: str = "Wei",
    granted_by: int = ADMIN_ID,
) -> Person:
    """A person in chat with the bot who holds a staff role, as after `/grant`."""
    services = _services(bot)
    async with services.sessionmaker() as session:
        await roles.grant(session, services.default_store.id, granted_by, user_id, roles.Role(role))
        await session.commit()
    return bot.person(user_id, first_name, language)


async def give_points(
    bot: Bot, member: Member, redeemable: int, *, expires_on: date | None = None, key: str = ""
) -> ledger.Balances:
    """Redeemable (and as many cumulative) points, as a manager's adjustment writes them."""
    services = _services(bot)
    async with services.sessionmaker() as session:
        balances = await ledger.post(
            session,
            ledger.Posting(
                member.store_id,
                member.id,
                ledger.EntryKind.ADJUSTMENT,
                key or codes.new_code(8),
                cumulative=redeemable,
                redeemable=redeemable,
                expires_on=expires_on,
                reason="test",
            ),
        )
        await session.commit()
    assert balances is not None
    return balances


GIFT_NAMES = {"zh_Hans": "车载香氛", "en": "Car fragrance"}


async def add_gift(bot: Bot, **fields: object) -> Gift:
    """An active catalog item: a gift of 500 points, 10 in stock, unless told otherwise
    (any column of `Gift` may be given, e.g. kind="voucher", face_value_fen=10000)."""
    services = _services(bot)
    values: dict[str, object] = {
        "store_id": services.default_store.id,
        "kind": "gift",
        "names": GIFT_NAMES,
        "descriptions": {"zh_Hans": "清新柠檬味", "en": "Fresh lemon scent"},
        "cost_points": 500,
        "stock": 10,
        "status": "active",
        **fields,
    }
    async with services.sessionmaker() as session:
        gift = Gift(**values)
        session.add(gift)
        await session.commit()
    return gift


async def redeem_now(
    bot: Bot, member: Member, gift: Gift, *, cost: int | None = None, request: str | None = None
) -> Redeemed:
    """The member redeems `gift` as the shop's Confirm does (at its price unless `cost`
    is given; raises GiftRefused when refused). The shop's chat is in test_gifts_shop."""
    services = _services(bot)
    store = services.default_store
    async with services.sessionmaker() as session:
        done = await redeem(
            session,
            store.policy,
            store.id,
            member.id,
            gift.id,
            gift.cost_points if cost is None else cost,
            request or codes.new_code(6),
            store.today(),
            store.now(),
        )
        await session.commit()
    return done


EVENT_TITLES = {"zh_Hans": "车主讲堂：冬季用车", "en": "Owner class: winter driving"}


async def add_event(bot: Bot, **fields: object) -> Event:
    """A published owner class a week from now (store time 14:00–16:00), 20 seats, no
    companions, free, 50 attendance points, unless told otherwise (any column of
    `Event` may be given, e.g. kind="trip", capacity=4, points_cost=100)."""
    services = _services(bot)
    store = services.default_store
    day = store.today() + timedelta(days=7)
    starts = datetime.combine(day, time(14), tzinfo=store.tz).astimezone(UTC)
    values: dict[str, object] = {
        "store_id": store.id,
        "kind": "class",
        "titles": EVENT_TITLES,
        "descriptions": {"zh_Hans": "冬季用车与保养", "en": "Winter driving and care"},
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "signup_until": starts - timedelta(hours=12),
        "place": "4S店二楼会议室",
        "capacity": 20,
        "companions_max": 0,
        "points_award": 50,
        "points_cost": 0,
        "status": "published",
        **fields,
    }
    async with services.sessionmaker() as session:
        event = Event(**values)
        session.add(event)
        await session.commit()
    return event


async def add_visit(
    bot: Bot,
    plate: str = PLATE,
    *,
    category: str = "maintenance",
    amount_fen: int = 80000,
    order_no: str | None = None,
    advisor: str | None = "Li Na",
    staff_id: int | None = ADMIN_ID,
    visit_date: date | None = None,
) -> Visit:
    """A visit recorded as `/visit` records it (points, ledger and all), today by default."""
    services = _services(bot)
    store = services.default_store
    data = VisitInput(
        plate=plate,
        category=category,
        amount_fen=amount_fen,
        visit_date=visit_date or store.today(),
        order_no=order_no or f"RO{codes.new_code(8)}",
        advisor=advisor,
    )
    async with services.sessionmaker() as session:
        done = await record_visit(session, store.policy, store.id, staff_id, data, store.today())
        await session.commit()
    return done.visit
