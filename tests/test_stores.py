"""The store context: every update works for a resolved store, with its row's time zone;
two stores in one database do not see each other's members."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.club.points.tiers import membership_valid_until
from bot.club.policy.model import load_policy
from bot.club.stores.context import StoreConfigError, StoreContext
from bot.club.stores.registry import ensure_store, load_stores
from bot.i18n import translator
from db.models import Car, Member, Store, Visit
from tests.conftest import ADMIN_ID
from tests.flows import join_club, member_of, member_rows, services
from tests.harness import joined

SHANGHAI = ZoneInfo("Asia/Shanghai")


def zone_on_another_day() -> ZoneInfo:
    """A zone whose calendar day differs from Shanghai's right now (one of the two always
    does: UTC+14 from 18:00 Shanghai time, UTC-12 before 20:00)."""
    now = datetime.now(UTC)
    for name in ("Pacific/Kiritimati", "Etc/GMT+12"):
        zone = ZoneInfo(name)
        if now.astimezone(zone).date() != now.astimezone(SHANGHAI).date():
            return zone
    raise AssertionError("no zone on another day")  # pragma: no cover


def test_a_store_context_counts_days_on_its_own_clock():
    policy = load_policy(None)
    moment = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)  # 04:30 on 2 March in Shanghai
    store = StoreContext(1, "main", "Main", SHANGHAI, policy, "zh_Hans")
    assert store.today(moment) == date(2026, 3, 2)
    assert store.local(moment).hour == 4
    west = StoreContext(2, "west", "West", ZoneInfo("America/Los_Angeles"), policy, "en")
    assert west.today(moment) == date(2026, 3, 1)


async def test_the_loader_reads_each_rows_time_zone_and_refuses_an_unknown_one(bot):
    svc = services(bot)
    async with svc.sessionmaker() as session:
        session.add(Store(code="north", name="北城店", timezone="Asia/Urumqi"))
        await session.commit()
        stores = await load_stores(session, svc.policy, "en")
        by_code = {s.code: s for s in stores.values()}
        assert set(by_code) == {"main", "north"}
        assert by_code["north"].tz.key == "Asia/Urumqi" and by_code["north"].name == "北城店"
        assert by_code["main"].tz.key == "Asia/Shanghai"
        assert by_code["north"].default_locale == "en"
        with pytest.raises(StoreConfigError, match=r"north2.*Mars/Olympus"):
            await ensure_store(session, "north2", "x", "Mars/Olympus")
        session.add(Store(code="bad", name="Bad", timezone="Mars/Olympus"))
        await session.flush()
        with pytest.raises(StoreConfigError, match="'bad'"):
            await load_stores(session, svc.policy, "en")


async def test_today_for_a_visit_and_the_card_follows_the_store_rows_zone(make_bot):
    zone = zone_on_another_day()
    bot = await make_bot(store_timezone=zone.key)
    store_today = datetime.now(UTC).astimezone(zone).date()
    svc = services(bot)
    async with svc.sessionmaker() as session:
        row = await session.scalar(select(Store).where(Store.code == "main"))
        assert row.timezone == zone.key  # the configured store's row was refreshed
    assert svc.default_store.tz == zone and svc.default_store.today() == store_today

    owner = bot.person(9301, language="en")
    await join_club(owner)
    member = await member_of(bot, 9301)
    valid_until = membership_valid_until(svc.default_store.policy, store_today)
    assert member.valid_until == valid_until
    caption = joined(await owner.send("/card"))
    assert translator("en", zone).date(valid_until) in caption

    await bot.person(ADMIN_ID, language="en").send("/grant 9310 service_advisor")
    advisor = bot.person(9310, language="en")
    await advisor.send("/visit 粤B12345 保养 800 RO-TZ-1")
    assert "Record this visit?" in advisor.last.text
    await advisor.press("Confirm")
    async with svc.sessionmaker() as session:
        visit = await session.scalar(select(Visit).where(Visit.order_no == "RO-TZ-1"))
    assert visit.visit_date == store_today
    assert visit.visit_date != datetime.now(UTC).astimezone(SHANGHAI).date()


async def _store_b_with_an_owner(bot) -> None:
    svc = services(bot)
    async with svc.sessionmaker() as session:
        north = Store(code="north", name="北城店", timezone="Asia/Urumqi")
        session.add(north)
        await session.flush()
        row = member_rows(north.id, svc.policy.tiers[0].code, 7007, 1)[0]
        owner = Member(**{**row, "name": "North Owner", "phone": "+8613900077777"})
        session.add(owner)
        await session.flush()
        session.add(Car(store_id=north.id, member_id=owner.id, plate="粤B77777", model="Accord"))
        await session.commit()


async def test_a_member_of_another_store_is_not_found_by_this_stores_staff(make_bot):
    bot = await make_bot()
    await _store_b_with_an_owner(bot)
    bot = await make_bot()  # restarted: both stores are loaded, the configured one resolves
    svc = services(bot)
    assert {s.code for s in svc.stores.values()} == {"main", "north"}
    assert svc.default_store.code == "main"
    async with svc.sessionmaker() as session:
        assert (await svc.resolve_store(session, 7007)).code == "main"

    local = bot.person(9401, language="en")
    await join_club(local, phone="+8613800099999", plate="粤B11111")
    await bot.person(ADMIN_ID, language="en").send("/grant 9410 service_advisor")
    advisor = bot.person(9410, language="en")
    for query in ("粤B77777", "+8613900077777", "C000007007"):
        text = joined(await advisor.send(f"/member {query}"))
        assert "No member found" in text and "North Owner" not in text
    assert "Wang Wei" in joined(await advisor.send("/member 粤B11111"))  # this store's own
    # The other store's owner is no member here: the bot offers to join, shows no card.
    text = joined(await bot.person(7007, language="en").send("/card"))
    assert "You are not a club member yet" in text


async def test_the_daily_jobs_serve_every_store_on_its_own_clock(make_bot):
    """A dealer group in one database: each store's sweep is scheduled at the reminder
    time in its own zone, and a sweep wishes every store's owners a happy birthday on
    that store's day, signed with that store's name."""
    from bot.jobs import daily_sweep
    from db.models import Push

    bot = await make_bot()
    svc = services(bot)
    far = zone_on_another_day()
    async with svc.sessionmaker() as session:
        north = Store(code="north", name="北城店", timezone=far.key)
        session.add(north)
        await session.flush()
        main_id, tier = svc.default_store.id, svc.policy.tiers[0].code
        main_day = datetime.now(UTC).astimezone(SHANGHAI).date()
        north_day = datetime.now(UTC).astimezone(far).date()
        for store_id, chat, day in ((main_id, 7101, main_day), (north.id, 7201, north_day)):
            row = member_rows(store_id, tier, chat, 1)[0]
            session.add(Member(**{**row, "birthday": day.replace(year=1988), "locale": "en"}))
        await session.commit()
    bot = await make_bot()  # restarted: both stores loaded, each with its own sweep job
    svc = services(bot)
    jobs = {job.name: job for job in bot.app.job_queue.jobs()}
    for store in svc.stores.values():
        job = jobs[f"daily-sweep:{store.code}"]
        assert job.data == store.id
        assert str(job.job.trigger.timezone) == store.tz.key

    summary = await daily_sweep(svc)
    assert summary["reminders"] >= 2
    async with svc.sessionmaker() as session:
        pushes = {
            (p.chat_id, p.store_id, p.dedupe_key)
            for p in await session.scalars(select(Push).where(Push.purpose == "birthday"))
        }
    north_id = svc.store_by_code("north").id
    assert {(chat, store) for chat, store, _ in pushes} == {(7101, main_id), (7201, north_id)}
    # The two birthdays are on different calendar days: each matched its own store's.
    assert main_day != north_day
    await bot.drain(at=svc.now() + timedelta(days=1))  # each is due from its store's morning
    north_text = joined([c for c in bot.api.calls if c.chat_id == 7201])
    assert "北城店" in north_text
