"""A DMS name belongs to one staff member however many set it at once, and only a
service advisor is handed the service calls filed under it (they carry owners' phones)."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot import jobs
from bot.club.staff import dms_names
from bot.club.staff.dms_names import NameRefused
from db.models import CallTask, StaffName
from tests.factories import add_member, add_visit, staff
from tests.flows import services


async def set_name(bot, user_id: int, name: str):
    svc = services(bot)
    async with svc.sessionmaker() as session:
        try:
            done = await dms_names.set_name(session, svc.default_store.id, user_id, name, svc.now())
        except NameRefused as refused:
            await session.rollback()
            return refused.code
        await session.commit()
    return done


async def test_twenty_staff_setting_one_name_at_once_leave_one_holder(bot):
    for uid in range(7100, 7120):
        await staff(bot, uid, "service_advisor")
    results = await asyncio.gather(*[set_name(bot, uid, "Zhang Wei") for uid in range(7100, 7120)])
    kept = [r for r in results if isinstance(r, dms_names.NameSet)]
    assert len(kept) == 1
    async with services(bot).sessionmaker() as session:
        holders = await session.scalar(
            select(func.count()).select_from(StaffName).where(StaffName.name_key == "zhang wei")
        )
    assert holders == 1
    # The holder may set it again (a double tap), in other letters' case too.
    winner = next(uid for uid, r in zip(range(7100, 7120), results, strict=True) if r in kept)
    assert isinstance(await set_name(bot, winner, "zhang wei"), dms_names.NameSet)


async def test_only_a_service_advisor_is_given_the_calls_filed_under_a_name(bot):
    await add_member(bot, 7200)
    await add_visit(bot, advisor="Li Na", staff_id=None)
    await jobs.surveys_tick(services(bot))
    await staff(bot, 7201, "sales")
    done = await set_name(bot, 7201, "Li Na")
    assert done.claimed == 0
    async with services(bot).sessionmaker() as session:
        task = await session.scalar(select(CallTask).where(CallTask.kind == "service"))
    assert task.assignee_user_id is None and task.assignee_name == "Li Na"
