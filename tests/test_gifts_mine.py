"""/mygifts through the chat: an owner's redemptions, paged in place; cancelling one not
yet collected gives points and stock back as new ledger rows; another owner's, a forged
or a collected one is refused; a restock tells those waiting once."""

from __future__ import annotations

from sqlalchemy import func, select, update

from bot.club.points import ledger
from db.base import utcnow
from db.models import Gift, Member, PointsEntry, Redemption
from tests.factories import add_gift, give_points, owner, redeem_now
from tests.flows import member_of
from tests.harness import joined

STALE = "That button is no longer active."


def _services(bot):
    return bot.app.bot_data["services"]


async def redeemed(bot, user_id: int, gift: Gift) -> Redemption:
    return (await redeem_now(bot, await member_of(bot, user_id), gift)).redemption


async def owner_with(bot, user_id: int, points: int, **kw):
    person = await owner(bot, user_id, phone=f"+86139{user_id:08d}", plate=None, **kw)
    await give_points(bot, await member_of(bot, user_id), points)
    return person


async def facts(bot, user_id: int, gift: Gift) -> tuple[int, int | None, list, int]:
    """Redeemable points, the item's stock, ledger faults, and refund rows."""
    async with _services(bot).sessionmaker() as session:
        member = await session.scalar(select(Member).where(Member.telegram_user_id == user_id))
        refunds = await session.scalar(
            select(func.count()).select_from(PointsEntry).where(PointsEntry.kind == "refund")
        )
        stock = (await session.get(Gift, gift.id)).stock
        return member.redeemable_points, stock, await ledger.check_ledger(session), refunds


async def status_of(bot, redemption: Redemption) -> str:
    async with _services(bot).sessionmaker() as session:
        return (await session.get(Redemption, redemption.id)).status


def notices(calls) -> list[str]:
    return [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]


async def test_cancelling_gives_points_and_stock_back_as_new_ledger_rows(bot):
    wei = await owner_with(bot, 8201, 1200)
    gift = await add_gift(bot, stock=5)
    redemption = await redeemed(bot, 8201, gift)
    assert await facts(bot, 8201, gift) == (700, 4, [], 0)
    listing = (await wei.send("/mygifts"))[-1]
    assert "Your gifts and vouchers (1/1):" in listing.text
    assert f"1. Car fragrance · 500 points\nCode: {redemption.code}" in listing.text
    assert "Status: waiting to be collected" in listing.text
    assert listing.button_labels == ["Show code 1", "Cancel 1"]

    ask = (await wei.press("Cancel 1"))[-1]
    assert ask.method == "editMessageText"
    assert ask.text == "Cancel Car fragrance and get 500 points back?"
    kept = (await wei.press("No, keep it"))[-1]
    assert "Status: waiting to be collected" in kept.text
    assert await facts(bot, 8201, gift) == (700, 4, [], 0)

    await wei.press("Cancel 1")
    done = (await wei.press("Yes, cancel it"))[-1]
    assert done.method == "editMessageText"
    assert done.text.startswith(
        "Cancelled: Car fragrance. 500 points are back; your redeemable points: 1,200."
    )
    assert "Status: cancelled" in done.text and done.button_labels == []
    assert await facts(bot, 8201, gift) == (1200, 5, [], 1)
    # The same Yes pressed again (a double tap, an old message) gives nothing twice.
    again = await wei.press("Yes, cancel it")
    assert "This was already cancelled." in joined(again)
    assert await facts(bot, 8201, gift) == (1200, 5, [], 1)
    # /points tells the owner what the two ledger rows were.
    history = (await wei.send("/points"))[-1].text
    assert "Redeemed for a gift or voucher (/mygifts) · cumulative +0, redeemable -500" in history
    assert "Back from a cancelled or expired gift or voucher · cumulative +0, redeemable +500" in (
        history
    )


async def test_another_owners_or_a_forged_redemption_is_refused(bot):
    wei = await owner_with(bot, 8202, 1000)
    await owner_with(bot, 8203, 1000)
    gift = await add_gift(bot)
    theirs = await redeemed(bot, 8203, gift)
    for data in (
        f"gift:cancel:{theirs.id}:0:y",
        f"gift:cancel:{theirs.id}:0",
        f"gift:qr:{theirs.id}",
        "gift:cancel:999999:0:y",
        "gift:cancel:x:0:y",
    ):
        calls = await wei.press_data(data)
        assert notices(calls) == ["That is not one of your gifts."], data
        assert theirs.code not in joined(calls)
    for forged in (f"gift:cancel:{theirs.id}:0:n", "gift:mine:-1", "gift:qr"):
        assert notices(await wei.press_data(forged)) == [STALE], forged
    assert await status_of(bot, theirs) == "waiting"
    assert await facts(bot, 8203, gift) == (500, 9, [], 0)
    assert not bot.errors


