"""The catalog's dialogs: add an item step by step, edit one field, restock.

Declared to the form engine. The edit form asks the add form's own steps
(`manage_steps`: the same parser, choices and skip rule), only the one chosen; the
restock form's "set to N" is the add form's stock step. A skipped answer in an edit
clears the field. Nothing is written before the manager confirms (a restock needs no
confirm: it is one number).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.club.common.numbers import parse_whole
from bot.club.forms import engine
from bot.club.forms.engine import Context, Form, Kind, Outcome, Rejected, Reply, Step
from bot.club.gifts import manage
from bot.club.gifts.manage import Changed, ManageRefused
from bot.club.gifts.manage_steps import (
    BOTH,
    BY_NAME,
    CHOICE,
    CONFIRM_STEP,
    STEPS,
    UNLIMITED,
    VOUCHER_STEPS,
    columns,
)
from bot.club.gifts.rules import Kind as ItemKind
from db.models import Gift

ADD, EDIT, RESTOCK = "gift_add", "gift_edit", "gift_restock"
# What an edit may change, in the order the buttons show them.
EDITABLE = ("name_zh", "name_en", "desc_zh", "desc_en", "photo", "cost", "limit", "tier")
EDITABLE += ("from", "until", *VOUCHER_STEPS)


async def _add(ctx: Context) -> Gift:
    data = ctx.data
    fields = {k: v for k, v in data.items() if k in BY_NAME}
    values = {"kind": data["kind"], "names": {}, "descriptions": {}, **columns(fields)}
    return await manage.add(ctx.session, ctx.store_id, ctx.user_id, values, ctx.now)


ADD_FORM = Form(ADD, (*STEPS, CONFIRM_STEP), complete=_add)


def fields_for(kind: str) -> list[str]:
    voucher = kind == ItemKind.VOUCHER
    return [f for f in EDITABLE if voucher or f not in VOUCHER_STEPS]


async def _field(reply: Reply, ctx: Context) -> dict[str, Any]:
    if reply.value not in fields_for(str(ctx.data.get("kind"))):
        raise Rejected(engine.FormError.WRONG_KIND)
    return {"field": reply.value}


def _asked(name: str) -> Any:
    if name == "limit_days":  # a new limit asks its period too
        return lambda data: data.get("field") == "limit" and bool(data.get("limit"))
    return lambda data: data.get("field") == name


async def _edit(ctx: Context) -> Changed | ManageRefused:
    data = ctx.data
    chosen = {k: data[k] for k in (data["field"], "limit_days") if k in data}
    values = columns(chosen, data.get("was"))
    try:
        return await manage.edit(
            ctx.session, ctx.store_id, ctx.user_id, int(data["gift"]), values, ctx.now
        )
    except ManageRefused as refused:
        return refused


EDIT_FORM = Form(
    EDIT,
    (
        Step("field", _field, accepts=CHOICE, choices=lambda ctx: fields_for(ctx.data["kind"])),
        *(replace(step, applies=_asked(step.name)) for step in STEPS if step.name != "stock"),
        CONFIRM_STEP,
    ),
    complete=_edit,
)


async def _restock(reply: Reply, ctx: Context) -> dict[str, Any]:
    """'+N' adds N; 'N' (or Unlimited) is the add form's stock step."""
    text = (reply.value or "").strip()
    if reply.kind is Kind.TEXT and text.startswith("+"):
        added = parse_whole(text[1:], minimum=1, maximum=10**9)
        if added is None:
            raise Rejected("stock_invalid")
        return {"add": added}
    return await BY_NAME["stock"].parse(reply, ctx)


async def _restocked(ctx: Context) -> Changed | ManageRefused:
    data, gift_id = ctx.data, int(ctx.data["gift"])
    try:
        if data.get("add"):
            return await manage.restock(
                ctx.session, ctx.store_id, ctx.user_id, gift_id, ctx.now, add=data["add"]
            )
        return await manage.restock(
            ctx.session, ctx.store_id, ctx.user_id, gift_id, ctx.now, stock=data["stock"]
        )
    except ManageRefused as refused:
        return refused


RESTOCK_FORM = Form(
    RESTOCK,
    (Step("stock", _restock, accepts=BOTH, choices=lambda ctx: [UNLIMITED]),),
    complete=_restocked,
)


async def begin_add(ctx: Context, kind: str) -> Outcome:
    return await engine.begin(ADD_FORM, ctx, {"kind": kind})


def _was(gift: Gift) -> dict[str, Any]:
    return {
        "names": dict(gift.names or {}),
        "descriptions": dict(gift.descriptions or {}),
        "from": gift.available_from.isoformat() if gift.available_from else None,
        "until": gift.available_until.isoformat() if gift.available_until else None,
    }


async def begin_edit(ctx: Context, gift: Gift) -> Outcome:
    preset = {"gift": gift.id, "kind": gift.kind, "was": _was(gift)}
    return await engine.begin(EDIT_FORM, ctx, preset)


async def begin_restock(ctx: Context, gift: Gift) -> Outcome:
    return await engine.begin(RESTOCK_FORM, ctx, {"gift": gift.id})
