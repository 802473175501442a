"""Recording what owners spend: a visit earns points and may upgrade or renew the member.

Staff record visits one by one here; DMS imports write the same rows in batches
(`bot.club.imports.writes`) with the same earning rules, the same ledger writer and the
same rule for the car's mileage and service date (`bot.club.visits.readings`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.bookings import visits as booking_visits
from bot.club.common.validation import MAX_MILEAGE
from bot.club.points import ledger as points
from bot.club.points import membership
from bot.club.points.ledger import Balances, EntryKind, Posting
from bot.club.points.membership import Change, EventKind
from bot.club.points.rules import expiry_for, points_for
from bot.club.points.tiers import add_months
from bot.club.policy.model import ClubPolicy
from bot.club.staff import audit
from bot.club.visits.readings import CarReadings, advanced
from db import queries
from db.models import Car, Member, PointsEntry, Visit
from db.writes import insert_once

MAX_ORDER_NO = 40  # characters in a DMS repair-order number


class VisitError(StrEnum):
    UNKNOWN_PLATE = "unknown_plate"
    UNKNOWN_CATEGORY = "category_unknown"  # the same code a DMS row gets
    AMOUNT_INVALID = "amount_invalid"
    AMOUNT_TOO_LARGE = "amount_too_large"
    DATE_IN_FUTURE = "date_in_future"
    DATE_BEFORE_DELIVERY = "date_before_delivery"
    MILEAGE_INVALID = "mileage_invalid"
    ORDER_NO_INVALID = "order_no_invalid"
    DUPLICATE_ORDER = "duplicate_order"
    UNKNOWN_ORDER = "unknown_order"
    ALREADY_REVERSED = "already_reversed"
    REASON_MISSING = "reason_missing"
    NOT_SKIPPABLE = "not_skippable"


class VisitRejected(Exception):
    def __init__(self, code: VisitError) -> None:
        super().__init__(code.value)
        self.code = code


@dataclass(frozen=True)
class VisitInput:
    plate: str
    category: str
    amount_fen: int
    visit_date: date
    order_no: str
    mileage: int | None = None
    advisor: str | None = None


@dataclass
class VisitResult:
    visit: Visit
    member: Member
    car: Car
    earned: int
    balances: Balances
    changes: list[Change] = field(default_factory=list)


def check_amount(policy: ClubPolicy, amount_fen: int) -> None:
    """Zero is real (a free first maintenance); above the policy's maximum is a typo."""
    if amount_fen < 0:
        raise VisitRejected(VisitError.AMOUNT_INVALID)
    if amount_fen > policy.max_visit_fen:
        raise VisitRejected(VisitError.AMOUNT_TOO_LARGE)


def check_order_no(order_no: str) -> None:
    if not 0 < len(order_no) <= MAX_ORDER_NO or not order_no.isprintable():
        raise VisitRejected(VisitError.ORDER_NO_INVALID)


def check_input(policy: ClubPolicy, data: VisitInput, today: date) -> None:
    """The checks that need no database; raises VisitRejected."""
    if policy.category(data.category) is None:
        raise VisitRejected(VisitError.UNKNOWN_CATEGORY)
    check_amount(policy, data.amount_fen)
    if data.visit_date > today:
        raise VisitRejected(VisitError.DATE_IN_FUTURE)
    if data.mileage is not None and not 0 <= data.mileage <= MAX_MILEAGE:
        raise VisitRejected(VisitError.MILEAGE_INVALID)
    check_order_no(data.order_no)


async def _apply_rules(
    session: AsyncSession, policy: ClubPolicy, member_id: int, visit: Visit, today: date
) -> list[Change]:
    """Upgrades and renewals a visit can trigger (SOURCES.md, "Tiers")."""
    member = await membership.locked(session, member_id)
    assert member is not None
    changes: list[Change | None] = [await membership.upgrade_by_points(session, policy, member)]
    # The UTC date: never after the store's local date in the zones dealers use (UTC+).
    joined = member.joined_at.date()
    if (
        visit.category == "repair"
        and visit.amount_fen >= policy.upgrade_single_repair_min_fen
        and visit.visit_date >= joined
    ):
        changes.append(
            await membership.upgrade_one(session, policy, member, EventKind.UPGRADE_REPAIR, "once")
        )
    if visit.category == "insurance":
        if visit.amount_fen >= policy.renewal_insurance_min_fen:
            changes.append(
                await membership.renew(
                    session, policy, member, EventKind.RENEW_INSURANCE, f"visit:{visit.id}", today
                )
            )
        if await _insured_two_years(session, policy, member_id, visit):
            changes.append(
                await membership.upgrade_one(
                    session, policy, member, EventKind.UPGRADE_INSURANCE, "once"
                )
            )
    return [c for c in changes if c is not None]


