"""/catalog: managers see every item of the store and add, edit, pause, resume, retire
and restock them in chat. Who may is the policy's [gifts].manage_roles.

Buttons are `cat:<action>:<item id>`; each press re-reads the item in the turn's store
(a button of another store's item, or of an item retired since, is refused), and every
change is one conditional UPDATE in `bot.club.gifts.manage`.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.gifts import manage, manage_form
from bot.club.gifts.manage import ManageRefused, Refused
from bot.club.gifts.rules import ItemStatus, Kind
from bot.club.staff.roles import Permission
from handlers import forms
from handlers.callbacks import encode, pattern
from handlers.common import Turn, inline, staff_only, turn_handler
from handlers.gifts.catalog_forms import (
    ADD_UI,
    EDIT_UI,
    RESTOCK_UI,
    card_keyboard,
    card_text,
    refused_text,
    tell_waiting,
)
from handlers.gifts.texts import CATALOG_FEATURE, name

FEATURE = CATALOG_FEATURE
ACTIONS = ("add", "edit", "pause", "resume", "retire", "retireok", "restock", "show")


def _add_buttons(turn: Turn) -> list[list[tuple[str, str]]]:
    return [
        [
            (turn._("Add a gift"), encode(FEATURE, "add", Kind.GIFT)),
            (turn._("Add a voucher"), encode(FEATURE, "add", Kind.VOUCHER)),
        ]
    ]


@turn_handler
@staff_only(Permission.MANAGE_CATALOG)
async def on_catalog(turn: Turn) -> None:
    """One card per item still in use, then the retired ones in a line, then Add."""
    gifts = await manage.items(turn.session, turn.store.id)
    retired = [g for g in gifts if g.status == ItemStatus.RETIRED]
    for gift in gifts:
        if gift.status != ItemStatus.RETIRED:
            turn.reply(card_text(turn, gift), card_keyboard(turn, gift))
    lines = [
        turn.t.ngettext(
            "The catalog has {n} item.", "The catalog has {n} items.", len(gifts), n=len(gifts)
        )
    ]
    if retired:
        listed = ", ".join(f"#{g.id} {name(turn.t, g)}" for g in retired)
        lines.append(turn._("Retired: {items}", items=listed))
    turn.reply("\n".join(lines), inline(_add_buttons(turn)))


async def _add(turn: Turn, kind: str | None) -> None:
    if kind not in (Kind.GIFT, Kind.VOUCHER):
        turn.callback_notice = forms.error_message(turn, ADD_UI, "stale")
        return
    outcome = await manage_form.begin_add(await forms.context(turn, ADD_UI), kind)
    await forms.show(turn, ADD_UI, outcome)


async def _retire_asked(turn: Turn, gift_id: int) -> None:
    gift = await manage.editable(turn.session, turn.store.id, gift_id)
    buttons = [
        [
            (turn._("Yes, retire it"), encode(FEATURE, "retireok", gift.id)),
            (turn._("Keep it"), encode(FEATURE, "show", gift.id)),
        ]
    ]
    question = turn._(
        "Retire {name}? Owners will no longer see it, and it cannot be brought back. "
        "Redemptions already made stay valid.",
        name=name(turn.t, gift),
    )
    turn.replace(question, inline(buttons))


async def _act(turn: Turn, action: str, gift_id: int) -> None:
    """One button's change (or dialog) for the store's item `gift_id`."""
    session, store_id, user, now = turn.session, turn.store.id, turn.user_id, turn.store.now()
    if action == "edit":
        gift = await manage.editable(session, store_id, gift_id)
        outcome = await manage_form.begin_edit(await forms.context(turn, EDIT_UI), gift)
        await forms.show(turn, EDIT_UI, outcome)
    elif action == "restock":
        gift = await manage.editable(session, store_id, gift_id)
        outcome = await manage_form.begin_restock(await forms.context(turn, RESTOCK_UI), gift)
        await forms.show(turn, RESTOCK_UI, outcome)
    elif action == "retire":
        await _retire_asked(turn, gift_id)
    elif action == "show":
        gift = await manage.editable(session, store_id, gift_id)
        turn.replace(card_text(turn, gift), card_keyboard(turn, gift))
    else:
        change = {"pause": manage.pause, "resume": manage.resume, "retireok": manage.retire}
        changed = await change[action](session, store_id, user, gift_id, now)
        told = await tell_waiting(turn, changed)
        turn.replace(card_text(turn, changed.gift) + told, card_keyboard(turn, changed.gift))


@turn_handler
@staff_only(Permission.MANAGE_CATALOG)
async def on_button(turn: Turn) -> None:
    cb = turn.callback
    if cb is None or cb.action not in ACTIONS:
        turn.callback_notice = forms.error_message(turn, ADD_UI, "stale")
        return
    if cb.action == "add":
        await _add(turn, cb.arg(0))
        return
    gift_id = cb.id(0)
    if gift_id is None:
        turn.callback_notice = refused_text(turn, Refused.UNKNOWN)
        return
    try:
        await _act(turn, cb.action, gift_id)
    except ManageRefused as refused:
        turn.callback_notice = refused_text(turn, refused.code)
        if refused.gift is not None:  # show the item as it is now
            turn.replace(card_text(turn, refused.gift), card_keyboard(turn, refused.gift))


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("catalog", on_catalog, filters=filters.ChatType.PRIVATE),
        forms.button_handler(FEATURE),
        CallbackQueryHandler(on_button, pattern=pattern(FEATURE, *ACTIONS)),
    ]
