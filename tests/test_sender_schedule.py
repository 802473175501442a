"""When the sender holds pushes back: quiet hours (each store's own night) and the weekly cap."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.messaging import claims
from bot.messaging.outbox import Purpose
from db.models import Push, Store
from tests.flows import services
from tests.sender_support import (
    add_members,
    fast_bot,
    got,
    push,
    rows,
    sender,
    store_time,
)


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
