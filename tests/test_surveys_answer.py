"""The survey after a visit, as owners meet it: the push's five ratings, how likely they
are to recommend us, for an unhappy answer what went wrong (ticked on and off) and a
comment; kept once, an unhappy one opening a ticket posted to the staff group. A
happy answer asks no reasons; a second press starts afresh; /cancel keeps nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import jobs
from db.models import Survey, Ticket
from tests.booking_support import STAFF_CHAT, staff_posts
from tests.factories import PLATE, add_member, add_visit
from tests.flows import services
from tests.harness import Bot, Person, joined
from tests.test_surveys_tickets_support import notices

OWNER, OTHER = 8701, 8702


async def surveys(bot: Bot) -> list[Survey]:
    async with services(bot).sessionmaker() as session:
        found = await session.scalars(
            select(Survey).order_by(Survey.id).execution_options(populate_existing=True)
        )
        return list(found)


async def tickets_of(bot: Bot) -> list[Ticket]:
    async with services(bot).sessionmaker() as session:
        return list(await session.scalars(select(Ticket).order_by(Ticket.id)))


async def queued(
    bot: Bot, user_id: int = OWNER, *, locale: str = "en", plate: str = PLATE
) -> tuple[Person, Survey]:
    """An owner whose service visit was just recorded, and its survey (not yet sent)."""
    await add_member(bot, user_id, locale=locale, plate=plate, phone=f"+86139{user_id:08d}")
    await add_visit(bot, plate)
    await jobs.surveys_tick(services(bot))
    mine = [s for s in await surveys(bot) if s.member_id is not None][-1]
    language = "zh-hans" if locale == "zh_Hans" else "en"
    return bot.person(user_id, language=language), mine


async def surveyed(bot: Bot, user_id: int = OWNER, **kwargs) -> tuple[Person, Survey]:
    """…and its push delivered, when it is due."""
    owner, survey = await queued(bot, user_id, **kwargs)
    await bot.drain(at=survey.sent_after + timedelta(minutes=1))
    return owner, survey


def rate(survey: Survey, n: int) -> str:
    return f"sv:rate:{survey.id}:{n}"


async def test_an_unhappy_answer_asks_why_and_opens_a_ticket_for_the_staff_group(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    owner, survey = await surveyed(bot)
    push = owner.last
    assert "Thank you for visiting us on" in push.text and f"(Maintenance, {PLATE})" in push.text
    assert "How satisfied are you overall?" in push.text
    assert push.button_labels == ["1 😞", "2", "3", "4", "5 😀"]
    assert [len(row) for row in push.markup["inline_keyboard"]] == [5]

    text = joined(await owner.press("2"))
    assert "Your rating: 2" in text and "How likely are you to recommend us" in text
    assert owner.last.button_labels == [str(n) for n in range(11)]
    assert [len(row) for row in owner.last.markup["inline_keyboard"]] == [6, 5]

    text = joined(await owner.press("3"))
    assert "What went wrong? Tap all that apply" in text
    assert owner.last.button_labels == [
        "Price",
        "Waiting time",
        "Quality of work",
        "Staff attitude",
        "Cleanliness",
        "Other",
        "Done",
    ]
    await owner.press("Waiting time")
    await owner.press("Staff attitude")
    assert "✓ Waiting time" in owner.last.button_labels
    await owner.press("✓ Waiting time")  # changed their mind
    assert "Waiting time" in owner.last.button_labels
    assert "✓ Staff attitude" in owner.last.button_labels
    text = joined(await owner.press("Done"))
    assert "Tell us in a few words what happened, or skip." in text

    text = joined(await owner.send("The advisor was rude about the bill."))
    assert "This is your feedback #1: a supervisor will call you back within 24 hours" in text
    [kept] = await surveys(bot)
    assert (kept.status, kept.satisfaction, kept.nps) == ("answered", 2, 3)
    assert kept.reasons == ["attitude"] and kept.comment == "The advisor was rude about the bill."
    [ticket] = await tickets_of(bot)
    assert (ticket.kind, ticket.survey_id, ticket.status) == ("survey", survey.id, "open")
    assert ticket.advisor == "Li Na"
    assert any(f"#{ticket.id}" in post for post in staff_posts(bot))


async def test_a_happy_answer_in_chinese_asks_no_reasons_and_opens_no_ticket(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    owner, _ = await surveyed(bot, locale="zh_Hans")
    assert "到店保养（粤B12345）" in owner.last.text
    await owner.press("5 😀")
    assert "推荐" in owner.last.text
    text = joined(await owner.press("9"))
    assert "还有什么" in text and owner.last.button_labels == ["跳过"]
    text = joined(await owner.press("跳过"))
    assert "感谢" in text
    [kept] = await surveys(bot)
    assert (kept.satisfaction, kept.nps, kept.reasons, kept.comment) == (5, 9, [], None)
    assert await tickets_of(bot) == [] and staff_posts(bot) == []


async def test_a_low_likelihood_to_recommend_alone_asks_why_and_done_may_tick_nothing(bot):
    owner, _ = await surveyed(bot)
    await owner.press("4")
    await owner.press("2")  # 0–6: a detractor, however good the visit was
    await owner.press("Done")
    text = joined(await owner.press("Skip"))
    assert "This is your feedback #1: a supervisor will call you back within 24 hours" in text
    [kept] = await surveys(bot)
    assert (kept.satisfaction, kept.nps, kept.reasons, kept.comment) == (4, 2, [], None)
    [ticket] = await tickets_of(bot)
    assert ticket.text is None


async def test_a_second_press_starts_afresh_and_a_press_after_the_answer_shows_it(bot):
    owner, survey = await surveyed(bot)
    await owner.press("2")
    assert "Your rating: 2" in owner.last.text
    text = joined(await owner.press_data(rate(survey, 4)))  # another rating on the push
    assert "Your rating: 4" in text and "recommend" in text
    await owner.press("10")
    await owner.send("Quick and friendly, thanks.")
    [kept] = await surveys(bot)
    assert (kept.satisfaction, kept.nps, kept.comment) == (4, 10, "Quick and friendly, thanks.")
    assert await tickets_of(bot) == []

    text = joined(await owner.press_data(rate(survey, 1)))
    assert "Thank you, we have your answer." in text
    assert "Satisfaction: 4 of 5" in text and "Would recommend us: 10 of 10" in text
    assert "Quick and friendly, thanks." in text
    [kept] = await surveys(bot)
    assert kept.satisfaction == 4  # the answer stands


async def test_a_double_tap_on_a_score_is_stale_and_keeps_one_answer(bot):
    owner, _ = await surveyed(bot)
    await owner.press("5 😀")
    prompt = owner.last
    nine = next(b["callback_data"] for b in prompt.buttons if b["text"] == "9")
    await owner.press_data(nine)
    assert "Anything else you would like to tell us?" in owner.last.text
    notice = await owner.press_data(nine)  # the same button again
    answered = [c for c in notice if c.method == "answerCallbackQuery"]
    assert answered and "no longer active" in answered[-1].params.get("text", "")
    await owner.press("Skip")
    [kept] = await surveys(bot)
    assert (kept.satisfaction, kept.nps) == (5, 9)


async def test_cancel_mid_way_keeps_nothing_and_a_rating_starts_again(bot):
    owner, survey = await surveyed(bot)
    await owner.press("1 😞")
    await owner.press("0")
    text = joined(await owner.send("/cancel"))
    assert "Cancelled; your answer was not kept. Press a rating to start again." in text
    [kept] = await surveys(bot)
    assert kept.status == "pending" and await tickets_of(bot) == []
    text = joined(await owner.press_data(rate(survey, 3)))
    assert "Your rating: 3" in text


async def test_another_owners_forged_press_and_a_forged_score_are_refused(bot):
    _, survey = await surveyed(bot)
    other, _ = await queued(bot, OTHER, plate="粤B77777")
    calls = await other.press_data(rate(survey, 1))
    assert notices(calls) == ["That survey is not one of yours."]
    assert joined(calls) == ""  # said once, on the button: no dialog opens
    calls = await other.press_data(f"sv:rate:{survey.id}:9")
    assert notices(calls) == ["Please choose a rating from 1 to 5."] and joined(calls) == ""
    assert notices(await other.press_data("sv:rate:x:3")) == ["That survey is not one of yours."]
    stranger = bot.person(8799, language="en")
    assert "not a club member yet" in joined(await stranger.press_data(rate(survey, 2)))
    [kept, _] = await surveys(bot)
    assert kept.status == "pending"
