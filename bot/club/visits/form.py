"""The visit form: staff record a visit step by step, or in one line, then confirm.

Declared to the form engine, so a half-typed visit survives a restart; every rule of
`record.check_input` (and the car's delivery date, and a repeated order number) is
checked before the summary, at the step that is wrong, and nothing is recorded before
staff press Confirm.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.club.common.validation import (
    normalise_plate,
    parse_amount_fen,
    parse_date,
    parse_mileage,
)
from bot.club.forms import engine, steps
from bot.club.forms.engine import Context, Form, Kind, Outcome, Rejected, Reply, Step
from bot.club.forms.steps import confirm_step
from bot.club.members.lookup import cars_of
from bot.club.visits import record
from bot.club.visits.record import VisitError, VisitInput, VisitRejected, VisitResult
from db import queries

FORM_NAME = "visit"
TODAY = "today"
CONFIRM = steps.CONFIRM
QUICK_ORDER = ("plate", "category", "amount", "order", "mileage", "date")  # the one-line form
# Which step to ask again when a rule refuses the whole visit.
STEP_OF = {
    VisitError.UNKNOWN_PLATE: "plate",
    VisitError.UNKNOWN_CATEGORY: "category",
    VisitError.AMOUNT_INVALID: "amount",
    VisitError.AMOUNT_TOO_LARGE: "amount",
    VisitError.MILEAGE_INVALID: "mileage",
    VisitError.ORDER_NO_INVALID: "order",
    VisitError.DUPLICATE_ORDER: "order",
    VisitError.DATE_IN_FUTURE: "date",
    VisitError.DATE_BEFORE_DELIVERY: "date",
}
BOTH = frozenset({Kind.TEXT, Kind.CHOICE})


def _text(reply: Reply) -> str:
    return (reply.value or "").strip()


async def _plate(reply: Reply, ctx: Context) -> dict[str, Any]:
    plate = normalise_plate(_text(reply))
    if await queries.car_by_plate(ctx.session, ctx.store_id, plate) is None:
        raise Rejected(VisitError.UNKNOWN_PLATE)
    return {"plate": plate}


async def _category(reply: Reply, ctx: Context) -> dict[str, Any]:
    code = ctx.policy.category_code(_text(reply))
    if code is None:
        raise Rejected(VisitError.UNKNOWN_CATEGORY)
    return {"category": code}


async def _amount(reply: Reply, ctx: Context) -> dict[str, Any]:
    fen = parse_amount_fen(_text(reply))
    try:
        record.check_amount(ctx.policy, fen)
    except VisitRejected as exc:
        raise Rejected(exc.code) from exc
    return {"amount": fen}


async def _mileage(reply: Reply, ctx: Context) -> dict[str, Any]:
    return {"mileage": parse_mileage(_text(reply))}


async def _order(reply: Reply, ctx: Context) -> dict[str, Any]:
    order = _text(reply)
    try:
        record.check_order_no(order)
    except VisitRejected as exc:
        raise Rejected(exc.code) from exc
    if await queries.visit_by_order(ctx.session, ctx.store_id, order) is not None:
        raise Rejected(VisitError.DUPLICATE_ORDER)
    return {"order": order}


async def _date(reply: Reply, ctx: Context) -> dict[str, Any]:
    text = _text(reply)
    day = ctx.today if text == TODAY else parse_date(text, today=ctx.today)
    return {"date": day.isoformat()}


def to_input(data: dict[str, Any], advisor: str | None = None) -> VisitInput:
    return VisitInput(
        plate=data["plate"],
        category=data["category"],
        amount_fen=data["amount"],
        visit_date=date.fromisoformat(data["date"]),
        order_no=data["order"],
        mileage=data.get("mileage"),
        advisor=advisor,
    )


async def _check(ctx: Context) -> None:
    """Everything `record_visit` would refuse, found before the summary is shown."""
    visit = to_input(ctx.data)
    try:
        record.check_input(ctx.policy, visit, ctx.today)
        car = await queries.car_by_plate(ctx.session, ctx.store_id, visit.plate)
        if car is None:
            raise VisitRejected(VisitError.UNKNOWN_PLATE)
        if car.delivery_date and visit.visit_date < car.delivery_date:
            raise VisitRejected(VisitError.DATE_BEFORE_DELIVERY)
        if await queries.visit_by_order(ctx.session, ctx.store_id, visit.order_no) is not None:
            raise VisitRejected(VisitError.DUPLICATE_ORDER)
    except VisitRejected as exc:
        raise Rejected(exc.code, STEP_OF.get(exc.code, "plate")) from exc


async def _complete(ctx: Context) -> VisitResult:
    visit = to_input(ctx.data, ctx.extra.get("advisor"))
    try:
        return await record.record_visit(
            ctx.session, ctx.policy, ctx.store_id, ctx.user_id, visit, ctx.today
        )
    except VisitRejected as exc:  # e.g. the same order recorded by a colleague meanwhile
        raise Rejected(exc.code, STEP_OF.get(exc.code, "plate")) from exc


FORM = Form(
    FORM_NAME,
    (
        Step("plate", _plate, accepts=BOTH, choices=lambda ctx: ctx.data.get("plates", [])),
        Step(
            "category",
            _category,
            accepts=BOTH,
            choices=lambda ctx: [c.code for c in ctx.policy.categories],
        ),
        Step("amount", _amount),
        Step("mileage", _mileage, skippable=True),
        Step("order", _order),
        Step("date", _date, accepts=BOTH, choices=lambda ctx: [TODAY]),
        confirm_step(),
    ),
    complete=_complete,
    check=_check,
)


async def begin(ctx: Context, member_id: int | None = None, *, resume: bool = False) -> Outcome:
    """Open the form; for a member with one car the plate is filled in already."""
    preset: dict[str, Any] = {}
    if member_id is not None:
        cars = await cars_of(ctx.session, ctx.store_id, member_id)
        plates = [car.plate for car in cars]
        preset = {"plate": plates[0]} if len(plates) == 1 else {"plates": plates}
    return await engine.begin(FORM, ctx, preset, resume=resume and member_id is None)


async def quick(ctx: Context, args: list[str]) -> Outcome:
    """`/visit <plate> [category] [amount] [order no] [mileage] [date]`: what is given is
    filled in (mileage none and the date today, unless given), the rest is asked."""
    answers = list(zip(QUICK_ORDER, args, strict=False))
    defaults = {"mileage": None, "date": ctx.today.isoformat()}
    return await engine.begin(FORM, ctx, answers=answers, defaults=defaults)
