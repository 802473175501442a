"""Managers run the catalog in chat: add a gift or a voucher step by step, edit, pause,
resume, retire and restock; bad answers are refused at their step; who may is policy;
a changed price refuses a confirm at the old one; owners waiting for an item hear once
that it is back; every change leaves an audit row."""

from __future__ import annotations

from sqlalchemy import select

from bot.club.common import codes
from bot.club.gifts import watches
from bot.club.gifts.catalog import shelf
from bot.club.gifts.redeem import redeem
from bot.club.gifts.rules import GiftRefused, Refusal
from db.models import AuditEntry, Gift, Member
from handlers.callbacks import encode
from tests.factories import add_gift, give_points, owner, staff
from tests.harness import joined

MANAGER = 9301


def _services(bot):
    return bot.app.bot_data["services"]


def notices(calls) -> list[str]:
    return [c.params.get("text") or "" for c in calls if c.method == "answerCallbackQuery"]


async def _manager(bot, role="manager"):
    return await staff(bot, MANAGER, role)


async def _member(bot, user_id):
    async with _services(bot).sessionmaker() as session:
        return await session.scalar(select(Member).where(Member.telegram_user_id == user_id))


async def _gift(bot, gift_id) -> Gift:
    async with _services(bot).sessionmaker() as session:
        return await session.get(Gift, gift_id)


async def _gifts(bot) -> list[Gift]:
    async with _services(bot).sessionmaker() as session:
        return list(await session.scalars(select(Gift).order_by(Gift.id)))


async def _audit(bot) -> list[AuditEntry]:
    async with _services(bot).sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("gift.%")).order_by(AuditEntry.id)
        )
        return list(rows)


async def _shelf(bot, member):
    services = _services(bot)
    store = services.default_store
    async with services.sessionmaker() as session:
        member = await session.get(Member, member.id)
        return await shelf(session, store.policy, member, store.today())


async def _open_add(manager, label="Add a gift"):
    await manager.send("/catalog")
    await manager.press(label)


async def test_a_manager_adds_a_gift_step_by_step_and_owners_see_it(bot):
    manager = await _manager(bot)
    buyer = await owner(bot, 9302)
    await _open_add(manager)
    assert manager.last.text.startswith("(1/") and "name in Chinese" in manager.last.text
    await manager.send("保温杯")
    await manager.send("Travel mug")
    await manager.send("不锈钢，500 毫升")
    await manager.press("No description")
    assert "photo" in manager.last.text
    await manager.send_photo("mugphoto")
    await manager.send("3000")
    await manager.send("20")
    assert "No limit" in manager.last.button_labels
    await manager.press("No limit")
    assert "lowest tier" in manager.last.text
    assert manager.last.button_labels[:4] == ["Silver", "Gold", "VIP", "Any tier"]
    await manager.press("Gold")
    await manager.press("Right away")
    await manager.press("No end date")
    shown = manager.received()[-2:]
    assert shown[0].method == "sendPhoto" and shown[0].params["photo"] == "mugphoto"
    assert "Travel mug" in shown[0].text and "3,000 points" in shown[0].text
    assert "20 left" in shown[0].text and "For Gold members and above" in shown[0].text
    assert "Add this to the catalog?" in shown[1].text
    await manager.press("Confirm")
    assert "Added to the catalog" in joined(manager.received()[-2:])
    [gift] = await _gifts(bot)
    assert gift.names == {"zh_Hans": "保温杯", "en": "Travel mug"}
    assert gift.descriptions == {"zh_Hans": "不锈钢，500 毫升"}
    assert (gift.photo, gift.cost_points, gift.stock, gift.min_tier) == (
        "mugphoto",
        3000,
        20,
        "gold",
    )
    assert gift.per_member_limit is None and gift.created_by == MANAGER
    # A gold owner sees it in the shop; the audit log says who added it.
    member = await _member(bot, buyer.id)
    async with _services(bot).sessionmaker() as session:
        row = await session.get(Member, member.id)
        row.tier_code = "gold"
        await session.commit()
    assert [s.gift.id for s in await _shelf(bot, row)] == [gift.id]
    [entry] = await _audit(bot)
    assert (entry.action, entry.target, entry.actor_user_id) == (
        "gift.add",
        f"gift:{gift.id}",
        MANAGER,
    )
    assert entry.details["cost_points"] == 3000 and "names" not in entry.details


async def test_a_manager_adds_a_voucher_with_its_terms(bot):
    manager = await _manager(bot)
    buyer = await owner(bot, 9303)
    await _open_add(manager, "Add a voucher")
    for answer in ("保养代金券", "Service voucher"):
        await manager.send(answer)
    await manager.press("No description")
    await manager.press("No description")
    await manager.press("No photo")
    await manager.send("5000")
    await manager.press("Unlimited")
    await manager.send("2")
    assert "how many days" in manager.last.text
    await manager.press("365 days (default)")
    await manager.press("Any tier")
    await manager.send("2026-01-01")
    await manager.send("2099-12-31")
    assert "face value" in manager.last.text
    await manager.send("100")
    await manager.send("¥500")
    await manager.send("90")
    summary = manager.last.text
    assert "Worth ¥100.00 · on a bill of ¥500.00 or more" in summary
    assert "Valid for 90 days after redeeming" in summary and "Plenty left" in summary
    assert "Limit: 2 per owner every 365 days" in summary
    await manager.press("Confirm")
    [gift] = await _gifts(bot)
    assert (gift.kind, gift.face_value_fen, gift.min_spend_fen, gift.valid_days) == (
        "voucher",
        10000,
        50000,
        90,
    )
    assert (gift.stock, gift.per_member_limit, gift.limit_days) == (None, 2, 365)
    assert str(gift.available_until) == "2099-12-31"
    assert [s.gift.id for s in await _shelf(bot, await _member(bot, buyer.id))] == [gift.id]


async def test_bad_answers_are_refused_at_their_step(bot):
    manager = await _manager(bot)
    await _open_add(manager)
    await manager.send("香氛")
    await manager.send("Fragrance")
    await manager.press("No description")
    await manager.press("No description")
    await manager.press("No photo")
    calls = await manager.send("0")
    assert "whole number of points above 0" in joined(calls)
    assert "How many redeemable points" in manager.last.text
    await manager.send("800")
    calls = await manager.send("abc")
    assert (
        "stock as a whole number" in joined(calls) and "How many are in stock" in manager.last.text
    )
    await manager.send("5")
    await manager.press("No limit")
    calls = await manager.send("Platinum")
    assert "not one of the club's tiers" in joined(calls)
    assert "lowest tier" in manager.last.text
    await manager.send("vip")  # a tier's code or name may be typed too
    await manager.send("2099-06-01")
    calls = await manager.send("2099-05-01")
    assert "cannot be before the first day" in joined(calls)
    assert "until which date" in manager.last.text
    calls = await manager.send("next week")
    assert "Please send a date like" in joined(calls)
    await manager.send("2099-06-30")
    assert "Add this to the catalog?" in manager.last.text
    assert not await _gifts(bot)  # nothing is written before Confirm
    await manager.press("Cancel")
    assert "the catalog was not changed" in manager.last.text
    assert not await _gifts(bot)


async def test_customer_service_may_not_manage_the_catalog(bot):
    clerk = await staff(bot, 9304, "customer_service")
    gift = await add_gift(bot)
    calls = await clerk.send("/catalog")
    assert "Sorry, this command is for store staff" in joined(calls)
    calls = await clerk.press_data(encode("cat", "pause", gift.id))
    assert "Sorry" in joined(calls)
    assert (await _gift(bot, gift.id)).status == "active"


