"""The owners' gift shop through the chat: cards paged in place, the affordable filter,
tier-locked and sold-out items, and redeeming end to end (the price confirmed is the
price paid; a double tap or a stale Confirm redeems nothing more)."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select, update

from bot.club.points import ledger
from db.models import Gift, Member, Redemption
from tests.factories import add_gift, give_points, owner
from tests.flows import member_of
from tests.harness import joined

STAFF_CHAT = -1009876543
STALE = "That button is no longer active."


def _services(bot):
    return bot.app.bot_data["services"]


async def rich_owner(bot, user_id: int, points: int, **kw):
    person = await owner(bot, user_id, **kw)
    await give_points(bot, await member_of(bot, user_id), points)
    return person


async def state(bot, user_id: int, gift: Gift) -> tuple[int, int | None, int, list]:
    """The owner's redeemable points, the item's stock, its redemptions, ledger faults."""
    async with _services(bot).sessionmaker() as session:
        member = await session.scalar(select(Member).where(Member.telegram_user_id == user_id))
        stock = (await session.get(Gift, gift.id)).stock
        n = await session.scalar(
            select(func.count()).select_from(Redemption).where(Redemption.gift_id == gift.id)
        )
        return member.redeemable_points, stock, n, await ledger.check_ledger(session)


async def set_gift(bot, gift: Gift, **values) -> None:
    async with _services(bot).sessionmaker() as session:
        await session.execute(update(Gift).where(Gift.id == gift.id).values(**values))
        await session.commit()


def notices(calls) -> list[str]:
    return [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]


async def test_the_catalog_is_a_card_per_item_paged_in_place(bot):
    wei = await rich_owner(bot, 8101, 1200)
    await add_gift(bot)  # 500 points, no photo: a drawn placeholder
    await add_gift(bot, names={"en": "Umbrella"}, cost_points=800, photo="AgACumbrella")
    await add_gift(bot, names={"en": "Oil change"}, cost_points=2000, stock=None)
    first = (await wei.send("/gifts"))[-1]
    assert first.method == "sendPhoto" and first.photo.startswith(b"\x89PNG")
    assert "Car fragrance\nFresh lemon scent\n500 points\n10 left" in first.text
    assert "Your redeemable points: 1,200" in first.text
    assert first.button_labels == ["◀", "1/3", "▶", "Redeem", "Only what I can afford"]

    second = (await wei.press("▶"))[-1]
    assert second.method == "editMessageMedia" and second.message_id == first.message_id
    assert second.media["media"] == "AgACumbrella" and "Umbrella" in second.text
    third = (await wei.press("▶"))[-1]
    assert "Oil change" in third.text and "Plenty left" in third.text
    assert "You need 800 more points." in third.text and "Redeem" not in third.button_labels
    assert "Car fragrance" in (await wei.press("▶"))[-1].text  # round to the first again

    mine = (await wei.press("Only what I can afford"))[-1]
    assert mine.method == "editMessageMedia" and mine.button_labels[1] == "1/2"
    assert mine.button_labels[-1] == "Show all gifts"
    assert "Umbrella" in (await wei.press("◀"))[-1].text  # round to the last affordable
    assert "1/3" in (await wei.press("Show all gifts"))[-1].button_labels


async def test_forged_or_old_page_buttons_are_clamped_or_refused(bot):
    wei = await rich_owner(bot, 8102, 100)
    await add_gift(bot)
    await add_gift(bot, names={"en": "Umbrella"}, cost_points=800)
    # An old page number past the end (the catalog has shrunk) shows the last card.
    calls = await wei.press_data("gift:page:99:0")
    assert calls[-1].method == "sendPhoto" and "Umbrella" in calls[-1].text
    for forged in ("gift:page:x:0", "gift:page:1:7", "gift:page:1", "gift:page:١:0"):
        assert notices(await wei.press_data(forged)) == [STALE], forged
    assert not bot.errors


async def test_tier_locked_and_sold_out_items_say_why_and_offer_a_watch(bot):
    wei = await rich_owner(bot, 8103, 3000)
    gold = await add_gift(bot, names={"en": "Lounge pass"}, min_tier="gold")
    await add_gift(bot, names={"en": "Umbrella"}, cost_points=600, stock=0)
    card = (await wei.send("/gifts"))[-1]
    assert "Lounge pass" in card.text and "🔒 Unlocks at Gold." in card.text
    assert "Redeem" not in card.button_labels
    # A Redeem button made up for it is refused all the same.
    calls = await wei.press_data(f"gift:redeem:{gold.id}:500")
    assert "That item is for a higher tier." in joined(calls)
    assert calls[-1].button_labels == ["See other gifts"]

    sold_out = (await wei.press("▶"))[-1]
    assert "Out of stock" in sold_out.text and "Redeem" not in sold_out.button_labels
    calls = await wei.press("🔔 Tell me when it is back")
    assert notices(calls) == ["We will tell you once when it is back."]
    assert "🔔 We will tell you when it is back." in calls[-1].text
    assert "🔔 Tell me when it is back" not in calls[-1].button_labels
    calls = await wei.press_data(sold_out.buttons[3]["callback_data"])  # the old button again
    assert notices(calls) == ["You will hear from us when it is back."]


async def test_non_members_empty_catalog_and_nothing_affordable(bot):
    stranger = bot.person(8104, language="en")
    assert "Send /start to join" in (await stranger.send("/gifts"))[-1].text
    assert "Send /start to join" in (await stranger.press_data("gift:page:0:0"))[-1].text
    wei = await owner(bot, 8105)
    assert "The catalog is empty for now" in (await wei.send("/gifts"))[-1].text
    await add_gift(bot)
    await wei.send("/gifts")
    calls = await wei.press("Only what I can afford")
    assert "Nothing in the catalog is within your 0 redeemable points yet." in joined(calls)
    assert calls[-1].method == "sendMessage"  # a text under the card, the card stays
    assert calls[-1].button_labels == ["Show all gifts"]


async def test_redeeming_shows_the_cost_then_a_code_and_tells_the_staff_group(make_bot):
    bot = await make_bot(staff_chat_id=STAFF_CHAT)
    wei = await rich_owner(bot, 8106, 1200)
    gift = await add_gift(bot, stock=3)
    await wei.send("/gifts")
    summary = (await wei.press("Redeem"))[-1]
    assert "Redeem this?\nCar fragrance\nCost: 500 points" in summary.text
    assert "Your redeemable points: 1,200 now, 700 after" in summary.text
    assert summary.button_labels == ["Confirm", "Cancel"]
    assert await state(bot, 8106, gift) == (1200, 3, 0, [])  # nothing taken before Confirm

    await wei.press("Confirm")
    code = wei.last
    assert code.method == "sendPhoto" and code.photo.startswith(b"\x89PNG")
    async with _services(bot).sessionmaker() as session:
        redemption = await session.scalar(select(Redemption))
    assert f"Code: {redemption.code}" in code.text
    assert "waiting to be collected" in code.text and "Show this at the service desk." in code.text
    assert "Redeemable points left: 700" in code.text
    assert await state(bot, 8106, gift) == (700, 2, 1, [])
    posts = [c.text for c in bot.api.calls if c.chat_id == STAFF_CHAT]
    assert len(posts) == 1 and redemption.code in posts[0] and "Wang Wei" in posts[0]


async def test_a_voucher_carries_its_value_and_is_shown_at_the_next_visit(bot):
    wei = await rich_owner(bot, 8107, 2000, language="zh-hans")
    await add_gift(
        bot,
        kind="voucher",
        names={"zh_Hans": "保养代金券", "en": "Service voucher"},
        cost_points=1500,
        face_value_fen=10000,
        min_spend_fen=50000,
        valid_days=90,
        stock=None,
    )
    card = (await wei.send("/gifts"))[-1]
    assert "保养代金券" in card.text and "¥100.00" in card.text and "¥500.00" in card.text
    await wei.press(card.buttons[-2]["text"])  # Redeem, in Chinese
    summary = wei.last
    calls = await wei.press(summary.buttons[0]["text"])  # Confirm
    assert calls[-1].method == "sendPhoto" and "¥100.00" in calls[-1].text
    assert "English" not in calls[-1].text and "Service voucher" not in calls[-1].text


async def test_a_double_tap_on_confirm_redeems_once(bot):
    wei = await rich_owner(bot, 8108, 5000)
    gift = await add_gift(bot)
    await wei.send("/gifts")
    await wei.press("Redeem")
    data = next(b["callback_data"] for b in wei.last.buttons if b["text"] == "Confirm")
    before = len(bot.api.calls)
    await bot.through_queue([wei.press_update(data), wei.press_update(data)], replies=1)
    for _ in range(100):  # the second tap is answered on the button
        calls = bot.api.calls[before:]
        if sum(c.method == "answerCallbackQuery" for c in calls) == 2:
            break
        await asyncio.sleep(0.01)
    assert sorted(notices(calls), key=str) == [None, STALE]
    assert sum(c.method == "sendPhoto" for c in calls) == 1
    assert await state(bot, 8108, gift) == (4500, 9, 1, [])


async def test_a_price_changed_before_confirm_is_shown_and_then_paid(bot):
    wei = await rich_owner(bot, 8109, 1200)
    gift = await add_gift(bot, cost_points=500)
    await wei.send("/gifts")
    await wei.press("Redeem")
    await set_gift(bot, gift, cost_points=600)  # staff change the price meanwhile
    calls = await wei.press("Confirm")
    told = joined(calls)
    assert "The price has just changed; please look at the new price." in told
    assert "Cost: 600 points" in calls[-1].text and "1,200 now, 600 after" in calls[-1].text
    assert await state(bot, 8109, gift) == (1200, 10, 0, [])  # the old price took nothing
    assert (await wei.press("Confirm"))[-1].method == "sendPhoto"
    assert await state(bot, 8109, gift) == (600, 9, 1, [])


async def test_a_card_older_than_the_price_opens_the_confirmation_at_the_new_one(bot):
    wei = await rich_owner(bot, 8110, 1200)
    gift = await add_gift(bot, cost_points=500)
    await wei.send("/gifts")
    await set_gift(bot, gift, cost_points=700)
    calls = await wei.press("Redeem")
    assert "The price has just changed" in joined(calls)
    assert "Cost: 700 points" in calls[-1].text
    await wei.press("Confirm")
    assert await state(bot, 8110, gift) == (500, 9, 1, [])


async def test_a_stale_confirm_after_cancel_or_a_retired_item_redeems_nothing(bot):
    wei = await rich_owner(bot, 8111, 1200)
    gift = await add_gift(bot)
    await wei.send("/gifts")
    await wei.press("Redeem")
    confirm = next(b["callback_data"] for b in wei.last.buttons if b["text"] == "Confirm")
    assert "Cancelled; no points were spent." in joined(await wei.send("/cancel"))
    assert notices(await wei.press_data(confirm)) == [STALE]
    assert await state(bot, 8111, gift) == (1200, 10, 0, [])

    await wei.send("/gifts")
    await wei.press("Redeem")
    await set_gift(bot, gift, status="retired")  # withdrawn while the owner looks
    calls = await wei.press("Confirm")
    assert "That item has been withdrawn from the catalog." in joined(calls)
    assert calls[-1].button_labels == ["See other gifts"]
    assert "The catalog is empty for now" in (await wei.press("See other gifts"))[-1].text
    assert await state(bot, 8111, gift) == (1200, 10, 0, [])
