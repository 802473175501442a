"""What staff see of pushes when things go wrong: a 429 flood as a broadcast starts, an
owner who blocked the bot during a broadcast, a staff post that failed once, and the
messages a crash left unknown."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.app import build_application, build_services
from bot.messaging.notify import staff_notice
from bot.messaging.outbox import Purpose
from bot.messaging.sender import PushSender, default_instance
from bot.messaging.texts import push_renderer
from db.models import Broadcast, Push
from handlers.broadcast_report import refresh_reports
from tests.conftest import ADMIN_ID
from tests.fake_time import FakeTimer
from tests.flows import services
from tests.harness import Bot, FakeBotAPI, joined
from tests.test_broadcast_chat import compose, two_owners

STAFF_CHAT = -1001234567


async def test_five_429s_as_a_broadcast_starts_still_give_staff_their_report(settings):
    services_ = await build_services(settings)
    api, timer = FakeBotAPI(), FakeTimer()
    app = build_application(services_, request=api, push_sender=False, timer=timer)
    bot = Bot(app, api)
    await bot.start()
    try:
        await two_owners(bot)
        admin = bot.person(ADMIN_ID, language="en")
        await compose(admin)
        for method in ("editMessageText", "sendMessage"):
            api.fail(method, chat_id=ADMIN_ID, status=429, retry_after=2, times=5)
        await admin.press("Send now")
        await bot.drain()
        said = joined(admin.received())
        assert "something went wrong" not in said
        assert "Sending to 2 members" in said
        report = [c for c in admin.received() if c.text.startswith("Broadcast #")]
        assert report and report[0].method == "sendMessage"
        await refresh_reports(services(bot), app.bot)
        assert "finished" in admin.last.text and "Sent 2" in admin.last.text
        async with services_.sessionmaker() as session:
            assert (await session.scalar(select(Broadcast.status))) == "done"
        assert not bot.errors
    finally:
        await bot.stop()


async def test_owners_who_blocked_the_bot_during_a_broadcast_are_on_followups(bot):
    await two_owners(bot)
    admin = bot.person(ADMIN_ID, language="en")
    await compose(admin)
    bot.api.fail(chat_id=7802, status=403)
    await admin.press("Send now")
    await bot.drain()
    said = joined(await admin.send("/followups"))
    assert "Nobody to phone" not in said
    assert "Wang Wei" in said and "blocked the bot" in said


async def test_a_staff_post_that_fails_is_sent_again_later(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    bot.api.fail(chat_id=STAFF_CHAT, status=502, times=4)  # every quick try of the first round
    svc, timer = services(bot), FakeTimer()  # a group takes 20 a minute: 3 s between tries
    async with svc.sessionmaker() as session:
        assert await staff_notice(session, svc, lambda t: "王伟 续费了会员")
        await session.commit()
    await PushSender(svc, bot.app.bot, push_renderer(svc), timer=timer).drain(max_seconds=60)
    assert not [c for c in bot.api.calls if c.chat_id == STAFF_CHAT]
    later = svc.now() + timedelta(minutes=6)
    await PushSender(svc, bot.app.bot, push_renderer(svc), clock=lambda: later).drain()
    assert [c.text for c in bot.api.calls if c.chat_id == STAFF_CHAT] == ["王伟 续费了会员"]
    tries = [c for _, c in bot.api.refused if c.chat_id == STAFF_CHAT]
    assert len(tries) == 4


async def test_after_a_crash_messages_in_flight_are_unknown_and_never_sent_again(bot):
    await two_owners(bot)
    admin = bot.person(ADMIN_ID, language="en")
    await compose(admin)
    svc = services(bot)
    await admin.press("Send now")
    before = len(bot.api.calls)
    # As if the sender had been killed after Telegram took both messages and before it
    # wrote so: the rows still say "sending", under the same instance id after a restart.
    async with svc.sessionmaker() as session:
        await session.execute(
            update(Push)
            .where(Push.purpose == Purpose.BROADCAST)
            .values(status="sending", claimed_by=default_instance(), claimed_until=svc.now())
        )
        await session.commit()
    restarted = PushSender(svc, bot.app.bot, push_renderer(svc), backoff=(0.01,))
    report = await restarted.drain(max_seconds=20)
    assert report.unknown == 2 and report.sent == 0
    assert not [c for c in bot.api.calls[before:] if c.chat_id in (7801, 7802)]  # not resent
    await refresh_reports(svc, bot.app.bot)
    assert "Unknown 2" in admin.last.text and "finished" in admin.last.text
    said = joined(await admin.send("/followups"))
    assert said.count("may not have arrived") == 2


async def test_an_upgrade_reaches_the_staff_chat_through_a_429(make_bot):
    from tests.test_visits_chat import owner_and_advisor

    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    owner, advisor = await owner_and_advisor(bot)
    for order, (kind, amount) in enumerate((("repair", 900), ("parts", 1700))):
        await advisor.send(f"/visit 粤B12345 {kind} {amount} RO{order}")
        await advisor.press("Confirm")
    bot.api.fail(chat_id=STAFF_CHAT, status=429, retry_after=1)
    await owner.send("/upgrade")
    await owner.press("Trade 2,000 points for Gold")
    assert "now a Gold member" in owner.last.text
    posts = [c.text for c in bot.api.calls if c.chat_id == STAFF_CHAT]
    assert len(posts) == 1 and "Wang Wei" in posts[0]
    assert [c.chat_id for _, c in bot.api.refused] == [STAFF_CHAT]  # the 429, then again


async def test_a_scheduled_broadcast_posts_its_report_when_it_goes_out(bot):
    from bot.jobs import release_broadcasts

    await two_owners(bot)
    admin = bot.person(ADMIN_ID, language="en")
    await compose(admin)
    await admin.press("Schedule…")
    assert "Scheduled for" in joined(await admin.send("2999-01-01 09:00"))
    svc = services(bot)
    later = svc.now().replace(year=3000)
    assert await release_broadcasts(svc, later) == 1
    await bot.drain(at=later)
    report = [c for c in admin.received() if c.text.startswith("Broadcast #")]
    assert len(report) == 1 and report[0].method == "sendMessage"
    await refresh_reports(svc, bot.app.bot)
    assert "finished" in admin.last.text and "Sent 2" in admin.last.text
