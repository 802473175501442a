"""The owners' gift shop: /gifts as cards, one item per page, edited in place; a filter
for what they can afford, "tell me when it is back" for a sold-out item, and Redeem
(`handlers.gifts.redeem`: a confirmation with the cost and the balance after).

Buttons: `gift:page:<page>:<affordable 0|1>`, `gift:watch:<gift id>:<page>:<affordable>`
and Redeem's `gift:redeem:<gift id>:<cost shown>`. Nothing in them is trusted: the
member, the item, its store, its state and its price are looked up again on each press.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.gifts import catalog, watches
from bot.club.gifts.redeem import item
from bot.club.gifts.rules import Refusal, Shown, in_stock
from bot.i18n import N_
from bot.render.gift_image import placeholder
from handlers import photos
from handlers.callbacks import encode, pattern
from handlers.card import current_member
from handlers.common import Markup, Turn, inline, turn_handler
from handlers.gifts import redeem, texts
from handlers.gifts.texts import FEATURE

if TYPE_CHECKING:
    from db.models import Gift, Member

LAST_PAGE = 10_000  # a forged page number is clamped to the last item anyway
STALE = N_("That button is no longer active.")


def _why_not(turn: Turn, member: Member, shown: Shown) -> list[str]:
    """What the owner should know about taking this item now, beyond its own lines."""
    gift, why = shown.gift, shown.refusal
    if why is Refusal.TIER and gift.min_tier:
        tier = turn.store.policy.tier(gift.min_tier).name(turn.t.locale)
        return [turn._("🔒 Unlocks at {tier}.", tier=tier)]
    if why is Refusal.SOLD_OUT:
        if shown.watching:
            return [turn._("🔔 We will tell you when it is back.")]
        return []
    if why is Refusal.SHORT:
        short = gift.cost_points - member.redeemable_points
        return [turn._("You need {n} more points.", n=turn.t.number(short))]
    return []


def caption(turn: Turn, member: Member, shown: Shown) -> str:
    t = turn.t
    lines = texts.item_lines(t, turn.store.policy, shown.gift)
    lines += _why_not(turn, member, shown)
    lines += [
        "",
        turn._("Your redeemable points: {points}", points=t.number(member.redeemable_points)),
    ]
    return "\n".join(lines)


def keyboard(turn: Turn, shown: Shown, page: int, pages: int, affordable: bool) -> Markup:
    """◀ n/N ▶ (wrapping round), the item's action, and the filter toggle."""
    flag = int(affordable)
    rows: list[list[tuple[str, str]]] = []
    if pages > 1:
        rows.append(
            [
                ("◀", encode(FEATURE, "page", (page - 1) % pages, flag)),
                (f"{page + 1}/{pages}", encode(FEATURE, "page", page, flag)),
                ("▶", encode(FEATURE, "page", (page + 1) % pages, flag)),
            ]
        )
    gift = shown.gift
    if shown.refusal is None:
        rows.append([(turn._("Redeem"), encode(FEATURE, "redeem", gift.id, gift.cost_points))])
    elif shown.refusal is Refusal.SOLD_OUT and not shown.watching:
        watch = encode(FEATURE, "watch", gift.id, page, flag)
        rows.append([(turn._("🔔 Tell me when it is back"), watch)])
    if affordable:
        rows.append([(turn._("Show all gifts"), encode(FEATURE, "page", 0, 0))])
    else:
        rows.append([(turn._("Only what I can afford"), encode(FEATURE, "page", 0, 1))])
    return inline(rows)


def show_picture(turn: Turn, gift: Gift, text: str, markup: Markup) -> None:
    """The item's photo (a Telegram file_id) in place of the pressed card, else a drawn
    placeholder with its name (uploaded once, then sent by its file id)."""
    if gift.photo:
        turn.replace_photo(gift.photo, text, markup)
        return
    name = texts.name(turn.t, gift)
    key = photos.key_of("gift", gift.id, name)
    turn.reply_drawn(
        key, lambda: placeholder(gift.id, turn.t.locale, name), text, markup, replace=True
    )


async def show_page(turn: Turn, page: int, affordable: bool) -> None:
    """The catalog's card at `page` (clamped), in place of the pressed card if any."""
    member = await current_member(turn)
    if member is None:
        return
    store = turn.store
    shelf = await catalog.shelf(
        turn.session, store.policy, member, store.today(), affordable_only=affordable
    )
    if not shelf:
        _empty(turn, member, affordable)
        return
    page = min(page, len(shelf) - 1)
    shown = shelf[page]
    show_picture(
        turn,
        shown.gift,
        caption(turn, member, shown),
        keyboard(turn, shown, page, len(shelf), affordable),
    )


def _empty(turn: Turn, member: Member, affordable: bool) -> None:
    if not affordable:
        turn.reply(turn._("The catalog is empty for now; new gifts are on the way."))
        return
    n = turn.t.number(member.redeemable_points)
    turn.reply(
        turn._("Nothing in the catalog is within your {points} redeemable points yet.", points=n),
        inline([[(turn._("Show all gifts"), encode(FEATURE, "page", 0, 0))]]),
    )


@turn_handler
async def on_gifts(turn: Turn) -> None:
    await show_page(turn, 0, False)


def _flag(value: str | None) -> bool | None:
    return {"0": False, "1": True}.get(value or "")


@turn_handler
async def on_page(turn: Turn) -> None:
    cb = turn.callback  # gift:page:<page>:<affordable>
    page = cb.number(0) if cb is not None and len(cb.args) == 2 else None
    affordable = _flag(cb.arg(1)) if cb is not None else None
    if page is None or affordable is None:
        turn.callback_notice = turn._(STALE)
        return
    await show_page(turn, min(page, LAST_PAGE), affordable)


@turn_handler
async def on_watch(turn: Turn) -> None:
    cb = turn.callback  # gift:watch:<gift id>:<page>:<affordable>
    gift_id = cb.id(0) if cb is not None and len(cb.args) == 3 else None
    page, affordable = (cb.number(1), _flag(cb.arg(2))) if cb is not None else (None, None)
    if gift_id is None or page is None or affordable is None:
        turn.callback_notice = turn._(STALE)
        return
    member = await current_member(turn)
    if member is None:
        return
    gift = await item(turn.session, turn.store.id, gift_id)
    if gift is None:
        turn.callback_notice = texts.refusal_text(turn.t, Refusal.UNKNOWN)
        return
    if in_stock(gift):
        turn.callback_notice = turn._("Good news: it is in stock now.")
    elif await watches.watch(turn.session, turn.store.id, member.id, gift.id):
        turn.callback_notice = turn._("We will tell you once when it is back.")
    else:
        turn.callback_notice = turn._("You will hear from us when it is back.")
    await show_page(turn, min(page, LAST_PAGE), affordable)


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("gifts", on_gifts, filters=filters.ChatType.PRIVATE),
        *redeem.build_handlers(),
        CallbackQueryHandler(on_page, pattern=pattern(FEATURE, "page")),
        CallbackQueryHandler(on_watch, pattern=pattern(FEATURE, "watch")),
    ]
