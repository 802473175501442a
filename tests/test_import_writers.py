"""The writers imports share with chat: the car-readings rule, the ledger's batch post,
the membership writer's batch tier raise, and the spend rule for starting tiers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, insert, select

from bot.club.points import ledger, membership
from bot.club.points.ledger import EntryKind, Posting
from bot.club.points.membership import EventKind, TierTarget
from bot.club.points.tiers import tier_for_spend
from bot.club.policy.model import load_policy
from bot.club.visits.readings import CarReadings, advanced
from db.models import Member, MembershipEvent, PointsEntry
from tests.flows import member_rows, services

D1, D2, D3 = date(2024, 3, 1), date(2024, 4, 1), date(2024, 5, 1)


def test_a_maintenance_moves_the_service_date_any_reading_the_mileage() -> None:
    start = CarReadings(D2, 20000, D2)
    assert advanced(start, D3, 25000, "maintenance") == CarReadings(D3, 25000, D3)
    assert advanced(start, D3, 25000, "repair") == CarReadings(D2, 25000, D3)
    assert advanced(start, D3, None, "first_maintenance") == CarReadings(D3, 20000, D2)


def test_an_older_visit_changes_nothing_and_the_same_day_counts() -> None:
    start = CarReadings(D2, 20000, D2)
    assert advanced(start, D1, 10000, "maintenance") is start
    # The same day as the last service or reading moves them (chat and imports alike).
    assert advanced(start, D2, 20500, "maintenance") == CarReadings(D2, 20500, D2)
    assert advanced(CarReadings(), D1, 5, "bodywork") == CarReadings(None, 5, D1)


def test_tier_for_spend_follows_the_policy_thresholds() -> None:
    policy = load_policy()
    assert [tier_for_spend(policy, fen).code for fen in (0, 499_999, 500_000, 10**7)] == [
        "silver",
        "silver",
        "gold",
        "vip",
    ]


async def _two_members(bot) -> list[int]:
    svc = services(bot)
    async with svc.sessionmaker() as session:
        await session.execute(insert(Member), member_rows(svc.default_store.id, "silver", 88000, 2))
        ids = list(await session.scalars(select(Member.id).order_by(Member.id)))
        await session.commit()
    return ids


async def test_post_many_writes_each_key_once_and_moves_the_balances(bot):
    a, b = await _two_members(bot)
    svc = services(bot)

    def award(member: int, key: str, points: int) -> Posting:
        return Posting(svc.default_store.id, member, EntryKind.VISIT, key, points, points)

    async with svc.sessionmaker() as session:
        written = await ledger.post_many(
            session, [award(a, "visit:1", 100), award(a, "visit:2", 50), award(b, "visit:3", 7)]
        )
        assert len(written) == 3
        await session.commit()
    async with svc.sessionmaker() as session:
        again = await ledger.post_many(session, [award(a, "visit:1", 100), award(b, "visit:4", 1)])
        assert [p.dedupe_key for p in again] == ["visit:4"]
        await session.commit()
    async with svc.sessionmaker() as session:
        balances = dict((await session.execute(select(Member.id, Member.redeemable_points))).all())
        assert balances == {a: 150, b: 8}
        assert await session.scalar(select(func.count()).select_from(PointsEntry)) == 4
        assert await ledger.check_ledger(session) == []


async def test_raise_tiers_only_raises_and_once_per_target(bot):
    a, b = await _two_members(bot)
    svc = services(bot)
    policy = svc.policy
    valid = date(2030, 1, 1)
    targets = [
        TierTarget(svc.default_store.id, a, "silver", valid, "gold"),
        TierTarget(svc.default_store.id, b, "gold", valid, "silver"),  # never down
    ]
    async with svc.sessionmaker() as session:
        changes = await membership.raise_tiers(session, policy, targets, EventKind.IMPORT)
        assert [(c.member_id, c.tier_before, c.tier_after) for c in changes] == [
            (a, "silver", "gold")
        ]
        await session.commit()
    async with svc.sessionmaker() as session:
        assert await membership.raise_tiers(session, policy, targets[:1], EventKind.IMPORT) == []
        assert await session.scalar(select(Member.tier_code).where(Member.id == a)) == "gold"
        assert await session.scalar(select(func.count()).select_from(MembershipEvent)) == 1
