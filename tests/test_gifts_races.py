"""Races around a redemption once it exists: a cancellation against the desk handing it
over, a hundred cancels of one, and redemptions, cancellations, hand-overs and the
expiry sweep all at once. Each redemption ends one way only; points and stock come back
at most once; the ledger stays clean (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from datetime import date, timedelta

from sqlalchemy import func, select, update

from bot.club.gifts import desk, expiry, refunds
from bot.club.gifts.rules import GiftRefused, Status
from bot.club.points import ledger
from db.models import Gift, Member, PointsEntry, Redemption
from tests.factories import add_gift, add_member, give_points, redeem_now
from tests.flows import services
from tests.harness import Bot

STAFF = 900001


async def hand_over(bot, redemption_id: int) -> bool:
    """The desk hands it over: collected, only if still waiting."""
    svc = services(bot)
    store = svc.default_store
    async with svc.sessionmaker() as session:
        clerk = desk.Clerk(store.id, STAFF, None, store.today(), store.now())
        outcome = await desk.hand_over(session, clerk, redemption_id)
        await session.commit()
    return outcome.done


async def last_day(bot: Bot, redemption_id: int, day: date) -> None:
    """Move a redemption's last day to collect or use it (as if redeemed long ago)."""
    async with services(bot).sessionmaker() as session:
        await session.execute(
            update(Redemption).where(Redemption.id == redemption_id).values(expires_on=day)
        )
        await session.commit()


def yesterday(bot: Bot) -> date:
    return services(bot).default_store.today() - timedelta(days=1)


async def figures(bot: Bot, member_id: int, gift_id: int) -> tuple[int, int | None, list]:
    """(the owner's redeemable balance, the item's stock, ledger mismatches)."""
    async with services(bot).sessionmaker() as session:
        member = await session.get(Member, member_id)
        gift = await session.get(Gift, gift_id)
        return member.redeemable_points, gift.stock, await ledger.check_ledger(session)


async def statuses(bot: Bot, gift_id: int | None = None) -> dict[str, int]:
    """How many redemptions (of `gift_id`, or all) are in each status."""
    statement = select(Redemption.status, func.count()).group_by(Redemption.status)
    if gift_id is not None:
        statement = statement.where(Redemption.gift_id == gift_id)
    async with services(bot).sessionmaker() as session:
        return {status: n for status, n in await session.execute(statement)}


async def cancel(bot, redemption_id: int, member_id: int) -> bool:
    svc = services(bot)
    async with svc.sessionmaker() as session:
        given = await refunds.give_back(
            session, redemption_id, Status.CANCELLED, svc.now(), member_id=member_id
        )
        await session.commit()
    return given is not None


async def refunds_of(bot, member_id: int) -> int:
    async with services(bot).sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.coalesce(func.sum(PointsEntry.redeemable), 0)).where(
                    PointsEntry.member_id == member_id, PointsEntry.kind == "refund"
                )
            )
        )


async def test_a_cancel_racing_the_hand_over_has_one_outcome(bot):
    member = await add_member(bot, 7301)
    await give_points(bot, member, 20 * 100)
    gift = await add_gift(bot, cost_points=100, stock=20)
    made = [await redeem_now(bot, member, gift) for _ in range(20)]
    outcomes = await asyncio.gather(
        *[
            task
            for done in made
            for task in (
                cancel(bot, done.redemption.id, member.id),
                hand_over(bot, done.redemption.id),
            )
        ]
    )
    pairs = list(zip(outcomes[::2], outcomes[1::2], strict=True))
    assert all(cancelled != collected for cancelled, collected in pairs)  # one, never both
    cancelled = sum(c for c, _ in pairs)
    counts = await statuses(bot)
    assert counts.get(Status.CANCELLED, 0) == cancelled
    assert counts.get(Status.COLLECTED, 0) == 20 - cancelled
    assert await figures(bot, member.id, gift.id) == (cancelled * 100, cancelled, [])
    assert await refunds_of(bot, member.id) == cancelled * 100


async def test_a_hundred_cancels_of_one_redemption_give_one_refund(bot):
    member = await add_member(bot, 7302)
    await give_points(bot, member, 1000)
    gift = await add_gift(bot, cost_points=600, stock=1)
    done = await redeem_now(bot, member, gift)
    assert await figures(bot, member.id, gift.id) == (400, 0, [])
    results = await asyncio.gather(
        *[cancel(bot, done.redemption.id, member.id) for _ in range(100)]
    )
    assert results.count(True) == 1
    assert await figures(bot, member.id, gift.id) == (1000, 1, [])
    assert await refunds_of(bot, member.id) == 600
    # Another owner's cancel of it is refused too (it is not theirs).
    other = await add_member(bot, 7303, phone="+8613900000303", plate=None)
    assert not await cancel(bot, done.redemption.id, other.id)


async def test_redeeming_cancelling_handing_over_and_expiring_together_stay_consistent(bot):
    svc = services(bot)
    store = svc.default_store
    rng = random.Random(8)
    stock = {}
    gifts = []
    for _ in range(4):
        gift = await add_gift(bot, cost_points=100, stock=15)
        gifts.append(gift)
        stock[gift.id] = 15
    members = []
    for i in range(10):
        member = await add_member(bot, 7310 + i, phone=f"+86139000003{i:02d}", plate=None)
        await give_points(bot, member, 700)
        members.append(member)
    # Some redemptions already exist, half of them past their last day.
    early = [await redeem_now(bot, members[i % 10], gifts[i % 4]) for i in range(20)]
    for done in early[::2]:
        await last_day(bot, done.redemption.id, yesterday(bot))

    async def try_redeem(member, gift):
        with contextlib.suppress(GiftRefused):  # sold out or short: refused, nothing taken
            await redeem_now(bot, member, gift)

    def sweep():
        return expiry.expire_due(
            svc.sessionmaker, store.policy, store.id, store.today(), svc.now(), batch=3
        )

    work = [try_redeem(rng.choice(members), rng.choice(gifts)) for _ in range(60)]
    for done in early:
        work.append(cancel(bot, done.redemption.id, done.redemption.member_id))
        if rng.random() < 0.5:
            work.append(hand_over(bot, done.redemption.id))
    work += [sweep(), sweep()]
    rng.shuffle(work)
    await asyncio.gather(*work)

    for gift in gifts:
        _, left, _ = await figures(bot, members[0].id, gift.id)
        counts = await statuses(bot, gift.id)
        held = counts.get(Status.WAITING, 0) + counts.get(Status.COLLECTED, 0)
        assert left == stock[gift.id] - held and left >= 0
    for member in members:
        balance, _, mismatches = await figures(bot, member.id, gifts[0].id)
        async with svc.sessionmaker() as session:
            spent = await session.scalar(
                select(func.coalesce(func.sum(Redemption.cost_points), 0)).where(
                    Redemption.member_id == member.id,
                    Redemption.status.in_([Status.WAITING, Status.COLLECTED]),
                )
            )
        assert balance == 700 - spent and balance >= 0 and mismatches == []
    # Every early redemption ended one way; the ones past their day never stayed waiting.
    async with svc.sessionmaker() as session:
        early_rows = await session.scalars(
            select(Redemption.status).where(
                Redemption.id.in_([d.redemption.id for d in early[::2]])
            )
        )
        assert Status.WAITING not in set(early_rows)
