"""A broadcast staff send now is stored in the form's transaction as due now, and queued
after the commit by ranges of members, as the scheduler does: the form's transaction
never holds the write lock for its audience, a crash before the queueing leaves it for
the scheduler, and the two racing still give each member one copy and staff one report."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import func, select, update

from bot.club.broadcasts import campaigns
from bot.jobs import release_broadcasts
from bot.messaging.outbox import Purpose
from db.models import Broadcast, Member, Push
from tests.conftest import ADMIN_ID
from tests.flows import services
from tests.harness import joined
from tests.sender_support import add_members, got
from tests.test_broadcast_chat import compose

MEMBERS = 30


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(campaigns, "RELEASE_BATCH", 7)  # 30 members: five transactions


@pytest.fixture
def held(bot, monkeypatch):
    """The work the turn starts after its commit (the release), kept for the test to run
    (or drop, as a crash right after the commit would)."""
    works: list = []
    monkeypatch.setattr(services(bot), "run_soon", lambda work, name: works.append(work))
    return works


async def send_now(bot) -> tuple[str, int]:
    """Staff compose a weather alert to everyone and press Send now: what they were told,
    and the broadcast's id."""
    admin = bot.person(ADMIN_ID, language="en")
    await compose(admin)
    said = joined(await admin.press("Send now"))
    async with services(bot).sessionmaker() as session:
        broadcast_id = await session.scalar(select(func.max(Broadcast.id)))
    return said, broadcast_id


async def state(bot, broadcast_id: int) -> tuple[str, int, int, int]:
    """(status, recipients counted, copies queued for distinct members, reports queued)"""
    async with services(bot).sessionmaker() as session:
        item = await session.get(Broadcast, broadcast_id)
        pushes = select(Push).where(Push.broadcast_id == broadcast_id)
        copies = pushes.where(Push.purpose == Purpose.BROADCAST).subquery()
        members = await session.scalar(select(func.count(func.distinct(copies.c.member_id))))
        every = await session.scalar(select(func.count()).select_from(copies))
        assert every == members  # never two copies for one member
        reports = pushes.where(Push.purpose == Purpose.REPORT).subquery()
        reported = await session.scalar(select(func.count()).select_from(reports))
        return item.status, item.recipients, members, reported


async def each_got_one(bot, members: list[Member]) -> None:
    await bot.drain()
    received = got(bot)
    assert all(received[m.telegram_user_id] == 1 for m in members)
    report = [
        c for c in bot.api.calls if c.chat_id == ADMIN_ID and c.text.startswith("Broadcast #")
    ]
    assert len(report) == 1 and f"(of {MEMBERS})" in report[0].text


async def test_send_now_reaches_every_member_once_with_one_report(bot, small_batches):
    members = await add_members(bot, MEMBERS)
    said, broadcast_id = await send_now(bot)
    assert f"Sending to {MEMBERS} members. The delivery report below updates itself." in said
    assert await state(bot, broadcast_id) == ("queued", MEMBERS, MEMBERS, 1)
    assert await release_broadcasts(services(bot)) == 0  # the scheduler finds nothing due
    await each_got_one(bot, members)


async def test_the_form_commits_before_the_release_and_counts_without_the_write_lock(
    bot, small_batches, held, monkeypatch
):
    members = await add_members(bot, MEMBERS)
    admin = bot.person(ADMIN_ID, language="en")
    await compose(admin)
    svc, count, owner_waited = services(bot), campaigns.count_audience, []

    async def counting(*args, **kwargs):
        """The count staff are told: meanwhile an owner's write must go through at once."""
        async with svc.sessionmaker() as session:
            try:
                async with asyncio.timeout(2):
                    await session.execute(
                        update(Member)
                        .where(Member.id == members[0].id)
                        .values(locale=Member.locale)
                    )
                    await session.commit()
            except TimeoutError:
                owner_waited.append(True)
        return await count(*args, **kwargs)

    monkeypatch.setattr(campaigns, "count_audience", counting)
    said = joined(await admin.press("Send now"))
    assert f"Sending to {MEMBERS} members" in said
    assert owner_waited == []  # the form's transaction was committed before the count
    async with svc.sessionmaker() as session:
        broadcast_id = await session.scalar(select(func.max(Broadcast.id)))
    # Committed by the form, not released: no copy, no report written in its transaction.
    assert await state(bot, broadcast_id) == ("scheduled", 0, 0, 0)
    assert len(held) == 1
    assert await held[0] == MEMBERS  # the release after the commit
    assert await state(bot, broadcast_id) == ("queued", MEMBERS, MEMBERS, 1)
    await each_got_one(bot, members)


async def test_a_crash_before_the_release_leaves_it_to_the_scheduler(bot, small_batches, held):
    members = await add_members(bot, MEMBERS)
    said, broadcast_id = await send_now(bot)
    assert f"Sending to {MEMBERS} members" in said
    held.pop().close()  # the process died right after the form's commit
    assert await state(bot, broadcast_id) == ("scheduled", 0, 0, 0)
    assert await release_broadcasts(services(bot)) == 1
    assert await state(bot, broadcast_id) == ("queued", MEMBERS, MEMBERS, 1)
    assert await release_broadcasts(services(bot)) == 0
    await each_got_one(bot, members)


async def test_a_release_that_fails_midway_is_logged_and_completed_by_the_scheduler(
    bot, small_batches, monkeypatch, caplog
):
    members = await add_members(bot, MEMBERS)
    enqueue, calls = campaigns._enqueue, []

    async def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise ConnectionError("the database went away")
        return await enqueue(*args, **kwargs)

    monkeypatch.setattr(campaigns, "_enqueue", failing)
    with caplog.at_level(logging.ERROR, logger="bot.services"):
        said, broadcast_id = await send_now(bot)
    assert f"Sending to {MEMBERS} members" in said
    assert any("broadcast-release" in r.getMessage() for r in caplog.records)
    status, counted, queued, reports = await state(bot, broadcast_id)
    assert status == "scheduled" and 0 < queued < MEMBERS and counted == queued
    assert reports == 0
    monkeypatch.setattr(campaigns, "_enqueue", enqueue)
    assert await release_broadcasts(services(bot)) == 1
    assert await state(bot, broadcast_id) == ("queued", MEMBERS, MEMBERS, 1)
    await each_got_one(bot, members)


@pytest.mark.parametrize("first", ["send_now", "scheduler"])
async def test_the_release_racing_the_scheduler_sends_one_copy_and_one_report(
    bot, small_batches, held, first
):
    members = await add_members(bot, MEMBERS)
    _said, broadcast_id = await send_now(bot)
    now, job = held.pop(), release_broadcasts(services(bot))
    if first == "send_now":
        by_hand, by_job = await asyncio.gather(now, job)
    else:
        by_job, by_hand = await asyncio.gather(job, now)
    # Exactly one of them turned it queued (and queued the report); the other saw it done.
    assert (by_hand is not None) + by_job == 1
    assert by_hand in (None, MEMBERS)
    assert await state(bot, broadcast_id) == ("queued", MEMBERS, MEMBERS, 1)
    assert await release_broadcasts(services(bot)) == 0
    await each_got_one(bot, members)
