"""DMS exports imported in chat: members, cars, visits; messy values; idempotent."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from bot.club.points import ledger
from db.models import Car, Member, Visit
from tests import factories
from tests.conftest import ADMIN_ID
from tests.flows import services
from tests.harness import joined

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "dms"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def refused_rows(call) -> list[list[str]]:
    item = call.files["document"]
    content = item[1] if isinstance(item, tuple) else item
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


async def count(bot, model) -> int:
    async with services(bot).sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_members_cars_and_visits_import_and_reimport_changes_nothing(bot):
    staff = bot.person(ADMIN_ID, language="en")
    calls = await staff.send_document("members.csv", sample("members.csv"))
    text = joined(calls)
    assert "Import of members finished" in text
    members_after_first = await count(bot, Member)
    assert members_after_first >= 7
    sheet = [c for c in calls if c.method == "sendDocument"]
    assert sheet, "refused rows come back as a file"
    rows = refused_rows(sheet[0])
    assert rows[0][:3] == ["row", "field", "reason"]
    assert any(r[1] == "phone" and "phone number" in r[2] for r in rows[1:])  # "12345"

    await staff.send_document("cars.csv", sample("cars.csv"))
    calls = await staff.send_document("visits.csv", sample("visits.csv"))
    text = joined(calls)
    assert "Import of visits finished" in text
    visits_after_first = await count(bot, Visit)
    assert visits_after_first >= 7
    refused = refused_rows(next(c for c in calls if c.method == "sendDocument"))
    reasons = " ".join(r[2] for r in refused[1:])
    assert "spend categories" in reasons  # 洗车 is not a category
    assert "in the future" in reasons  # 2099-01-01

    # The same files again: nothing new, nothing doubled.
    for name in ("members.csv", "cars.csv", "visits.csv"):
        assert "New: 0" in joined(await staff.send_document(name, sample(name)))
    assert await count(bot, Member) == members_after_first
    assert await count(bot, Visit) == visits_after_first
    async with services(bot).sessionmaker() as session:
        assert await ledger.check_ledger(session) == []
        car = await session.scalar(select(Car).where(Car.plate == "粤B12345"))
        # The last maintenance (首保) dates the service; the later accessories visit the mileage.
        assert car.last_service_date.isoformat() == "2024-03-05" and car.last_mileage == 3500


async def test_gbk_and_xlsx_exports_read_the_same_as_utf8(bot):
    staff = bot.person(ADMIN_ID, language="en")
    await staff.send_document("members.csv", sample("members.csv"))
    await staff.send_document("cars.csv", sample("cars.csv"))
    first = joined(await staff.send_document("visits.csv", sample("visits.csv")))
    created = int(first.split("New: ")[1].split(" ")[0])
    for name in ("visits_gbk.csv", "visits.xlsx"):
        text = joined(await staff.send_document(name, sample(name)))
        assert "New: 0" in text and f"already there: {created}" in text, (name, text)


MEMBER = "客户姓名,手机号\n钱多多,13800000009\n"
CAR = "客户姓名,手机号,车牌号,车型\n钱多多,13800000009,粤B99999,Model Y\n"


async def test_imported_history_sets_starting_tier_without_messages(bot):
    staff = bot.person(ADMIN_ID, language="en")
    await staff.send_document("m.csv", MEMBER.encode("utf-8"))
    assert "Import of cars finished" in joined(
        await staff.send_document("c.csv", CAR.encode("utf-8"))
    )
    visits = (
        "车牌号,工单号,结算日期,维修类别,结算金额\n"
        f'粤B99999,X1,{services(bot).default_store.today().isoformat()},一般维修,"¥6,000.00"\n'
    )
    before = len(bot.api.calls)
    text = joined(await staff.send_document("v.csv", visits.encode("utf-8")))
    assert "starting tiers raised: 1" in text
    async with services(bot).sessionmaker() as session:
        member = await session.scalar(select(Member).where(Member.phone == "+8613800000009"))
        assert member.tier_code == "gold" and member.cumulative_points == 6000
    sent = [c for c in bot.api.calls[before:] if c.method == "sendMessage"]
    assert all(c.chat_id == ADMIN_ID for c in sent)  # nobody else was messaged


async def test_owners_and_bad_files_are_refused(bot):
    owner = await factories.owner(bot, 9501)
    assert "for store staff" in joined(await owner.send_document("v.csv", sample("visits.csv")))
    staff = bot.person(ADMIN_ID, language="en")
    assert "do not recognise the columns" in joined(
        await staff.send_document("x.csv", b"foo,bar\n1,2\n")
    )
    assert ".csv or .xlsx" in joined(await staff.send_document("x.pdf", b"%PDF-1.4"))
    assert "not a CSV or XLSX file I can read" in joined(
        await staff.send_document("x.xlsx", b"not a zip")
    )


async def test_imported_owner_links_their_membership_by_sharing_their_contact(bot):
    staff = bot.person(ADMIN_ID, language="en")
    await staff.send_document("m.csv", MEMBER.encode("utf-8"))
    owner = bot.person(9601, language="en")
    await owner.send("/start")
    await owner.press("I agree, let's join")
    calls = await owner.send("138 0000 0009")  # typed: not proof enough
    assert "share it with the button" in joined(calls) and owner.last.asks_for_contact
    calls = await owner.share_contact("+8613800000009")
    assert "already knew you" in joined(calls)
    assert calls[-1].method == "sendPhoto" and "Name: 钱多多" in calls[-1].text
    async with services(bot).sessionmaker() as session:
        member = await session.scalar(select(Member).where(Member.phone == "+8613800000009"))
        assert member.telegram_user_id == 9601 and member.consent_at is not None
        assert await session.scalar(select(func.count()).select_from(Member)) == 1


async def test_an_imported_visit_dated_before_the_cars_delivery_is_refused(bot):
    """The rule chat visits follow holds for imported ones: nothing is recorded for a
    car before it was delivered, and the row comes back with its values and the reason."""
    await factories.add_member(bot, 9301, plate="粤B12345", delivery=date(2024, 3, 18))
    export = (
        "车牌号,工单号,结算日期,维修类型,结算金额\n"
        "粤B12345,WO-EARLY,2024-03-01,保养,500\n"
        "粤B12345,WO-LATER,2024-04-01,保养,600\n"
    ).encode()
    staff = bot.person(ADMIN_ID, language="en")
    calls = await staff.send_document("visits.csv", export)
    refused = refused_rows(next(c for c in calls if c.method == "sendDocument"))
    early = [r for r in refused[1:] if "WO-EARLY" in ",".join(r) or r[0] == "2"]
    assert early and "before the car was delivered" in early[0][2]
    async with services(bot).sessionmaker() as session:
        orders = set(await session.scalars(select(Visit.order_no)))
    assert orders == {"WO-LATER"}
