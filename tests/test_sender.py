"""The one push sender, as owners notice it: each push arrives once, whatever Telegram says
(429s, 403s, 400s, server errors and time-outs)."""

from __future__ import annotations

import time
from datetime import timedelta

from telegram.error import TimedOut

from bot.messaging import claims
from bot.messaging.outbox import Purpose
from db.models import Member
from tests.fake_time import FakeTimer
from tests.flows import services
from tests.harness import error_answer
from tests.sender_support import (
    add_members,
    fast_bot,
    got,
    midday,
    push,
    push_all,
    rows,
    sender,
    store_time,
)


async def test_every_queued_push_arrives_once(make_bot, tmp_path):
    bot = await fast_bot(make_bot, tmp_path)
    members = await add_members(bot, 30)
    await push_all(bot, members)
    photo = await push(bot, members[0], Purpose.WARRANTY, "w1", params={"photo": "AgADphoto"})
    gone = await push(bot, members[1], Purpose.WARRANTY, "w1", params={"cancelled": True})
    bug = await push(bot, members[2], Purpose.WARRANTY, "w1", params={"bug": True})
    report = await sender(bot).drain(max_seconds=20)  # one bad text stops nothing else
    assert got(bot) == {m.telegram_user_id: 1 for m in members[1:]} | {
        members[0].telegram_user_id: 2
    }
    assert [c.params["caption"] for c in bot.api.calls_to("sendPhoto")] == [f"warranty #{photo}"]
    assert (report.sent, report.cancelled, report.failed) == (31, 1, 1)
    stored = await rows(bot)
    assert (stored.pop(gone).status, stored.pop(bug).status) == ("cancelled", "failed")
    assert all(p.status == "sent" and p.message_id and p.sent_at for p in stored.values())
    assert (await sender(bot).drain()).sent == 0 and sum(got(bot).values()) == 31


async def test_a_429_holds_back_that_push_and_it_still_arrives_once(make_bot, tmp_path):
    bot = await fast_bot(make_bot, tmp_path)
    members = await add_members(bot, 6)
    await push_all(bot, members)
    first, stamps, flood = members[0].telegram_user_id, [], []

    def fault(method, params):
        stamps.append((time.monotonic(), int(params["chat_id"])))
        if int(params["chat_id"]) == first and not flood:
            flood.append(time.monotonic())
            return error_answer(429, retry_after=1)
        return None

    bot.api.fault = fault
    report = await sender(bot).drain(max_seconds=20)
    assert got(bot) == {m.telegram_user_id: 1 for m in members}
    assert report.flood_waits == 1 and report.sent == 6
    again = [at for at, chat in stamps if chat == first][1]
    assert again - flood[0] >= 0.95  # the flooded push waited retry_after…
    others = [at for at, chat in stamps if chat != first]
    assert any(at - flood[0] < 0.5 for at in others)  # …while the others went on
    assert all(p.attempts == 0 and p.status == "sent" for p in (await rows(bot)).values())


async def test_a_push_held_by_a_429_still_arrives_when_the_machine_is_slow(
    make_bot, tmp_path, monkeypatch
):
    """On a loaded machine the 429 hold can end while a claim is running: the drain
    must not take that for "nothing left" and stop with the push still queued."""
    bot = await fast_bot(make_bot, tmp_path)
    members = await add_members(bot, 4)
    await push_all(bot, members)
    first, flood = members[0].telegram_user_id, []

    def fault(method, params):
        if int(params["chat_id"]) == first and not flood:
            flood.append(params)
            return error_answer(429, retry_after=1)
        return None

    timer, claim_due = FakeTimer(), claims.claim_due

    async def slow_claim(*args, **kwargs):
        taken = await claim_due(*args, **kwargs)
        timer._now += 1.5  # each claim takes 1.5 s (a busy CPU, a slow disk): longer than the hold
        return taken

    monkeypatch.setattr(claims, "claim_due", slow_claim)
    bot.api.fault = fault
    clock = timer.wall(midday(bot))
    report = await sender(bot, timer=timer, clock=clock).drain(max_seconds=60)
    assert flood and got(bot) == {m.telegram_user_id: 1 for m in members}
    assert report.flood_waits == 1 and report.sent == 4
    assert {p.status for p in (await rows(bot)).values()} == {"sent"}


