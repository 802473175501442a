"""Broadcast audiences reach exactly their segment, once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.club.broadcasts import campaigns
from db.models import Car, Member, Push, PushOptOut, Visit
from tests import factories
from tests.flows import member_of, services


async def three_owners(bot) -> list[Member]:
    plates = ["粤B00001", "沪A00002", "粤B00003"]
    for i, plate in enumerate(plates):
        await factories.owner(bot, 7700 + i, phone=f"+8613900000{i:03d}", plate=plate)
    svc = services(bot)
    async with svc.sessionmaker() as session:
        first = await session.scalar(select(Member).where(Member.telegram_user_id == 7700))
        first.tier_code = "gold"
        car = await session.scalar(select(Car).where(Car.plate == "沪A00002"))
        car.model, car.delivery_date = "Model Y", date(2019, 1, 1)
        third = await session.scalar(select(Member).where(Member.telegram_user_id == 7702))
        session.add(
            Visit(
                store_id=svc.default_store.id,
                member_id=third.id,
                car_id=None,
                order_no="V1",
                visit_date=svc.default_store.today() - timedelta(days=10),
                category="maintenance",
                amount_fen=10000,
            )
        )
        await session.commit()
    return [await member_of(bot, 7700 + i) for i in range(3)]


async def reach(bot, kind: str, audience: dict) -> set[int]:
    svc = services(bot)
    async with svc.sessionmaker() as session:
        expected = await campaigns.count_audience(
            session, svc.policy, svc.default_store.id, kind, audience, svc.default_store.today()
        )
        made = await campaigns.create(
            session,
            store_id=svc.default_store.id,
            staff_id=1,
            kind=kind,
            texts={"zh_Hans": "你好", "en": "Hi"},
            photo_file_id=None,
            audience=audience,
            send_at=svc.now(),
        )
        queued = await campaigns.release(
            session, svc.policy, made.id, svc.default_store.today(), svc.now()
        )
        again = await campaigns.release(
            session, svc.policy, made.id, svc.default_store.today(), svc.now()
        )
        await session.commit()
        chats = set(await session.scalars(select(Push.chat_id).where(Push.broadcast_id == made.id)))
    assert queued == expected == len(chats) and again is None
    return chats


async def test_each_audience_reaches_its_segment(bot):
    await three_owners(bot)
    assert await reach(bot, "activity", {}) == {7700, 7701, 7702}
    assert await reach(bot, "activity", {"tier": "gold"}) == {7700}
    assert await reach(bot, "activity", {"model": "model y"}) == {7701}
    assert await reach(bot, "activity", {"region": "local"}) == {7700, 7702}
    assert await reach(bot, "activity", {"region": "out_of_town"}) == {7701}
    assert await reach(bot, "activity", {"idle_days": 90}) == {7700, 7701}
    assert await reach(bot, "activity", {"out_of_warranty": True}) == {7701}


async def test_opted_out_and_blocked_members_are_left_out(bot):
    owners = await three_owners(bot)
    svc = services(bot)
    async with svc.sessionmaker() as session:
        session.add(PushOptOut(member_id=owners[0].id, kind="weather"))
        blocked = await session.get(Member, owners[1].id)
        blocked.blocked_at = svc.now()
        await session.commit()
    assert await reach(bot, "weather", {}) == {7702}
    assert await reach(bot, "activity", {}) == {7700, 7702}
    async with svc.sessionmaker() as session:
        urgent = set(await session.scalars(select(Push.urgent).where(Push.purpose == "broadcast")))
    assert urgent == {True, False}  # weather alerts are urgent, notices are not


async def test_cancel_stops_what_is_not_sent(bot):
    await three_owners(bot)
    svc = services(bot)
    async with svc.sessionmaker() as session:
        later = await campaigns.create(
            session,
            store_id=svc.default_store.id,
            staff_id=1,
            kind="other",
            texts={"zh_Hans": "稍后", "en": "Later"},
            photo_file_id=None,
            audience={},
            send_at=svc.now() + timedelta(days=1),
        )
        await session.commit()
        assert [b.id for b in await campaigns.scheduled(session, svc.default_store.id)] == [
            later.id
        ]
        assert await campaigns.due(session, svc.default_store.id, svc.now()) == []
        assert await campaigns.cancel(session, svc.default_store.id, later.id, 1)
        assert not await campaigns.cancel(session, svc.default_store.id, later.id, 1)
        assert (
            await campaigns.release(
                session, svc.policy, later.id, svc.default_store.today(), svc.now()
            )
            is None
        )
        await session.commit()
