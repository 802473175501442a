"""The redeem dialog: the owner sees the cost and the balance after, then confirms.

Declared to the form engine: its state is a row, so a double tap or a second device
pressing the same Confirm is stale (the engine holds the state before completing), the
Confirm survives a restart, and /cancel works as for every form. The price shown is the
price paid: if staff changed it meanwhile, the confirm is refused and asked again with
the new price.
"""

from __future__ import annotations

from bot.club.forms import engine, steps
from bot.club.forms.engine import Context, Form, Outcome, Rejected
from bot.club.forms.steps import confirm_step
from bot.club.gifts.redeem import Redeemed, redeem
from bot.club.gifts.rules import GiftRefused, Refusal

FORM_NAME = "redeem"
CONFIRM = steps.CONFIRM


async def _complete(ctx: Context) -> Redeemed | GiftRefused:
    """Redeem; a changed price asks again at the new price, other refusals end the form
    (the result says why)."""
    data = ctx.data
    try:
        return await redeem(
            ctx.session,
            ctx.policy,
            ctx.store_id,
            int(data["member"]),
            int(data["gift"]),
            int(data["cost"]),
            str(data[engine.INSTANCE]),
            ctx.today,
            ctx.now,
        )
    except GiftRefused as refused:
        if refused.code is Refusal.PRICE_CHANGED and refused.gift is not None:
            data["cost"] = refused.gift.cost_points  # the summary shows the new price
            raise Rejected(refused.code, "confirm") from refused
        return refused


FORM = Form(
    FORM_NAME,
    (confirm_step(),),
    complete=_complete,
)


async def begin(ctx: Context, member_id: int, gift_id: int, cost: int) -> Outcome:
    """Open the confirmation of `gift_id` at the `cost` the owner is shown."""
    return await engine.begin(FORM, ctx, {"member": member_id, "gift": gift_id, "cost": cost})
