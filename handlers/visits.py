"""Staff record a visit: /visit (step by step or in one line), or from the member view."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.forms.engine import Outcome
from bot.club.staff.roles import Permission
from bot.club.visits import form as visit_form
from bot.club.visits.form import FORM
from bot.club.visits.preview import preview
from bot.club.visits.record import VisitResult
from bot.i18n import N_, Translator
from bot.messaging.membership_texts import way_to_next_tier
from bot.messaging.notify import notify_member
from handlers import forms
from handlers.announce import announce
from handlers.callbacks import pattern
from handlers.common import Turn, staff_only, turn_handler
from handlers.gifts.desk import offer_vouchers

FEATURE = "visit"
PROMPTS = {
    "plate": N_("Which car? Send its plate."),
    "category": N_("What kind of visit was it?"),
    "amount": N_("Amount paid, in yuan (e.g. 1280 or ¥1,280.00)?"),
    "mileage": N_("Mileage in km? You may skip this."),
    "order": N_("The DMS repair order number (工单号)?"),
    "date": N_("Date of the visit (e.g. 2026-05-06)?"),
}
USAGE = N_(
    "Usage: /visit <plate> <category> <amount> <order number> [mileage] [date], "
    "or /visit alone to be asked step by step."
)


def choice_label(turn: Turn, step: str, value: str) -> str:
    if step == "category":
        category = turn.store.policy.category(value)
        return category.name(turn.t.locale) if category else value
    if step == "date":
        return turn._("Today")
    if step == "confirm":
        return turn._("Confirm")
    return value  # a plate


async def summary(turn: Turn, outcome: Outcome) -> str:
    """The confirmation: what will be recorded and the points it earns."""
    t, store = turn.t, turn.store
    shown = await preview(turn.session, store.policy, store.id, visit_form.to_input(outcome.data))
    category = store.policy.category(shown.category)
    lines = [
        turn._("Record this visit?"),
        turn._("Car: {plate} ({name})", plate=shown.plate, name=shown.member_name),
        turn._("Category: {category}", category=category.name(t.locale) if category else ""),
        turn._(
            "Amount: {amount} → {points} points",
            amount=t.money(shown.amount_fen),
            points=t.number(shown.points),
        ),
        turn._(
            "Order: {order} · Date: {date}",
            order=shown.order_no,
            date=t.date(shown.visit_date),
        ),
    ]
    if shown.mileage is not None:
        lines.append(turn._("Mileage: {km} km", km=t.number(shown.mileage)))
    return "\n".join(lines)


async def recorded(turn: Turn, outcome: Outcome) -> None:
    """Confirmed: tell staff the balances (and offer the owner's vouchers for this
    visit), thank the owner, post tier changes."""
    result: VisitResult = outcome.result
    t, m = turn.t, result.member
    turn.replace(
        turn._(
            "Recorded: {name} earned {points} points. Balances now: cumulative "
            "{c}, redeemable {r}.",
            name=m.name,
            points=t.number(result.earned),
            c=t.number(result.balances.cumulative),
            r=t.number(result.balances.redeemable),
        ),
        await offer_vouchers(turn, m.id, result.visit.id),
    )
    await notify_member(
        turn.session,
        turn.services,
        m,
        lambda t: thanks(t, turn, result),
        f"visit:{result.visit.id}",
    )
    await announce(turn, m, result.changes)


async def _advisor(turn: Turn) -> dict:
    user = turn.update.effective_user
    return {"advisor": user.full_name if user else None}


UI = forms.register(
    forms.FormUI(
        form=FORM,
        feature=FEATURE,
        prompts=PROMPTS,
        cancelled=N_("Cancelled; nothing was recorded."),
        done=recorded,
        permission=Permission.RECORD_VISIT,
        extra=_advisor,
        label=choice_label,
        columns={"category": 2},
        screens={"confirm": summary},
        cancel_on=frozenset({"confirm"}),
    )
)


@turn_handler
@staff_only(Permission.RECORD_VISIT)
async def on_visit(turn: Turn) -> None:
    ctx = await forms.context(turn, UI)
    if turn.args:
        outcome = await visit_form.quick(ctx, turn.args)
        if outcome.error:  # what was right is kept; the rest is asked step by step
            turn.reply(forms.error_message(turn, UI, outcome.error) + "\n" + turn._(USAGE))
            outcome.error = None
    else:
        outcome = await visit_form.begin(ctx, resume=True)
        if outcome.resumed:
            turn.reply(turn._("Let's continue where you left off."))
    await forms.show(turn, UI, outcome)


@turn_handler
@staff_only(Permission.RECORD_VISIT)
async def on_button(turn: Turn) -> None:
    cb = turn.callback  # visit:new:<member id>; other visit buttons are old or forged
    member_id = cb.id(0) if cb is not None and cb.action == "new" else None
    if member_id is None:
        turn.callback_notice = forms.error_message(turn, UI, "stale")
        return
    outcome = await visit_form.begin(await forms.context(turn, UI), member_id)
    await forms.show(turn, UI, outcome)


def thanks(t: Translator, turn: Turn, result: VisitResult) -> str:
    """The owner's message after a visit: what they earned, balances, way to the next tier."""
    policy, v = turn.store.policy, result.visit
    category = policy.category(v.category)
    lines = [
        t.gettext(
            "Thank you for visiting {store} on {date}: {category}, {amount}.",
            store=turn.store.name,
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
        forms.button_handler(FEATURE),
        CallbackQueryHandler(on_button, pattern=pattern(FEATURE)),
    ]
