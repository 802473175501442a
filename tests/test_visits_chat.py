"""Staff record visits in chat; owners hear what they earned and see /points."""

from __future__ import annotations

from tests import factories
from tests.conftest import ADMIN_ID
from tests.flows import member_of
from tests.harness import joined


async def owner_and_advisor(bot):
    owner = await factories.owner(bot, 9001)
    return owner, await factories.staff(bot, 9100, "service_advisor")


async def test_step_by_step_visit_from_the_member_view(bot):
    owner, advisor = await owner_and_advisor(bot)
    await advisor.send("/member 粤B12345")
    await advisor.press("Record a visit")  # one car: the plate is filled in
    assert "What kind of visit" in advisor.last.text
    await advisor.press("Maintenance")
    assert "not one of" not in advisor.last.text
    assert "amount" in joined(await advisor.send("12.345")).lower()  # refused, asked again
    await advisor.send("¥1,280.00")
    await advisor.send("35,000 km")
    await advisor.send("RO-2026-001")
    await advisor.press("Today")
    confirm = advisor.last.text
    assert "Record this visit?" in confirm and "¥1,280.00 → 1,280 points" in confirm
    assert "Mileage: 35,000 km" in confirm
    calls = await advisor.press("Confirm")
    assert "Wang Wei earned 1,280 points" in joined(calls)
    owner_msg = owner.last.text
    assert "You earned 1,280 points" in owner_msg and "Redeemable points: 1,280" in owner_msg
    assert "3,720 more cumulative points to Gold" in owner_msg
    member = await member_of(bot, 9001)
    assert member.cumulative_points == 1280 and member.cars[0].last_mileage == 35_000
    # Pressing Confirm again records nothing more.
    calls = await advisor.press_data("visit:ok")
    assert (await member_of(bot, 9001)).cumulative_points == 1280


async def test_one_line_visit_and_duplicate_order(bot):
    _owner, advisor = await owner_and_advisor(bot)
    await advisor.send("/visit 粤b12345 保养 800 RO1 20000")
    assert "Record this visit?" in advisor.last.text
    await advisor.press("Confirm")
    calls = await advisor.send("/visit 粤B12345 maintenance 800 RO1")
    assert "recorded already" in joined(calls)
    calls = await advisor.send("/visit 粤B99999 maintenance 800 RO2")
    assert "No member's car has that plate" in joined(calls)
    calls = await advisor.send("/visit 粤B12345 spa 800 RO2")
    assert "spend categories" in joined(calls) and "Usage: /visit" in joined(calls)
    assert (await member_of(bot, 9001)).cumulative_points == 800


async def test_cancel_a_visit_form_records_nothing(bot):
    _owner, advisor = await owner_and_advisor(bot)
    await advisor.send("/visit")
    await advisor.send("粤B12345")
    await advisor.press("Maintenance")
    assert "nothing was recorded" in joined(await advisor.send("/cancel"))
    assert "/help" in joined(await advisor.send("500"))  # no form open any more
    assert (await member_of(bot, 9001)).cumulative_points == 0


async def test_owner_cannot_record_visits(bot):
    owner = await factories.owner(bot, 9002)
    assert "for store staff" in joined(await owner.send("/visit 粤B12345 repair 5000 X1"))
    assert "for store staff" in joined(await owner.press_data("visit:ok"))
    assert (await member_of(bot, 9002)).cumulative_points == 0


async def test_points_history_pages_and_reversal(bot):
    owner, advisor = await owner_and_advisor(bot)
    for i in range(10):
        await advisor.send(f"/visit 粤B12345 maintenance {100 + i} RO{i}")
        await advisor.press("Confirm")
    admin = bot.person(ADMIN_ID, language="en")
    calls = await admin.send("/reverse RO3 wrong car")
    assert "Order RO3 reversed: 103 points taken back" in joined(calls)
    assert "already" in joined(await admin.send("/reverse RO3 again"))
    assert "for store staff" in joined(await advisor.send("/reverse RO4 nope"))

    page = (await owner.send("/points"))[-1]
    assert "Cumulative points: 942" in page.text and "page 1 of 2" in page.text
    assert "Reversed: Maintenance ¥103.00 (order RO3)" in page.text
    assert page.button_labels == ["Older ▶"]
    calls = await owner.press("Older ▶")
    edited = next(c for c in calls if c.method == "editMessageText")
    assert "page 2 of 2" in edited.text and "order RO0" in edited.text


