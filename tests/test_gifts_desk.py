"""The staff desk in chat: a scanned or typed redemption code opens it, "Hand over" works
once and a second scan says when and by whom, vouchers are used against a visit of the
same owner, and /redemptions lists what waits and what runs low."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.club.gifts import desk
from bot.club.gifts.rules import Status
from bot.club.points import ledger
from db.models import AuditEntry, Redemption
from tests.factories import add_gift, give_points, owner, redeem_now, staff
from tests.harness import joined

OWNER, ADVISOR, CS = 8101, 8102, 8103
VOUCHER = {
    "kind": "voucher",
    "names": {"zh_Hans": "保养代金券", "en": "Service voucher"},
    "cost_points": 1000,
    "face_value_fen": 10000,
    "min_spend_fen": 50000,
    "valid_days": 90,
}


def _services(bot):
    return bot.app.bot_data["services"]


async def _member(bot, user_id):
    from db import queries

    services = _services(bot)
    async with services.sessionmaker() as session:
        return await queries.member_by_user(session, services.default_store.id, user_id)


async def redeemed(bot, user_id: int, **gift) -> Redemption:
    """The owner redeems one item (points given first), as the shop's confirm does."""
    member = await _member(bot, user_id)
    await give_points(bot, member, 5000)
    return (await redeem_now(bot, member, await add_gift(bot, **gift))).redemption


async def current(bot, redemption: Redemption) -> Redemption:
    async with _services(bot).sessionmaker() as session:
        return await session.get(Redemption, redemption.id)


async def setting(bot):
    """An owner with a car, a service advisor and a customer-service specialist."""
    who = await owner(bot, OWNER)
    advisor = await staff(bot, ADVISOR, "service_advisor", first_name="Zhou")
    return who, advisor, await staff(bot, CS, "customer_service")


async def test_scan_hand_over_once_then_a_second_scan_says_who_and_when(bot):
    person, advisor, cs = await setting(bot)
    r = await redeemed(bot, OWNER)
    await advisor.send(f"/start g_{r.code}")
    view = advisor.last.text
    assert "Car fragrance · 500 points" in view and f"Code: {r.code}" in view
    assert "waiting to be collected" in view and "Wang Wei" in view
    assert "+86138****5678" in view and "13812345678" not in view  # the phone masked
    await advisor.press("Hand over")
    assert "Handed over." in advisor.last.text and advisor.last.button_labels == []
    assert "You collected Car fragrance" in person.last.text  # the owner is told
    assert (await current(bot, r)).status == Status.COLLECTED
    calls = await advisor.press_data(f"gift:hand:{r.id}")  # a double tap on the old button
    assert "That was already done." in joined(calls) and "by you" in joined(calls)
    await cs.send(f"/start g_{r.code}")  # a colleague scans it again
    assert "Handed over on " in cs.last.text and "by Zhou" in cs.last.text
    assert cs.last.button_labels == []
    told = [c for c in person.received() if "You collected" in c.text]
    assert len(told) == 1
    async with _services(bot).sessionmaker() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
        assert actions.count("redemption.hand_over") == 1 and "redemption.open" in actions
        assert await ledger.check_ledger(session) == []


async def test_an_owner_scanning_their_own_code_sees_their_redemption(bot):
    person, _, _ = await setting(bot)
    r = await redeemed(bot, OWNER)
    await person.send(f"/start g_{r.code}")
    assert f"Code: {r.code}" in person.last.text
    assert "Show this code at the desk" in person.last.text
    assert person.last.button_labels == []
    assert (await current(bot, r)).status == Status.WAITING


async def test_a_stranger_and_another_owner_are_told_it_is_for_staff(bot):
    await setting(bot)
    r = await redeemed(bot, OWNER)
    other = await owner(bot, 8109, phone="+8613900000009", plate="粤B99999")
    stranger = bot.person(8110, language="en")
    for person in (other, stranger):
        await person.send(f"/start g_{r.code}")
        assert "This QR code is for store staff" in person.last.text
        assert r.code not in person.last.text and "Wang Wei" not in person.last.text
    await stranger.press_data(f"gift:hand:{r.id}")  # a forged button
    assert "for store staff with the right role" in stranger.last.text
    assert (await current(bot, r)).status == Status.WAITING


async def test_a_typed_code_with_look_alike_letters_opens_it(bot):
    _, advisor, _ = await setting(bot)
    r = await redeemed(bot, OWNER)
    typed = r.code.lower().replace("0", "o").replace("1", "l")
    await advisor.send(f"/fulfil {typed[:4]}-{typed[4:]}")
    assert f"Code: {r.code}" in advisor.last.text and "Hand over" in advisor.last.button_labels
    await advisor.send("/fulfil ZZZZZZZZ")
    assert "No redemption has that code" in advisor.last.text
    await advisor.send("/fulfil")
    assert "Usage: /fulfil" in advisor.last.text


async def _visit(advisor, plate: str, amount: int, order: str) -> None:
    await advisor.send(f"/visit {plate} maintenance {amount} {order}")
    await advisor.press("Confirm")


