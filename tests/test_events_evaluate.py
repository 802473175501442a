"""The evaluation form in chat, as owners meet it after an event: a rating button on
the evaluation push opens it with the rating set, they say what was useful and may ask
a question (both skippable), and it is kept once. A second press, a late one, a forged
or another owner's button and an owner who was not there are answered in words."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from bot.club.common import codes
from bot.club.events import evaluate
from db.base import utcnow
from db.models import Event, EventFeedback, EventSignup, Member
from tests.booking_support import STAFF_CHAT, staff_posts
from tests.factories import add_event, add_member
from tests.harness import Bot, joined

OWNER, OTHER = 8601, 8602


def services(bot: Bot):
    return bot.app.bot_data["services"]


async def past_event(bot: Bot, *, ended: timedelta = timedelta(hours=2), **fields) -> Event:
    """A class that ended `ended` ago (two hours long)."""
    end = utcnow() - ended
    times = {"starts_at": end - timedelta(hours=2), "ends_at": end}
    return await add_event(bot, signup_until=end - timedelta(days=1), **times, **fields)


async def seat(
    bot: Bot, event: Event, member: Member, *, status: str = "going", checked_in: bool = False
) -> EventSignup:
    """The member's sign-up for the event, as a sign-up (and a check-in) leaves it."""
    now = utcnow()
    async with services(bot).sessionmaker() as session:
        signup = EventSignup(
            store_id=event.store_id,
            event_id=event.id,
            member_id=member.id,
            companions=0,
            status=status,
            queued_at=now,
            offers=0,
            code=codes.new_code(10),
            turn=1,
            checked_in_at=event.starts_at if checked_in else None,
        )
        session.add(signup)
        await session.commit()
    return signup


async def attendee(bot: Bot, user_id: int = OWNER, *, language: str = "en", **seating):
    """An owner who went to a class that just ended: (person, member, event, sign-up)."""
    locale = "zh_Hans" if language.startswith("zh") else "en"
    member = await add_member(bot, user_id, locale=locale, phone=f"+86139{user_id:08d}")
    event = await past_event(bot)
    signup = await seat(bot, event, member, **seating)
    return bot.person(user_id, language=language), member, event, signup


async def feedback(bot: Bot) -> list[EventFeedback]:
    async with services(bot).sessionmaker() as session:
        return list(await session.scalars(select(EventFeedback).order_by(EventFeedback.id)))


def rate(signup: EventSignup, n: int) -> str:
    return f"eva:rate:{signup.id}:{n}"


