"""/mygifts: an owner's redemptions and vouchers, newest first, paged in place; the code
of a waiting one shown again as a QR; cancelling one not yet collected, after a
confirmation, gives its points and its unit back.

Buttons: `gift:mine:<page>`, `gift:qr:<redemption id>`, `gift:cancel:<id>:<page>` (asks),
`gift:cancel:<id>:<page>:y` (does it), `gift:uncancel:<page>` (keeps it). Whose the
redemption is and whether it still waits are checked again on every press.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.common.numbers import page_count
from bot.club.gifts import mine as owned
from bot.club.gifts import refunds
from bot.club.gifts.redeem import item
from bot.club.gifts.rules import Kind, Status
from bot.i18n import N_
from bot.messaging.gift_notices import notify_restock
from bot.render.gift_image import redemption_qr
from handlers import photos
from handlers.callbacks import encode, pattern
from handlers.card import current_member
from handlers.common import Markup, Turn, inline, turn_handler
from handlers.gifts import texts
from handlers.gifts.texts import DEEP_LINK_PREFIX, FEATURE
from handlers.paging import page_row

if TYPE_CHECKING:
    from db.models import Member, Redemption

PAGE = 5
LAST_PAGE = 10_000
YES = "y"
STALE = N_("That button is no longer active.")
NOT_YOURS = N_("That is not one of your gifts.")
CLOSED = {
    (Kind.GIFT, Status.COLLECTED): N_("This gift was already collected; it cannot be cancelled."),
    (Kind.VOUCHER, Status.COLLECTED): N_("This voucher was already used; it cannot be cancelled."),
    (Kind.GIFT, Status.CANCELLED): N_("This was already cancelled."),
    (Kind.VOUCHER, Status.CANCELLED): N_("This was already cancelled."),
    (Kind.GIFT, Status.EXPIRED): N_("This has expired."),
    (Kind.VOUCHER, Status.EXPIRED): N_("This has expired."),
}


def see_gifts(turn: Turn) -> Markup:
    """The one button to the catalog's first page."""
    return inline([[(turn._("See other gifts"), encode(FEATURE, "page", 0, 0))]])


def code_link(turn: Turn, code: str) -> str:
    """The deep link in a redemption's QR: scanned at the desk, it opens the redemption."""
    return f"https://t.me/{turn.services.bot_username}?start={DEEP_LINK_PREFIX}{code}"


def send_code(
    turn: Turn, redemption: Redemption, lead: Sequence[str] = (), tail: Sequence[str] = ()
) -> None:
    """The redemption's QR code (the code printed large under it) with its lines and
    where to show it."""
    hint = (
        turn._("Show this when you pay at your next visit.")
        if redemption.kind == Kind.VOUCHER
        else turn._("Show this at the service desk.")
    )
    lines = [*lead, *texts.redemption_lines(turn.t, redemption), hint, *tail]
    link = code_link(turn, redemption.code)
    key = photos.key_of("redemption", link)
    turn.reply_drawn(key, lambda: redemption_qr(link, redemption.code), "\n".join(lines))


def _where(turn: Turn, redemption: Redemption) -> str | None:
    if redemption.collected_store_id is None:
        return None
    return turn.services.store(redemption.collected_store_id).name


def closed_text(turn: Turn, redemption: Redemption) -> str:
    """Why a redemption can no longer be cancelled or shown."""
    return turn._(CLOSED.get((redemption.kind, redemption.status), STALE))


async def show_list(turn: Turn, page: int, lead: Sequence[str] = ()) -> None:
    member = await current_member(turn)
    if member is None:
        return
    rows, total = await owned.page(turn.session, member.id, page * PAGE, PAGE)
    pages = page_count(total, PAGE)
    if total and not rows:  # past the end (a forged page, or fewer since): the last one
        page = pages - 1
        rows, total = await owned.page(turn.session, member.id, page * PAGE, PAGE)
    if not total:
        text = turn._("You have not redeemed anything yet. See what your points can buy:")
        turn.replace("\n\n".join([*lead, text]), see_gifts(turn))
        return
    parts = [*lead, turn._("Your gifts and vouchers ({page}/{pages}):", page=page + 1, pages=pages)]
    buttons: list[list[tuple[str, str]]] = []
    for n, redemption in enumerate(rows, start=page * PAGE + 1):
        lines = texts.redemption_lines(turn.t, redemption, _where(turn, redemption))
        parts.append(f"{n}. " + "\n".join(lines))
        if redemption.status == Status.WAITING:
            buttons.append(
                [
                    (turn._("Show code {n}", n=n), encode(FEATURE, "qr", redemption.id)),
                    (turn._("Cancel {n}", n=n), encode(FEATURE, "cancel", redemption.id, page)),
                ]
            )
    nav = page_row(
        page, pages, turn._("◀ Newer"), turn._("Older ▶"), lambda n: encode(FEATURE, "mine", n)
    )
    buttons += [nav] if nav else []
    turn.replace("\n\n".join(parts), inline(buttons) if buttons else None)


