"""Care reminders: the rules as plain functions, then the sweep on a real database."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.club.points.tiers import add_months
from bot.club.policy.model import load_policy
from bot.club.reminders import rules
from bot.club.reminders.sweep import sweep
from bot.messaging.outbox import Purpose
from db.base import utcnow
from db.models import Car, Member, Push, PushOptOut, Store, Visit
from tests.flows import join_club, member_of, services

POLICY = load_policy()
R = POLICY.reminders
D = date.fromisoformat


def car(**fields: Any) -> rules.CarFacts:
    values: dict[str, Any] = dict.fromkeys(rules.CarFacts._fields)
    values.update(id=1, plate="粤B12345", model="Camry", **fields)
    return rules.CarFacts(**values)


def due_of(purpose: Purpose, today: str, born: str = "", until: str = "", **f: Any) -> Any:
    """The reminder of one kind due on `today` for a car or an owner, or None."""
    day, maintained = D(today), f.pop("maintained", False)
    if purpose in (Purpose.BIRTHDAY, Purpose.MEMBERSHIP, Purpose.HOLIDAY):
        dates = (D(born) if born else None, D(until) if until else None)
        found = [
            rules.birthday(dates[0], day),
            rules.membership(dates[1], day, R),
            rules.holiday(day, R),
        ]
        found = [d for d in found if d is not None]
    else:
        fields = {k: D(v) if isinstance(v, str) else v for k, v in f.items()}
        found = rules.car_reminders(car(**fields), day, R, maintained=maintained)
    return next((d for d in found if d.purpose == purpose), None)


P = Purpose
NEW = {"delivery_date": "2025-01-10"}  # first maintenance 2025-03-10 to 2025-04-09
SERVICED = {"delivery_date": "2023-05-02", "last_service_date": "2025-01-10"}
DRIVEN = {  # 100 km a day since delivery: 10,000 km in 100 days
    "delivery_date": "2024-01-01",
    "last_service_date": "2025-01-01",
    "last_mileage": 36_600,
    "last_mileage_date": "2025-01-01",
}
OLD = {"delivery_date": "2019-05-20"}  # inspections 2025-05-20, 2027-05-20, ...
WINDOWS = [  # (kind, car or owner, day, key of the reminder due or None)
    (P.FIRST_MAINTENANCE, NEW, "2025-03-09", None),
    (P.FIRST_MAINTENANCE, NEW, "2025-03-10", "car:1"),
    (P.FIRST_MAINTENANCE, NEW, "2025-04-09", "car:1"),
    (P.FIRST_MAINTENANCE, NEW, "2025-04-10", None),
    (P.FIRST_MAINTENANCE, {**NEW, "maintained": True}, "2025-03-20", None),
    (P.REGULAR_MAINTENANCE, SERVICED, "2025-07-02", None),
    (P.REGULAR_MAINTENANCE, SERVICED, "2025-07-03", "car:1:2025-07-10"),
    (P.REGULAR_MAINTENANCE, SERVICED, "2025-07-10", "car:1:2025-07-10"),
    (P.REGULAR_MAINTENANCE, SERVICED, "2025-07-11", None),
    (P.REGULAR_MAINTENANCE, {"delivery_date": "2025-02-20"}, "2025-08-13", "car:1:2025-08-20"),
    (P.REGULAR_MAINTENANCE, {}, "2025-08-13", None),
    (P.REGULAR_MAINTENANCE, DRIVEN, "2025-04-03", None),
    (P.REGULAR_MAINTENANCE, DRIVEN, "2025-04-04", "car:1:2025-04-11"),
    (P.REGULAR_MAINTENANCE, DRIVEN, "2025-04-12", None),
    (P.WARRANTY, {"delivery_date": "2022-03-15"}, "2025-02-12", None),
    (P.WARRANTY, {"delivery_date": "2022-03-15"}, "2025-02-13", "car:1"),
    (P.WARRANTY, {"delivery_date": "2022-03-15"}, "2025-03-15", "car:1"),
    (P.WARRANTY, {"delivery_date": "2022-03-15"}, "2025-03-16", None),
    (P.INSPECTION, OLD, "2025-04-19", None),
    (P.INSPECTION, OLD, "2025-04-20", "car:1:2025-05-20"),
    (P.INSPECTION, OLD, "2025-05-20", "car:1:2025-05-20"),
    (P.INSPECTION, OLD, "2025-05-21", None),
    (P.INSPECTION, OLD, "2027-04-25", "car:1:2027-05-20"),
    (P.INSPECTION, {**OLD, "inspection_due": "2025-09-01"}, "2025-04-20", None),
    (P.INSPECTION, {**OLD, "inspection_due": "2025-09-01"}, "2025-08-02", "car:1:2025-09-01"),
    (P.INSURANCE, {"delivery_date": "2023-06-10"}, "2025-04-10", None),
    (P.INSURANCE, {"delivery_date": "2023-06-10"}, "2025-04-11", "car:1:2025-06-10"),
    (P.INSURANCE, {"delivery_date": "2023-06-10"}, "2025-06-10", "car:1:2025-06-10"),
    (P.INSURANCE, {"delivery_date": "2023-06-10"}, "2025-06-11", None),
    (P.INSURANCE, {"delivery_date": "2025-06-10"}, "2025-06-10", None),  # not the day itself
    (P.INSURANCE, {"delivery_date": "2024-02-29"}, "2025-02-28", "car:1:2025-02-28"),
    (
        P.INSURANCE,
        {"delivery_date": "2023-06-10", "insurance_due": "2025-12-01"},
        "2025-06-01",
        None,
    ),
    (P.INSURANCE, {"insurance_due": "2025-12-01"}, "2025-10-02", "car:1:2025-12-01"),
    (P.BIRTHDAY, {"born": "1980-09-10"}, "2025-09-09", None),
    (P.BIRTHDAY, {"born": "1980-09-10"}, "2025-09-10", "2025"),
    (P.BIRTHDAY, {"born": "1980-09-10"}, "2025-09-11", None),
    (P.BIRTHDAY, {"born": "1988-02-29"}, "2025-02-28", "2025"),
    (P.BIRTHDAY, {"born": "1988-02-29"}, "2025-03-01", None),
    (P.BIRTHDAY, {"born": "1988-02-29"}, "2024-02-28", None),
    (P.BIRTHDAY, {"born": "1988-02-29"}, "2024-02-29", "2024"),
    (P.BIRTHDAY, {}, "2024-02-29", None),
    (P.MEMBERSHIP, {"until": "2025-06-30"}, "2025-05-30", None),
    (P.MEMBERSHIP, {"until": "2025-06-30"}, "2025-05-31", "2025-06-30"),
    (P.MEMBERSHIP, {"until": "2025-06-30"}, "2025-06-30", "2025-06-30"),
    (P.MEMBERSHIP, {"until": "2025-06-30"}, "2025-07-01", None),
    (P.HOLIDAY, {}, "2025-10-01", "2025-10-01"),
    (P.HOLIDAY, {}, "2025-10-02", None),
]


@pytest.mark.parametrize(("purpose", "fields", "today", "key"), WINDOWS)
def test_reminder_windows(purpose: Purpose, fields: dict, today: str, key: str | None):
    due = due_of(purpose, today, **fields)
    assert (due.dedupe_key if due else None) == key


def test_reminder_params():
    plate = {"plate": "粤B12345", "model": "Camry"}
    first = due_of(P.FIRST_MAINTENANCE, "2025-03-10", **NEW).params
    assert first == {**plate, "due": "2025-03-10", "window_end": "2025-04-09"}
    assert due_of(P.WARRANTY, "2025-03-01", delivery_date="2022-03-15").params == {
        **plate,
        "due": "2025-03-15",
    }
    assert due_of(P.REGULAR_MAINTENANCE, "2025-07-05", **SERVICED).params == {
        **plate,
        "due": "2025-07-10",
    }
    assert due_of(P.MEMBERSHIP, "2025-06-01", until="2025-06-30").params == {
        "valid_until": "2025-06-30"
    }
    assert due_of(P.HOLIDAY, "2025-05-01").params == {"holiday": "05-01"}
    assert due_of(P.BIRTHDAY, "2025-09-10", born="1980-09-10").params == {}


def test_regular_maintenance_by_projected_mileage():
    c = car(**{k: D(v) if isinstance(v, str) else v for k, v in DRIVEN.items()})
    assert rules.daily_km(c) == 100
    assert rules.regular_maintenance_due(c, R) == (D("2025-04-11"), 46_600)
    due = rules.regular_maintenance(c, D("2025-04-05"), R)
    assert due.params == {
        "plate": "粤B12345",
        "model": "Camry",
        "due": "2025-04-11",
        "km_due": 46_600,
    }
    # A later service without a reading: the odometer then is projected (+3,000 km).
    later = c._replace(last_service_date=D("2025-01-31"))
    assert rules.regular_maintenance_due(later, R) == (D("2025-05-11"), 49_600)
    # Driving little: the six months come first, and no km is given.
    assert rules.regular_maintenance_due(c._replace(last_mileage=3_660), R) == (
        D("2025-07-01"),
        None,
    )
    assert rules.daily_km(c._replace(last_mileage_date=D("2024-01-01"))) is None


def test_add_months_clamps_to_the_end_of_the_month():
    import calendar

    def reference(day: date, months: int) -> date:
        index = day.month - 1 + months
        year, month = day.year + index // 12, index % 12 + 1
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

    for offset in range(0, 366 * 6, 3):
        day = date(2019, 1, 1) + timedelta(days=offset)
        for months in (-13, 1, 2, 3, 6, 12, 36, 72, 96):
            assert add_months(day, months) == reference(day, months)


# --- the sweep -----------------------------------------------------------------------


async def add(session: Any, row: Any) -> Any:
    session.add(row)
    await session.flush()
    return row


def owner(store: int, n: int, chat: int | None, born: str = "", **fields: Any) -> Member:
    fields.setdefault("valid_until", D("2027-01-01"))  # far from the days swept
    return Member(
        **{"store_id": store, "telegram_user_id": chat, "name": f"Owner {n}", **fields},
        phone=f"+861380000{n:04d}",
        birthday=D(born) if born else None,
        tier_code="silver",
        card_code=f"CARD{n:06d}",
        referral_code=f"REF{n:06d}",
        join_channel="new_car",
    )


def vehicle(member: Member, plate: str, delivered: str, **fields: Any) -> Car:
    dates = {k: D(v) for k, v in {"delivery_date": delivered, **fields}.items()}
    return Car(store_id=member.store_id, member_id=member.id, plate=plate, model="Camry", **dates)


def visit(c: Car, order_no: str, day: str, category: str) -> Visit:
    return Visit(
        **{"store_id": c.store_id, "member_id": c.member_id, "car_id": c.id},
        order_no=order_no,
        visit_date=D(day),
        category=category,
        amount_fen=30000,
    )


async def pushes(svc: Any) -> list[Push]:
    async with svc.sessionmaker() as session:
        return list((await session.scalars(select(Push).order_by(Push.id))).all())


async def test_each_reminder_is_queued_on_its_day_and_only_once(bot):
    svc = services(bot)
    store, tz, bday = svc.default_store.id, svc.default_store.tz, "1980-09-10"
    async with svc.sessionmaker() as s:
        a = await add(s, owner(store, 1, 5001, bday, valid_until=D("2025-09-25")))
        new = await add(s, vehicle(a, "粤B00001", "2025-07-05"))
        old = await add(
            s,
            vehicle(
                a,
                "粤B00002",
                "2022-09-20",
                last_service_date="2025-03-15",
                inspection_due="2025-09-30",
            ),
        )
        blocked = await add(s, owner(store, 2, 5002, bday, blocked_at=utcnow()))
        no_chat = await add(s, owner(store, 3, None, bday))
        picky = await add(s, owner(store, 4, 5004, bday))
        picky_car = await add(s, vehicle(picky, "粤B00005", "2022-09-20"))
        s.add_all(
            PushOptOut(member_id=picky.id, kind=k) for k in ("insurance", "birthday", "holiday")
        )
        for i, member in enumerate((blocked, no_chat)):
            await add(s, vehicle(member, f"粤B0000{3 + i}", "2022-09-20"))
        # First maintenance: done here (no reminder), a repair only or a maintenance
        # before this owner's delivery (a used car): reminded.
        came = await add(s, owner(store, 5, 5005))
        done = await add(s, vehicle(came, "粤B00006", "2025-07-05"))
        repaired = await add(s, vehicle(came, "粤B00007", "2025-07-06"))
        used = await add(s, vehicle(came, "粤B00008", "2025-07-07"))
        s.add(visit(done, "WO1", "2025-08-30", "first_maintenance"))
        s.add(visit(repaired, "WO2", "2025-08-30", "repair"))
        s.add(visit(used, "WO3", "2025-07-01", "maintenance"))
        carless = await add(s, owner(store, 6, 5006, valid_until=D("2025-10-03")))
        other = await add(s, Store(code="other", name="Other store"))
        stranger = await add(s, owner(other.id, 7, 5007, bday))
        await add(s, vehicle(stranger, "粤B00009", "2022-09-20"))
        await s.commit()

    first_seen: dict[tuple[int, str, str], date] = {}
    day = D("2025-09-01")
    while day <= D("2025-10-05"):  # every day, twice, in pages of 2 rows
        report = await sweep(svc.sessionmaker, svc.policy, store, day, tz, chunk_size=2)
        again = await sweep(svc.sessionmaker, svc.policy, store, day, tz, chunk_size=2)
        assert again.queued == 0 and again.due == report.due
        # the picky owner's insurance (until 09-20), birthday (09-10) and holiday (10-01)
        if day in (D("2025-09-10"), D("2025-10-01")):
            assert report.opted_out == again.opted_out == (2 if day.month == 9 else 1)
        for push in await pushes(svc):
            first_seen.setdefault((push.member_id, push.purpose, push.dedupe_key), day)
        assert report.queued == sum(1 for d in first_seen.values() if d == day)
        day += timedelta(days=1)

    assert first_seen == {
        (a.id, "membership", "2025-09-25"): D("2025-09-01"),
        (a.id, "warranty", f"car:{old.id}"): D("2025-09-01"),
        (a.id, "insurance", f"car:{old.id}:2025-09-20"): D("2025-09-01"),
        (a.id, "inspection", f"car:{old.id}:2025-09-30"): D("2025-09-01"),
        (a.id, "first_maintenance", f"car:{new.id}"): D("2025-09-05"),
        (a.id, "regular_maintenance", f"car:{old.id}:2025-09-15"): D("2025-09-08"),
        (a.id, "birthday", "2025"): D("2025-09-10"),
        (a.id, "holiday", "2025-10-01"): D("2025-10-01"),
        (picky.id, "warranty", f"car:{picky_car.id}"): D("2025-09-01"),
        (came.id, "first_maintenance", f"car:{repaired.id}"): D("2025-09-06"),
        (came.id, "first_maintenance", f"car:{used.id}"): D("2025-09-07"),
        (came.id, "holiday", "2025-10-01"): D("2025-10-01"),
        (carless.id, "membership", "2025-10-03"): D("2025-09-03"),
        (carless.id, "holiday", "2025-10-01"): D("2025-10-01"),
    }
    rows = {(p.member_id, p.purpose, p.dedupe_key): p for p in await pushes(svc)}
    chats = {a.id: 5001, picky.id: 5004, came.id: 5005, carless.id: 5006}
    for key, push in rows.items():
        assert push.chat_id == chats[push.member_id] and push.store_id == store
        assert push.status == "queued" and not push.urgent
        at = datetime.combine(first_seen[key], time(10, 30), tzinfo=tz)  # the policy's send_at
        assert push.not_before == at.astimezone(UTC)
    plate = {"plate": "粤B00002", "model": "Camry"}
    assert {key[1]: push.params for key, push in rows.items() if key[0] == a.id} == {
        "membership": {"valid_until": "2025-09-25"},
        "warranty": {**plate, "due": "2025-09-20"},
        "insurance": {**plate, "due": "2025-09-20"},
        "inspection": {**plate, "due": "2025-09-30"},
        "regular_maintenance": {**plate, "due": "2025-09-15"},
        "first_maintenance": {
            **{"plate": "粤B00001", "model": "Camry"},
            **{"due": "2025-09-05", "window_end": "2025-10-04"},
        },
        "birthday": {},
        "holiday": {"holiday": "10-01"},
    }


async def test_a_missed_day_is_caught_up_and_two_sweeps_at_once_queue_once(bot):
    svc = services(bot)
    async with svc.sessionmaker() as session:
        member = await add(session, owner(svc.default_store.id, 1, 6001))
        for i in range(7):
            await add(session, vehicle(member, f"粤C0000{i}", "2022-10-15"))
        await session.commit()
    tz = ZoneInfo("America/New_York")  # not the store's zone: not_before follows `tz`
    run = (svc.sessionmaker, svc.policy, svc.default_store.id, D("2025-10-10"), tz)
    first, second = await asyncio.gather(sweep(*run, chunk_size=3), sweep(*run, chunk_size=3))
    # Ten days into the warranty window (the bot was down): still queued, once per car.
    assert first.queued + second.queued == 14  # warranty and insurance for 7 cars
    # Each car is read for the two kinds its dates make it a candidate for; the owner for none.
    assert first.cars == second.cars == 14 and first.members == second.members == 0
    found = await pushes(svc)
    assert sorted({p.purpose for p in found}) == ["insurance", "warranty"]
    assert len({(p.purpose, p.dedupe_key) for p in found}) == len(found) == 14
    assert {p.not_before for p in found} == {datetime(2025, 10, 10, 14, 30, tzinfo=UTC)}
    later = await sweep(svc.sessionmaker, svc.policy, svc.default_store.id, D("2025-10-11"), tz)
    assert later.queued == 0 and later.due == 14


async def test_an_owner_who_joined_in_chat_gets_the_insurance_reminder(bot):
    await join_club(bot.person(7001, language="en"))  # delivered 2024-03-18
    member = await member_of(bot, 7001)
    svc = services(bot)
    run = (svc.sessionmaker, svc.policy, svc.default_store.id)
    assert (await sweep(*run, D("2025-01-16"), svc.default_store.tz)).due == 0
    report = await sweep(*run, D("2025-01-17"), svc.default_store.tz)
    assert report.by_purpose == {"insurance": 1}
    (push,) = await pushes(svc)
    assert (push.member_id, push.chat_id, push.purpose) == (member.id, 7001, "insurance")
    assert push.dedupe_key == f"car:{member.cars[0].id}:2025-03-18"
    assert push.params == {"plate": "粤B12345", "model": "Camry 2.0 2022", "due": "2025-03-18"}
    assert push.not_before == datetime(2025, 1, 17, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai
