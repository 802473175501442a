"""The redeem dialog: the owner sees the cost and the balance after, then confirms.

Declared to the form engine: its state is a row, so a double tap or a second device
pressing the same Confirm is stale (the engine holds the state before completing), the
Confirm survives a restart, and /cancel works as for every form. The price shown is the
price paid: if staff changed it meanwhile, the confirm is refused and asked again with
the new price.
"""

from __future__ import annotations

from typing import Any

from bot.club.forms import engine
from bot.club.forms.engine import Context, Form, Kind, Outcome, Rejected, Reply, Step
from bot.club.gifts.redeem import Redeemed, redeem
from bot.club.gifts.rules import GiftRefused, Refusal

FORM_NAME = "redeem"
CONFIRM = "ok"


async def _confirm(reply: Reply, ctx: Context) -> dict[str, Any]:
    if reply.value != CONFIRM:
        raise Rejected(engine.FormError.WRONG_KIND)
    return {"confirm": True}


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
    (
        Step(
            "confirm",
            _confirm,
            accepts=frozenset({Kind.CHOICE}),
            choices=lambda ctx: [CONFIRM],
            review=True,
        ),
    ),
    complete=_complete,
)


async def begin(ctx: Context, member_id: int, gift_id: int, cost: int) -> Outcome:
    """Open the confirmation of `gift_id` at the `cost` the owner is shown."""
    return await engine.begin(FORM, ctx, {"member": member_id, "gift": gift_id, "cost": cost})
