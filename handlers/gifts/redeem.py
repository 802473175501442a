"""Redeeming from the shop: the Redeem button opens the redeem form's confirmation
(the item, its cost, the balance now and after); Confirm gives the code and its QR to
show at the desk, and a post to the staff group in the same transaction.

The button is `gift:redeem:<gift id>:<cost shown>`; the member, the item and its price
are looked up again. The price confirmed is the price paid: a change between the card
and Redeem, or between the summary and Confirm, is said and confirmed afresh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.club.forms.engine import Outcome
from bot.club.gifts import form as redeem_form
from bot.club.gifts.redeem import Redeemed, item
from bot.club.gifts.rules import GiftRefused, Kind, Refusal, refusal
from bot.club.members.lookup import member_by_id
from bot.i18n import N_
from bot.messaging.notify import staff_notice
from handlers import forms
from handlers.callbacks import pattern
from handlers.card import current_member
from handlers.common import Turn, turn_handler
from handlers.gifts import mine, texts
from handlers.gifts.texts import FEATURE, REFUSALS

if TYPE_CHECKING:
    pass

STALE = N_("That button is no longer active.")


@turn_handler
async def on_redeem(turn: Turn) -> None:
    """Open the confirmation at the price the card showed; if it has changed since, say
    so and confirm at the new price."""
    cb = turn.callback  # gift:redeem:<gift id>:<cost>
    gift_id = cb.id(0) if cb is not None and len(cb.args) == 2 else None
    cost = cb.id(1) if cb is not None else None
    if gift_id is None or cost is None:
        turn.callback_notice = turn._(STALE)
        return
    member = await current_member(turn)
    if member is None:
        return
    store = turn.store
    gift = await item(turn.session, store.id, gift_id)
    why = (
        refusal(store.policy, gift, member.tier_code, member.redeemable_points, store.today())
        if gift is not None
        else Refusal.UNKNOWN
    )
    if gift is None or why is not None:
        turn.reply(texts.refusal_text(turn.t, why or Refusal.UNKNOWN), mine.see_gifts(turn))
        return
    if gift.cost_points != cost:
        turn.reply(texts.refusal_text(turn.t, Refusal.PRICE_CHANGED))
    ctx = await forms.context(turn, UI)
    outcome = await redeem_form.begin(ctx, member.id, gift.id, gift.cost_points)
    await forms.show(turn, UI, outcome)


async def summary(turn: Turn, outcome: Outcome) -> str:
    """The confirmation: the item, its cost, and the balance now and after."""
    t, data = turn.t, outcome.data
    gift = await item(turn.session, turn.store.id, int(data["gift"]))
    member = await member_by_id(turn.session, turn.store.id, int(data["member"]))
    if gift is None or member is None:
        return texts.refusal_text(t, Refusal.UNKNOWN)
    cost, balance = int(data["cost"]), member.redeemable_points
    lines = [turn._("Redeem this?"), texts.name(t, gift)]
    if gift.kind == Kind.VOUCHER:
        lines.append(texts.voucher_terms(t, gift.face_value_fen, gift.min_spend_fen))
    lines += [
        turn._("Cost: {points} points", points=t.number(cost)),
        turn._(
            "Your redeemable points: {now} now, {after} after",
            now=t.number(balance),
            after=t.number(balance - cost),
        ),
    ]
    if balance < cost:
        lines.append(texts.refusal_text(t, Refusal.SHORT))
    return "\n".join(lines)


async def redeemed(turn: Turn, outcome: Outcome) -> None:
    """Done: the code and its QR to show at the desk, and a word to the staff group; or
    why not, with the way back to the catalog."""
    result = outcome.result
    if isinstance(result, GiftRefused):
        turn.reply(texts.refusal_text(turn.t, result.code), mine.see_gifts(turn))
        return
    assert isinstance(result, Redeemed)
    redemption = result.redemption
    lead = [] if result.again else [turn._("Done! Your redemption is ready.")]
    balance = turn.t.number(result.balances.redeemable)
    left = turn._("Redeemable points left: {points}", points=balance)
    mine.send_code(turn, redemption, lead, [left])
    if result.again:
        return
    member = await member_by_id(turn.session, turn.store.id, redemption.member_id)
    who = member.name if member is not None else ""
    await staff_notice(
        turn.session,
        turn.services,
        lambda t: t.gettext(
            "New redemption: {item} for {member}, code {code}",
            item=texts.name(t, redemption),
            member=who,
            code=redemption.code,
        ),
        turn.store,
    )


UI = forms.register(
    forms.FormUI(
        form=redeem_form.FORM,
        feature=texts.REDEEM_FEATURE,
        prompts={},
        cancelled=N_("Cancelled; no points were spent."),
        done=redeemed,
        errors={Refusal.PRICE_CHANGED: REFUSALS[Refusal.PRICE_CHANGED]},
        label=lambda turn, step, value: turn._("Confirm"),
        screens={"confirm": summary},
        cancel_on=frozenset({"confirm"}),
    )
)


def build_handlers() -> list[BaseHandler]:
    return [
        forms.button_handler(texts.REDEEM_FEATURE),
        CallbackQueryHandler(on_redeem, pattern=pattern(FEATURE, "redeem")),
    ]
