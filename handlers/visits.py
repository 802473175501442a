"""Staff record a visit: /visit (step by step or in one line), or from the member view."""

from __future__ import annotations

from datetime import date

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.points.rules import points_for
from bot.club.staff.roles import Permission
from bot.club.visits import form as visit_form
from bot.club.visits.form import FormOutcome, Step
from bot.club.visits.record import VisitRejected, VisitResult
from bot.i18n import N_, Translator
from bot.messaging.membership_texts import way_to_next_tier
from bot.messaging.notify import notify_member
from db import queries
from handlers.announce import announce
from handlers.common import Markup, Turn, inline, staff_only, turn_handler
from handlers.texts import error_text

PROMPTS = {
    Step.PLATE: N_("Which car? Send its plate."),
    Step.CATEGORY: N_("What kind of visit was it?"),
    Step.AMOUNT: N_("Amount paid, in yuan (e.g. 1280 or ¥1,280.00)?"),
    Step.MILEAGE: N_("Mileage in km? You may skip this."),
    Step.ORDER: N_("The DMS repair order number (工单号)?"),
    Step.DATE: N_("Date of the visit (e.g. 2026-05-06)?"),
}


def step_markup(t: Translator, outcome: FormOutcome, turn: Turn) -> Markup | None:
    step = outcome.step
    if step is Step.PLATE and outcome.plates:
        return inline([[(plate, f"visit:pick:{plate}")] for plate in outcome.plates])
    if step is Step.CATEGORY:
        cats = turn.services.policy.categories
        pairs = [(c.name(t.locale), f"visit:pick:{c.code}") for c in cats]
        return inline([pairs[i : i + 2] for i in range(0, len(pairs), 2)])
    if step is Step.MILEAGE:
        return inline([[(t.gettext("Skip"), "visit:skip:mileage")]])
    if step is Step.DATE:
        return inline([[(t.gettext("Today"), f"visit:pick:{visit_form.TODAY}")]])
    return None


async def summary(turn: Turn, data: dict) -> str:
    t, policy = turn.t, turn.services.policy
    car = await queries.car_by_plate(turn.session, turn.services.store_id, data["plate"])
    member = await queries.member_by_id(turn.session, turn.services.store_id, car.member_id)
    category = policy.category(data["category"])
    earned = points_for(policy, data["category"], data["amount"])
    lines = [
        turn._("Record this visit?"),
        turn._("Car: {plate} ({name})", plate=data["plate"], name=member.name),
        turn._("Category: {category}", category=category.name(t.locale)),
        turn._(
            "Amount: {amount} → {points} points",
            amount=t.money(data["amount"]),
            points=t.number(earned),
        ),
        turn._(
            "Order: {order} · Date: {date}",
            order=data["order"],
            date=t.date(date.fromisoformat(data["date"])),
        ),
    ]
    if data.get("mileage") is not None:
        lines.append(turn._("Mileage: {km} km", km=t.number(data["mileage"])))
    return "\n".join(lines)


async def show(turn: Turn, outcome: FormOutcome) -> None:
    if outcome.error == "stale":
        turn.callback_notice = turn._("That button is no longer active.")
        return
    if outcome.error:
        turn.reply(error_text(turn.t, outcome.error))
    if outcome.step is Step.CONFIRM:
        buttons = [[(turn._("Confirm"), "visit:ok"), (turn._("Cancel"), "visit:cancel")]]
        turn.reply(await summary(turn, outcome.data), inline(buttons))
    elif outcome.step is not None:
        turn.reply(turn._(PROMPTS[outcome.step]), step_markup(turn.t, outcome, turn))


async def take_text(turn: Turn) -> None:
    """Typed text while a visit form is open (the router sends it here)."""
    await _answer(turn, text=turn.text)


