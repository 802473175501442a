"""The staff desk in chat: a scanned or typed redemption code, "Hand over", vouchers used
on a visit, /redemptions and its XLSX exports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.gifts import desk, export
from bot.club.gifts.desk import DeskRefusal, Done
from bot.club.gifts.rules import Kind, Status
from bot.club.members import join
from bot.club.members.lookup import member_by_id
from bot.club.staff import audit, names
from bot.club.staff.roles import Permission
from bot.i18n import N_
from bot.messaging.notify import notify_member
from handlers.callbacks import encode, pattern
from handlers.common import Markup, Turn, inline, staff_only, turn_handler
from handlers.gifts import desk_texts as words
from handlers.gifts import texts
from handlers.gifts.texts import FEATURE
from handlers.texts import who

if TYPE_CHECKING:
    from db.models import Member, Redemption

USAGE = N_("Usage: /fulfil <code> [repair order number]")


def clerk(turn: Turn) -> desk.Clerk:
    store = turn.store
    return desk.Clerk(store.id, turn.user_id, turn.user_name, store.today(), store.now())


async def _by(turn: Turn, redemption: Redemption) -> str:
    name = redemption.collected_by_name or await names.staff_name(
        turn.session, turn.store.id, redemption.collected_by
    )
    return who(turn.t, redemption.collected_by, name, turn.user_id)


async def _view(turn: Turn, redemption: Redemption, member: Member | None) -> tuple[str, Markup]:
    text = words.desk_view(turn.t, redemption, member, await _by(turn, redemption))
    markup = None
    if redemption.status == Status.WAITING and redemption.kind == Kind.GIFT:
        markup = inline([[(turn._("Hand over"), encode(FEATURE, "hand", redemption.id))]])
    return text, markup


async def _owners_own(turn: Turn, text: str) -> None:
    """Not staff: an owner sees their own redemption; anyone else is told it is for staff."""
    found = await desk.by_code(turn.session, turn.store.id, text)
    member = await join.member_of_chat(turn.session, turn.store.id, turn.user_id)
    r = found.redemption
    if r is None or member is None or r.member_id != member.id:
        turn.reply(turn._(words.FOR_STAFF))
        return
    lines = texts.redemption_lines(turn.t, r)
    if r.status == Status.WAITING:
        lines.append(turn._(words.OWN_CODE))
    turn.reply("\n".join(lines))


async def open_code(turn: Turn, text: str, order_no: str | None = None) -> None:
    """A redemption code scanned (/start g_<code>) or typed (/fulfil <code> [order no])."""
    if not await turn.may(Permission.FULFIL):
        await _owners_own(turn, text)
        return
    found = await desk.open_for_staff(turn.session, turn.store.id, turn.user_id, text)
    if found.redemption is None:
        turn.reply(words.refusal_text(turn.t, found.refusal or DeskRefusal.UNKNOWN))
        return
    if order_no:
        outcome = await desk.use_voucher(
            turn.session, clerk(turn), found.redemption.id, order_no=order_no
        )
        await _show(turn, outcome, found.member)
        return
    turn.reply(*await _view(turn, found.redemption, found.member))


async def _show(turn: Turn, outcome: Done, member: Member | None = None) -> None:
    """What a hand-over or a voucher use did: done (and the owner told), or why not."""
    r = outcome.redemption
    if r is None:
        turn.callback_notice = words.refusal_text(turn.t, DeskRefusal.UNKNOWN)
        turn.reply(turn.callback_notice)
        return
    member = member or await member_by_id(turn.session, turn.store.id, r.member_id)
    if outcome.done:
        if member is not None:
            await notify_member(
                turn.session,
                turn.services,
                member,
                lambda t: words.owner_notice(t, r, turn.store.name),
                f"collected:{r.id}",
            )
        voucher = r.kind == Kind.VOUCHER
        head = turn._("Done: used on this visit.") if voucher else turn._("Handed over.")
    else:
        amount = turn.t.money(outcome.visit.amount_fen) if outcome.visit else "—"
        head = words.refusal_text(turn.t, outcome.refusal or DeskRefusal.UNKNOWN, r, amount=amount)
        turn.callback_notice = head[:190]
    text, markup = await _view(turn, r, member)
    if turn.callback is not None and turn.callback.action == "hand":
        turn.replace(head + "\n\n" + text, markup)
    else:
        turn.reply(head + "\n\n" + text, markup)


@turn_handler
@staff_only(Permission.FULFIL)
async def on_fulfil(turn: Turn) -> None:
    if not turn.args:
        turn.reply(turn._(USAGE))
        return
    order_no = " ".join(turn.args[1:]) or None
    await open_code(turn, turn.args[0], order_no)


@turn_handler
@staff_only(Permission.FULFIL)
async def on_hand(turn: Turn) -> None:
    cb = turn.callback  # gift:hand:<redemption id>
    redemption_id = cb.id(0) if cb is not None else None
    if redemption_id is None:
        await _show(turn, Done(None))
        return
    outcome = await desk.hand_over(turn.session, clerk(turn), redemption_id)
    await _show(turn, outcome)


@turn_handler
@staff_only(Permission.FULFIL)
async def on_use_voucher(turn: Turn) -> None:
    cb = turn.callback  # gift:usev:<redemption id>:<visit id>
    redemption_id = cb.id(0) if cb is not None else None
    visit_id = cb.id(1) if cb is not None else None
    if redemption_id is None or visit_id is None:
        await _show(turn, Done(None))
        return
    outcome = await desk.use_voucher(turn.session, clerk(turn), redemption_id, visit_id=visit_id)
    await _show(turn, outcome)


def voucher_buttons(turn: Turn, vouchers: list[Redemption], visit_id: int) -> Markup | None:
    """After a visit is recorded: one button per voucher the owner can use on it."""
    if not vouchers:
        return None
    return inline(
        [
            [
                (
                    turn._("Use voucher {name} on this visit", name=texts.name(turn.t, v))[:60],
                    encode(FEATURE, "usev", v.id, visit_id),
                )
            ]
            for v in vouchers
        ]
    )


async def offer_vouchers(turn: Turn, member_id: int, visit_id: int) -> Markup | None:
    """The buttons for the owner's vouchers still usable today (None if they have none)."""
    found = await desk.waiting_vouchers(turn.session, turn.store.id, member_id, turn.store.today())
    return voucher_buttons(turn, found, visit_id)


