"""Questions unanswered past `[events].answer_hours` (48 h): the minute tick flags each
once, to the staff group and to every manager in private in their language, however
many ticks, instances or restarts; /followups lists them with /questions."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.jobs import events_tick
from db.base import utcnow
from tests.booking_support import STAFF_CHAT, staff_posts
from tests.factories import add_member, staff
from tests.harness import Bot
from tests.test_events_evaluate import services
from tests.test_events_questions import asked, current, owner_at_class

MANAGER, MANAGER_ZH, CS = 8801, 8802, 8803
LATE = "unanswered for over 48 hours"
LATE_ZH = "超过 48 小时未回复"  # the staff group reads the store's language


def received(bot: Bot, chat: int) -> list[str]:
    return [c.text for c in bot.api.calls if c.method == "sendMessage" and c.chat_id == chat]


async def setting(bot: Bot):
    """An owner's question asked 49 h ago, one asked 47 h ago, one answered; two
    managers, one of them an English-speaking member."""
    member, event = await owner_at_class(bot, locale="en")
    late = await asked(bot, member, event, "Can I bring my kid?", hours_ago=49)
    other = await add_member(bot, 8805, phone="+8613900000005", name="Li Na", plate=None)
    soon = await asked(bot, other, event, "Is there parking?", hours_ago=47)
    await staff(bot, MANAGER, "manager")
    await add_member(bot, MANAGER, phone="+8613900000001", name="Zhou Min", plate=None)
    await staff(bot, MANAGER_ZH, "manager")
    return late, soon


async def test_a_late_question_is_flagged_once_across_ticks_and_a_restart(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    late, soon = await setting(bot)
    assert await events_tick(services(bot)) == {"offers_lapsed": 0, "questions_flagged": 1}
    assert (await events_tick(services(bot)))["questions_flagged"] == 0
    await bot.drain()
    [post] = [p for p in staff_posts(bot) if LATE_ZH in p]
    assert "Wang Wei" in post and "Can I bring my kid?" in post and "/questions" in post
    [mine] = received(bot, MANAGER)  # in the manager's own language
    assert LATE in mine and "Can I bring my kid?" in mine
    [theirs] = received(bot, MANAGER_ZH)  # no language saved: the store's, Chinese
    assert LATE_ZH in theirs and "/questions" in theirs
    assert (await current(bot, late)).flagged_at is not None
    assert (await current(bot, soon)).flagged_at is None

    again = await make_bot(staff_chat_id=STAFF_CHAT)  # restarted on the same database
    assert (await events_tick(services(again)))["questions_flagged"] == 0
    await again.drain()
    assert received(again, STAFF_CHAT) == [] and received(again, MANAGER) == []

    later = utcnow() + timedelta(hours=2)  # now the second one is past its 48 hours too
    assert (await events_tick(services(again), later))["questions_flagged"] == 1
    await again.drain()
    [post] = received(again, STAFF_CHAT)
    assert "Is there parking?" in post and "Li Na" in post


async def test_two_instances_ticking_at_once_flag_each_question_once(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    await setting(bot)
    twin = await make_bot(staff_chat_id=STAFF_CHAT)
    counts = await asyncio.gather(events_tick(services(bot)), events_tick(services(twin)))
    assert sorted(c["questions_flagged"] for c in counts) == [0, 1]
    await bot.drain()
    await twin.drain()
    posts = [c for b in (bot, twin) for c in received(b, STAFF_CHAT) if LATE_ZH in c]
    assert len(posts) == 1
    assert len([c for b in (bot, twin) for c in received(b, MANAGER)]) == 1


async def test_an_answered_question_is_never_flagged(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    late, _ = await setting(bot)
    cs = await staff(bot, CS, "customer_service")
    await cs.send("/questions")
    await cs.press(f"Answer #{late.id}")
    await cs.send("Yes, children are welcome.")
    assert (await events_tick(services(bot)))["questions_flagged"] == 0
    assert [p for p in staff_posts(bot) if LATE_ZH in p] == []


async def test_followups_lists_the_questions_past_due(bot):
    await setting(bot)
    cs = await staff(bot, CS, "customer_service")
    await cs.send("/followups")
    text = cs.last.text
    assert "Nobody to phone" in text
    assert "Owners' questions past due (1), answer them with /questions:" in text
    assert "• Wang Wei — Owner class: winter driving, overdue by 1 hour" in text
    assert "Li Na" not in text  # 47 h: still due
    zh = await staff(bot, 8809, "customer_service", language="zh-hans")
    await zh.send("/followups")
    assert "超时未回复的车主提问（1 条）" in zh.last.text and "已超时 1 小时" in zh.last.text
    owner = bot.person(8890, language="en")
    await owner.send("/followups")
    assert "for store staff with the right role" in owner.last.text
