"""Recording a visit step by step in chat (staff), or in one line, then confirming.

The form lives in the dialogs table like the join dialog, so a half-typed visit survives
a restart, and nothing is recorded before staff press Confirm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common.validation import (
    ValidationError,
    normalise_plate,
    parse_amount_fen,
    parse_date,
    parse_mileage,
)
from bot.club.forms import dialogs
from bot.club.policy.model import ClubPolicy
from bot.club.visits import record
from bot.club.visits.record import VisitError, VisitInput, VisitRejected, VisitResult
from db import queries

FLOW = "visit"


class Step(StrEnum):
    PLATE = "plate"
    CATEGORY = "category"
    AMOUNT = "amount"
    MILEAGE = "mileage"
    ORDER = "order"
    DATE = "date"
    CONFIRM = "confirm"


ORDER = list(Step)
SKIPPABLE = {Step.MILEAGE}
TODAY = "today"


@dataclass
class FormOutcome:
    step: Step | None
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    plates: list[str] = field(default_factory=list)  # choices at the plate step


def _next(data: dict[str, Any]) -> Step:
    return next(step for step in ORDER if step.value not in data)


async def begin(
    session: AsyncSession, store_id: int, staff_id: int, member_id: int | None
) -> FormOutcome:
    """Open the form; for a member with one car the plate is filled in already."""
    data: dict[str, Any] = {}
    plates: list[str] = []
    if member_id is not None:
        member = await queries.member_by_id(session, store_id, member_id)
        plates = [car.plate for car in member.cars] if member else []
        if len(plates) == 1:
            data["plate"] = plates[0]
    step = _next(data)
    await dialogs.start(session, store_id, staff_id, FLOW, step, data)
    return FormOutcome(step, data, plates=plates if step is Step.PLATE else [])


async def _check(
    session: AsyncSession,
    store_id: int,
    policy: ClubPolicy,
    step: Step,
    text: str | None,
    skip: bool,
    today: date,
) -> Any:
    """The value for `step` from what staff sent; raises ValidationError or VisitRejected."""
    if skip:
        if step not in SKIPPABLE:
            raise VisitRejected(VisitError.NOT_SKIPPABLE)
        return None
    text = (text or "").strip()
    if step is Step.PLATE:
        plate = normalise_plate(text)
        if await queries.car_by_plate(session, store_id, plate) is None:
            raise VisitRejected(VisitError.UNKNOWN_PLATE)
        return plate
    if step is Step.CATEGORY:
        code = policy.category_code(text)
        if code is None:
            raise VisitRejected(VisitError.UNKNOWN_CATEGORY)
        return code
    if step is Step.AMOUNT:
        fen = parse_amount_fen(text)
        record.check_amount(policy, fen)
        return fen
    if step is Step.MILEAGE:
        return parse_mileage(text)
    if step is Step.ORDER:
        record.check_order_no(text)
        if await queries.visit_by_order(session, store_id, text) is not None:
            raise VisitRejected(VisitError.DUPLICATE_ORDER)
        return text
    if text == TODAY:
        return today.isoformat()
    return parse_date(text, today=today).isoformat()


async def answer(
    session: AsyncSession,
    store_id: int,
    policy: ClubPolicy,
    staff_id: int,
    *,
    text: str | None = None,
    skip: bool = False,
    today: date,
    expected: str | None = None,
) -> FormOutcome:
    """Take one answer; returns the next step (or the same one with an error)."""
    dialog = await dialogs.current(session, staff_id, FLOW)
    if dialog is None or (expected is not None and expected != dialog.step):
        return FormOutcome(None, error="stale")
    step = Step(dialog.step)
    if step is Step.CONFIRM:
        return FormOutcome(step, dict(dialog.data))
    try:
        value = await _check(session, store_id, policy, step, text, skip, today)
    except (ValidationError, VisitRejected) as exc:
        return FormOutcome(step, dict(dialog.data), error=str(exc.code))
    data = {**dialog.data, step.value: value}
    following = _next(data)
    dialogs.advance(dialog, following, data)
    return FormOutcome(following, data)


async def quick(
    session: AsyncSession,
    store_id: int,
    policy: ClubPolicy,
    staff_id: int,
    args: list[str],
    today: date,
) -> FormOutcome:
    """`/visit <plate> <category> <amount> <order no> [mileage] [date]` → straight to confirm."""
    steps = [Step.PLATE, Step.CATEGORY, Step.AMOUNT, Step.ORDER, Step.MILEAGE, Step.DATE]
    data: dict[str, Any] = {Step.MILEAGE.value: None, Step.DATE.value: today.isoformat()}
    for step, text in zip(steps, args, strict=False):
        try:
            data[step.value] = await _check(session, store_id, policy, step, text, False, today)
        except (ValidationError, VisitRejected) as exc:
            return FormOutcome(step, data, error=str(exc.code))
    await dialogs.start(session, store_id, staff_id, FLOW, Step.CONFIRM, data)
    return FormOutcome(Step.CONFIRM, data)


def to_input(data: dict[str, Any], advisor: str | None) -> VisitInput:
    return VisitInput(
        plate=data["plate"],
        category=data["category"],
        amount_fen=data["amount"],
        visit_date=date.fromisoformat(data["date"]),
        order_no=data["order"],
        mileage=data.get("mileage"),
        advisor=advisor,
    )


async def confirm(
    session: AsyncSession,
    store_id: int,
    policy: ClubPolicy,
    staff_id: int,
    today: date,
    advisor: str | None,
) -> VisitResult | None:
    """Record the visit the form holds; None if there is no form waiting (stale button)."""
    dialog = await dialogs.current(session, staff_id, FLOW)
    if dialog is None or dialog.step != Step.CONFIRM:
        return None
    data = dict(dialog.data)
    await dialogs.close(session, staff_id, FLOW)
    return await record.record_visit(
        session, policy, store_id, staff_id, to_input(data, advisor), today
    )


async def cancel(session: AsyncSession, staff_id: int) -> bool:
    return await dialogs.close(session, staff_id, FLOW)
