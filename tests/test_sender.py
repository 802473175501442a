"""The one push sender, as owners notice it: each push arrives once, whatever Telegram says,
however often the bot restarts and however many instances share the outbox."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, update
from telegram.error import TimedOut

from bot.messaging import claims
from bot.messaging.outbox import Purpose, enqueue, enqueue_many, push_row
from bot.messaging.sender import PushSender, Rendered, stop_sender
from db.base import utcnow
from db.models import Member, Push, Store
from tests.fake_time import FakeTimer
from tests.flows import member_rows, services
from tests.harness import Bot, error_answer

FAST = (0.01, 0.01, 0.01)  # quick in-process retries, so tests do not sleep for seconds


def policy(tmp_path: Path, **pushes: object) -> Path:
    """A policy file overriding [pushes]; fast by default (TOML values written by json)."""
    values = {"rate_per_second": 500, "retry_minutes": [5, 60], **pushes}
    path = tmp_path / f"policy{len(list(tmp_path.glob('policy*')))}.toml"
    lines = ["[pushes]", *(f"{key} = {json.dumps(v)}" for key, v in values.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def fast_bot(make_bot, tmp_path, **pushes: object) -> Bot:
    bot = await make_bot(policy_file=policy(tmp_path, **pushes))
    await stop_sender(bot.app)  # should the app run a sender of its own: tests drive theirs
    return bot


async def add_members(
    bot: Bot, count: int, first: int = 70000, store_id: int | None = None
) -> list[Member]:
    svc = services(bot)
    store_id = store_id or svc.default_store.id
    rows = member_rows(store_id, svc.policy.tiers[0].code, first, count)
    async with svc.sessionmaker() as session:
        await session.execute(insert(Member), rows)
        await session.commit()
        found = await session.scalars(
            select(Member)
            .where(Member.store_id == store_id, Member.telegram_user_id >= first)
            .order_by(Member.id)
        )
        return list(found)[:count]


async def push(
    bot: Bot, member: Member, purpose: str = Purpose.BROADCAST, key: str = "b1", **fields: object
) -> int:
    svc = services(bot)
    async with svc.sessionmaker() as session:
        push_id = await enqueue(
            session,
            store_id=member.store_id,  # the push is the member's store's
            member_id=member.id,
            chat_id=member.telegram_user_id,
            purpose=purpose,
            dedupe_key=key,
            **fields,
        )
        await session.commit()
    assert push_id is not None
    return push_id


async def push_all(bot: Bot, members: list[Member], key: str = "b1") -> None:
    svc = services(bot)
    rows = [
        push_row(
            store_id=svc.default_store.id,
            member_id=m.id,
            chat_id=m.telegram_user_id,
            purpose=Purpose.BROADCAST,
            dedupe_key=key,
        )
        for m in members
    ]
    async with svc.sessionmaker() as session:
        assert await enqueue_many(session, rows) == len(rows)
        await session.commit()


async def render(session, item: Push, member: Member) -> Rendered | None:
    if item.params.get("cancelled"):
        return None
    if item.params.get("bug"):
        raise KeyError("a placeholder the template does not know")
    return Rendered(f"{item.purpose} #{item.id}", item.params.get("photo"))


def store_time(bot: Bot, hour: int) -> datetime:
    """Tomorrow at `hour` in the store's time zone (in the future, so every row is due)."""
    tz = services(bot).default_store.tz
    day = datetime.now(tz).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz)


def midday(bot: Bot) -> Callable[[], datetime]:
    """A clock running in real time from tomorrow noon: outside quiet hours, whenever the
    tests run."""
    start, noon = utcnow(), store_time(bot, 12)
    return lambda: noon + (utcnow() - start)


def sender(bot: Bot, **kwargs: object) -> PushSender:
    kwargs.setdefault("clock", midday(bot))
    return PushSender(services(bot), bot.app.bot, render, backoff=FAST, **kwargs)


def got(*bots: Bot) -> Counter[int]:
    """Messages each chat received, over all `bots` (instances) together."""
    sent = {"sendMessage", "sendPhoto"}
    return Counter(c.chat_id for b in bots for c in b.api.calls if c.method in sent)


async def rows(bot: Bot) -> dict[int, Push]:
    async with services(bot).sessionmaker() as session:
        return {p.id: p for p in await session.scalars(select(Push))}


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


