"""The database side of importing DMS visits, one batch at a time.

New visits earn points through the ledger's batch writer, move their cars' mileage and
service dates by the rule chat visits use, and raise starting tiers through the
membership writer's batch form: imports write nothing the club's own writers would not.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, Integer, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.bookings import visits as booking_visits
from bot.club.imports.writes import Rejected
from bot.club.points import ledger as points
from bot.club.points import membership
from bot.club.points.ledger import EntryKind, Posting
from bot.club.points.membership import EventKind, TierTarget
from bot.club.points.rules import expiry_for, points_for
from bot.club.points.tiers import add_months, tier_for_points, tier_for_spend
from bot.club.policy.model import ClubPolicy
from bot.club.visits.readings import CarReadings, advanced
from bot.club.visits.record import VisitError
from db.models import Car, Visit
from db.queries import import_cars, import_members_spend
from db.writes import execute_many, insert_values_once

if TYPE_CHECKING:
    from bot.club.imports.report import ImportReport


_cars = Car.__table__.c
_set_readings = (
    update(Car.__table__)
    .where(_cars.id == bindparam("car", type_=Integer))
    .values(
        last_service_date=bindparam("s", type_=Date),
        last_mileage=bindparam("m", type_=Integer),
        last_mileage_date=bindparam("d", type_=Date),
    )
)
_VISIT_COLUMNS = ("order_no", "id")
# A new visit's values, in the insert's column order (no dict per row: 100k rows a file).
_VISIT_NAMES = (
    "member_id",
    "car_id",
    "order_no",
    "visit_date",
    "category",
    "amount_fen",
    "mileage",
    "advisor",
)
_MEMBER, _CAR, _ORDER, _DATE, _CATEGORY, _AMOUNT, _MILEAGE, _ADVISOR = range(len(_VISIT_NAMES))
_Row = tuple[Any, ...]


async def _readings(
    session: AsyncSession, ids: set[int], looked_up: dict[int, CarReadings]
) -> dict[int, CarReadings]:
    """The cars' readings to advance. SQLite's write lock, taken when the batch began,
    already covers the ones read with the plates; PostgreSQL locks the cars now (after the
    members, in the order chat visits lock them) so a visit recorded in chat at the same
    moment is not overwritten."""
    if session.bind is None or session.bind.dialect.name == "sqlite":
        return {car_id: looked_up[car_id] for car_id in ids}
    rows = await session.execute(
        select(_cars.id, _cars.last_service_date, _cars.last_mileage, _cars.last_mileage_date)
        .where(_cars.id.in_(sorted(ids)))
        .order_by(_cars.id)
        .with_for_update()
    )
    return {car_id: CarReadings(s, m, d) for car_id, s, m, d in rows}


async def _advance_cars(
    session: AsyncSession, visits: list[_Row], looked_up: dict[int, CarReadings]
) -> None:
    """Move each car's service date and mileage by the rule chat visits use, visits in
    file order."""
    before = await _readings(session, {v[_CAR] for v in visits}, looked_up)
    after = dict(before)
    for v in visits:
        car_id = v[_CAR]
        if car_id in after:
            after[car_id] = advanced(after[car_id], v[_DATE], v[_MILEAGE], v[_CATEGORY])
    changed = [
        {"car": car_id, "s": r.last_service_date, "m": r.last_mileage, "d": r.last_mileage_date}
        for car_id, r in sorted(after.items())
        if r != before[car_id]
    ]
    await execute_many(session, _set_readings, changed)


async def write_visits(
    session: AsyncSession,
    policy: ClubPolicy,
    store_id: int,
    good: list[tuple[int, Any]],
    today: date,
    report: ImportReport,
) -> Rejected:
    by_plate = await import_cars(session, store_id, "plate", {r.plate for _, r in good if r.plate})
    by_vin = await import_cars(session, store_id, "vin", {r.vin for _, r in good if r.vin})
    looked_up = {
        car[0]: CarReadings(car[3], car[4], car[5])
        for car in (*by_plate.values(), *by_vin.values())
    }
    rejected: Rejected = []
    rows: dict[str, _Row] = {}
    for number, r in good:
        car = by_plate.get(r.plate or "") or by_vin.get(r.vin or "")
        if car is None:
            rejected.append((number, "unknown_plate", "plate" if r.plate else "vin"))
            continue
        if car[2] is not None and r.visit_date < car[2]:  # the rule chat visits follow
            rejected.append((number, VisitError.DATE_BEFORE_DELIVERY.value, "visit_date"))
            continue
        if r.order_no in rows:  # the same order twice in one file counts once
            report.unchanged += 1
            continue
        rows[r.order_no] = (
            car[1],
            car[0],
            r.order_no,
            r.visit_date,
            r.category,
            r.amount_fen,
            r.mileage,
            r.advisor,
        )
    inserted = await insert_values_once(
        session,
        Visit.__table__,
        _VISIT_NAMES,
        list(rows.values()),
        _VISIT_COLUMNS,
        {"store_id": store_id, "source": "import"},
    )
    report.created += len(inserted)
    report.unchanged += len(rows) - len(inserted)
    if not inserted:
        return rejected
    earn_from = (
        add_months(today, -policy.import_points_months) if policy.import_points_months else None
    )
    postings = []
    for order_no, visit_id in inserted:
        v = rows[order_no]
        earned = (
            0
            if earn_from and v[_DATE] < earn_from
            else points_for(policy, v[_CATEGORY], v[_AMOUNT])
        )
        if earned:
            postings.append(
                Posting(
                    store_id,
                    v[_MEMBER],
                    EntryKind.VISIT,
                    f"visit:{visit_id}",
                    cumulative=earned,
                    redeemable=earned,
                    visit_id=visit_id,
                    expires_on=expiry_for(policy, v[_DATE]),
                )
            )
    report.points += sum(p.cumulative for p in await points.post_many(session, postings))
    new_ids = {order_no for order_no, _ in inserted}
    await _advance_cars(session, [v for k, v in rows.items() if k in new_ids], looked_up)
    await booking_visits.link_imported(
        session, store_id, [(i, rows[o][_CAR], rows[o][_DATE]) for o, i in inserted]
    )
    touched = {v[_MEMBER] for v in rows.values()}
    report.tiers_set += await _starting_tiers(session, policy, store_id, touched, today)
    return rejected


async def _starting_tiers(
    session: AsyncSession, policy: ClubPolicy, store_id: int, member_ids: set[int], today: date
) -> int:
    """Raise members to the tier their imported history earns (policy: points or spend),
    through the membership writer's batch form: never down, once per target tier."""
    by_spend = policy.import_tier_by == "spend"
    since = add_months(today, -policy.import_spend_months) if by_spend else date.max
    targets = [
        TierTarget(
            store_id,
            member_id,
            tier,
            valid_until,
            (
                tier_for_spend(policy, spend) if by_spend else tier_for_points(policy, cumulative)
            ).code,
        )
        for member_id, tier, cumulative, valid_until, spend in await import_members_spend(
            session, member_ids, since, not_tier=policy.tiers[-1].code
        )
    ]
    return len(await membership.raise_tiers(session, policy, targets, EventKind.IMPORT))
