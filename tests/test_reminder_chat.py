"""Owners and staff around care reminders: one-tap callbacks, follow-ups, templates,
and an owner who unblocks the bot."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from bot.jobs import daily_sweep
from bot.messaging import outbox
from db.models import Car, Member
from tests import factories
from tests.conftest import ADMIN_ID
from tests.flows import member_of, services
from tests.harness import joined


async def owner_due_for_first_maintenance(bot, user_id: int = 7601):
    owner = await factories.owner(bot, user_id)
    svc = services(bot)
    async with svc.sessionmaker() as session:
        car = await session.scalar(select(Car).where(Car.plate == "粤B12345"))
        car.delivery_date = svc.default_store.today() - timedelta(days=70)  # 2–3 months ago
        await session.commit()
    return owner


def noon(bot) -> datetime:
    svc = services(bot)
    return datetime.combine(svc.default_store.today(), time(12), svc.default_store.tz)


async def test_first_maintenance_reminder_and_a_callback_request(make_bot, tmp_path):
    off = tmp_path / "no_booking.toml"  # booking in chat off: the reminder offers a call
    off.write_text(
        '[pushes]\nquiet_start = "00:00"\nquiet_end = "00:00"\n[bookings]\nenabled = false\n'
    )
    bot = await make_bot(policy_file=off)
    owner = await owner_due_for_first_maintenance(bot)
    await daily_sweep(services(bot))
    await bot.drain(at=noon(bot))
    reminder = owner.last
    assert "first maintenance" in reminder.text and "粤B12345" in reminder.text
    assert reminder.button_labels == ["Call me to book"]
    calls = await owner.press("Call me to book")
    assert "will call you soon" in joined(calls)
    # A second tap is acknowledged on the button; the desk is not asked twice.
    calls = await owner.press("Call me to book")
    notices = [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]
    assert notices == ["We have your request; the service desk will call you."]
    staff = bot.person(ADMIN_ID, language="en")
    assert "asked to be called: 1" in joined(await staff.send("/followups"))
    await daily_sweep(services(bot))  # the next sweep the same day…
    await bot.drain(at=noon(bot))
    due = [c for c in owner.received() if "due for its first maintenance" in c.text]
    assert len(due) == 1  # …sends nothing


async def test_manager_rewords_a_reminder(bot):
    owner = await owner_due_for_first_maintenance(bot)
    admin = bot.person(ADMIN_ID, language="en")
    listing = joined(await admin.send("/templates"))
    assert "first_maintenance en" in listing
    bad = await admin.send("/templates first_maintenance en Hi {name}, {secret}")
    assert "Only these placeholders" in joined(bad)
    ok = await admin.send(
        "/templates first_maintenance en {name}, {plate} needs its 首保 by {due}."
    )
    assert "Saved" in joined(ok)
    await daily_sweep(services(bot))
    await bot.drain(at=noon(bot))
    assert owner.last.text.startswith("Wang Wei, 粤B12345 needs its 首保 by ")
    assert "Back to the default" in joined(
        await admin.send("/templates first_maintenance en default")
    )
    assert "for store staff" in joined(await owner.send("/templates"))


async def test_blocked_owner_lands_on_follow_ups_and_is_reached_again_after_writing(bot):
    owner = await owner_due_for_first_maintenance(bot, 7602)
    await daily_sweep(services(bot))
    bot.api.fault = lambda method, params: (
        (
            403,
            {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
        )
        if int(params.get("chat_id", 0)) == 7602
        else None
    )
    await bot.drain(at=noon(bot))
    bot.api.fault = None
    assert (await member_of(bot, 7602)).blocked_at is not None
    staff = bot.person(ADMIN_ID, language="en")
    assert "blocked the bot" in joined(await staff.send("/followups"))
    await owner.send("/card")  # the owner unblocked the bot and wrote to it
    assert (await member_of(bot, 7602)).blocked_at is None
    svc = services(bot)
    async with svc.sessionmaker() as session:
        member = await session.scalar(select(Member).where(Member.telegram_user_id == 7602))
        await outbox.enqueue(
            session,
            store_id=svc.default_store.id,
            member_id=member.id,
            chat_id=7602,
            purpose=outbox.Purpose.NOTICE,
            dedupe_key="back",
            params={"text": "Welcome back"},
            urgent=True,
        )
        await session.commit()
    await bot.drain()
    assert owner.last.text == "Welcome back"
