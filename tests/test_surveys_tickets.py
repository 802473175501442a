"""A ticket in the staff group: what its post says (in the store's language, never the
phone), its photo, and "I'll call": only a supervisor, once; the taker gets the card with
the phone in private, the group learns who calls, a colleague after is told who has it."""

from __future__ import annotations

from sqlalchemy import select

from bot.club.surveys.rules import TicketKind, TicketStatus
from db.models import Push, Ticket
from tests.factories import OWNER_PHONE, add_member, staff
from tests.flows import services
from tests.test_surveys_tickets_support import (
    STAFF_CHAT,
    button,
    group_calls,
    group_press,
    notices,
    open_ticket,
    unhappy_survey,
)


async def ticket_row(bot, ticket_id: int) -> Ticket:
    async with services(bot).sessionmaker() as session:
        return await session.get(Ticket, ticket_id)


async def test_an_unhappy_survey_is_posted_with_member_car_visit_scores_and_deadline(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    member = await add_member(bot, 6101)
    ticket = await unhappy_survey(bot, member)
    (post,) = group_calls(bot)
    zh = services(bot).translator("zh_Hans")  # the group reads the store's language
    store = services(bot).default_store
    gold = store.policy.tier(member.tier_code).name("zh_Hans")
    text = post.text
    assert f"#{ticket.id}" in text and "😞 满意度调查：不满意 · " in text
    assert "Wang Wei" in text and gold in text
    assert "粤B12345" in text and "Camry 2.0 2022" in text
    assert "RO-7788" in text and "Li Na" in text
    assert store.policy.category("maintenance").name("zh_Hans") in text
    assert zh.gettext("Satisfaction {score}/5 · recommend {nps}/10", score="2", nps="3") in text
    assert zh.gettext("Waiting time") in text and zh.gettext("Staff attitude") in text
    assert "Two hours late" in text
    assert zh.gettext("Solve by {when}", when=zh.datetime(ticket.due_at)) in text
    assert OWNER_PHONE not in text  # the phone goes to the taker only
    assert post.button_labels == [zh.gettext("📞 I'll call")]
    assert "我来回访" in post.button_labels[0]


async def test_a_complaint_with_a_photo_is_posted_as_the_photo_and_a_suggestion_is_noted(
    make_bot,
):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    member = await add_member(bot, 6102)
    words = "划痕 " * 700  # longer than a caption: cut, the deadline kept
    complaint = await open_ticket(bot, member, text=words, photo="AgACphoto1")
    (photo,) = group_calls(bot)
    assert photo.method == "sendPhoto" and photo.params["photo"] == "AgACphoto1"
    assert len(photo.text) <= 1024 and photo.text.endswith("…")
    assert f"#{complaint.id}" in photo.text and "划痕" in photo.text
    zh = services(bot).translator("zh_Hans")
    suggestion = await open_ticket(
        bot, member, kind=TicketKind.SUGGESTION, text="Please open on Sundays"
    )
    post = group_calls(bot)[-1]
    assert f"#{suggestion.id}" in post.text and "💡 建议" in post.text
    assert post.button_labels == [zh.gettext("✅ Noted")]


async def test_the_first_supervisor_takes_it_the_group_sees_who_and_a_colleague_is_told(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    member = await add_member(bot, 6103)
    ticket = await open_ticket(bot, member)
    (post,) = group_calls(bot)
    take = button(post, services(bot).translator("zh_Hans").gettext("📞 I'll call"))
    chen = await staff(bot, 6201, "customer_service", first_name="Chen")
    await chen.send("/start")  # Chen has a private chat with the bot
    calls = await group_press(bot, chen.id, take, post)
    assert "private chat" in notices(calls)[0]
    edited = [c for c in calls if c.method == "editMessageText" and c.chat_id == STAFF_CHAT]
    assert len(edited) == 1 and "Li" in edited[0].text  # "📞 Li will call." (Telegram name)
    assert edited[0].buttons == [] and f"#{ticket.id}" in edited[0].text
    assert OWNER_PHONE not in edited[0].text
    card = chen.last  # the card came through the outbox, in Chen's language
    assert OWNER_PHONE in card.text and f"#{ticket.id}" in card.text
    assert "Reached" in " ".join(card.button_labels) and "Solved" in " ".join(card.button_labels)
    # The same card opened from /tickets is laid out row for row as the pushed one.
    opened = (await chen.send(f"/tickets {ticket.id}"))[-1]
    assert opened.markup["inline_keyboard"] == card.markup["inline_keyboard"]
    assert (await ticket_row(bot, ticket.id)).status == TicketStatus.TAKEN
    # A colleague pressing the same (old) button is told who has it; nothing changes.
    await staff(bot, 6202, "manager")
    late = await group_press(bot, 6202, take, post)
    assert "has ticket" in notices(late)[0] and "Li" in notices(late)[0]
    assert [c for c in late if c.method in ("editMessageText", "sendMessage")] == []
    assert (await ticket_row(bot, ticket.id)).taken_by == chen.id
    # The taker pressing again gets the card again, the group is left alone.
    again = await group_press(bot, chen.id, take, post)
    assert [c for c in again if c.chat_id == STAFF_CHAT] == []


async def test_only_supervisors_may_take_and_a_forged_id_is_refused(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    member = await add_member(bot, 6104)
    ticket = await open_ticket(bot, member)
    (post,) = group_calls(bot)
    take = button(post, services(bot).translator("zh_Hans").gettext("📞 I'll call"))
    await staff(bot, 6203, "sales")  # sales are not supervisors by the default policy
    for presser in (6203, 6299):  # a salesperson; someone who is no staff at all
        calls = await group_press(bot, presser, take, post)
        assert notices(calls) == ["Sorry, tickets are for supervisors."]
        assert [c for c in calls if c.method != "answerCallbackQuery"] == []
    assert (await ticket_row(bot, ticket.id)).status == TicketStatus.OPEN
    await staff(bot, 6204, "customer_service", language="zh-hans")
    forged = await group_press(bot, 6204, "tk:take:999999", post, language="zh-hans")
    assert notices(forged) == [
        services(bot).translator("zh_Hans").gettext("There is no such ticket in this store.")
    ]
    junk = await group_press(bot, 6204, "tk:take:abc", post, language="zh-hans")
    assert notices(junk)[0]
    async with services(bot).sessionmaker() as session:
        cards = await session.scalars(select(Push).where(Push.chat_id == 6204))
        assert list(cards) == []


async def test_a_photo_post_loses_its_button_and_the_group_gets_a_line(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    member = await add_member(bot, 6105)
    ticket = await open_ticket(bot, member, photo="AgACphoto2")
    (photo,) = group_calls(bot)
    await staff(bot, 6205, "customer_service")
    calls = await group_press(bot, 6205, button(photo, photo.button_labels[0]), photo)
    stripped = [c for c in calls if c.method == "editMessageReplyMarkup"]
    assert stripped and stripped[0].chat_id == STAFF_CHAT
    line = [c for c in calls if c.method == "sendMessage" and c.chat_id == STAFF_CHAT]
    assert len(line) == 1 and f"#{ticket.id}" in line[0].text
