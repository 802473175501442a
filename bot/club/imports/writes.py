"""The database side of importing DMS members and cars, one batch at a time (visits:
`bot.club.imports.visit_writes`).

Each writer takes (row number, record) pairs, writes what is new with set-based
statements (ON CONFLICT DO NOTHING, executemany), counts what was already there, and
returns the rows the database refuses as (row number, code, field).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common import codes
from bot.club.points.tiers import membership_valid_until
from bot.club.policy.model import ClubPolicy
from db.base import utcnow
from db.models import Car, Member
from db.writes import insert_many_once

if TYPE_CHECKING:
    from bot.club.imports.report import ImportReport

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


async def cars_by(
    session: AsyncSession, store_id: int, column: Any, keys: set[str]
) -> dict[str, tuple[int, int, date | None]]:
    """(car id, member id, delivery date) of the store's cars whose `column` is in `keys`."""
    if not keys:
        return {}
    rows = await session.execute(
        select(column, Car.id, Car.member_id, Car.delivery_date).where(
            Car.store_id == store_id, column.in_(keys)
        )
    )
    return {key: (car_id, member_id, delivered) for key, car_id, member_id, delivered in rows}


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
    """Cars for (row, car record, member id); a plate another member has is refused.
    A car is never a member: one whose owner's phone no member has is refused too."""
    rejected: Rejected = []
    taken = await cars_by(session, store_id, Car.plate, {car.plate for _, car, _ in wanted})
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
    inserted = await insert_many_once(session, Car, rows, Car.id)
    report.created += len(inserted)
    report.unchanged += len(rows) - len(inserted)  # added at the same moment elsewhere
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
    report.unchanged += len(fresh) - len(created)  # joined at the same moment in chat
    return []


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
