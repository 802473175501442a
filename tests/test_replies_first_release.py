"""A broadcast the scheduler releases is queued by ranges of members, a short
transaction each: every member still gets it exactly once, its report once, also when
the release is cut short and run again, or run twice; a cancel between ranges stops it."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from sqlalchemy import func, select

from bot.club.broadcasts import campaigns
from bot.jobs import release_broadcasts
from bot.messaging.outbox import Purpose
from db.models import Broadcast, Push
from tests.conftest import ADMIN_ID
from tests.flows import services
from tests.sender_support import add_members, got

MEMBERS = 30


async def scheduled(bot) -> int:
    svc = services(bot)
    async with svc.sessionmaker() as session:
        made = await campaigns.create(
            session,
            store_id=svc.default_store.id,
            staff_id=ADMIN_ID,
            kind="activity",
            texts={"zh_Hans": "周六车主课堂", "en": "Owner class on Saturday"},
            photo_file_id=None,
            audience={},
            send_at=svc.now(),
            report_chat_id=ADMIN_ID,
            report_locale="en",
        )
        await session.commit()
    return made.id


async def state(bot, broadcast_id: int) -> tuple[str, int, int, int]:
    """(status, recipients counted, copies queued, reports queued)"""
    async with services(bot).sessionmaker() as session:
        item = await session.get(Broadcast, broadcast_id)
        copies = select(func.count()).where(Push.broadcast_id == broadcast_id)
        members = await session.scalar(copies.where(Push.purpose == Purpose.BROADCAST))
        reports = await session.scalar(copies.where(Push.purpose == Purpose.REPORT))
        return item.status, item.recipients, members, reports


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(campaigns, "RELEASE_BATCH", 7)  # 30 members: five transactions


async def test_released_in_several_batches_every_member_gets_it_once(bot, small_batches):
    members = await add_members(bot, MEMBERS)
    broadcast_id = await scheduled(bot)
    assert await release_broadcasts(services(bot)) == 1
    assert await state(bot, broadcast_id) == ("queued", MEMBERS, MEMBERS, 1)
    assert await release_broadcasts(services(bot)) == 0  # run twice: nothing more
    assert await state(bot, broadcast_id) == ("queued", MEMBERS, MEMBERS, 1)
    await bot.drain()
    received = got(bot)
    assert all(received[m.telegram_user_id] == 1 for m in members)
    assert received[ADMIN_ID] == 1  # the delivery report


async def test_a_release_cut_short_is_completed_by_the_next_run(bot, small_batches, monkeypatch):
    members = await add_members(bot, MEMBERS)
    broadcast_id = await scheduled(bot)
    enqueue, calls = campaigns._enqueue, []

    async def crashing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise ConnectionError("the process died here")
        return await enqueue(*args, **kwargs)

    monkeypatch.setattr(campaigns, "_enqueue", crashing)
    with pytest.raises(ConnectionError):
        await release_broadcasts(services(bot))
    status, counted, queued, reports = await state(bot, broadcast_id)
    assert status == "scheduled" and 0 < queued < MEMBERS and counted == queued
    assert reports == 0
    await bot.drain()  # the copies queued so far go out meanwhile
    monkeypatch.setattr(campaigns, "_enqueue", enqueue)
    assert await release_broadcasts(services(bot)) == 1
    assert await state(bot, broadcast_id) == ("queued", MEMBERS, MEMBERS, 1)
    assert await release_broadcasts(services(bot)) == 0
    await bot.drain()
    received = got(bot)
    assert all(received[m.telegram_user_id] == 1 for m in members)
    assert received[ADMIN_ID] == 1


async def test_a_cancel_between_ranges_stops_the_release(bot, small_batches):
    await add_members(bot, MEMBERS)
    broadcast_id = await scheduled(bot)
    svc, opened = services(bot), []

    @asynccontextmanager
    async def sessions():
        opened.append(1)
        if len(opened) == 4:  # after two ranges: staff call it off
            async with svc.sessionmaker() as session:
                store_id = svc.default_store.id
                assert await campaigns.cancel(session, store_id, broadcast_id, ADMIN_ID)
                await session.commit()
        async with svc.sessionmaker() as session:
            yield session

    today, now = svc.default_store.today(), svc.now()
    released = await campaigns.release_in_batches(sessions, svc.policy, broadcast_id, today, now)
    assert released is None
    status, _, queued, reports = await state(bot, broadcast_id)
    assert status == "cancelled" and 0 < queued < MEMBERS and reports == 0  # two ranges
    async with svc.sessionmaker() as session:
        copies = await session.scalars(select(Push.status).where(Push.broadcast_id == broadcast_id))
        assert set(copies) == {"cancelled"}
    await bot.drain()
    assert not any(c.method == "sendMessage" for c in bot.api.calls if (c.chat_id or 0) >= 70000)
