"""The survey push goes as ordinary pushes do at night (held until quiet hours end,
even when the sender falls behind), but no weekly cap on marketing ever swallows it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select, update

from bot import jobs
from bot.messaging.outbox import Purpose
from db.models import Push
from tests.factories import add_member, add_visit
from tests.flows import services


async def survey_push(bot) -> Push:
    async with services(bot).sessionmaker() as session:
        return await session.scalar(
            select(Push)
            .where(Push.purpose == Purpose.SURVEY)
            .execution_options(populate_existing=True)
        )


def store_clock(bot, day_offset: int, at: time) -> datetime:
    store = services(bot).default_store
    day = store.today() + timedelta(days=day_offset)
    return datetime.combine(day, at, tzinfo=store.tz).astimezone(UTC)


def surveys_to(bot, chat_id: int) -> int:
    return sum(
        1
        for c in bot.api.calls
        if c.method == "sendMessage" and c.chat_id == chat_id and "sv:rate:" in str(c.params)
    )


async def test_a_late_sender_holds_the_survey_through_the_night(make_bot, tmp_path):
    quiet = tmp_path / "policy.toml"
    quiet.write_text('[pushes]\nquiet_start = "21:00"\nquiet_end = "08:00"\n', encoding="utf-8")
    bot = await make_bot(policy_file=quiet)
    await add_member(bot, 4900)
    await add_visit(bot)
    await jobs.surveys_tick(services(bot))
    night = store_clock(bot, 1, time(23, 30))  # well past its time, but at night
    await bot.drain(at=night)
    assert surveys_to(bot, 4900) == 0 and (await survey_push(bot)).status == "queued"
    morning = store_clock(bot, 2, time(8, 30))
    await bot.drain(at=morning)
    assert surveys_to(bot, 4900) == 1 and (await survey_push(bot)).status == "sent"


async def test_an_owner_at_the_weekly_cap_still_gets_the_survey(bot):
    member = await add_member(bot, 4910)
    svc = services(bot)
    cap = svc.policy.pushes.weekly_cap
    noon = store_clock(bot, 1, time(12))
    async with svc.sessionmaker() as session:
        for i in range(cap):
            session.add(
                Push(
                    store_id=member.store_id,
                    member_id=member.id,
                    chat_id=4910,
                    purpose=Purpose.BROADCAST,
                    dedupe_key=f"old{i}",
                    params={},
                    status="sent",
                    sent_at=noon - timedelta(days=1),
                )
            )
        await session.commit()
    await add_visit(bot)
    await jobs.surveys_tick(svc)
    async with svc.sessionmaker() as session:
        await session.execute(
            update(Push).where(Push.purpose == Purpose.SURVEY).values(not_before=noon)
        )
        await session.commit()
    await bot.drain(at=noon + timedelta(minutes=1))
    assert surveys_to(bot, 4910) == 1 and (await survey_push(bot)).status == "sent"
