"""What a visit about to be recorded will do: whose car, and the points it earns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.points.rules import points_for
from bot.club.policy.model import ClubPolicy
from bot.club.visits.record import VisitInput
from db import queries


@dataclass(frozen=True)
class VisitPreview:
    plate: str
    member_name: str
    category: str  # the policy's category code
    amount_fen: int
    points: int
    order_no: str
    visit_date: date
    mileage: int | None


async def preview(
    session: AsyncSession, policy: ClubPolicy, store_id: int, visit: VisitInput
) -> VisitPreview:
    """The plain values a summary shows; the form checked the plate exists."""
    car = await queries.car_by_plate(session, store_id, visit.plate)
    member = await queries.member_by_id(session, store_id, car.member_id) if car else None
    return VisitPreview(
        plate=visit.plate,
        member_name=member.name if member else "",
        category=visit.category,
        amount_fen=visit.amount_fen,
        points=points_for(policy, visit.category, visit.amount_fen),
        order_no=visit.order_no,
        visit_date=visit.visit_date,
        mileage=visit.mileage,
    )