async def test_quiet_hours_hold_ordinary_pushes_but_not_urgent_ones(make_bot, tmp_path):
    bot = await fast_bot(make_bot, tmp_path)
    owner, other = await add_members(bot, 2)
    ordinary = await push(bot, owner, Purpose.BIRTHDAY, "2026")
    await push(bot, other, Purpose.BROADCAST, "b1", urgent=True)  # a weather alert
    night = store_time(bot, 23)
    await sender(bot, clock=lambda: night).drain(max_seconds=20)
    assert got(bot) == {other.telegram_user_id: 1}
    assert (await rows(bot))[ordinary].status == "queued"
    morning = night + timedelta(hours=9, minutes=30)  # 08:30
    await sender(bot, clock=lambda: morning).drain(max_seconds=20)
    assert got(bot) == {owner.telegram_user_id: 1, other.telegram_user_id: 1}


async def test_quiet_hours_are_each_stores_own_night(make_bot, tmp_path):
    """A dealer group with a store in Shanghai and one in London: at a moment when it is
    night in one and day in the other, only the day store's ordinary pushes go out
    (urgent ones go out in both)."""
    first = await fast_bot(make_bot, tmp_path)
    async with services(first).sessionmaker() as session:
        session.add(Store(code="london", name="London", timezone="Europe/London"))
        await session.commit()
    await first.stop()
    bot = await fast_bot(make_bot, tmp_path)  # restarted: it serves both stores now
    london = services(bot).store_by_code("london")
    assert london is not None and london.tz.key == "Europe/London"
    sh_owner, sh_other = await add_members(bot, 2)
    ld_owner, ld_other = await add_members(bot, 2, first=80000, store_id=london.id)
    sh_birthday = await push(bot, sh_owner, Purpose.BIRTHDAY, "2026")
    await push(bot, sh_other, Purpose.BROADCAST, "storm", urgent=True)
    await push(bot, ld_owner, Purpose.BIRTHDAY, "2026")
    night = store_time(bot, 23)  # 23:00 in Shanghai: 15:00 or 16:00 in London
    assert 9 <= night.astimezone(london.tz).hour < 20
    await sender(bot, clock=lambda: night).drain(max_seconds=20)
    assert got(bot) == {sh_other.telegram_user_id: 1, ld_owner.telegram_user_id: 1}
    assert (await rows(bot))[sh_birthday].status == "queued"

    ld_birthday = await push(bot, ld_other, Purpose.BIRTHDAY, "2026")
    noon = night + timedelta(hours=13)  # 12:00 in Shanghai: 04:00 or 05:00 in London
    assert noon.astimezone(london.tz).hour < 8
    await sender(bot, clock=lambda: noon).drain(max_seconds=20)
    assert got(bot) == {
        sh_owner.telegram_user_id: 1,
        sh_other.telegram_user_id: 1,
        ld_owner.telegram_user_id: 1,
    }
    assert (await rows(bot))[ld_birthday].status == "queued"


async def test_the_weekly_cap_holds_back_ordinary_pushes(make_bot, tmp_path):
    bot = await fast_bot(make_bot, tmp_path, weekly_cap=2)
    busy, rested, fresh = await add_members(bot, 3)
    now = store_time(bot, 12)
    for member, days_ago in ((busy, 1), (busy, 2), (rested, 8), (rested, 9)):
        done = await push(bot, member, Purpose.BROADCAST, f"old{days_ago}")
        async with services(bot).sessionmaker() as session:
            sent_at = now - timedelta(days=days_ago)
            await session.execute(
                update(Push).where(Push.id == done).values(status="sent", sent_at=sent_at)
            )
            await session.commit()
    capped = await push(bot, busy, Purpose.WARRANTY, "w1")
    await push(bot, busy, Purpose.BROADCAST, "storm", urgent=True)
    await push(bot, rested, Purpose.WARRANTY, "w1")
    extra = [await push(bot, fresh, Purpose.BROADCAST, f"n{i}") for i in range(3)]
    report = await sender(bot, clock=lambda: now).drain(max_seconds=20)
    assert got(bot) == {
        busy.telegram_user_id: 1,
        rested.telegram_user_id: 1,
        fresh.telegram_user_id: 2,
    }
    stored = await rows(bot)
    assert stored[capped].status == "capped" and report.capped == 2
    assert sorted(stored[i].status for i in extra) == ["capped", "sent", "sent"]
    async with services(bot).sessionmaker() as session:
        follow = await claims.follow_ups(session, services(bot).default_store.id, 10)
    assert [p.id for p, _ in follow] == [capped]


