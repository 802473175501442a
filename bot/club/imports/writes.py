"""The database side of a DMS import: one batch of valid records at a time.

Each writer takes (row number, record) pairs, writes what is new with set-based
statements (ON CONFLICT DO NOTHING, executemany), counts what was already there, and
returns the rows the database refuses as (row number, code, field).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, Integer, String, bindparam, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common import codes
from bot.club.points.ledger import EntryKind
from bot.club.points.membership import EventKind
from bot.club.points.rules import expiry_for, points_for
from bot.club.points.tiers import add_months, membership_valid_until, tier_for_points
from bot.club.policy.model import ClubPolicy
from bot.club.visits.record import SERVICE_CATEGORIES
from db.base import utcnow
from db.models import Car, Member, MembershipEvent, PointsEntry, Visit
from db.writes import insert_many_once

if TYPE_CHECKING:
    from bot.club.imports.run import ImportReport

Rejected = list[tuple[int, str, str | None]]


async def _member_ids_by_phone(
    session: AsyncSession, store_id: int, phones: set[str]
) -> dict[str, int]:
    if not phones:
        return {}
    rows = await session.execute(
        select(Member.phone, Member.id).where(Member.store_id == store_id, Member.phone.in_(phones))
    )
    return {phone: member_id for phone, member_id in rows}


async def _cars_by(
    session: AsyncSession, store_id: int, column: Any, keys: set[str]
) -> dict[str, tuple[int, int]]:
    if not keys:
        return {}
    rows = await session.execute(
        select(column, Car.id, Car.member_id).where(Car.store_id == store_id, column.in_(keys))
    )
    return {key: (car_id, member_id) for key, car_id, member_id in rows}


def _new_member(store_id: int, policy: ClubPolicy, record: Any, today: date) -> dict[str, Any]:
    return {
        "store_id": store_id,
        "phone": record.phone,
        "name": record.name,
        "birthday": record.birthday,
        "tier_code": policy.starting_tier,
        "valid_until": membership_valid_until(policy, today),
        "cumulative_points": 0,
        "redeemable_points": 0,
        "card_code": codes.new_code(8),
        "referral_code": codes.new_code(8),
        "join_channel": "bring_car",
        "source": "import",
        "joined_at": utcnow(),
    }


async def _insert_members(
    session: AsyncSession, store_id: int, rows: list[dict[str, Any]]
) -> dict[str, int]:
    """Insert members; a rare card-code clash is retried with fresh codes."""
    created: dict[str, int] = {}
    for _attempt in range(3):
        if not rows:
            break
        returned = await insert_many_once(session, Member, rows, Member.phone, Member.id)
        created.update({phone: member_id for phone, member_id in returned})
        missing = {r["phone"] for r in rows} - created.keys()
        present = await _member_ids_by_phone(session, store_id, missing)
        rows = [
            {**r, "card_code": codes.new_code(8), "referral_code": codes.new_code(8)}
            for r in rows
            if r["phone"] in missing and r["phone"] not in present
        ]
    return created


async def _insert_cars(
    session: AsyncSession, store_id: int, wanted: list[tuple[int, Any, int]], report: ImportReport
) -> Rejected:
    """Cars for (row, car record, member id); a plate another member has is refused."""
    rejected: Rejected = []
    taken = await _cars_by(session, store_id, Car.plate, {car.plate for _, car, _ in wanted})
    rows, seen = [], set()
    for number, car, member_id in wanted:
        owner = taken.get(car.plate)
        if owner is not None or car.plate in seen:
            if owner is not None and owner[1] != member_id:
                rejected.append((number, "plate_taken", "plate"))
            else:
                report.unchanged += 1
            continue
        seen.add(car.plate)
        rows.append(
            {
                "store_id": store_id,
                "member_id": member_id,
                "plate": car.plate,
                "vin": car.vin,
                "model": car.model or "",
                "delivery_date": car.delivery_date,
            }
        )
    report.created += len(await insert_many_once(session, Car, rows, Car.id))
    return rejected


async def write_members(
    session: AsyncSession,
    policy: ClubPolicy,
    store_id: int,
    good: list[tuple[int, Any]],
    today: date,
    report: ImportReport,
) -> Rejected:
    existing = await _member_ids_by_phone(session, store_id, {r.phone for _, r in good})
    fresh: dict[str, dict[str, Any]] = {}
    for _number, record in good:
        if record.phone in existing or record.phone in fresh:
            report.unchanged += 1
        else:
            fresh[record.phone] = _new_member(store_id, policy, record, today)
    created = await _insert_members(session, store_id, list(fresh.values()))
    report.created += len(created)
    ids = {**existing, **created}
    wanted = [(n, r.car, ids[r.phone]) for n, r in good if r.car is not None and r.phone in ids]
    return await _insert_cars(session, store_id, wanted, report)


async def write_cars(
    session: AsyncSession,
    policy: ClubPolicy,
    store_id: int,
    good: list[tuple[int, Any]],
    today: date,
    report: ImportReport,
) -> Rejected:
    ids = await _member_ids_by_phone(session, store_id, {r.phone for _, r in good if r.phone})
    rejected: Rejected = [(n, "unknown_member", "phone") for n, r in good if r.phone not in ids]
    wanted = [(n, r, ids[r.phone]) for n, r in good if r.phone in ids]
    return rejected + await _insert_cars(session, store_id, wanted, report)


_cars = Car.__table__.c
_service_day = bindparam("s", type_=Date)  # latest maintenance visit in the batch, or NULL
_mileage_day = bindparam("d", type_=Date)  # latest visit with a mileage, or NULL
_mileage = bindparam("m", type_=Integer)
_newer_mileage = _mileage.is_not(None) & (
    func.coalesce(_cars.last_mileage_date, _mileage_day) <= _mileage_day
)
_advance_car = (
    update(Car.__table__)
    .where(_cars.id == bindparam("car"))
    .values(
        last_service_date=case(
            (
                _service_day.is_not(None)
                & (func.coalesce(_cars.last_service_date, _service_day) <= _service_day),
                _service_day,
            ),
            else_=_cars.last_service_date,
        ),
        last_mileage=case((_newer_mileage, _mileage), else_=_cars.last_mileage),
        last_mileage_date=case((_newer_mileage, _mileage_day), else_=_cars.last_mileage_date),
    )
)
_set_tier = (
    update(Member.__table__)
    .where(Member.__table__.c.id == bindparam("member"))
    .values(tier_code=bindparam("tier", type_=String))
)
_credit = (
    update(Member.__table__)
    .where(Member.__table__.c.id == bindparam("member"))
    .values(
        cumulative_points=Member.__table__.c.cumulative_points + bindparam("c", type_=Integer),
        redeemable_points=Member.__table__.c.redeemable_points + bindparam("c", type_=Integer),
    )
)


async def write_visits(
    session: AsyncSession,
    policy: ClubPolicy,
    store_id: int,
    good: list[tuple[int, Any]],
    today: date,
    report: ImportReport,
) -> Rejected:
    by_plate = await _cars_by(session, store_id, Car.plate, {r.plate for _, r in good if r.plate})
    by_vin = await _cars_by(session, store_id, Car.vin, {r.vin for _, r in good if r.vin})
    rejected: Rejected = []
    rows: dict[str, dict[str, Any]] = {}
    for number, r in good:
        car = by_plate.get(r.plate or "") or by_vin.get(r.vin or "")
        if car is None:
            rejected.append((number, "unknown_plate", "plate" if r.plate else "vin"))
            continue
        if r.order_no in rows:  # the same order twice in one file counts once
            report.unchanged += 1
            continue
        rows[r.order_no] = {
            "store_id": store_id,
            "member_id": car[1],
            "car_id": car[0],
            "order_no": r.order_no,
            "visit_date": r.visit_date,
            "category": r.category,
            "amount_fen": r.amount_fen,
            "mileage": r.mileage,
            "advisor": r.advisor,
            "source": "import",
        }
    inserted = await insert_many_once(session, Visit, list(rows.values()), Visit.order_no, Visit.id)
    report.created += len(inserted)
    report.unchanged += len(rows) - len(inserted)
    if not inserted:
        return rejected
    earn_from = (
        add_months(today, -policy.import_points_months) if policy.import_points_months else None
    )
    ledger, credits, cars = [], defaultdict(int), {}
    for order_no, visit_id in inserted:
        v = rows[order_no]
        earned = (
            0
            if earn_from and v["visit_date"] < earn_from
            else points_for(policy, v["category"], v["amount_fen"])
        )
        if earned:
            ledger.append(
                {
                    "store_id": store_id,
                    "member_id": v["member_id"],
                    "kind": EntryKind.VISIT,
                    "dedupe_key": f"visit:{visit_id}",
                    "cumulative": earned,
                    "redeemable": earned,
                    "visit_id": visit_id,
                    "expires_on": expiry_for(policy, v["visit_date"]),
                    "at": utcnow(),
                }
            )
            credits[v["member_id"]] += earned
        latest = cars.setdefault(v["car_id"], {"car": v["car_id"], "s": None, "d": None, "m": None})
        if v["category"] in SERVICE_CATEGORIES and (
            latest["s"] is None or v["visit_date"] > latest["s"]
        ):
            latest["s"] = v["visit_date"]
        if v["mileage"] is not None and (latest["d"] is None or v["visit_date"] >= latest["d"]):
            latest["d"], latest["m"] = v["visit_date"], v["mileage"]
    if ledger:
        await session.execute(insert(PointsEntry.__table__), ledger)
        await session.execute(_credit, [{"member": m, "c": c} for m, c in credits.items()])
        report.points += sum(credits.values())
    await session.execute(_advance_car, list(cars.values()))
    touched = {v["member_id"] for v in rows.values()}
    report.tiers_set += await _starting_tiers(session, policy, store_id, touched, today)
    return rejected


async def _starting_tiers(
    session: AsyncSession, policy: ClubPolicy, store_id: int, member_ids: set[int], today: date
) -> int:
    """Raise members to the tier their imported history earns (policy: points or spend),
    set-based: one event row per raise (unique per target tier), one UPDATE batch."""
    current = (
        await session.execute(
            select(Member.id, Member.tier_code, Member.cumulative_points, Member.valid_until).where(
                Member.id.in_(member_ids)
            )
        )
    ).all()
    spend: dict[int, int] = {}
    if policy.import_tier_by == "spend":
        since = add_months(today, -policy.import_spend_months)
        sums = await session.execute(
            select(Visit.member_id, func.sum(Visit.amount_fen))
            .where(Visit.member_id.in_(member_ids), Visit.visit_date >= since)
            .group_by(Visit.member_id)
        )
        spend = {member_id: int(total or 0) for member_id, total in sums}
    events = []
    for member_id, tier, cumulative, valid_until in current:
        if policy.import_tier_by == "spend":
            reached = [t for t in policy.tiers if spend.get(member_id, 0) >= t.import_spend_fen]
            target = reached[-1].code if reached else policy.tiers[0].code
        else:
            target = tier_for_points(policy, cumulative).code
        if policy.tier_rank(target) > policy.tier_rank(tier):
            events.append(
                {
                    "store_id": store_id,
                    "member_id": member_id,
                    "kind": EventKind.IMPORT,
                    "dedupe_key": target,
                    "tier_before": tier,
                    "tier_after": target,
                    "valid_until_before": valid_until,
                    "valid_until_after": valid_until,
                    "at": utcnow(),
                }
            )
    raised = await insert_many_once(
        session, MembershipEvent, events, MembershipEvent.member_id, MembershipEvent.tier_after
    )
    if raised:
        await session.execute(_set_tier, [{"member": m, "tier": t} for m, t in raised])
    return len(raised)