async def test_a_collected_gift_cannot_be_cancelled_and_says_when_and_where(bot):
    wei = await owner_with(bot, 8204, 1000)
    gift = await add_gift(bot)
    redemption = await redeemed(bot, 8204, gift)
    await wei.send("/mygifts")
    cancel = next(b["callback_data"] for b in wei.last.buttons if b["text"] == "Cancel 1")
    services = _services(bot)
    async with services.sessionmaker() as session:  # handed over at the desk meanwhile
        await session.execute(
            update(Redemption)
            .where(Redemption.id == redemption.id)
            .values(
                status="collected",
                collected_at=utcnow(),
                collected_store_id=services.default_store.id,
            )
        )
        await session.commit()
    calls = await wei.press_data(cancel + ":y")
    told = joined(calls)
    assert "This gift was already collected; it cannot be cancelled." in told
    assert "Status: collected" in told and f"at {services.default_store.name}" in told
    assert calls[-1].button_labels == []
    assert await facts(bot, 8204, gift) == (500, 9, [], 0)


async def test_show_code_sends_the_qr_again_for_a_waiting_one(bot):
    wei = await owner_with(bot, 8205, 3000)
    voucher = await add_gift(
        bot, kind="voucher", names={"en": "Service voucher"}, face_value_fen=10000, valid_days=30
    )
    redemption = await redeemed(bot, 8205, voucher)
    await wei.send("/mygifts")
    calls = await wei.press("Show code 1")
    photo = calls[-1]
    assert photo.method == "sendPhoto" and photo.photo.startswith(b"\x89PNG")
    assert f"Code: {redemption.code}" in photo.text and "Worth ¥100.00" in photo.text
    assert "Show this when you pay at your next visit." in photo.text


async def test_many_redemptions_page_newest_first_in_place(bot):
    wei = await owner_with(bot, 8206, 10_000)
    gifts = [await add_gift(bot, names={"en": f"Gift {i}"}, cost_points=100) for i in range(7)]
    for gift in gifts:
        await redeemed(bot, 8206, gift)
    first = (await wei.send("/mygifts"))[-1]
    assert "(1/2)" in first.text and first.text.index("Gift 6") < first.text.index("Gift 2")
    assert "Gift 1" not in first.text and first.button_labels[-1] == "Older ▶"
    second = (await wei.press("Older ▶"))[-1]
    assert second.method == "editMessageText" and "(2/2)" in second.text
    assert "6. Gift 1" in second.text and "7. Gift 0" in second.text
    assert second.button_labels == ["Show code 6", "Cancel 6", "Show code 7", "Cancel 7", "◀ Newer"]
    assert "(2/2)" in (await wei.press_data("gift:mine:50"))[-1].text  # past the end: the last


async def test_nothing_yet_and_not_a_member(bot):
    wei = await owner(bot, 8207)
    calls = await wei.send("/mygifts")
    assert "You have not redeemed anything yet." in calls[-1].text
    assert calls[-1].button_labels == ["See other gifts"]
    stranger = bot.person(8208, language="en")
    assert "Send /start to join" in (await stranger.send("/mygifts"))[-1].text


async def test_a_cancel_that_restocks_tells_those_waiting_once(bot):
    taker = await owner_with(bot, 8209, 2000)
    waiter = await owner_with(bot, 8210, 2000)
    gift = await add_gift(bot, stock=1)
    await redeemed(bot, 8209, gift)
    await redeemed(bot, 8210, await add_gift(bot, names={"en": "Other"}, stock=None))
    card = (await waiter.send("/gifts"))[-1]  # same price: the older item first
    assert "Car fragrance" in card.text and "Out of stock" in card.text
    await waiter.press("🔔 Tell me when it is back")

    await taker.send("/mygifts")
    await taker.press("Cancel 1")
    await taker.press("Yes, cancel it")  # the feed delivers what the outbox holds
    told = [c.text for c in bot.api.calls if c.chat_id == 8210 and c.method == "sendMessage"]
    assert told == [
        "Good news: Car fragrance is back in the catalog. Redeem it with /gifts while it lasts."
    ]
    # Taken and given back again: the watch was used up, nobody hears twice.
    await redeemed(bot, 8209, gift)
    await taker.send("/mygifts")
    await taker.press("Cancel 1")
    await taker.press("Yes, cancel it")
    await bot.drain()
    again = [c.text for c in bot.api.calls if c.chat_id == 8210 and c.method == "sendMessage"]
    assert again == told