async def test_a_voucher_is_used_with_an_order_number_of_the_same_owner_once(bot):
    person, advisor, _ = await setting(bot)
    await owner(bot, 8111, phone="+8613900000011", plate="粤B11111", name="Li Na")
    r = await redeemed(bot, OWNER, **VOUCHER)
    await advisor.send(f"/fulfil {r.code}")
    view = advisor.last.text
    assert "ready to use" in view and "Worth ¥100.00" in view and "¥500.00 or more" in view
    assert "used when the visit is recorded" in view and advisor.last.button_labels == []
    await _visit(advisor, "粤B11111", 800, "RO-OTHER")
    await advisor.send(f"/fulfil {r.code} RO-OTHER")
    assert "another owner's visit" in advisor.last.text
    await _visit(advisor, "粤B12345", 300, "RO-SMALL")
    await advisor.send(f"/fulfil {r.code} RO-SMALL")
    assert "(¥300.00) is below the voucher's minimum spend (¥500.00)" in advisor.last.text
    await advisor.send(f"/fulfil {r.code} RO-NOPE")
    assert "No visit with that repair order number" in advisor.last.text
    assert (await current(bot, r)).status == Status.WAITING
    await _visit(advisor, "粤B12345", 1280, "RO-BIG")
    await advisor.send(f"/fulfil {r.code} RO-BIG")
    assert "Done: used on this visit." in advisor.last.text
    assert "repair order RO-BIG" in advisor.last.text
    assert "Your voucher Service voucher was used" in person.last.text
    await advisor.send(f"/fulfil {r.code} RO-BIG")
    assert "That was already done." in advisor.last.text and "Used on" in advisor.last.text
    used = await current(bot, r)
    assert used.status == Status.COLLECTED and used.used_order_no == "RO-BIG"
    assert used.used_visit_id is not None and used.collected_by == ADVISOR


async def test_after_a_visit_the_owners_vouchers_are_offered_as_buttons(bot):
    person, advisor, _ = await setting(bot)
    r = await redeemed(bot, OWNER, **VOUCHER)
    gift = await redeemed(bot, OWNER)  # a gift is not offered on a visit
    await _visit(advisor, "粤B12345", 1280, "RO-1")
    assert "Recorded: Wang Wei earned" in advisor.last.text
    label = "Use voucher Service voucher on this visit"
    assert advisor.last.button_labels == [label]
    data = advisor.last.buttons[0]["callback_data"]
    await advisor.press(label)
    assert "Done: used on this visit." in advisor.last.text
    assert "Your voucher Service voucher was used" in person.last.text
    calls = await advisor.press_data(data)  # pressed again
    assert "That was already done." in joined(calls)
    await advisor.press_data(f"gift:usev:{gift.id}:1")  # a forged press: a gift on a visit
    assert "That is a gift, not a voucher" in advisor.last.text
    await advisor.press_data("gift:usev:99999:1")
    assert "No redemption has that code" in advisor.last.text
    assert (await current(bot, r)).used_order_no == "RO-1"
    await _visit(advisor, "粤B12345", 900, "RO-2")
    assert advisor.last.button_labels == []  # nothing left to offer


async def test_redemptions_lists_what_waits_and_what_runs_low(bot):
    _, _, cs = await setting(bot)
    waiting = await redeemed(bot, OWNER, stock=2)  # one left after this: low
    done = await redeemed(bot, OWNER, names={"en": "Umbrella", "zh_Hans": "雨伞"}, stock=50)
    await add_gift(bot, names={"en": "Key ring", "zh_Hans": "钥匙扣"}, stock=0)
    async with _services(bot).sessionmaker() as session:
        store = _services(bot).default_store
        await desk.hand_over(
            session, desk.Clerk(store.id, CS, None, store.today(), store.now()), done.id
        )
        await session.commit()
    await cs.send("/redemptions")
    text = cs.last.text
    assert "Waiting at the desk: 1" in text and waiting.code in text and done.code not in text
    assert "Wang Wei" in text and "today" in text
    assert "Low on stock:" in text and "Car fragrance: 1 left" in text
    assert "Key ring: sold out" in text and "Umbrella" not in text
    assert cs.last.button_labels == ["Export redemptions (XLSX)", "Export catalog (XLSX)"]
    stranger = bot.person(8120, language="en")
    await stranger.send("/redemptions")
    assert "for store staff with the right role" in stranger.last.text


async def test_a_hundred_hand_over_presses_at_once_give_one_collection(bot):
    await setting(bot)
    r = await redeemed(bot, OWNER)
    services = _services(bot)
    store = services.default_store

    async def press(staff_id: int) -> bool:
        async with services.sessionmaker() as session:
            clerk = desk.Clerk(store.id, staff_id, None, store.today(), store.now())
            outcome = await desk.hand_over(session, clerk, r.id)
            await session.commit()
        return outcome.done

    results = await asyncio.gather(*[press(9000 + i) for i in range(100)])
    assert sum(results) == 1
    collected = await current(bot, r)
    assert collected.status == Status.COLLECTED and collected.collected_by == 9000 + results.index(
        True
    )
