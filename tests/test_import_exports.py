"""Real-life DMS exports imported in chat (/import, then the files): a cars export that
names owners, phones written every way, English headers, a category the store does not
map, a VIN without check digit, unknown plates and visits after the export's date."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from bot.club.points import ledger
from db.models import Car, Member, Visit
from tests.conftest import ADMIN_ID
from tests.dms_exports import AS_OF, EXPECTED, FORMATS, export
from tests.flows import services
from tests.harness import joined

COUNTS = re.compile(
    r"Import of (\w+) finished: (\d+) rows.*\nNew: (\d+) · already there: (\d+) · refused: (\d+)"
)


def counts(text: str) -> tuple[str, int, int, int, int]:
    found = COUNTS.search(text)
    assert found, text
    kind, *numbers = found.groups()
    rows, new, unchanged, refused = map(int, numbers)
    assert new + unchanged + refused == rows, text  # every row counted once
    return kind, rows, new, unchanged, refused


def sheet_rows(calls) -> list[list[str]]:
    documents = [c for c in calls if c.method == "sendDocument"]
    if not documents:
        return []
    item = documents[0].files["document"]
    content = item[1] if isinstance(item, tuple) else item
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]


async def number_of(bot, model) -> int:
    async with services(bot).sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("fmt", FORMATS)
async def test_exports_in_every_encoding_and_header_language(bot, fmt, language):
    staff = bot.person(ADMIN_ID, language="en")
    caption = f"截至 {AS_OF.isoformat()}"
    outcomes = {}
    for kind in ("members", "cars", "visits"):
        name, content = export(kind, language, fmt)
        calls = await staff.send_document(name, content, caption=caption)
        text = joined(calls)
        got_kind, rows, new, unchanged, refused = counts(text)
        want_rows, want_new, want_refused, want_warnings = EXPECTED[kind]
        assert (got_kind, rows, new, unchanged) == (kind, want_rows, want_new, 0), text
        assert refused == len(want_refused), text
        assert "Export dated" in text
        outcomes[kind] = sheet_rows(calls)
        if want_warnings:
            assert f"Imported with a warning to check: {want_warnings}." in text
        if kind == "members":
            assert await number_of(bot, Member) == 6  # every phone format was accepted
            assert outcomes[kind] == []

    # The cars export named its owners, yet created no member: the unknown one is refused.
    assert await number_of(bot, Member) == 6
    assert await number_of(bot, Car) == 3
    (refused_car,) = [r for r in outcomes["cars"] if "粤B10009" in r[3]]
    assert refused_car[2].startswith("No member has this owner's phone number")
    assert "13900000000" in refused_car[3] and "陌生人" in refused_car[3]
    (warned,) = [r for r in outcomes["cars"] if "check digit" in r[2]]
    assert warned[1] == "VIN" and "WVWZZZ1KZ6W612345" in warned[3]

    # Visits: each refused row with its reason and the values that were refused.
    by_order = {re.search(r"RO\d", r[3])[0]: r for r in outcomes["visits"]}
    assert set(by_order) == {"RO3", "RO4", "RO5"}
    assert "spend categories" in by_order["RO3"][2]  # 其他 / Other is not mapped
    assert "No member's car has this plate" in by_order["RO4"][2]
    assert "粤B99999" in by_order["RO4"][3] and "800" in by_order["RO4"][3]
    assert "after the export's date" in by_order["RO5"][2]
    assert await number_of(bot, Visit) == 3
    async with services(bot).sessionmaker() as session:
        car = await session.scalar(select(Car).where(Car.plate == "粤B10001"))
        # RO1 (maintenance) dates the service; RO6 (a repair on the export's date) the mileage.
        assert car.last_service_date.isoformat() == "2024-03-05"
        assert (car.last_mileage, car.last_mileage_date) == (14000, AS_OF)
        assert await ledger.check_ledger(session) == []

    # Everything again: nothing new, the same rows refused, the counts still add up.
    for kind in ("members", "cars", "visits"):
        name, content = export(kind, language, fmt)
        text = joined(await staff.send_document(name, content, caption=caption))
        _, rows, new, unchanged, refused = counts(text)
        assert (new, refused) == (0, len(EXPECTED[kind][2])), text
    assert (await number_of(bot, Member), await number_of(bot, Visit)) == (6, 3)


async def test_without_an_as_of_date_visits_up_to_today_are_taken(bot):
    staff = bot.person(ADMIN_ID, language="en")
    for kind in ("members", "cars", "visits"):
        name, content = export(kind, "zh", "utf-8-sig")
        text = joined(await staff.send_document(name, content))
    assert "Export dated" not in text
    assert counts(text)[2:] == (4, 0, 2)  # RO5 (after 30 June) is in: today is later


async def test_a_bad_date_in_the_caption_is_explained_and_nothing_is_imported(bot):
    staff = bot.person(ADMIN_ID, language="en")
    name, content = export("members", "zh", "utf-8-sig")
    text = joined(await staff.send_document(name, content, caption="as of 2999-01-01"))
    assert "The date in the caption: That date is in the future." in text
    assert await number_of(bot, Member) == 0


async def test_a_store_that_wants_other_maps_it_in_its_policy(make_bot, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(
        '[[categories]]\ncode = "other"\nrate = 1\n'
        'name = { zh_Hans = "其他", en = "Other" }\naliases = ["其他"]\n'
        '[import.headers]\nphone = ["车主电话"]\n',
        encoding="utf-8",
    )
    bot = await make_bot(policy_file=policy)
    staff = bot.person(ADMIN_ID, language="en")
    await staff.send_document("m.csv", "客户姓名,车主电话\n车主3,8613800138003\n".encode())
    name, content = export("cars", "zh", "utf-8-sig")
    await staff.send_document(name, content)
    name, content = export("visits", "zh", "utf-8-sig")
    text = joined(await staff.send_document(name, content, caption=AS_OF.isoformat()))
    assert "RO3" not in " ".join(r[3] for r in sheet_rows(bot.api.calls[-2:]))
    assert counts(text)[2] == 1  # RO3 (其他) on 粤B10003, the only car whose owner is in


async def test_a_visits_export_without_order_numbers_names_the_missing_column(bot):
    staff = bot.person(ADMIN_ID, language="en")
    text = joined(await staff.send_document("v.csv", b"Plate No.,Settlement Date,Amount\n"))
    assert "A required column is missing.\norder number, category" in text
