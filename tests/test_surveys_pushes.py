"""The survey push is re-read when it goes: one answered before it went, expired, or
whose visit was reversed is not sent at all; a restart sends none twice. A press after
the survey closed points to /feedback."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from bot.club.visits.record import reverse_visit
from bot.messaging.outbox import Purpose
from db.base import utcnow
from db.models import Push, Survey, Visit
from tests.flows import services
from tests.harness import joined
from tests.test_surveys_answer import queued, rate, surveyed, surveys


async def survey_push_statuses(bot) -> list[str]:
    async with services(bot).sessionmaker() as session:
        found = await session.scalars(select(Push.status).where(Push.purpose == Purpose.SURVEY))
        return list(found)


def survey_pushes_to(owner) -> list[str]:
    return [c.text for c in owner.received() if "How satisfied are you overall?" in c.text]


async def test_a_survey_answered_before_its_push_went_is_not_sent(bot):
    owner, survey = await queued(bot)
    await owner.press_data(rate(survey, 5))  # an earlier message's button, say
    await owner.press("10")
    await owner.press("Skip")
    assert (await surveys(bot))[0].status == "answered"
    before = len(owner.received())
    await bot.drain(at=survey.sent_after + timedelta(minutes=1))
    assert len(owner.received()) == before and survey_pushes_to(owner) == []
    assert await survey_push_statuses(bot) == ["cancelled"]


async def test_an_expired_survey_is_not_sent_and_a_late_press_points_to_feedback(bot):
    owner, survey = await queued(bot, locale="zh_Hans")
    async with services(bot).sessionmaker() as session:  # the bot was down past its days
        await session.execute(update(Survey).values(expires_at=utcnow() - timedelta(minutes=1)))
        await session.commit()
    await bot.drain(at=survey.sent_after + timedelta(minutes=1))
    assert owner.received() == [] and await survey_push_statuses(bot) == ["cancelled"]
    text = joined(await owner.press_data(rate(survey, 2)))
    assert "这份满意度调查已关闭" in text and "/feedback" in text
    assert (await surveys(bot))[0].status == "pending"


async def test_an_owner_who_began_in_time_may_change_the_rating_after_it_closed(bot):
    owner, survey = await surveyed(bot)
    assert "Your rating: 2" in joined(await owner.press_data(rate(survey, 2)))
    async with services(bot).sessionmaker() as session:  # it closes mid-dialog
        await session.execute(update(Survey).values(expires_at=utcnow()))
        await session.commit()
    calls = await owner.press_data(rate(survey, 4))  # they change their mind
    assert "Your rating: 4" in joined(calls) and "closed" not in joined(calls)
    await owner.press("9")
    await owner.press("Skip")
    [kept] = await surveys(bot)
    assert (kept.status, kept.satisfaction, kept.nps) == ("answered", 4, 9)
    # Someone who never began is still told it closed.
    other, late = await surveyed(bot, 8123, plate="粤B81230")
    async with services(bot).sessionmaker() as session:
        await session.execute(
            update(Survey).where(Survey.id == late.id).values(expires_at=utcnow())
        )
        await session.commit()
    assert "this survey has closed" in joined(await other.press_data(rate(late, 4)))


async def test_the_survey_of_a_reversed_visit_is_not_sent(bot):
    owner, survey = await queued(bot)
    svc = services(bot)
    async with svc.sessionmaker() as session:
        order_no = await session.scalar(select(Visit.order_no).where(Visit.id == survey.visit_id))
        await reverse_visit(session, svc.default_store.id, 1, order_no, "recorded twice")
        await session.commit()
    await bot.drain(at=survey.sent_after + timedelta(minutes=1))
    assert survey_pushes_to(owner) == [] and await survey_push_statuses(bot) == ["cancelled"]


async def test_a_restart_sends_the_survey_once(make_bot):
    bot = await make_bot()
    owner, survey = await surveyed(bot)
    assert len(survey_pushes_to(owner)) == 1
    again = await make_bot()  # a second start on the same database
    await again.drain(at=survey.sent_after + timedelta(minutes=5))
    assert again.api.calls_to("sendMessage") == []
    assert await survey_push_statuses(bot) == ["sent"]


async def test_an_owner_who_began_before_the_survey_closed_still_finishes(bot):
    owner, _ = await surveyed(bot)
    await owner.press("5 😀")
    async with services(bot).sessionmaker() as session:  # it closes while they think
        await session.execute(update(Survey).values(expires_at=utcnow()))
        await session.commit()
    await asyncio.sleep(0.01)
    await owner.press("8")
    text = joined(await owner.press("Skip"))
    assert "Thank you for your answer!" in text
    [kept] = await surveys(bot)
    assert (kept.status, kept.satisfaction, kept.nps) == ("answered", 5, 8)