async def test_adjust_settier_renewfee_and_ledgercheck(bot):
    owner, advisor = await owner_and_advisor(bot)
    admin = bot.person(ADMIN_ID, language="en")
    assert "Usage: /adjust" in joined(await admin.send("/adjust 13812345678 lots gift"))
    calls = await admin.send("/adjust 13812345678 +300 birthday gift")
    assert "Adjusted Wang Wei by +300 points" in joined(calls)
    calls = await admin.send("/adjust 13812345678 -500 oops")
    assert "only 300 redeemable points; nothing was changed" in joined(calls)
    calls = await admin.send("/settier 粤B12345 vip loyal since 2010")
    assert "Wang Wei is now VIP" in joined(calls)
    assert "now a VIP member" not in owner.last.text and "tier is now VIP" in owner.last.text
    before = (await member_of(bot, 9001)).valid_until
    await advisor.send("/renewfee 粤B12345")
    calls = await advisor.press("Fee received: renew")
    assert "renewed until" in joined(calls)
    assert "renewed until" in owner.last.text
    after = (await member_of(bot, 9001)).valid_until
    assert after.year == before.year + 1
    # The same confirmation tapped again, and a forged one for an unknown member: no change.
    await advisor.press("Fee received: renew")
    calls = await advisor.press_data("fee:ok:999:zzzzzz")
    notices = [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]
    assert notices == ["That button is no longer active."]
    assert (await member_of(bot, 9001)).valid_until == after
    assert "agree with their ledgers" in joined(await admin.send("/ledgercheck"))
    assert "for store staff" in joined(await advisor.send("/ledgercheck"))


async def test_owner_trades_points_for_gold_and_renews(bot):
    owner, advisor = await owner_and_advisor(bot)
    assert "takes 2,000 redeemable points" in joined(await owner.send("/upgrade"))
    await advisor.send("/visit 粤B12345 repair 900 RO1")
    await advisor.press("Confirm")
    await advisor.send("/visit 粤B12345 parts 1700 RO2")
    await advisor.press("Confirm")
    await owner.send("/upgrade")
    calls = await owner.press("Trade 2,000 points for Gold")
    assert "600 redeemable points left" in joined(calls)
    assert "now a Gold member" in owner.last.text
    # The trade button tapped a second time does not trade again.
    trade = next(b for c in owner.received() for b in c.buttons if b["text"].startswith("Trade"))
    await owner.press_data(trade["callback_data"])
    member = await member_of(bot, 9001)
    assert member.tier_code == "gold" and member.redeemable_points == 600
    await owner.send("/renew")
    await owner.press("Renew for 500 points")
    member = await member_of(bot, 9001)
    assert member.redeemable_points == 100 and member.cumulative_points == 2600


async def test_daily_sweep_reminds_owners_before_expiry_once(bot):
    from datetime import datetime, time, timedelta

    from bot.jobs import daily_sweep
    from db.models import Member
    from tests.flows import services

    owner = await factories.owner(bot, 9003)
    svc = services(bot)
    async with svc.sessionmaker() as session:
        member = await session.get(Member, (await member_of(bot, 9003)).id)
        member.valid_until = svc.default_store.today() + timedelta(days=20)
        await session.commit()
    first = await daily_sweep(svc)
    assert first["reminders"] >= 1
    noon = datetime.combine(svc.default_store.today(), time(12), svc.default_store.tz)
    await bot.drain(at=noon)  # reminders go at the policy's send_at (10:30 store time)
    assert "membership card expires on" in owner.last.text
    assert owner.last.button_labels == ["Renew my membership"]
    again = await daily_sweep(svc)
    assert again == {"reminders": 0, "stepped_down": 0, "points_expired": 0, "gifts_expired": 0}
    before = len(owner.received())
    await bot.drain(at=noon)
    assert len(owner.received()) == before
    # The reminder's button offers the renewal with points (the owner has none yet).
    calls = await owner.press("Renew my membership")
    assert "Renewing with points takes 500" in joined(calls)
