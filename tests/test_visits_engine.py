"""Visits, the two-track ledger and the tier rules, through the use-cases."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.club.points import ledger as points
from bot.club.points import membership
from bot.club.points.ledger import EntryKind, Posting
from bot.club.points.membership import EventKind, TradeOutcome
from bot.club.visits import record as visits
from bot.club.visits.record import VisitError, VisitInput, VisitRejected
from db.models import Member, MembershipEvent, PointsEntry
from tests import factories
from tests.flows import member_of, services


async def joined_member(bot, user_id: int = 8001, plate: str = "粤B12345") -> Member:
    await factories.owner(bot, user_id, phone=f"+86138{user_id:08d}", plate=plate)
    return await member_of(bot, user_id)


def visit(order: str, amount_yuan: int, category: str = "maintenance", **kw) -> VisitInput:
    values = {
        "plate": "粤B12345",
        "category": category,
        "amount_fen": amount_yuan * 100,
        "visit_date": date(2026, 11, 1),
        "order_no": order,
        "mileage": None,
    }
    values.update(kw)
    return VisitInput(**values)


async def record(bot, data: VisitInput):
    svc = services(bot)
    async with svc.sessionmaker() as session:
        result = await visits.record_visit(
            session, svc.policy, svc.default_store.id, 1, data, svc.default_store.today()
        )
        await session.commit()
        return result


async def test_fifty_concurrent_visits_give_exactly_the_sum(bot):
    member = await joined_member(bot)
    await asyncio.gather(*(record(bot, visit(f"RO{i:03d}", 100 + i)) for i in range(50)))
    expected = sum(100 + i for i in range(50))
    fresh = await member_of(bot, 8001)
    assert fresh.cumulative_points == expected and fresh.redeemable_points == expected
    async with services(bot).sessionmaker() as session:
        assert await points.check_ledger(session) == []
        count = await session.scalar(
            select(func.count()).select_from(PointsEntry).where(PointsEntry.member_id == member.id)
        )
        assert count == 50
    assert fresh.tier_code == "gold"  # 6,225 cumulative points passed gold's 5,000


async def test_rates_per_category_and_insurer_paid_earns_nothing(bot):
    await joined_member(bot)
    assert (await record(bot, visit("A1", 1280, "repair"))).earned == 1280
    assert (await record(bot, visit("A2", 5000, "insurer_paid"))).earned == 0
    assert (await record(bot, visit("A3", 999, "warranty"))).earned == 0


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (visit("B1", 100, plate="粤A99999"), VisitError.UNKNOWN_PLATE),
        (visit("B2", 100, "spa"), VisitError.UNKNOWN_CATEGORY),
        (visit("B4", -5), VisitError.AMOUNT_INVALID),
        (visit("B5", 600_000), VisitError.AMOUNT_TOO_LARGE),
        (visit("B6", 100, visit_date=date(2999, 1, 1)), VisitError.DATE_IN_FUTURE),
        (visit("B7", 100, visit_date=date(2020, 1, 1)), VisitError.DATE_BEFORE_DELIVERY),
        (visit("B8", 100, mileage=-1), VisitError.MILEAGE_INVALID),
        (visit("", 100), VisitError.ORDER_NO_INVALID),
    ],
)
async def test_bad_visits_are_refused_and_nothing_is_written(bot, data, code):
    await joined_member(bot)
    with pytest.raises(VisitRejected) as err:
        await record(bot, data)
    assert err.value.code == code
    fresh = await member_of(bot, 8001)
    assert (fresh.cumulative_points, fresh.redeemable_points) == (0, 0)


async def test_same_order_number_is_counted_once(bot):
    await joined_member(bot)
    await record(bot, visit("RO1", 500))
    with pytest.raises(VisitRejected) as err:
        await record(bot, visit("RO1", 500))
    assert err.value.code == VisitError.DUPLICATE_ORDER
    assert (await member_of(bot, 8001)).cumulative_points == 500


async def test_visit_moves_the_cars_service_date_and_mileage_forward(bot):
    await joined_member(bot)
    await record(bot, visit("M1", 100, visit_date=date(2026, 10, 1), mileage=20_000))
    await record(bot, visit("M2", 100, visit_date=date(2026, 6, 1), mileage=15_000))
    car = (await member_of(bot, 8001)).cars[0]
    assert (car.last_service_date, car.last_mileage) == (date(2026, 10, 1), 20_000)


async def test_reversal_is_a_new_ledger_row_and_happens_once(bot):
    await joined_member(bot)
    await record(bot, visit("R1", 800))
    svc = services(bot)
    async with svc.sessionmaker() as session:
        result = await visits.reverse_visit(session, svc.default_store.id, 1, "R1", "wrong car")
        await session.commit()
    assert result.balances == points.Balances(0, 0)
    async with svc.sessionmaker() as session:
        with pytest.raises(VisitRejected) as err:
            await visits.reverse_visit(session, svc.default_store.id, 1, "R1", "again")
        assert err.value.code == VisitError.ALREADY_REVERSED
        kinds = list(await session.scalars(select(PointsEntry.kind).order_by(PointsEntry.id)))
        assert kinds == ["visit", "reversal"]


async def test_repair_over_threshold_after_joining_upgrades_once(bot):
    await joined_member(bot)
    today = services(bot).default_store.today()
    result = await record(bot, visit("U1", 1000, "repair", visit_date=today))
    assert [c.kind for c in result.changes] == [EventKind.UPGRADE_REPAIR]
    assert result.changes[0].tier_after == "gold"
    again = await record(bot, visit("U2", 1500, "repair", visit_date=today))
    assert again.changes == [] and (await member_of(bot, 8001)).tier_code == "gold"


async def test_insurance_renews_and_two_years_running_upgrades(make_bot, settings, tmp_path):
    # Insurance earns little (a dealer's choice), so only the insurance rules move the tier.
    policy = tmp_path / "policy.toml"
    policy.write_text('[[categories]]\ncode = "insurance"\nrate = 0.1\n', encoding="utf-8")
    bot = await make_bot(policy_file=policy)
    member = await joined_member(bot)
    today = services(bot).default_store.today()
    small = await record(
        bot, visit("I0", 2900, "insurance", visit_date=today - timedelta(days=400))
    )
    assert small.changes == [] and small.earned == 290  # below ¥3,000: no renewal
    first = await record(
        bot, visit("I1", 5200, "insurance", visit_date=today - timedelta(days=365))
    )
    # ¥5,200 ≥ ¥3,000 renews from the current end date (one year after joining).
    assert [c.kind for c in first.changes] == [EventKind.RENEW_INSURANCE]
    assert first.changes[0].valid_until == membership.add_months(member.valid_until, 12)
    second = await record(bot, visit("I2", 5100, "insurance", visit_date=today))
    assert [c.kind for c in second.changes] == [
        EventKind.RENEW_INSURANCE,
        EventKind.UPGRADE_INSURANCE,
    ]
    assert second.changes[-1].tier_after == "gold"
    assert (await member_of(bot, 8001)).valid_until == membership.add_months(member.valid_until, 24)


async def test_trading_points_can_never_overdraw(bot):
    member = await joined_member(bot)
    await record(bot, visit("T1", 2500))
    svc = services(bot)

    async def trade(key: str) -> TradeOutcome:
        async with svc.sessionmaker() as session:
            outcome, _ = await membership.spend_for(
                session,
                svc.policy,
                member.id,
                EntryKind.UPGRADE_TRADE,
                key,
                svc.default_store.today(),
            )
            await session.commit()
            return outcome

    outcomes = await asyncio.gather(*(trade(f"tap{i}") for i in range(5)))
    assert outcomes.count(TradeOutcome.DONE) == 1
    assert outcomes.count(TradeOutcome.SHORT) == 4
    fresh = await member_of(bot, 8001)
    assert fresh.redeemable_points == 500 and fresh.cumulative_points == 2500
    assert fresh.tier_code == "gold"
    winner = f"tap{outcomes.index(TradeOutcome.DONE)}"  # whichever tap won the race
    assert await trade(winner) == TradeOutcome.DONE_BEFORE  # the same request again


async def test_expiry_sweep_steps_down_once_after_the_grace_period(bot):
    member = await joined_member(bot)
    svc = services(bot)
    async with svc.sessionmaker() as session:
        row = await session.get(Member, member.id)
        row.tier_code = "vip"
        await session.commit()
    end = member.valid_until
    async with svc.sessionmaker() as session:
        within_grace = end + timedelta(days=svc.policy.grace_days)
        assert (
            await membership.expiry_sweep(session, svc.policy, svc.default_store.id, within_grace)
            == []
        )
        await session.commit()
    after_grace = end + timedelta(days=svc.policy.grace_days + 1)
    async with svc.sessionmaker() as session:
        changes = await membership.expiry_sweep(
            session, svc.policy, svc.default_store.id, after_grace
        )
        repeat = await membership.expiry_sweep(
            session, svc.policy, svc.default_store.id, after_grace + timedelta(days=1)
        )
        await session.commit()
    assert [(c.kind, c.tier_after) for c in changes] == [(EventKind.EXPIRED, "gold")]
    assert repeat == []
    async with svc.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(MembershipEvent)) == 1


async def test_points_expire_oldest_first_once_a_day(bot, settings):
    member = await joined_member(bot)
    svc = services(bot)
    async with svc.sessionmaker() as session:
        for key, amount, expires in [("a", 300, date(2026, 1, 31)), ("b", 200, date(2027, 1, 31))]:
            await points.post(
                session,
                Posting(
                    svc.default_store.id,
                    member.id,
                    EntryKind.ADJUSTMENT,
                    key,
                    cumulative=amount,
                    redeemable=amount,
                    expires_on=expires,
                ),
            )
        await points.post(
            session,
            Posting(svc.default_store.id, member.id, EntryKind.REDEMPTION, "r", redeemable=-100),
            guard=True,
        )
        await session.commit()
    async with svc.sessionmaker() as session:
        lot = await points.upcoming_expiry(session, member.id, date(2026, 1, 1))
        assert (lot.expires_on, lot.remaining) == (date(2026, 1, 31), 200)
        assert await points.expire_due(session, svc.default_store.id, date(2026, 2, 1)) == 1
        assert await points.expire_due(session, svc.default_store.id, date(2026, 2, 1)) == 0
        await session.commit()
    fresh = await member_of(bot, 8001)
    assert fresh.redeemable_points == 200 and fresh.cumulative_points == 500
    async with svc.sessionmaker() as session:
        assert await points.check_ledger(session) == []


async def test_a_hand_set_tier_is_a_floor_at_expiry(bot):
    member = await joined_member(bot)
    svc = services(bot)
    async with svc.sessionmaker() as session:
        row = await membership.locked(session, member.id)
        await membership.set_tier(session, svc.policy, row, "gold", "loyal", 1, "manual:1")
        row.tier_code = "vip"  # later upgraded by points, say
        await session.commit()
    lapsed = member.valid_until + timedelta(days=svc.policy.grace_days + 1)
    async with svc.sessionmaker() as session:
        changes = await membership.expiry_sweep(session, svc.policy, svc.default_store.id, lapsed)
        await session.commit()
    assert [c.tier_after for c in changes if c.kind == EventKind.EXPIRED] == ["gold"]
    async with svc.sessionmaker() as session:
        row = await membership.locked(session, member.id)
        row.valid_until = lapsed  # renewed… and lapsed again a term later
        await session.commit()
    async with svc.sessionmaker() as session:
        changes = await membership.expiry_sweep(
            session,
            svc.policy,
            svc.default_store.id,
            lapsed + timedelta(days=svc.policy.grace_days + 1),
        )
        await session.commit()
    assert [c.tier_after for c in changes if c.kind == EventKind.EXPIRED] == ["gold"]
