"""Redeeming gifts and vouchers as the use-cases do it: balances and stock never go below
zero, however many requests race; one confirm gives one redemption; a cancellation gives
points and stock back as new ledger rows."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select

from bot.club.gifts import refunds
from bot.club.gifts.rules import GiftRefused, Refusal, Status
from bot.club.points import ledger
from db.models import Gift, Member, PointsEntry, Redemption
from tests.factories import add_gift, add_member, give_points, redeem_now


def _services(bot):
    return bot.app.bot_data["services"]


async def _redeem(bot, member, gift, *, cost=None, request=None):
    return await redeem_now(bot, member, gift, cost=cost, request=request)


async def _attempt(bot, member, gift, **kw):
    try:
        return await _redeem(bot, member, gift, **kw)
    except GiftRefused as refused:
        return refused.code


async def _state(bot, member, gift):
    services = _services(bot)
    async with services.sessionmaker() as session:
        m = await session.get(Member, member.id)
        g = await session.get(Gift, gift.id)
        n = await session.scalar(
            select(func.count()).select_from(Redemption).where(Redemption.gift_id == gift.id)
        )
        mismatches = await ledger.check_ledger(session)
    return m.redeemable_points, g.stock, n, mismatches


async def test_a_redemption_takes_points_and_one_unit(bot):
    member = await add_member(bot, 7001)
    await give_points(bot, member, 1200)
    gift = await add_gift(bot, cost_points=500, stock=3)
    done = await _redeem(bot, member, gift)
    assert done.balances.redeemable == 700 and done.gift.stock == 2
    assert done.redemption.status == Status.WAITING and len(done.redemption.code) == 8
    assert await _state(bot, member, gift) == (700, 2, 1, [])


async def test_the_same_confirm_twice_gives_one_redemption(bot):
    member = await add_member(bot, 7002)
    await give_points(bot, member, 5000)
    gift = await add_gift(bot)
    results = await asyncio.gather(
        *[_attempt(bot, member, gift, request="SAME1") for _ in range(10)]
    )
    codes_seen = {r.redemption.code for r in results if not isinstance(r, Refusal)}
    assert len(codes_seen) == 1, results
    assert await _state(bot, member, gift) == (4500, 9, 1, [])


async def test_a_hundred_owners_racing_for_the_last_unit_give_one_redemption(bot):
    gift = await add_gift(bot, stock=1)
    owners = []
    for i in range(100):
        member = await add_member(bot, 7100 + i, phone=f"+86138000{i:05d}", plate=None)
        await give_points(bot, member, 500)
        owners.append(member)
    results = await asyncio.gather(*[_attempt(bot, m, gift) for m in owners])
    won = [r for r in results if not isinstance(r, Refusal)]
    assert len(won) == 1
    assert {r for r in results if isinstance(r, Refusal)} == {Refusal.SOLD_OUT}
    services = _services(bot)
    async with services.sessionmaker() as session:
        assert (await session.get(Gift, gift.id)).stock == 0
        spent = await session.scalar(
            select(func.count()).select_from(PointsEntry).where(PointsEntry.kind == "redemption")
        )
        assert spent == 1 and await ledger.check_ledger(session) == []


async def test_two_devices_with_points_for_one_give_one(bot):
    member = await add_member(bot, 7003)
    await give_points(bot, member, 600)
    gift = await add_gift(bot, cost_points=500)
    results = await asyncio.gather(*[_attempt(bot, member, gift) for _ in range(20)])
    assert sum(not isinstance(r, Refusal) for r in results) == 1
    assert {r for r in results if isinstance(r, Refusal)} == {Refusal.SHORT}
    assert await _state(bot, member, gift) == (100, 9, 1, [])


async def test_a_changed_price_is_refused_with_the_new_price(bot):
    member = await add_member(bot, 7004)
    await give_points(bot, member, 5000)
    gift = await add_gift(bot, cost_points=800)
    with pytest.raises(GiftRefused) as refused:
        await _redeem(bot, member, gift, cost=500)
    assert refused.value.code is Refusal.PRICE_CHANGED and refused.value.gift.cost_points == 800
    assert await _state(bot, member, gift) == (5000, 10, 0, [])


async def test_the_per_member_limit_holds_under_a_race(bot):
    member = await add_member(bot, 7005)
    await give_points(bot, member, 10000)
    gift = await add_gift(bot, per_member_limit=2, limit_days=30)
    results = await asyncio.gather(*[_attempt(bot, member, gift) for _ in range(8)])
    assert sum(not isinstance(r, Refusal) for r in results) == 2
    assert {r for r in results if isinstance(r, Refusal)} == {Refusal.LIMIT}


async def test_tier_and_status_refusals(bot):
    member = await add_member(bot, 7006)
    await give_points(bot, member, 10000)
    gold = await add_gift(bot, min_tier="gold")
    paused = await add_gift(bot, status="paused")
    later = await add_gift(bot, available_from=date(2099, 1, 1))
    assert await _attempt(bot, member, gold) is Refusal.TIER
    assert await _attempt(bot, member, paused) is Refusal.PAUSED
    assert await _attempt(bot, member, later) is Refusal.NOT_YET


async def test_cancelling_gives_points_and_stock_back_as_new_rows(bot):
    member = await add_member(bot, 7007)
    await give_points(bot, member, 300, expires_on=date(2031, 1, 31))
    await give_points(bot, member, 400)
    gift = await add_gift(bot, cost_points=500, stock=1)
    done = await _redeem(bot, member, gift)
    services = _services(bot)
    async with services.sessionmaker() as session:
        back = await refunds.give_back(
            session, done.redemption.id, Status.CANCELLED, services.now(), member_id=member.id
        )
        again = await refunds.give_back(
            session, done.redemption.id, Status.CANCELLED, services.now(), member_id=member.id
        )
        await session.commit()
        assert back is not None and back.points == 500 and back.restocked and again is None
        refunds_rows = (
            await session.scalars(select(PointsEntry).where(PointsEntry.kind == "refund"))
        ).all()
        # The 300 expiring points come back with their expiry; 200 of the others.
        assert sorted((r.redeemable, r.expires_on) for r in refunds_rows) == [
            (200, None),
            (300, date(2031, 1, 31)),
        ]
        assert await ledger.check_ledger(session) == []
    assert await _state(bot, member, gift) == (700, 1, 1, [])


async def test_another_owner_cannot_cancel(bot):
    member = await add_member(bot, 7008)
    other = await add_member(bot, 7009, phone="+8613900000009", plate=None)
    await give_points(bot, member, 500)
    gift = await add_gift(bot)
    done = await _redeem(bot, member, gift)
    services = _services(bot)
    async with services.sessionmaker() as session:
        assert (
            await refunds.give_back(
                session, done.redemption.id, Status.CANCELLED, services.now(), member_id=other.id
            )
            is None
        )
