"""The sender across restarts, crashes and instances: nothing twice, nothing lost, claims
taken back; the background sender starts and stops cleanly."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.messaging import claims
from bot.messaging.sender import PushSender, stop_sender
from tests.flows import services
from tests.sender_support import (
    add_members,
    fast_bot,
    got,
    midday,
    policy,
    push,
    push_all,
    render,
    rows,
    sender,
    store_time,
)


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
