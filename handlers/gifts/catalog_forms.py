"""How the catalog's dialogs look in chat: adding an item, editing a field, restocking;
and the staff card of an item, which /catalog and each dialog's end show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.club.forms.engine import Outcome
from bot.club.gifts import manage
from bot.club.gifts.manage import Changed, ManageRefused, Refused
from bot.club.gifts.manage_form import ADD_FORM, EDIT_FORM, RESTOCK_FORM
from bot.club.gifts.manage_steps import BY_NAME, columns
from bot.club.gifts.redeem import item
from bot.club.gifts.rules import ItemStatus, Kind
from bot.club.staff.roles import Permission
from bot.i18n import N_
from bot.messaging.gift_notices import notify_restock
from handlers import forms
from handlers.callbacks import encode
from handlers.common import Markup, Turn, inline
from handlers.gifts.texts import CATALOG_FEATURE, item_lines

if TYPE_CHECKING:
    from db.models import Gift

PROMPTS = {
    "name_zh": N_("The name in Chinese (简体中文), up to 60 characters?"),
    "name_en": N_("The name in English?"),
    "desc_zh": N_("A short description in Chinese? You may skip this."),
    "desc_en": N_("The description in English? You may skip this."),
    "photo": N_("Send a photo of it, or skip."),
    "cost": N_("How many redeemable points does it cost?"),
    "stock": N_("How many are in stock? Send a number, or choose Unlimited."),
    "limit": N_("How many times may one owner redeem it per period? Send 0 or skip for no limit."),
    "limit_days": N_("That limit applies over how many days?"),
    "tier": N_("The lowest tier that may redeem it?"),
    "from": N_("On offer from which date (e.g. 2026-06-01)? Skip to offer it now."),
    "until": N_("On offer until which date? Skip for no end date."),
    "face": N_("The voucher's face value in yuan (e.g. 100)?"),
    "min_spend": N_("The minimum bill it can be used on, in yuan? Skip for none."),
    "valid_days": N_("For how many days after redeeming can it be used?"),
    "field": N_("What do you want to change?"),
}
RESTOCK_PROMPTS = {
    "stock": N_(
        "Restock: send +N to add N units, a number to set the stock to it, or choose Unlimited."
    )
}
ERRORS = {
    "name_length": N_("Please send a name of 1 to 60 characters."),
    "description_length": N_("Please send a description of up to 500 characters."),
    "cost_invalid": N_("Please send the cost as a whole number of points above 0, e.g. 5000."),
    "stock_invalid": N_("Please send the stock as a whole number, e.g. 20 (or +5 to add)."),
    "limit_invalid": N_("Please send a whole number, e.g. 1; 0 means no limit."),
    "days_invalid": N_("Please send a whole number of days above 0, e.g. 365."),
    "until_before_from": N_("The last day cannot be before the first day."),
    "from_after_until": N_("The first day cannot be after the last day."),
    "until_past": N_("That date has already passed."),
    "face_invalid": N_("Please send an amount above zero, e.g. 100."),
}
FIELDS = {
    "name_zh": N_("Name (Chinese)"),
    "name_en": N_("Name (English)"),
    "desc_zh": N_("Description (Chinese)"),
    "desc_en": N_("Description (English)"),
    "photo": N_("Photo"),
    "cost": N_("Points cost"),
    "limit": N_("Limit per owner"),
    "tier": N_("Lowest tier"),
    "from": N_("On offer from"),
    "until": N_("On offer until"),
    "face": N_("Face value"),
    "min_spend": N_("Minimum bill"),
    "valid_days": N_("Days valid"),
}
STATUS = {
    ItemStatus.ACTIVE: N_("on offer"),
    ItemStatus.PAUSED: N_("paused"),
    ItemStatus.RETIRED: N_("retired"),
}
REFUSED = {
    Refused.UNKNOWN: N_("That item is not in this store's catalog."),
    Refused.RETIRED: N_("That item is retired; it can no longer be changed."),
    Refused.CHANGED: N_("That item changed meanwhile; here it is as it is now."),
}
SKIPS = {
    "desc_zh": N_("No description"),
    "desc_en": N_("No description"),
    "photo": N_("No photo"),
    "limit": N_("No limit"),
    "from": N_("Right away"),
    "until": N_("No end date"),
    "min_spend": N_("No minimum"),
}


def refused_text(turn: Turn, code: str) -> str:
    return turn._(REFUSED.get(code, REFUSED[Refused.UNKNOWN]))


def card_text(turn: Turn, gift: Gift) -> str:
    """What staff see of an item: its number and status, then what owners see, then
    its dates and limit."""
    t = turn.t
    kind = turn._("voucher") if gift.kind == Kind.VOUCHER else turn._("gift")
    status = turn._(STATUS.get(gift.status, STATUS[ItemStatus.RETIRED]))
    lines = [f"#{gift.id} · {kind} · {status}", *item_lines(t, turn.store.policy, gift)]
    if gift.available_from or gift.available_until:
        lines.append(
            turn._(
                "On offer: {start} – {end}",
                start=t.date(gift.available_from),
                end=t.date(gift.available_until),
            )
        )
    if gift.per_member_limit:
        lines.append(
            turn._(
                "Limit: {n} per owner every {days} days",
                n=t.number(gift.per_member_limit),
                days=t.number(gift.limit_days or 0),
            )
            if gift.limit_days
            else turn._("Limit: {n} per owner", n=t.number(gift.per_member_limit))
        )
    return "\n".join(lines)


def card_keyboard(turn: Turn, gift: Gift) -> Markup | None:
    """Edit, pause or resume, restock, retire: none for a retired item."""
    if gift.status == ItemStatus.RETIRED:
        return None
    feature, gift_id = CATALOG_FEATURE, gift.id
    paused = gift.status == ItemStatus.PAUSED
    toggle = (turn._("Resume"), encode(feature, "resume", gift_id)) if paused else None
    toggle = toggle or (turn._("Pause"), encode(feature, "pause", gift_id))
    return inline(
        [
            [(turn._("Edit"), encode(feature, "edit", gift_id)), toggle],
            [
                (turn._("Restock"), encode(feature, "restock", gift_id)),
                (turn._("Retire"), encode(feature, "retire", gift_id)),
            ],
        ]
    )


async def tell_waiting(turn: Turn, changed: Changed) -> str:
    """Those waiting for the item hear it is back, in this turn's transaction; the line
    that says how many were told (or nothing)."""
    if not changed.back:
        return ""
    told = await notify_restock(turn.session, turn.services, changed.gift)
    if not told:
        return ""
    return "\n" + turn.t.ngettext(
        "{n} owner waiting for it is being told.",
        "{n} owners waiting for it are being told.",
        told,
        n=turn.t.number(told),
    )


def choice_label(turn: Turn, step: str, value: str) -> str:
    if step == "stock":
        return turn._("Unlimited")
    if step == "limit":
        return turn._("{n} (default)", n=value)
    if step == "limit_days":
        return turn._("{n} days (default)", n=value)
    if step == "tier":
        return forms.tier_label(turn, value)
    if step == "field":
        return turn.label(FIELDS, value) if value in FIELDS else value
    return turn._("Confirm")


async def _show(turn: Turn, gift: Gift, question: str) -> str:
    text = card_text(turn, gift)
    if gift.photo:
        turn.reply_photo(gift.photo, text)
        return question
    return text + "\n\n" + question


async def add_summary(turn: Turn, outcome: Outcome) -> str:
    data = outcome.data
    fields = {k: v for k, v in data.items() if k in BY_NAME}
    values = {"kind": data["kind"], "names": {}, "descriptions": {}, **columns(fields)}
    gift = manage.preview(None, values)
    return await _show(turn, gift, turn._("Add this to the catalog?"))


async def edit_summary(turn: Turn, outcome: Outcome) -> str:
    data = outcome.data
    gift = await item(turn.session, turn.store.id, int(data["gift"]))
    if gift is None:
        return refused_text(turn, Refused.UNKNOWN)
    chosen = {k: data[k] for k in (data["field"], "limit_days") if k in data}
    shown = manage.preview(gift, columns(chosen, data.get("was")))
    return await _show(turn, shown, turn._("Save this change?"))


async def added(turn: Turn, outcome: Outcome) -> None:
    gift: Gift = outcome.result
    turn.replace(turn._("Added to the catalog. Owners see it in /gifts."))
    turn.reply(card_text(turn, gift), card_keyboard(turn, gift))


async def changed(turn: Turn, outcome: Outcome) -> None:
    result: Changed | ManageRefused = outcome.result
    if isinstance(result, ManageRefused):
        turn.replace(refused_text(turn, result.code))
        return
    told = await tell_waiting(turn, result)
    done = turn._("Restocked.") if outcome.form is RESTOCK_FORM else turn._("Saved.")
    turn.replace(done + told)
    turn.reply(card_text(turn, result.gift), card_keyboard(turn, result.gift))


def _ui(form: Any, prompts: dict[str, str], done: Any, **more: Any) -> forms.FormUI:
    return forms.register(
        forms.FormUI(
            form=form,
            feature=CATALOG_FEATURE,
            prompts=prompts,
            cancelled=N_("Cancelled; the catalog was not changed."),
            done=done,
            errors=ERRORS,
            permission=Permission.MANAGE_CATALOG,
            label=choice_label,
            skip_labels=SKIPS,
            columns={"tier": 2, "field": 2},
            cancel_on=more.pop("cancel_on", frozenset({"confirm", "field"})),
            **more,
        )
    )


ADD_UI = _ui(ADD_FORM, PROMPTS, added, numbered=True, screens={"confirm": add_summary})
EDIT_UI = _ui(EDIT_FORM, PROMPTS, changed, screens={"confirm": edit_summary})
RESTOCK_UI = _ui(RESTOCK_FORM, RESTOCK_PROMPTS, changed, cancel_on=frozenset({"stock"}))