async def test_a_rating_then_what_was_useful_and_a_question_are_kept(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    owner, member, event, signup = await attendee(bot)
    text = joined(await owner.press_data(rate(signup, 4)))
    assert "Owner class: winter driving" in text and "Your rating: ★★★★☆" in text
    assert "What was useful to you?" in text and owner.last.button_labels == ["Skip"]
    text = joined(await owner.send("How to check the tyre pressure"))
    assert "a question for our staff?" in text and "within 48 hours" in text
    assert owner.last.button_labels == ["No question"]
    text = joined(await owner.send("How often should I rotate the tyres?"))
    assert "Thank you for your evaluation!" in text
    assert "We will answer your question here within 48 hours." in text
    [kept] = await feedback(bot)
    assert (kept.event_id, kept.member_id, kept.rating) == (event.id, member.id, 4)
    assert kept.useful == "How to check the tyre pressure"
    assert kept.question == "How often should I rotate the tyres?"
    assert kept.asked_at is not None and kept.answered_at is None
    [post] = staff_posts(bot)  # the staff group hears of the question at once
    assert "Wang Wei" in post and "How often should I rotate the tyres?" in post
    assert "/questions" in post


async def test_both_texts_skipped_in_chinese_keep_the_rating_alone(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    owner, _, _, signup = await attendee(bot, language="zh-hans")
    text = joined(await owner.press_data(rate(signup, 5)))
    assert "车主讲堂：冬季用车" in text and "★★★★★" in text and "有哪些收获" in text
    await owner.press("跳过")
    assert "48" in owner.last.text and "问题" in owner.last.text
    await owner.press("没有问题")
    assert "感谢您的评价" in owner.last.text
    [kept] = await feedback(bot)
    assert kept.rating == 5 and kept.useful is None
    assert kept.question is None and kept.asked_at is None
    assert staff_posts(bot) == []  # no question: nothing for the staff group


async def test_a_second_press_and_a_double_tap_keep_one_evaluation(bot):
    owner, _, _, signup = await attendee(bot)
    await owner.press_data(rate(signup, 3))
    calls = await owner.press("Skip")
    skip = next(b["callback_data"] for c in calls for b in c.buttons if b["text"] == "No question")
    await owner.press_data(skip)
    assert "Thank you for your evaluation!" in owner.last.text
    notice = await owner.press_data(skip)  # the same button again
    notes = [c.params.get("text") for c in notice if c.method == "answerCallbackQuery"]
    assert notes == ["That button is no longer active."]
    text = joined(await owner.press_data(rate(signup, 1)))  # the push's button again
    assert "Thank you, we have your evaluation already." in text
    [kept] = await feedback(bot)
    assert kept.rating == 3


async def test_a_second_rating_before_finishing_starts_again_with_it(bot):
    owner, _, _, signup = await attendee(bot)
    await owner.press_data(rate(signup, 2))
    text = joined(await owner.press_data(rate(signup, 5)))  # changed their mind
    assert "★★★★★" in text
    await owner.press("Skip")
    await owner.press("No question")
    [kept] = await feedback(bot)
    assert kept.rating == 5


async def test_another_owners_forged_and_malformed_buttons_are_refused(bot):
    _, _, _, signup = await attendee(bot)
    other = bot.person(OTHER, language="en")
    await add_member(bot, OTHER, phone="+8613900000002", plate="粤B99999")
    for data in (rate(signup, 4), "eva:rate:99999:4", "eva:rate:abc:4"):
        text = joined(await other.press_data(data))
        assert "That evaluation is not one of yours." in text
    owner = bot.person(OWNER, language="en")
    for n in ("9", "0", "x"):
        text = joined(await owner.press_data(f"eva:rate:{signup.id}:{n}"))
        assert "Please choose a rating from 1 to 5." in text
    stranger = bot.person(8609, language="en")
    assert "not a club member" in joined(await stranger.press_data(rate(signup, 4)))
    assert await feedback(bot) == []


async def test_too_late_too_early_or_not_there_is_said_in_words(bot):
    owner, member, _, _ = await attendee(bot)
    late = await past_event(bot, ended=timedelta(days=8))  # [events].evaluation_days = 7
    text = joined(await owner.press_data(rate(await seat(bot, late, member), 4)))
    assert "Sorry, the evaluation of this event has closed." in text
    coming = await add_event(bot)  # a week ahead
    text = joined(await owner.press_data(rate(await seat(bot, coming, member), 4)))
    assert "You can evaluate the event once it is over." in text
    left = await past_event(bot)
    cancelled = await seat(bot, left, member, status="cancelled")
    text = joined(await owner.press_data(rate(cancelled, 4)))
    assert "Only owners who attended the event can evaluate it." in text
    assert await feedback(bot) == []


async def test_where_staff_checked_people_in_only_those_checked_in_evaluate(bot):
    owner, member, event, _ = await attendee(bot, checked_in=True)
    other = await add_member(bot, OTHER, phone="+8613900000002", plate=None)
    absent = await seat(bot, event, other)  # signed up, but nobody saw them there
    text = joined(await bot.person(OTHER, language="en").press_data(rate(absent, 5)))
    assert "Only owners who attended the event can evaluate it." in text
    mine = await feedback(bot)
    assert mine == []
    async with services(bot).sessionmaker() as session:
        signup_id = await session.scalar(
            select(EventSignup.id).where(EventSignup.member_id == member.id)
        )
    await owner.press_data(f"eva:rate:{signup_id}:5")
    assert "What was useful" in owner.last.text


async def test_an_evaluation_closing_while_the_form_is_open_is_not_kept(bot):
    owner, _, event, signup = await attendee(bot)
    await owner.press_data(rate(signup, 4))
    await owner.press("Skip")
    async with services(bot).sessionmaker() as session:  # the week passes meanwhile
        moved = utcnow() - timedelta(days=8)
        await session.execute(update(Event).where(Event.id == event.id).values(ends_at=moved))
        await session.commit()
    await owner.send("Will there be a class on tyres?")
    assert "Sorry, the evaluation of this event has closed." in owner.last.text
    assert await feedback(bot) == []


async def test_two_saves_racing_write_one_evaluation(bot):
    _, member, _, signup = await attendee(bot)
    store = services(bot).default_store

    async def save(rating: int):
        async with services(bot).sessionmaker() as session:
            saved = await evaluate.save(
                session, store, signup.id, member.id, rating, None, "Why?", utcnow()
            )
            await session.commit()
            return saved

    results = await asyncio.gather(save(4), save(2))
    assert sorted(r.again for r in results) == [False, True]
    [kept] = await feedback(bot)
    assert {r.feedback.id for r in results} == {kept.id}