async def test_a_restart_mid_drain_sends_the_rest_and_nothing_twice(make_bot, tmp_path):
    path = policy(tmp_path, rate_per_second=40)
    first = await make_bot(policy_file=path)
    await stop_sender(first.app)
    members = await add_members(first, 60)
    await push_all(first, members)
    report = await sender(first, batch=10).drain(limit=15)
    assert report.sent == 15 and sum(got(first).values()) == 15
    running = sender(first, batch=10)
    task = asyncio.create_task(running.run())
    while sum(got(first).values()) < 30:
        await asyncio.sleep(0.02)
    task.cancel()  # as on SIGTERM: the message in hand is finished, the rest given back
    await asyncio.gather(task, return_exceptions=True)
    assert 30 <= sum(got(first).values()) < 60
    await first.stop()
    second = await make_bot(policy_file=path)
    await stop_sender(second.app)
    await PushSender(services(second), second.app.bot, render, clock=midday(second)).drain(
        max_seconds=20
    )
    assert got(first, second) == {m.telegram_user_id: 1 for m in members}


async def test_a_dead_instances_claims_are_taken_over_when_their_lease_ends(make_bot, tmp_path):
    bot = await fast_bot(make_bot, tmp_path)
    members = await add_members(bot, 5)
    await push_all(bot, members)
    async with services(bot).sessionmaker() as session:
        long_ago = store_time(bot, 12) - timedelta(minutes=10)
        taken = await claims.claim_due(
            session,
            instance="dead:1:x",
            now=long_ago,
            limit=3,
            lease=timedelta(minutes=2),
        )
        await session.commit()
    assert len(taken) == 3
    await sender(bot).drain(max_seconds=20)
    assert got(bot) == {m.telegram_user_id: 1 for m in members}


async def test_two_instances_share_the_outbox_and_each_owner_gets_one_message(make_bot, tmp_path):
    path = policy(tmp_path, rate_per_second=1000)
    one, two = await make_bot(policy_file=path), await make_bot(policy_file=path)
    for bot in (one, two):
        await stop_sender(bot.app)
    members = await add_members(one, 300)
    await push_all(one, members)
    reports = await asyncio.gather(
        sender(one, batch=25, instance="one").drain(max_seconds=30),
        sender(two, batch=25, instance="two").drain(max_seconds=30),
    )
    assert got(one, two) == {m.telegram_user_id: 1 for m in members}
    assert sum(r.sent for r in reports) == 300  # how they split the work is up to the race
    assert {p.status for p in (await rows(one)).values()} == {"sent"}


async def test_paid_broadcasts_ask_telegram_for_the_paid_rate(make_bot, tmp_path):
    bot = await fast_bot(make_bot, tmp_path, paid_broadcast=True)
    (member,) = await add_members(bot, 1)
    await push(bot, member)
    await sender(bot).drain(max_seconds=20)
    assert bot.api.calls_to("sendMessage")[-1].params.get("allow_paid_broadcast") is True


async def test_the_background_sender_delivers_and_stops_cleanly(make_bot, tmp_path):
    bot = await fast_bot(make_bot, tmp_path)
    (member,) = await add_members(bot, 1)
    running = sender(bot)
    running.start(bot.app)
    await push(bot, member)
    for _ in range(150):
        if got(bot):
            break
        await asyncio.sleep(0.02)
    await stop_sender(bot.app)
    assert got(bot) == {member.telegram_user_id: 1} and running._task is None
    assert {p.status for p in (await rows(bot)).values()} == {"sent"}


async def test_a_dead_instances_messages_in_flight_become_unknown_not_resent(make_bot, tmp_path):
    bot = await fast_bot(make_bot, tmp_path)
    members = await add_members(bot, 5)
    await push_all(bot, members)
    long_ago = store_time(bot, 12) - timedelta(minutes=10)
    async with services(bot).sessionmaker() as session:
        taken = await claims.claim_due(
            session,
            instance="dead:2",
            now=long_ago,
            limit=2,
            lease=timedelta(minutes=2),
        )
        assert await claims.begin_sending(session, "dead:2", [p.id for p in taken])
        await session.commit()
    await sender(bot).drain(max_seconds=20)
    lost = {p.member_id for p in taken}
    assert got(bot) == {m.telegram_user_id: 1 for m in members if m.id not in lost}
    stored = await rows(bot)
    assert sorted(p.status for p in stored.values()) == ["sent"] * 3 + ["unknown"] * 2