@staff_only(Permission.RECORD_VISIT)
async def _answer(
    turn: Turn, *, text: str | None = None, skip: bool = False, expected: str | None = None
) -> None:
    outcome = await visit_form.answer(
        turn.session,
        turn.services.store_id,
        turn.services.policy,
        turn.user_id,
        text=text,
        skip=skip,
        today=turn.services.today(),
        expected=expected,
    )
    await show(turn, outcome)


@turn_handler
@staff_only(Permission.RECORD_VISIT)
async def on_visit(turn: Turn) -> None:
    svc = turn.services
    if turn.args:
        outcome = await visit_form.quick(
            turn.session, svc.store_id, svc.policy, turn.user_id, turn.args, svc.today()
        )
        if outcome.error:
            turn.reply(
                error_text(turn.t, outcome.error)
                + "\n"
                + turn._(
                    "Usage: /visit <plate> <category> <amount> <order number> [mileage] [date], "
                    "or /visit alone to be asked step by step."
                )
            )
            return
    else:
        outcome = await visit_form.begin(turn.session, svc.store_id, turn.user_id, None)
    await show(turn, outcome)


@turn_handler
@staff_only(Permission.RECORD_VISIT)
async def on_button(turn: Turn) -> None:
    parts = turn.callback_parts  # visit:new:<member> | pick:<value> | skip:<step> | ok | cancel
    svc, action = turn.services, parts[1] if len(parts) > 1 else ""
    if action == "new" and len(parts) == 3 and parts[2].isdigit():
        await show(
            turn, await visit_form.begin(turn.session, svc.store_id, turn.user_id, int(parts[2]))
        )
    elif action == "pick" and len(parts) == 3:
        await _answer(turn, text=parts[2])
    elif action == "skip" and len(parts) == 3:
        await _answer(turn, skip=True, expected=parts[2])
    elif action == "cancel":
        await visit_form.cancel(turn.session, turn.user_id)
        turn.replace(turn._("Cancelled; nothing was recorded."))
    elif action == "ok":
        await _confirm(turn)
    else:
        turn.callback_notice = turn._("That button is no longer active.")


async def _confirm(turn: Turn) -> None:
    svc = turn.services
    advisor = turn.update.effective_user.full_name if turn.update.effective_user else None
    try:
        result = await visit_form.confirm(
            turn.session, svc.store_id, svc.policy, turn.user_id, svc.today(), advisor
        )
    except VisitRejected as exc:
        turn.reply(error_text(turn.t, exc.code))
        return
    if result is None:
        turn.callback_notice = turn._("That button is no longer active.")
        return
    t, m = turn.t, result.member
    turn.replace(
        turn._(
            "Recorded: {name} earned {points} points. Balances now: cumulative "
            "{c}, redeemable {r}.",
            name=m.name,
            points=t.number(result.earned),
            c=t.number(result.balances.cumulative),
            r=t.number(result.balances.redeemable),
        )
    )
    await notify_member(
        turn.session,
        turn.services,
        m,
        lambda t: thanks(t, turn, result),
        f"visit:{result.visit.id}",
    )
    await announce(turn, m, result.changes)


def thanks(t: Translator, turn: Turn, result: VisitResult) -> str:
    """The owner's message after a visit: what they earned, balances, way to the next tier."""
    policy, v = turn.services.policy, result.visit
    category = policy.category(v.category)
    lines = [
        t.gettext(
            "Thank you for visiting {store} on {date}: {category}, {amount}.",
            store=turn.services.settings.store_name,
            date=t.date(v.visit_date),
            category=category.name(t.locale) if category else v.category,
            amount=t.money(v.amount_fen),
        ),
        t.gettext(
            "You earned {points} points. Cumulative points: {c} · Redeemable points: {r}",
            points=t.number(result.earned),
            c=t.number(result.balances.cumulative),
            r=t.number(result.balances.redeemable),
        ),
    ]
    way = way_to_next_tier(t, policy, result.member.tier_code, result.balances.cumulative)
    lines += [way] if way else []
    return "\n".join(lines)


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("visit", on_visit, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(on_button, pattern=r"^visit:"),
    ]