@turn_handler
async def on_mygifts(turn: Turn) -> None:
    await show_list(turn, 0)


@turn_handler
async def on_page(turn: Turn) -> None:
    cb = turn.callback  # gift:mine:<page> or gift:uncancel:<page>
    page = cb.number(0) if cb is not None and len(cb.args) == 1 else None
    if page is None:
        turn.callback_notice = turn._(STALE)
        return
    await show_list(turn, min(page, LAST_PAGE))


async def _own(turn: Turn, redemption_id: int | None) -> tuple[Member, Redemption] | None:
    """The member and their redemption `redemption_id`; None (having said why) if not."""
    member = await current_member(turn)
    if member is None:
        return None
    found = await owned.own(turn.session, member.id, redemption_id) if redemption_id else None
    if found is None:
        turn.callback_notice = turn._(NOT_YOURS)
        return None
    return member, found


@turn_handler
async def on_code(turn: Turn) -> None:
    cb = turn.callback  # gift:qr:<redemption id>
    if cb is None or len(cb.args) != 1:
        turn.callback_notice = turn._(STALE)
        return
    mine = await _own(turn, cb.id(0))
    if mine is None:
        return
    redemption = mine[1]
    if redemption.status != Status.WAITING:
        turn.callback_notice = closed_text(turn, redemption)
        return
    send_code(turn, redemption)


@turn_handler
async def on_cancel(turn: Turn) -> None:
    cb = turn.callback  # gift:cancel:<id>:<page>[:y]
    shape = cb is not None and len(cb.args) in (2, 3)
    page = cb.number(1) if cb is not None and shape else None
    if cb is None or page is None or (len(cb.args) == 3 and cb.arg(2) != YES):
        turn.callback_notice = turn._(STALE)
        return
    mine = await _own(turn, cb.id(0))
    if mine is None:
        return
    member, redemption = mine
    page = min(page, LAST_PAGE)
    if redemption.status != Status.WAITING:
        await show_list(turn, page, [closed_text(turn, redemption)])
    elif len(cb.args) == 2:
        _ask(turn, redemption, page)
    else:
        await _give_back(turn, member, redemption, page)


def _ask(turn: Turn, redemption: Redemption, page: int) -> None:
    points = turn.t.number(redemption.cost_points)
    question = turn._(
        "Cancel {item} and get {points} points back?",
        item=texts.name(turn.t, redemption),
        points=points,
    )
    yes = encode(FEATURE, "cancel", redemption.id, page, YES)
    keep = encode(FEATURE, "uncancel", page)
    buttons = [[(turn._("Yes, cancel it"), yes), (turn._("No, keep it"), keep)]]
    turn.replace(question, inline(buttons))


async def _give_back(turn: Turn, member: Member, redemption: Redemption, page: int) -> None:
    given = await refunds.give_back(
        turn.session, redemption.id, Status.CANCELLED, turn.store.now(), member_id=member.id
    )
    if given is None:  # collected or cancelled a moment ago, elsewhere
        again = await owned.own(turn.session, member.id, redemption.id)
        await show_list(turn, page, [closed_text(turn, again) if again else turn._(STALE)])
        return
    if given.restocked:
        gift = await item(turn.session, turn.store.id, redemption.gift_id)
        if gift is not None:
            await notify_restock(turn.session, turn.services, gift)
    t = turn.t
    balance = given.balances.redeemable if given.balances else member.redeemable_points
    done = turn._(
        "Cancelled: {item}. {points} points are back; your redeemable points: {balance}.",
        item=texts.name(t, given.redemption),
        points=t.number(given.points),
        balance=t.number(balance),
    )
    await show_list(turn, page, [done])


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("mygifts", on_mygifts, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(on_page, pattern=pattern(FEATURE, "mine", "uncancel")),
        CallbackQueryHandler(on_cancel, pattern=pattern(FEATURE, "cancel")),
        CallbackQueryHandler(on_code, pattern=pattern(FEATURE, "qr")),
    ]
