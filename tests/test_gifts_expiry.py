"""Time catches up with gifts and points: uncollected gifts and unused vouchers expire in
the daily sweep (points and stock back as the policy says, the owner told once), and owners
hear a month before their redeemable points expire, with a button to the catalog."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select, update

from bot.club.gifts.rules import Status
from bot.club.points import ledger
from bot.jobs import daily_sweep
from db.models import Gift, Member, PointsEntry, Push, Redemption
from tests import factories
from tests.flows import member_of, services


def noon(bot) -> datetime:
    store = services(bot).default_store
    return datetime.combine(store.today(), time(12), store.tz)


def policy(tmp_path, text: str):
    path = tmp_path / "policy.toml"
    path.write_text('[pushes]\nquiet_start = "00:00"\nquiet_end = "00:00"\n' + text)
    return path


async def lapsed(bot, user_id: int, **gift) -> tuple[Redemption, Gift]:
    """A redemption made earlier whose last day was yesterday."""
    member = await member_of(bot, user_id)
    item = await factories.add_gift(bot, **gift)
    done = await factories.redeem_now(bot, member, item)
    yesterday = services(bot).default_store.today() - timedelta(days=1)
    async with services(bot).sessionmaker() as session:
        await session.execute(
            update(Redemption)
            .where(Redemption.id == done.redemption.id)
            .values(expires_on=yesterday)
        )
        await session.commit()
    return done.redemption, item


async def state(bot, redemption: Redemption, gift: Gift):
    async with services(bot).sessionmaker() as session:
        r = await session.get(Redemption, redemption.id)
        g = await session.get(Gift, gift.id)
        m = await session.get(Member, r.member_id)
        return r.status, m.redeemable_points, g.stock, await ledger.check_ledger(session)


async def test_an_uncollected_gift_expires_with_points_and_stock_back_once(bot):
    owner = await factories.owner(bot, 8401)
    await factories.give_points(bot, await member_of(bot, 8401), 800)
    redemption, gift = await lapsed(bot, 8401, stock=1)
    assert await state(bot, redemption, gift) == (Status.WAITING, 300, 0, [])
    assert (await daily_sweep(services(bot)))["gifts_expired"] == 1
    assert await state(bot, redemption, gift) == (Status.EXPIRED, 800, 1, [])
    await bot.drain()
    told = [c.text for c in owner.received() if "has expired" in c.text]
    yesterday = services(bot).default_store.today() - timedelta(days=1)
    when = services(bot).translator("en").date(yesterday)
    assert told == [
        f"Your Car fragrance (code {redemption.code}) was not used by {when} and has expired; "
        "its 500 points are back."
    ]
    # Running again (another instance, a restart) gives nothing twice.
    assert (await daily_sweep(services(bot)))["gifts_expired"] == 0
    await bot.drain()
    assert len([c for c in owner.received() if "has expired" in c.text]) == 1
    assert await state(bot, redemption, gift) == (Status.EXPIRED, 800, 1, [])


async def test_an_unused_voucher_expires_without_its_points_by_default(bot):
    owner = await factories.owner(bot, 8402)
    await factories.give_points(bot, await member_of(bot, 8402), 500)
    voucher = {"kind": "voucher", "face_value_fen": 5000, "valid_days": 30, "stock": 5}
    redemption, gift = await lapsed(bot, 8402, **voucher)
    await daily_sweep(services(bot))
    assert await state(bot, redemption, gift) == (Status.EXPIRED, 0, 4, [])
    await bot.drain()
    assert any(c.text.endswith("and has expired.") for c in owner.received())


async def test_a_store_may_give_expired_vouchers_points_back(make_bot, tmp_path):
    bot = await make_bot(policy_file=policy(tmp_path, "[gifts]\nexpired_vouchers_refund = true\n"))
    await factories.owner(bot, 8403)
    await factories.give_points(bot, await member_of(bot, 8403), 500)
    redemption, gift = await lapsed(bot, 8403, kind="voucher", face_value_fen=5000, stock=5)
    await daily_sweep(services(bot))
    assert await state(bot, redemption, gift) == (Status.EXPIRED, 500, 4, [])


async def test_owners_hear_before_their_points_expire_once_with_a_button_to_the_gifts(
    make_bot, tmp_path
):
    bot = await make_bot(policy_file=policy(tmp_path, "[points]\nexpiry_months = 12\n"))
    owner = await factories.owner(bot, 8404)
    member = await member_of(bot, 8404)
    today = services(bot).default_store.today()
    await factories.give_points(bot, member, 700, expires_on=today + timedelta(days=20))
    await factories.give_points(bot, member, 300, expires_on=today + timedelta(days=200))
    later = await factories.owner(bot, 8405, phone="+8613900000405", plate=None)
    later_member = await member_of(bot, 8405)
    await factories.give_points(bot, later_member, 900, expires_on=today + timedelta(days=40))
    await factories.add_gift(bot, cost_points=500)
    await daily_sweep(services(bot))
    await daily_sweep(services(bot))  # a second run the same day queues nothing more
    await bot.drain(at=noon(bot))
    t = services(bot).translator("en")
    reminder = owner.last
    assert reminder.text == (
        f"Dear Wang Wei, 700 of your redeemable points expire after "
        f"{t.date(today + timedelta(days=20))}. Exchange them for a gift or a voucher before then."
    )
    assert reminder.button_labels == ["See the gifts"]
    assert not any("expire after" in c.text for c in later.received())  # 40 days: not yet
    card = (await owner.press("See the gifts"))[-1]
    assert card.method == "sendPhoto" and "Car fragrance" in card.text
    async with services(bot).sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(Push).where(Push.purpose == "points_expiry")
        )
        assert count == 1


async def test_an_owner_who_turned_the_reminder_off_is_not_told(make_bot, tmp_path):
    bot = await make_bot(policy_file=policy(tmp_path, "[points]\nexpiry_months = 12\n"))
    owner = await factories.owner(bot, 8406)
    member = await member_of(bot, 8406)
    today = services(bot).default_store.today()
    await factories.give_points(bot, member, 700, expires_on=today + timedelta(days=10))
    await owner.send("/settings")
    await owner.press(next(label for label in owner.last.button_labels if "expire" in label))
    await daily_sweep(services(bot))
    async with services(bot).sessionmaker() as session:
        pushes = await session.scalar(
            select(func.count()).select_from(Push).where(Push.purpose == "points_expiry")
        )
        assert pushes == 0
        assert await session.scalar(select(func.count()).select_from(PointsEntry)) == 1
