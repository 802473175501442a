"""The sweep reads only the rows a kind's filter lets through: it must still find every
reminder the rules find when asked about every car and every owner, on every day,
including month ends, 29 February, New Year and holidays."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from bot.club.reminders import rules
from bot.club.reminders.sweep import sweep
from db.models import Car, Member, Push, Visit
from tests.flows import services

D = date.fromisoformat
DAYS = [
    *(D("2027-02-25") + timedelta(days=n) for n in range(6)),  # 28 Feb, not a leap year
    *(D("2028-02-26") + timedelta(days=n) for n in range(5)),  # 29 Feb
    *(D("2027-12-29") + timedelta(days=n) for n in range(5)),  # New Year (a holiday)
    D("2027-01-31"),
    D("2027-03-31"),
    D("2027-05-01"),
    D("2027-06-30"),
    D("2027-08-31"),
    D("2027-10-01"),
]


def _some_day(rng: random.Random) -> date:
    """Dates that stress the filters: month ends, 29 February, else any day since 2015."""
    pick = rng.random()
    if pick < 0.15:
        return date(rng.choice([2016, 2020, 2024]), 2, 29)
    if pick < 0.35:
        month = rng.randrange(1, 13)
        first_of_next = date(2015 + rng.randrange(12) + month // 12, month % 12 + 1, 1)
        return first_of_next - timedelta(days=1)
    return D("2015-01-01") + timedelta(days=rng.randrange(4800))


def _cars_and_owners(store: int, rng: random.Random) -> tuple[list[Member], list[dict]]:
    members, cars = [], []
    for n in range(160):
        born = _some_day(rng) - timedelta(days=365 * 30) if rng.random() < 0.9 else None
        members.append(
            Member(
                store_id=store,
                telegram_user_id=9000 + n,
                name=f"Owner {n}",
                phone=f"+86139000{n:05d}",
                birthday=born,
                valid_until=D("2027-01-01") + timedelta(days=rng.randrange(600)),
                tier_code="silver",
                card_code=f"CAND{n:06d}",
                referral_code=f"RCAND{n:06d}",
                join_channel="new_car",
            )
        )
        for _ in range(rng.choice([0, 1, 1, 2])):
            delivered = _some_day(rng) if rng.random() < 0.95 else None
            car: dict = {"delivery_date": delivered, "model": "Camry", "n": n}
            if delivered and rng.random() < 0.7:
                serviced = delivered + timedelta(days=rng.randrange(30, 3000))
                car["last_service_date"] = serviced
                if rng.random() < 0.8:
                    car["last_mileage_date"] = serviced
                    car["last_mileage"] = int((serviced - delivered).days * rng.uniform(5, 120))
            if rng.random() < 0.2:
                car["insurance_due"] = D("2027-01-01") + timedelta(days=rng.randrange(600))
            if rng.random() < 0.2:
                car["inspection_due"] = D("2027-01-01") + timedelta(days=rng.randrange(600))
            cars.append(car)
    # Cars whose km pace lands the regular maintenance due date on the days swept.
    for i, day in enumerate(DAYS[::3]):
        delivered, serviced = day - timedelta(days=400), day - timedelta(days=100)
        read = (serviced - delivered).days
        km_a_day = 10_000 / (100 - rng.randrange(6))
        cars.append(
            {
                "delivery_date": delivered,
                "last_service_date": serviced,
                "last_mileage_date": serviced,
                "last_mileage": round(read * km_a_day),
                "model": "Golf",
                "n": i,
            }
        )
    return members, cars


def expected(cars: list[Car], members: list[Member], done: set[int], day: date, policy) -> set:
    """What the rules say about every car and every owner, asked one by one."""
    found = set()
    for car in cars:
        facts = rules.CarFacts(*(getattr(car, name) for name in rules.CarFacts._fields))
        for due in rules.car_reminders(facts, day, policy, maintained=car.id in done):
            found.add((car.member_id, str(due.purpose), due.dedupe_key))
    for member in members:
        for due in (
            rules.birthday(member.birthday, day),
            rules.membership(member.valid_until, day, policy),
            rules.holiday(day, policy),
        ):
            if due is not None:
                found.add((member.id, str(due.purpose), due.dedupe_key))
    return found


async def test_the_sweep_finds_what_the_rules_find_for_every_car_and_owner(bot):
    svc = services(bot)
    store, policy = svc.default_store.id, svc.policy
    members, specs = _cars_and_owners(store, random.Random(20261202))
    async with svc.sessionmaker() as session:
        session.add_all(members)
        await session.flush()
        cars = []
        for i, spec in enumerate(specs):
            n = spec.pop("n")
            cars.append(Car(store_id=store, member_id=members[n].id, plate=f"粤Z{i:05d}", **spec))
        session.add_all(cars)
        await session.flush()
        # A maintenance visit for some cars in their first-maintenance window.
        done = set()
        for car in cars[::4]:
            if car.delivery_date is not None:
                session.add(
                    Visit(
                        store_id=store,
                        member_id=car.member_id,
                        car_id=car.id,
                        order_no=f"WOC{car.id}",
                        visit_date=car.delivery_date + timedelta(days=20),
                        category="maintenance",
                        amount_fen=30000,
                    )
                )
                done.add(car.id)
        await session.commit()

    everything: set = set()
    for day in DAYS:
        report = await sweep(svc.sessionmaker, policy, store, day, svc.default_store.tz)
        due = expected(cars, members, done, day, policy.reminders)
        assert report.due == len(due), day
        everything |= due
    async with svc.sessionmaker() as session:
        queued = {
            (p.member_id, p.purpose, p.dedupe_key)
            for p in (await session.scalars(select(Push))).all()
        }
    assert queued == everything
    kinds = {purpose for _, purpose, _ in everything}
    assert kinds >= {
        "first_maintenance",
        "regular_maintenance",
        "warranty",
        "inspection",
        "insurance",
        "birthday",
        "membership",
        "holiday",
    }
