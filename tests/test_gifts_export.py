"""The catalog and the redemptions exported as XLSX from /redemptions: the files open
with openpyxl and hold every row, headers in the staff member's language, moments on the
store's clock."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook

from bot.club.gifts import desk
from tests.factories import add_gift, owner, staff
from tests.test_gifts_desk import VOUCHER, redeemed


def sheet_of(call) -> list[tuple]:
    item = call.files["document"]
    content = item[1] if isinstance(item, tuple) else item
    book = load_workbook(io.BytesIO(content), read_only=True)
    rows = [tuple(row) for row in book.active.iter_rows(values_only=True)]
    width = len(rows[0])
    return [row + (None,) * (width - len(row)) for row in rows]  # trailing blanks dropped


def document(bot, chat_id: int):
    return [c for c in bot.api.calls if c.method == "sendDocument" and c.chat_id == chat_id][-1]


async def test_the_redemptions_export_holds_every_redemption(bot):
    await owner(bot, 8201)
    cs = await staff(bot, 8202, "customer_service")
    gift = await redeemed(bot, 8201)
    voucher = await redeemed(bot, 8201, **VOUCHER)
    services = bot.app.bot_data["services"]
    store = services.default_store
    async with services.sessionmaker() as session:
        await desk.hand_over(
            session, desk.Clerk(store.id, 8202, None, store.today(), store.now()), gift.id
        )
        await session.commit()
    await cs.send("/redemptions")
    await cs.press("Export redemptions (XLSX)")
    call = document(bot, 8202)
    assert call.params["caption"] == "Redemptions, as of today."
    assert call.files["document"][0].startswith("redemptions-")
    rows = sheet_of(call)
    header = rows[0]
    assert header[:8] == ("Code", "Item", "Kind", "Points", "Member", "Card", "Phone", "Status")
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_code) == {gift.code, voucher.code}
    handed = by_code[gift.code]
    assert handed["Item"] == "Car fragrance" and handed["Status"] == "collected"
    assert handed["Phone"] == "+8613812345678" and handed["Member"] == "Wang Wei"
    assert handed["Collected by (Telegram id)"] == 8202
    collected = handed["Collected at"]
    assert isinstance(collected, datetime)
    local = store.local().replace(tzinfo=None)  # on the store's clock, not UTC
    assert abs((local - collected).total_seconds()) < 120
    assert by_code[voucher.code]["Kind"] == "Voucher"
    assert by_code[voucher.code]["Status"] == "ready to use"


async def test_the_catalog_export_holds_every_item_in_chinese(bot):
    cs = await staff(bot, 8203, "customer_service", language="zh-hans")
    await add_gift(bot, stock=None)
    await add_gift(bot, status="retired", stock=0)
    await add_gift(bot, **VOUCHER, stock=5, per_member_limit=1, limit_days=30)
    await cs.send("/redemptions")
    await cs.press(cs.last.button_labels[1])  # the catalog export
    rows = sheet_of(document(bot, 8203))
    assert rows[0][0] != "Item no." and len(rows) == 4  # headers translated, every item
    items = rows[1:]
    assert [row[1] for row in items] == ["车载香氛", "车载香氛", "保养代金券"]
    assert [row[2] for row in items] == ["Car fragrance", "Car fragrance", "Service voucher"]
    unlimited, retired, voucher = items
    assert unlimited[6] == "不限" and retired[6] == 0
    assert voucher[5] == 1000 and voucher[6] == 5
    assert Decimal(str(voucher[7])) == Decimal("100") and Decimal(str(voucher[8])) == 500
    assert voucher[9] == 90 and voucher[10] == 1 and voucher[11] == 30
    assert isinstance(voucher[15], datetime)


async def test_only_desk_staff_may_export(bot):
    await owner(bot, 8204)
    person = bot.person(8204, language="en")
    await person.press_data("gift:xls:r")
    assert "for store staff with the right role" in person.last.text
    assert not [c for c in bot.api.calls if c.method == "sendDocument"]
