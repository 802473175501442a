"""/questions as the event desk uses it: owners' questions unanswered first with their
due time, Answer and a typed answer that reaches the owner in their language, two staff
members answering the same question, an event's ratings, paging, and who may."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from db.base import utcnow
from db.models import Event, EventFeedback, Member
from tests.factories import add_member, staff
from tests.harness import Bot, joined
from tests.test_events_evaluate import past_event, services

OWNER, CS, ADVISOR = 8701, 8702, 8703


async def asked(
    bot: Bot,
    member: Member,
    event: Event,
    question: str | None,
    *,
    hours_ago: float = 1,
    rating: int = 4,
    useful: str | None = None,
) -> EventFeedback:
    """An evaluation as the form keeps it, its question asked `hours_ago`."""
    at = utcnow() - timedelta(hours=hours_ago)
    async with services(bot).sessionmaker() as session:
        row = EventFeedback(
            store_id=event.store_id,
            event_id=event.id,
            member_id=member.id,
            rating=rating,
            useful=useful,
            question=question,
            asked_at=at if question else None,
            created_at=at,
        )
        session.add(row)
        await session.commit()
    return row


async def current(bot: Bot, row: EventFeedback) -> EventFeedback:
    async with services(bot).sessionmaker() as session:
        found = await session.get(EventFeedback, row.id)
        assert found is not None
        return found


async def owner_at_class(bot: Bot, user_id: int = OWNER, locale: str = "zh_Hans", **member):
    person = await add_member(bot, user_id, locale=locale, phone=f"+86139{user_id:08d}", **member)
    return person, await past_event(bot)


async def test_questions_unanswered_first_then_an_answer_reaches_the_owner(bot):
    member, event = await owner_at_class(bot)
    late = await asked(bot, member, event, "Is the winter tyre worth it?", hours_ago=50)
    other = await add_member(bot, 8705, phone="+8613900000005", name="Li Na", plate=None)
    fresh = await asked(bot, other, event, "Are the slides shared?", hours_ago=2)
    cs = await staff(bot, CS, "customer_service", first_name="Zhou")
    text = joined(await cs.send("/questions"))
    assert "unanswered first" in text
    assert text.index("Is the winter tyre worth it?") < text.index("Are the slides shared?")
    assert "overdue by 2 hours" in text and "due by " in text  # 48 h: 50 h ago, 2 h ago
    assert f"#{late.id} · Wang Wei · Owner class: winter driving" in text
    assert cs.last.button_labels == [f"Answer #{late.id}", f"Answer #{fresh.id}"]
    text = joined(await cs.press(f"Answer #{late.id}"))
    assert "Wang Wei asked about Owner class: winter driving" in text
    assert "“Is the winter tyre worth it?”" in text and "Cancel" in cs.last.button_labels
    text = joined(await cs.send("Yes, if you drive in snow often."))
    assert "Answered. Wang Wei receives your answer now." in text
    owner = bot.person(OWNER)
    told = owner.last.text  # in the owner's language, through the outbox
    assert "您关于「车主讲堂：冬季用车」的提问" in told and "Is the winter tyre worth it?" in told
    assert "我们的回复" in told and "Yes, if you drive in snow often." in told
    row = await current(bot, late)
    assert row.answer == "Yes, if you drive in snow often." and row.answered_by == CS
    text = joined(await cs.send("/questions"))  # the answered one now comes after
    assert text.index("Are the slides shared?") < text.index("Is the winter tyre worth it?")
    assert "answered " in text and "by you" in text
    assert cs.last.button_labels == [f"Answer #{fresh.id}"]


async def test_two_staff_answering_one_question_the_second_is_told_who_did(bot):
    member, event = await owner_at_class(bot, locale="en")
    row = await asked(bot, member, event, "When is the next class?")
    first = await staff(bot, CS, "customer_service", first_name="Zhou")
    second = await staff(bot, ADVISOR, "service_advisor", first_name="Chen")
    await first.send("/questions")
    await second.send("/questions")
    await first.press(f"Answer #{row.id}")
    await second.press(f"Answer #{row.id}")
    await first.send("On the 20th.")
    text = joined(await second.send("Next month."))
    assert "That question was answered already by Zhou on " in text and "On the 20th." in text
    await second.send("/questions")
    await second.press_data(f"evq:answer:{row.id}")  # the old button
    assert "answered already by Zhou" in second.last.text
    assert (await current(bot, row)).answer == "On the 20th."
    answers = [c for c in bot.person(OWNER).received() if "Our answer" in c.text]
    assert len(answers) == 1 and "On the 20th." in answers[0].text


async def test_an_events_ratings_comments_and_answers_paged(bot):
    member, event = await owner_at_class(bot, locale="en")
    await asked(bot, member, event, None, rating=5, useful="Snow chains demo")
    for n in range(6):
        someone = await add_member(bot, 8710 + n, phone=f"+86137000000{n:02d}", plate=None)
        await asked(bot, someone, event, f"Question {n}?", rating=3 + n % 2, hours_ago=10 - n)
    cs = await staff(bot, CS, "customer_service")
    text = joined(await cs.send(f"/questions {event.id}"))
    assert f"#{event.id} Owner class: winter driving" in text
    assert "7 evaluations, average rating 3.7 / 5" in text  # (5 + 3·3 + 3·4) / 7 = 3.71
    assert "★★★★★  1\n★★★★☆  3\n★★★☆☆  3\n★★☆☆☆  0\n★☆☆☆☆  0" in text
    assert "What owners said (page 1/2)" in text and "Question 0?" in text
    assert "Next ▶" in cs.last.button_labels
    text = joined(await cs.press("Next ▶"))
    assert "page 2/2" in text and "Useful: Snow chains demo" in text
    assert "◀ Previous" in cs.last.button_labels
    text = joined(await cs.press_data(f"evq:event:{event.id}:999"))  # clamped to the last
    assert "page 2/2" in text


async def test_in_chinese_an_event_without_evaluations_and_an_unknown_one(bot):
    _, event = await owner_at_class(bot)
    cs = await staff(bot, CS, "customer_service", language="zh-hans")
    text = joined(await cs.send(f"/questions {event.id}"))
    assert "车主讲堂：冬季用车" in text and "还没有评价" in text
    assert "本店没有编号为 #99999 的活动" in joined(await cs.send("/questions 99999"))
    assert "用法" in joined(await cs.send("/questions abc"))
    assert "还没有车主提问" in joined(await cs.send("/questions"))


async def test_owners_may_not_and_forged_buttons_are_refused(bot):
    member, event = await owner_at_class(bot, locale="en")
    row = await asked(bot, member, event, "Hello?")
    owner = bot.person(OWNER, language="en")
    for calls in (await owner.send("/questions"), await owner.press_data(f"evq:answer:{row.id}")):
        assert "for store staff with the right role" in joined(calls)
    cs = await staff(bot, CS, "customer_service")
    calls = await cs.press_data("evq:answer:99999")
    notes = [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]
    assert notes == ["That question does not exist (any more)."]
    await cs.press_data(f"evq:answer:{row.id}")
    text = joined(await cs.send("   "))
    assert "Please type the answer as text." in text
    assert (await current(bot, row)).answered_at is None
    async with services(bot).sessionmaker() as session:
        assert await session.scalar(select(EventFeedback.answer)) is None


async def test_a_page_of_long_evaluations_fits_one_message(bot):
    _, event = await owner_at_class(bot, locale="en")
    long = "轮胎" * 500  # 1,000 characters, the longest kept
    for n in range(5):
        someone = await add_member(bot, 8720 + n, phone=f"+86136000000{n:02d}", plate=None)
        await asked(bot, someone, event, long, useful=long, hours_ago=5 - n)
    cs = await staff(bot, CS, "customer_service")
    for command in ("/questions", f"/questions {event.id}"):
        await cs.send(command)
        assert len(cs.last.text) <= 4096 and "…" in cs.last.text
    await cs.press("Answer #1")
    assert long in cs.last.text  # the whole question where it is answered