async def _insured_two_years(
    session: AsyncSession, policy: ClubPolicy, member_id: int, visit: Visit
) -> bool:
    """A qualifying insurance renewal in the 12 months before this one, too."""
    if visit.amount_fen < policy.upgrade_insurance_two_years_min_fen:
        return False
    start = add_months(visit.visit_date, -18)
    end = add_months(visit.visit_date, -6)
    count = await session.scalar(
        select(func.count())
        .select_from(Visit)
        .where(
            Visit.member_id == member_id,
            Visit.category == "insurance",
            Visit.amount_fen >= policy.upgrade_insurance_two_years_min_fen,
            Visit.visit_date >= start,
            Visit.visit_date <= end,
        )
    )
    return bool(count)


def advance_car(car: Car, visit_date: date, mileage: int | None, category: str) -> None:
    """Move the car's last service date and mileage by the one rule (`readings.advanced`)."""
    before = CarReadings(car.last_service_date, car.last_mileage, car.last_mileage_date)
    after = advanced(before, visit_date, mileage, category)
    if after is not before:
        car.last_service_date = after.last_service_date
        car.last_mileage, car.last_mileage_date = after.last_mileage, after.last_mileage_date


async def record_visit(
    session: AsyncSession,
    policy: ClubPolicy,
    store_id: int,
    staff_id: int | None,
    data: VisitInput,
    today: date,
) -> VisitResult:
    """Record one visit, award its points and apply the tier rules; raises VisitRejected."""
    check_input(policy, data, today)
    car = await queries.car_by_plate(session, store_id, data.plate)
    if car is None:
        raise VisitRejected(VisitError.UNKNOWN_PLATE)
    if car.delivery_date and data.visit_date < car.delivery_date:
        raise VisitRejected(VisitError.DATE_BEFORE_DELIVERY)
    # One member's visits are recorded one at a time: lock before writing anything.
    await membership.locked(session, car.member_id)
    visit_id = await insert_once(
        session,
        Visit,
        {
            "store_id": store_id,
            "member_id": car.member_id,
            "car_id": car.id,
            "order_no": data.order_no,
            "visit_date": data.visit_date,
            "category": data.category,
            "amount_fen": data.amount_fen,
            "mileage": data.mileage,
            "advisor": data.advisor,
            "recorded_by": staff_id,
            "source": "chat",
        },
    )
    if visit_id is None:
        raise VisitRejected(VisitError.DUPLICATE_ORDER)
    visit = await session.get(Visit, visit_id)
    assert visit is not None
    earned = points_for(policy, data.category, data.amount_fen)
    posting = Posting(
        store_id,
        car.member_id,
        EntryKind.VISIT,
        f"visit:{visit_id}",
        cumulative=earned,
        redeemable=earned,
        visit_id=visit_id,
        expires_on=expiry_for(policy, data.visit_date),
        actor_user_id=staff_id,
    )
    balances = await points.post(session, posting)
    assert balances is not None  # a new visit id cannot have been posted before
    advance_car(car, data.visit_date, data.mileage, data.category)
    await booking_visits.link_visit(session, store_id, visit)  # the booking it fulfils, if any
    changes = await _apply_rules(session, policy, car.member_id, visit, today)
    audit.record(
        session,
        store_id,
        staff_id,
        "visit.record",
        f"visit:{visit_id}",
        order_no=data.order_no,
        amount_fen=data.amount_fen,
        points=earned,
    )
    member = await session.get(Member, car.member_id)
    assert member is not None
    return VisitResult(visit, member, car, earned, balances, changes)


@dataclass(frozen=True)
class Reversal:
    visit: Visit
    member: Member
    balances: Balances
    points: int


async def reverse_visit(
    session: AsyncSession, store_id: int, staff_id: int, order_no: str, reason: str
) -> Reversal:
    """Take back a visit's points with a reason: a new ledger row, nothing edited."""
    reason = reason.strip()
    if not reason:
        raise VisitRejected(VisitError.REASON_MISSING)
    visit = await queries.visit_by_order(session, store_id, order_no.strip())
    if visit is None:
        raise VisitRejected(VisitError.UNKNOWN_ORDER)
    award = await session.scalar(
        select(PointsEntry).where(
            PointsEntry.visit_id == visit.id, PointsEntry.kind == EntryKind.VISIT
        )
    )
    earned_c = award.cumulative if award else 0
    earned_r = award.redeemable if award else 0
    posting = Posting(
        store_id,
        visit.member_id,
        EntryKind.REVERSAL,
        f"visit:{visit.id}",
        cumulative=-earned_c,
        redeemable=-earned_r,
        visit_id=visit.id,
        reason=reason[:200],
        actor_user_id=staff_id,
    )
    balances = await points.post(session, posting)
    if balances is None:
        raise VisitRejected(VisitError.ALREADY_REVERSED)
    audit.record(
        session,
        store_id,
        staff_id,
        "visit.reverse",
        f"visit:{visit.id}",
        order_no=visit.order_no,
        points=-earned_c,
    )
    member = await session.get(Member, visit.member_id)
    assert member is not None
    await session.refresh(member)
    return Reversal(visit, member, balances, earned_c)