async def test_a_flood_of_429s_pauses_all_sending(make_bot, tmp_path):
    bot = await fast_bot(make_bot, tmp_path)
    members = await add_members(bot, 12)
    await push_all(bot, members)
    stamps, floods = [], []

    def fault(method, params):
        stamps.append(time.monotonic())
        if len(floods) < 6:  # Telegram answers 429 to everything for a moment
            floods.append(time.monotonic())
            return error_answer(429, retry_after=1)
        return None

    bot.api.fault = fault
    report = await sender(bot).drain(max_seconds=20)
    assert got(bot) == {m.telegram_user_id: 1 for m in members}
    assert report.paused_seconds >= 0.9  # the whole sender stood still
    after = [at for at in stamps if at > floods[-1]]
    assert after and min(after) - floods[-1] >= 0.9


async def test_a_member_who_blocked_the_bot_gets_nothing_more(make_bot, tmp_path):
    bot = await fast_bot(make_bot, tmp_path)
    blocker, other = await add_members(bot, 2)
    bot.api.fail(chat_id=blocker.telegram_user_id, status=403)
    ids = [await push(bot, blocker, key="b1"), await push(bot, blocker, key="b2")]
    await push(bot, other)
    report = await sender(bot).drain(max_seconds=20)
    assert got(bot) == {other.telegram_user_id: 1} and report.blocked == 2
    async with services(bot).sessionmaker() as session:
        assert (await session.get(Member, blocker.id)).blocked_at is not None
    later = await push(bot, blocker, Purpose.INSURANCE, "i1")
    await sender(bot).drain(max_seconds=20)
    stored = await rows(bot)
    assert [stored[i].status for i in [*ids, later]] == ["blocked"] * 3
    assert got(bot) == {other.telegram_user_id: 1}
    assert [c.chat_id for _, c in bot.api.refused] == [blocker.telegram_user_id]


async def test_a_bad_request_fails_the_push_and_staff_see_whom_to_phone(make_bot, tmp_path):
    bot = await fast_bot(make_bot, tmp_path)
    lost, fine = await add_members(bot, 2)
    bot.api.fail(chat_id=lost.telegram_user_id, status=400, times=2)
    reminder = await push(bot, lost, Purpose.WARRANTY, "w1")
    await push(bot, lost, Purpose.BROADCAST, "b1")  # failed too, but not a reminder
    await push(bot, fine, Purpose.WARRANTY, "w1")
    report = await sender(bot).drain(max_seconds=20)
    assert got(bot) == {fine.telegram_user_id: 1} and report.failed == 2
    async with services(bot).sessionmaker() as session:
        follow = await claims.follow_ups(session, services(bot).default_store.id, 10)
    assert [(p.id, m.id, p.status) for p, m in follow] == [(reminder, lost.id, "failed")]
    assert "chat not found" in follow[0][0].last_error.lower()


async def test_server_errors_and_timeouts_are_retried_then_given_up(make_bot, tmp_path):
    bot = await fast_bot(make_bot, tmp_path)
    quick, later, never = await add_members(bot, 3)
    bot.api.fail(chat_id=quick.telegram_user_id, status=502, times=3)  # 4th try in-process
    bot.api.fail(chat_id=later.telegram_user_id, status=502, times=4)  # all 4 quick tries

    def timeouts(method, params):
        if int(params["chat_id"]) == never.telegram_user_id:
            raise TimedOut()
        return None

    bot.api.fault = timeouts
    ids = [await push(bot, m, Purpose.INSPECTION, "i1") for m in (quick, later, never)]
    now = store_time(bot, 12)
    await sender(bot, clock=lambda: now).drain(max_seconds=20)
    assert got(bot) == {quick.telegram_user_id: 1}
    stored = await rows(bot)
    for i in ids[1:]:
        assert stored[i].status == "queued" and stored[i].attempts == 1
        assert stored[i].not_before == now + timedelta(minutes=5)
    soon = now + timedelta(minutes=6)
    await sender(bot, clock=lambda: soon).drain(max_seconds=20)
    assert got(bot) == {quick.telegram_user_id: 1, later.telegram_user_id: 1}
    for minutes in (70, 140):  # retry_minutes = [5, 60]: a third try, then it fails
        moment = now + timedelta(minutes=minutes)
        await sender(bot, clock=lambda moment=moment: moment).drain(max_seconds=20)
    stored = await rows(bot)
    assert (stored[ids[2]].status, stored[ids[2]].attempts) == ("failed", 2)
    assert "TimedOut" in stored[ids[2]].last_error
    assert got(bot) == {quick.telegram_user_id: 1, later.telegram_user_id: 1}
