"""/points: both balances, the way to the next tier, what expires next, and the history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.common.numbers import page_count
from bot.club.points.ledger import EntryKind
from bot.club.points.statement import statement
from bot.messaging.membership_texts import way_to_next_tier
from handlers.callbacks import encode, pattern
from handlers.card import member_shown
from handlers.common import Turn, inline, turn_handler
from handlers.paging import page_row

if TYPE_CHECKING:
    from bot.club.points.statement import HistoryLine

PAGE = 8
LAST_PAGE = 10_000
POINTS = "pts"


def entry_text(turn: Turn, entry: HistoryLine) -> str:
    """One history line: date, what happened, and the two amounts."""
    t, policy, visit = turn.t, turn.store.policy, entry.visit
    if visit is not None:
        category = policy.category(visit.category)
        what = turn._(
            "{category} {amount} (order {order})",
            category=category.name(t.locale) if category else visit.category,
            amount=t.money(visit.amount_fen),
            order=visit.order_no,
        )
        if entry.kind == EntryKind.REVERSAL:
            what = turn._("Reversed: {what}", what=what)
    elif entry.kind == EntryKind.EXPIRY:
        what = turn._("Points expired")
    elif entry.kind == EntryKind.RENEWAL:
        what = turn._("Membership renewed with points")
    elif entry.kind == EntryKind.UPGRADE_TRADE:
        what = turn._("Tier upgrade traded for points")
    elif entry.kind == EntryKind.REDEMPTION:
        what = turn._("Redeemed for a gift or voucher (/mygifts)")
    elif entry.kind == EntryKind.REFUND:
        what = turn._("Back from a cancelled or expired gift or voucher")
    else:
        what = entry.reason or turn._("Adjustment")
    when = t.date(entry.at)
    amounts = turn._(
        "cumulative {c}, redeemable {r}", c=f"{entry.cumulative:+,}", r=f"{entry.redeemable:+,}"
    )
    return f"{when} · {what} · {amounts}"


async def render(turn: Turn, page: int) -> None:
    member = member_shown(turn)
    if member is None:
        return
    t = turn.t
    lines = [
        turn._("Cumulative points: {points}", points=t.number(member.cumulative_points)),
        turn._("Redeemable points: {points}", points=t.number(member.redeemable_points)),
    ]
    way = way_to_next_tier(t, turn.store.policy, member.tier_code, member.cumulative_points)
    lines += [way] if way else []
    shown = await statement(
        turn.session, member.id, turn.store.today(), offset=page * PAGE, limit=PAGE
    )
    lot = shown.next_lot
    if lot is not None:
        lines.append(
            turn._(
                "{points} redeemable points expire after {date}",
                points=t.number(lot.remaining),
                date=t.date(lot.expires_on),
            )
        )
    pages = page_count(shown.total, PAGE)
    if shown.total:
        lines.append("")
        lines.append(turn._("History, page {page} of {pages}:", page=page + 1, pages=pages))
        lines.extend(entry_text(turn, entry) for entry in shown.lines)
    else:
        lines.append(turn._("No points yet: they come with every paid visit."))
    buttons = page_row(
        page, pages, turn._("◀ Newer"), turn._("Older ▶"), lambda n: encode(POINTS, "page", n)
    )
    turn.replace("\n".join(lines), inline([buttons]) if buttons else None)


@turn_handler(reads_only=True)
async def on_points(turn: Turn) -> None:
    await render(turn, 0)


@turn_handler(reads_only=True)
async def on_page(turn: Turn) -> None:
    data = turn.callback  # pts:page:<n>
    page = data.number(0) if data is not None and len(data.args) == 1 else None
    if page is None:
        turn.callback_notice = turn._("That button is no longer active.")
        return
    await render(turn, min(page, LAST_PAGE))


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("points", on_points, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(on_page, pattern=pattern(POINTS, "page")),
    ]
