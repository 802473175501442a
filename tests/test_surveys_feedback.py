"""/feedback as owners use it: a complaint or a suggestion, the words (a photo with a
caption is both), an optional photo; it opens a ticket carrying their latest visit,
posted to the staff group, and they hear what happens next. A non-member is told to
join; a sticker instead of words, a stale button and /cancel get the usual answers."""

from __future__ import annotations

import json

from sqlalchemy import select

from db.models import Ticket
from tests.booking_support import STAFF_CHAT, staff_posts
from tests.factories import add_member, add_visit
from tests.flows import services
from tests.harness import Person, joined
from tests.test_surveys_answer import surveyed

OWNER = 8801


async def tickets_of(bot) -> list[Ticket]:
    async with services(bot).sessionmaker() as session:
        return list(await session.scalars(select(Ticket).order_by(Ticket.id)))


async def send_photo(owner: Person, file_id: str, caption: str | None = None):
    """A photo as Telegram sends it (the largest size last), with a caption if given."""
    sizes = [
        {"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 60},
        {"file_id": file_id, "file_unique_id": "l", "width": 1280, "height": 853},
    ]
    extra = {"caption": caption} if caption is not None else {}
    return await owner.bot.feed({"message": owner._message(photo=sizes, **extra)})


async def test_a_complaint_in_chinese_with_a_captioned_photo_opens_a_ticket(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    member = await add_member(bot, OWNER, locale="zh_Hans")
    visit = await add_visit(bot, advisor="Zhao Lei")
    owner = bot.person(OWNER, language="zh-hans")
    text = joined(await owner.send("/feedback"))
    assert "投诉" in text and "建议" in text
    assert owner.last.button_labels == ["⚠️ 投诉", "💡 建议", "取消"]
    text = joined(await owner.press("⚠️ 投诉"))
    assert "发生了什么" in text
    text = joined(await send_photo(owner, "scratch-1", "取车时发现车门有划痕"))
    said = text.split("\n")[0]  # the owner's reply; the staff post follows in this test
    assert "您的反馈编号 #1" in said and "工单" not in said and "24 小时内给您回电" in said
    [ticket] = await tickets_of(bot)
    assert (ticket.kind, ticket.member_id, ticket.status) == ("complaint", member.id, "open")
    assert (ticket.text, ticket.photo) == ("取车时发现车门有划痕", "scratch-1")
    assert (ticket.visit_id, ticket.car_id, ticket.advisor) == (visit.id, visit.car_id, "Zhao Lei")
    assert ticket.due_at is not None
    assert any(f"#{ticket.id}" in post for post in staff_posts(bot))


async def test_a_suggestion_typed_then_no_photo(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    await add_member(bot, OWNER)
    owner = bot.person(OWNER, language="en")
    await owner.send("/feedback")
    text = joined(await owner.press("💡 Suggestion"))
    assert "What is your suggestion?" in text
    text = joined(await owner.send("Please open the lounge at 7:30 on Saturdays."))
    assert "Would you like to add a photo?" in text and owner.last.button_labels == ["No photo"]
    text = joined(await owner.press("No photo"))
    assert "Thank you for your suggestion" in text and "Our team reads every one." in text
    [ticket] = await tickets_of(bot)
    assert (ticket.kind, ticket.photo, ticket.due_at) == ("suggestion", None, None)
    assert ticket.text == "Please open the lounge at 7:30 on Saturdays."
    assert ticket.visit_id is None and ticket.car_id is not None  # no visit: their car
    assert any(f"#{ticket.id}" in post for post in staff_posts(bot))


async def test_a_photo_at_its_own_step_and_a_bare_photo_before_the_words(bot):
    await add_member(bot, OWNER)
    owner = bot.person(OWNER, language="en")
    await owner.send("/feedback")
    await owner.press("⚠️ Complaint")
    await owner.send("The car came back dirty inside.")
    text = joined(await send_photo(owner, "seat-1"))
    assert "a supervisor will call you back within 24 hours" in text
    await owner.send("/feedback")
    await owner.press("⚠️ Complaint")
    text = joined(await send_photo(owner, "mat-2"))  # no caption: the words come next
    assert "Thank you for the photo. Now please tell us in a few words" in text
    await owner.send("The floor mat is torn.")
    [first, second] = await tickets_of(bot)
    assert (first.text, first.photo) == ("The car came back dirty inside.", "seat-1")
    assert (second.text, second.photo) == ("The floor mat is torn.", "mat-2")


async def test_a_sticker_blank_words_a_stale_button_and_cancel(bot):
    await add_member(bot, OWNER)
    owner = bot.person(OWNER, language="en")
    await owner.send("/feedback")
    kind_prompt = owner.last
    await owner.press("⚠️ Complaint")
    sticker = {"file_id": "st1", "file_unique_id": "st1", "width": 512, "height": 512}
    sticker |= {"type": "regular", "is_animated": False, "is_video": False}
    text = joined(await owner.bot.feed({"message": owner._message(sticker=sticker)}))
    assert "I cannot take that as an answer here" in text
    text = joined(await owner.send("   "))
    assert "Please write a few words." in text
    stale = next(b["callback_data"] for b in kind_prompt.buttons if "Suggestion" in b["text"])
    calls = await owner.press_data(stale)
    notices = [c for c in calls if c.method == "answerCallbackQuery"]
    assert notices and "no longer active" in notices[-1].params.get("text", "")
    text = joined(await owner.send("/cancel"))
    assert "Cancelled; nothing was sent. Send /feedback to start again." in text
    assert await tickets_of(bot) == []


async def test_the_cancel_button_and_a_non_member(bot):
    await add_member(bot, OWNER)
    owner = bot.person(OWNER, language="en")
    await owner.send("/feedback")
    text = joined(await owner.press("Cancel"))
    assert "Cancelled; nothing was sent." in text
    stranger = bot.person(8899, language="en")
    assert "not a club member yet" in joined(await stranger.send("/feedback"))
    assert await tickets_of(bot) == []


async def test_mydata_lists_the_owners_surveys_and_tickets(bot):
    owner, _ = await surveyed(bot)
    await owner.press("2")
    await owner.press("5")
    await owner.press("Price")
    await owner.press("Done")
    await owner.send("Too expensive for an oil change.")
    await owner.send("/feedback")
    await owner.press("💡 Suggestion")
    await owner.send("Free coffee, please.")
    await owner.press("No photo")
    document = (await owner.send("/mydata"))[-1]
    content = document.files["document"]
    data = json.loads(content[1] if isinstance(content, tuple) else content)
    [survey] = data["surveys"]
    assert (survey["satisfaction"], survey["would_recommend"]) == (2, 5)
    assert survey["reasons"] == ["price"]
    assert survey["comment"] == "Too expensive for an oil change."
    assert [(t["kind"], t["text"]) for t in data["tickets"]] == [
        ("survey", "Too expensive for an oil change."),
        ("suggestion", "Free coffee, please."),
    ]
    assert data["tickets"][0]["status"] == "open"
    assert all(t["resolution"] is None and t["opened_at"] for t in data["tickets"])


async def test_words_past_the_limit_are_asked_again_with_the_limit_in_each_language(bot):
    await add_member(bot, OWNER, locale="zh_Hans")
    owner = bot.person(OWNER, language="zh-hans")
    await owner.send("/feedback")
    await owner.press(owner.last.button_labels[0])
    text = joined(await owner.send("太" * 2001))
    assert "请控制在 2,000 字以内" in text
    assert await tickets_of(bot) == []
    await owner.send("/cancel")
    english = bot.person(OWNER + 1, language="en")
    await add_member(bot, OWNER + 1, phone="+8613900008802", plate="粤B88020")
    await english.send("/feedback")
    await english.press("💡 Suggestion")
    assert "Please keep it under 2,000 characters." in joined(await english.send("x" * 2001))