@turn_handler
@staff_only(Permission.FULFIL)
async def on_redemptions(turn: Turn) -> None:
    store, today = turn.store, turn.store.today()
    rows = await desk.waiting(turn.session, store.id)
    total = await desk.count_waiting(turn.session, store.id)
    low = await desk.low_stock(turn.session, store.id, store.policy.gifts.low_stock)
    aged = [(w, (today - store.today(w.redemption.created_at)).days) for w in rows]
    buttons = [
        [(turn._("Export redemptions (XLSX)"), encode(FEATURE, "xls", "r"))],
        [(turn._("Export catalog (XLSX)"), encode(FEATURE, "xls", "c"))],
    ]
    turn.reply(words.waiting_text(turn.t, aged, total, low), inline(buttons))


@turn_handler
@staff_only(Permission.FULFIL)
async def on_export(turn: Turn) -> None:
    cb = turn.callback  # gift:xls:r | gift:xls:c
    which = cb.arg(0) if cb is not None else None
    t, store, day = turn.t, turn.store, turn.store.today().isoformat()
    if which == "r":
        content = await export.redemptions_xlsx(
            turn.session, store.id, t, lambda r: texts.status_label(t, r)
        )
        name, caption = f"redemptions-{day}.xlsx", turn._("Redemptions, as of today.")
    elif which == "c":
        content = await export.catalog_xlsx(turn.session, store.id, t)
        name, caption = f"catalog-{day}.xlsx", turn._("The catalog, as of today.")
    else:
        turn.callback_notice = turn._("This button is out of date.")
        return
    audit.record(turn.session, store.id, turn.user_id, "gifts.export", None, sheet=which)
    turn.reply_document(name, content, caption)


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("redemptions", on_redemptions, filters=private),
        CommandHandler("fulfil", on_fulfil, filters=private),
        CallbackQueryHandler(on_hand, pattern=pattern(FEATURE, "hand")),
        CallbackQueryHandler(on_use_voucher, pattern=pattern(FEATURE, "usev")),
        CallbackQueryHandler(on_export, pattern=pattern(FEATURE, "xls")),
    ]