async def test_the_policy_may_let_customer_service_run_the_catalog(make_bot, tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(
        '[pushes]\nquiet_start = "00:00"\nquiet_end = "00:00"\n'
        '[gifts]\nmanage_roles = ["customer_service", "manager"]\n',
        encoding="utf-8",
    )
    bot = await make_bot(policy_file=path)
    clerk = await staff(bot, 9305, "customer_service")
    gift = await add_gift(bot)
    await clerk.send("/catalog")
    assert "Car fragrance" in joined(clerk.received())
    await clerk.press("Pause")
    assert (await _gift(bot, gift.id)).status == "paused"
    advisor = await staff(bot, 9306, "admin")  # admins are not in this store's list
    assert "Sorry" in joined(await advisor.send("/catalog"))


async def test_a_new_price_refuses_a_confirm_at_the_old_one(bot):
    manager = await _manager(bot)
    buyer = await owner(bot, 9307)
    member = await _member(bot, buyer.id)
    await give_points(bot, member, 5000)
    gift = await add_gift(bot, cost_points=500)
    await manager.send("/catalog")
    await manager.press("Edit")
    assert "What do you want to change?" in manager.last.text
    await manager.press("Points cost")
    calls = await manager.send("0")
    assert "above 0" in joined(calls)
    await manager.send("７００")  # full-width, as a Chinese keyboard types it
    assert "700 points" in manager.last.text and "Save this change?" in manager.last.text
    assert (await _gift(bot, gift.id)).cost_points == 500  # not before Save
    await manager.press("Confirm")
    assert (await _gift(bot, gift.id)).cost_points == 700
    services = _services(bot)
    store = services.default_store
    async with services.sessionmaker() as session:
        try:
            await redeem(
                session, store.policy, store.id, member.id, gift.id, 500,
                codes.new_code(6), store.today(), store.now(),
            )  # fmt: skip
        except GiftRefused as refused:
            assert refused.code is Refusal.PRICE_CHANGED and refused.gift.cost_points == 700
        else:
            raise AssertionError("a confirm at the old price went through")
    entries = await _audit(bot)
    assert entries[-1].action == "gift.edit" and entries[-1].details == {"cost_points": 700}
    assert entries[-1].target == f"gift:{gift.id}"


async def test_restocking_a_sold_out_item_tells_each_watcher_once(bot):
    manager = await _manager(bot)
    buyer = await owner(bot, 9308)
    member = await _member(bot, buyer.id)
    gift = await add_gift(bot, stock=0)
    services = _services(bot)
    async with services.sessionmaker() as session:
        await watches.watch(session, member.store_id, member.id, gift.id)
        await session.commit()
    await manager.send("/catalog")
    assert "Out of stock" in manager.last.text or "Out of stock" in joined(manager.received())
    await manager.press("Restock")
    assert "+N to add" in manager.last.text
    calls = await manager.send("+x")
    assert "stock as a whole number" in joined(calls)
    await manager.send("+5")
    assert "Restocked." in joined(manager.received()[-2:])
    assert "1 owner waiting for it is being told" in joined(manager.received()[-2:])
    assert (await _gift(bot, gift.id)).stock == 5
    await bot.drain()
    told = [c for c in buyer.received() if "is back in the catalog" in c.text]
    assert len(told) == 1 and "Car fragrance" in told[0].text
    # A second restock tells nobody again.
    await manager.press("Restock")
    await manager.send("12")
    await bot.drain()
    assert len([c for c in buyer.received() if "is back" in c.text]) == 1
    assert (await _gift(bot, gift.id)).stock == 12
    actions = [(e.action, e.details) for e in await _audit(bot)]
    assert actions == [("gift.restock", {"added": 5}), ("gift.restock", {"stock": 12})]


async def test_pause_resume_and_retire(bot):
    manager = await _manager(bot)
    buyer = await owner(bot, 9309)
    member = await _member(bot, buyer.id)
    gift = await add_gift(bot)
    await manager.send("/catalog")
    await manager.press("Pause")
    assert "paused" in manager.last.text and "Resume" in manager.last.button_labels
    assert not await _shelf(bot, member)
    calls = await manager.press_data(encode("cat", "pause", gift.id))  # an old button
    assert "changed meanwhile" in notices(calls)[0]
    await manager.press("Resume")
    assert [s.gift.id for s in await _shelf(bot, member)] == [gift.id]
    await manager.press("Retire")
    assert "cannot be brought back" in manager.last.text
    await manager.press("Yes, retire it")
    assert "retired" in manager.last.text and not manager.last.buttons
    assert not await _shelf(bot, member)
    for action in ("edit", "restock", "resume", "retireok"):
        calls = await manager.press_data(encode("cat", action, gift.id))
        assert "it can no longer be changed" in notices(calls)[0]
    calls = await manager.press_data(encode("cat", "edit", 99999))
    assert "not in this store's catalog" in notices(calls)[0]
    await manager.send("/catalog")
    assert f"Retired: #{gift.id} Car fragrance" in manager.last.text
    actions = [e.action for e in await _audit(bot)]
    assert actions == ["gift.pause", "gift.resume", "gift.retire"]
    assert (await _gift(bot, gift.id)).updated_at > gift.updated_at


async def test_an_edit_changes_one_field_and_a_retire_meanwhile_refuses_it(bot):
    manager = await _manager(bot)
    gift = await add_gift(bot)
    await manager.send("/catalog")
    await manager.press("Edit")
    await manager.press("Name (English)")
    await manager.send("Lemon car fragrance")
    assert "Lemon car fragrance" in manager.last.text
    await manager.press("Confirm")
    changed = await _gift(bot, gift.id)
    assert changed.names == {"zh_Hans": "车载香氛", "en": "Lemon car fragrance"}
    await manager.press("Edit")
    await manager.press("Description (English)")
    await manager.press("No description")  # skipping in an edit clears the field
    await manager.press("Confirm")
    assert (await _gift(bot, gift.id)).descriptions == {"zh_Hans": "清新柠檬味"}
    assert [e.details for e in await _audit(bot)] == [{"names": True}, {"descriptions": True}]
    # An edit left open while a colleague retires the item saves nothing.
    await manager.press("Edit")
    await manager.press("Points cost")
    await manager.send("900")
    colleague = await staff(bot, 9310, "manager")
    await colleague.press_data(encode("cat", "retireok", gift.id))
    await manager.press("Confirm")
    assert "it can no longer be changed" in manager.last.text
    assert (await _gift(bot, gift.id)).cost_points == 500


async def test_the_catalog_speaks_chinese_to_a_chinese_manager(bot):
    manager = await staff(bot, MANAGER, "manager", language="zh-hans")
    await add_gift(bot, stock=3, min_tier="gold")
    await manager.send("/catalog")
    card, footer = manager.received()[-2:]
    assert "礼品 · 兑换中" in card.text and "车载香氛" in card.text and "金卡" in card.text
    assert card.button_labels == ["编辑", "暂停兑换", "补货", "下架"]
    assert footer.button_labels == ["添加礼品", "添加代金券"]
    await manager.press("添加代金券")
    assert "中文名称" in manager.last.text
