"""A visits export longer than one import batch: cut short and imported again, or imported
twice, it leaves the same ledger, balances, tiers and car readings as one straight import."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from bot.club.imports.run import BATCH
from bot.club.points import ledger
from db.models import Car, Member, PointsEntry, Visit
from tests.conftest import ADMIN_ID
from tests.flows import services
from tests.harness import joined

CARS = 8
CATEGORIES = ["保养", "一般维修", "钣喷", "配件", "精品", "首保"]


def plate(i: int) -> str:
    return f"粤B{20000 + i}"


def exports() -> tuple[bytes, bytes, list[str]]:
    """Members and cars files, and the visits file's lines (header first): two and a
    half batches, with orders repeated across a batch boundary and within one."""
    members = "客户姓名,手机号\n" + "".join(f"车主{i},1390000{i:04d}\n" for i in range(CARS))
    cars = "客户姓名,手机号,车牌号,车型,交车日期\n" + "".join(
        f"车主{i},1390000{i:04d},{plate(i)},途观L,2020-05-06\n" for i in range(CARS)
    )
    rng = random.Random(12)
    start = date.today() - timedelta(days=700)  # some visits too old to earn points
    lines = ["车牌号,工单号,结算日期,维修类别,结算金额,行驶里程"]
    for i in range(BATCH * 5 // 2):
        order = i if i % 97 else max(0, i - BATCH // 2 - 3)  # a few orders seen before
        day = start + timedelta(days=rng.randrange(690))
        lines.append(
            f"{plate(rng.randrange(CARS))},WO{order:07d},{day.isoformat()},"
            f"{rng.choice(CATEGORIES)},{rng.randrange(100, 9000)}.{rng.randrange(100):02d},"
            f"{rng.randrange(1000, 90000)}"
        )
    return members.encode(), cars.encode(), lines


async def snapshot(bot) -> dict[str, list[tuple[object, ...]]]:
    """What owners and staff see of the import: ledger, balances, tiers, car readings."""
    async with services(bot).sessionmaker() as session:
        assert await ledger.check_ledger(session) == []
        entries = await session.execute(
            select(
                Visit.order_no,
                PointsEntry.kind,
                PointsEntry.cumulative,
                PointsEntry.redeemable,
                PointsEntry.expires_on,
            )
            .join(Visit, Visit.id == PointsEntry.visit_id)
            .order_by(Visit.order_no, PointsEntry.kind)
        )
        members = await session.execute(
            select(
                Member.phone, Member.cumulative_points, Member.redeemable_points, Member.tier_code
            ).order_by(Member.phone)
        )
        cars = await session.execute(
            select(
                Car.plate, Car.last_service_date, Car.last_mileage, Car.last_mileage_date
            ).order_by(Car.plate)
        )
        visits = await session.execute(
            select(Visit.order_no, Visit.visit_date, Visit.amount_fen).order_by(Visit.order_no)
        )
        return {
            "ledger": [tuple(r) for r in entries],
            "members": [tuple(r) for r in members],
            "cars": [tuple(r) for r in cars],
            "visits": [tuple(r) for r in visits],
        }


async def test_a_long_export_cut_short_then_whole_then_again_is_counted_once(make_bot, tmp_path):
    members, cars, lines = exports()
    whole = ("\n".join(lines) + "\n").encode()
    cut = ("\n".join(lines[: BATCH + BATCH // 3]) + "\n").encode()  # killed in batch two

    # One straight import, on a database of its own.
    straight = await make_bot(database_url=f"sqlite+aiosqlite:///{tmp_path / 'straight.db'}")
    staff = straight.person(ADMIN_ID, language="en")
    await staff.send_document("members.csv", members)
    await staff.send_document("cars.csv", cars)
    text = joined(await staff.send_document("visits.csv", whole))
    assert "Import of visits finished" in text
    expected = await snapshot(straight)
    unique_orders = len({line.split(",")[1] for line in lines[1:]})
    assert len(expected["visits"]) == unique_orders
    assert expected["ledger"], "recent visits earn points"
    assert len(expected["ledger"]) < unique_orders, (
        "visits older than the policy's window earn none"
    )

    # The test database: the first part (as an import killed mid-way leaves it), then the
    # whole file, then the whole file again.
    bot = await make_bot()
    staff = bot.person(ADMIN_ID, language="en")
    await staff.send_document("members.csv", members)
    await staff.send_document("cars.csv", cars)
    await staff.send_document("visits.csv", cut)
    await staff.send_document("visits.csv", whole)
    assert await snapshot(bot) == expected
    text = joined(await staff.send_document("visits.csv", whole))
    assert "New: 0" in text
    assert await snapshot(bot) == expected
