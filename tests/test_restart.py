"""A half-finished join survives the bot being stopped and started again."""

from __future__ import annotations

from tests.flows import EN_CONSENT, member_of
from tests.harness import joined


async def test_owner_continues_join_after_restart(make_bot):
    first = await make_bot()
    owner = first.person(2001, language="en")
    await owner.send("/start")
    await owner.press(EN_CONSENT)
    await owner.share_contact("+8613812345678")
    await owner.send("Wang Wei")
    await owner.press("Skip")
    await first.stop()

    second = await make_bot()  # same database, new process state
    owner = second.person(2001, language="en")
    calls = await owner.send("粤B12345")  # answers the plate step asked before the restart
    assert "VIN" in joined(calls)
    await owner.press("Skip")
    await owner.send("Camry")
    await owner.send("2024-01-02")
    await owner.press("Bought a new car here")
    member = await member_of(second, 2001)
    assert member is not None and member.phone == "+8613812345678"
    assert member.cars[0].plate == "粤B12345"


async def test_buttons_from_before_a_restart_still_work(make_bot):
    first = await make_bot()
    owner = first.person(2002, language="en")
    await owner.send("/start")
    await first.stop()
    second = await make_bot()
    owner = second.person(2002, language="en")
    # The consent button was sent by the first process; its data is a plain string.
    calls = await owner.press_data("join:ok")
    assert any(c.asks_for_contact for c in calls)


async def test_a_visit_form_and_its_buttons_survive_a_restart(make_bot):
    from tests.conftest import ADMIN_ID
    from tests.flows import join_club

    first = await make_bot()
    await join_club(first.person(2003, language="en"))
    await first.person(ADMIN_ID, language="en").send("/grant 2004 service_advisor")
    advisor = first.person(2004, language="en")
    await advisor.send("/visit 粤B12345 maintenance 500 RO-R1")
    confirm = next(b["callback_data"] for b in advisor.last.buttons if b["text"] == "Confirm")
    await first.stop()

    second = await make_bot()
    advisor = second.person(2004, language="en")
    calls = await advisor.press_data(confirm)  # pressed on the message the first process sent
    assert "Wang Wei earned 500 points" in joined(calls)
    assert (await member_of(second, 2003)).cumulative_points == 500


async def test_a_join_left_by_the_previous_version_continues(make_bot):
    from db.models import Dialog
    from tests.conftest import ADMIN_ID
    from tests.flows import services

    bot = await make_bot()
    svc = services(bot)
    async with svc.sessionmaker() as session:  # as the hand-written join engine left it
        data = {"consent_at": svc.now().isoformat(), "phone": "+8613812345000", "name": "Li"}
        data.update(birthday=None)
        old = Dialog(
            telegram_user_id=2005, store_id=svc.default_store.id, flow="join", step="plate"
        )
        old.data = data
        session.add(old)
        session.add(
            Dialog(
                telegram_user_id=ADMIN_ID, store_id=svc.default_store.id, flow="broadcast", step="x"
            )
        )
        await session.commit()
    owner = bot.person(2005, language="en")
    assert "VIN" in joined(await owner.send("粤B12399"))
    await owner.press("Skip")
    await owner.send("Camry")
    await owner.send("2024-01-02")
    await owner.press("Bought a new car here")
    assert (await member_of(bot, 2005)).cars[0].plate == "粤B12399"
    # A step the new form does not have: the old dialog is dropped, nothing breaks.
    assert "/help" in joined(await bot.person(ADMIN_ID, language="en").send("hello"))


async def test_a_redeem_confirmation_from_before_a_restart_redeems_once(make_bot):
    from tests import factories

    first = await make_bot()
    owner = await factories.owner(first, 2010)
    await factories.give_points(first, await member_of(first, 2010), 800)
    await factories.add_gift(first, stock=1)
    await owner.send("/gifts")
    await owner.press("Redeem")
    confirm = next(b["callback_data"] for b in owner.last.buttons if b["text"] == "Confirm")
    await first.stop()

    second = await make_bot()  # same database: the confirmation is a row, not memory
    owner = second.person(2010, "Wei", "en")
    calls = await owner.press_data(confirm)
    assert any(c.method == "sendPhoto" and "Code: " in c.text for c in calls), joined(calls)
    again = await owner.press_data(confirm)  # the old button once more: nothing twice
    notices = [c.params.get("text") for c in again if c.method == "answerCallbackQuery"]
    assert notices == ["That button is no longer active."]
    member = await member_of(second, 2010)
    assert member.redeemable_points == 300
