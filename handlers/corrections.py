"""Staff corrections: /reverse, /adjust, /settier, /renewfee and its button, /ledgercheck.

Parse the command, call `bot.club.points.corrections`, show the outcome; the owner hears
of every change to their balance or tier, and the staff chat of hand-set tiers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.common.codes import new_code
from bot.club.common.numbers import parse_signed
from bot.club.members.lookup import open_member_for_staff
from bot.club.points import corrections
from bot.club.staff.roles import Permission
from bot.club.visits.record import VisitRejected
from bot.messaging.notify import notify_member, staff_notice
from handlers.announce import announce
from handlers.callbacks import encode, pattern
from handlers.common import Turn, inline, staff_only, turn_handler
from handlers.texts import error_text

if TYPE_CHECKING:
    from db.models import Member

FEE = "fee"


async def _member_arg(turn: Turn, usage: str, minimum: int) -> tuple[Member, list[str]] | None:
    """The member named by the first argument, and the rest; replies with usage if not."""
    args = turn.args
    if len(args) < minimum:
        turn.reply(usage)
        return None
    member = await open_member_for_staff(turn.session, turn.store.id, turn.user_id, args[0])
    if member is None:
        turn.reply(
            turn._(
                "No member found for “{query}”. Try a phone number, a plate or a card number.",
                query=args[0][:40],
            )
        )
        return None
    return member, args[1:]


@turn_handler
@staff_only(Permission.REVERSE_VISIT)
async def on_reverse(turn: Turn) -> None:
    if len(turn.args) < 2:
        turn.reply(turn._("Usage: /reverse <order number> <reason>"))
        return
    try:
        result = await corrections.reverse_visit(
            turn.session,
            turn.store.id,
            turn.user_id,
            turn.args[0],
            " ".join(turn.args[1:]),
        )
    except VisitRejected as exc:
        turn.reply(error_text(turn.t, exc.code))
        return
    order, taken = result.visit.order_no, result.points
    c, r = result.balances.cumulative, result.balances.redeemable
    turn.reply(
        turn._(
            "Order {order} reversed: {points} points taken back from {name}. "
            "Balances now: cumulative {c}, redeemable {r}.",
            order=order,
            points=turn.t.number(taken),
            name=result.member.name,
            c=turn.t.number(c),
            r=turn.t.number(r),
        )
    )
    await notify_member(
        turn.session,
        turn.services,
        result.member,
        lambda t: t.gettext(
            "The points of your visit {order} were taken back by the store ({points} "
            "points). Your balances now: cumulative {c}, redeemable {r}. Questions? "
            "Ask at the service desk.",
            order=order,
            points=t.number(taken),
            c=t.number(c),
            r=t.number(r),
        ),
        key=f"reverse:{result.visit.id}",
    )


@turn_handler
@staff_only(Permission.ADJUST_POINTS)
async def on_adjust(turn: Turn) -> None:
    usage = turn._(
        "Usage: /adjust <phone | plate | card> <+points | -points> <reason>\n"
        "Both balances move; a deduction never takes redeemable points below zero."
    )
    found = await _member_arg(turn, usage, 3)
    if found is None:
        return
    member, rest = found
    amount = parse_signed(rest[0], limit=corrections.MAX_ADJUSTMENT)
    if not amount:
        turn.reply(usage)
        return
    result = await corrections.adjust(
        turn.session, member, turn.user_id, amount, " ".join(rest[1:]), str(turn.update.update_id)
    )
    if result.balances is None:
        turn.reply(
            turn._(
                "{name} has only {points} redeemable points; nothing was changed.",
                name=member.name,
                points=turn.t.number(member.redeemable_points),
            )
        )
        return
    turn.reply(
        turn._(
            "Adjusted {name} by {points} points ({reason}). Balances now: "
            "cumulative {c}, redeemable {r}.",
            name=member.name,
            points=f"{amount:+,}",
            reason=result.reason,
            c=turn.t.number(result.balances.cumulative),
            r=turn.t.number(result.balances.redeemable),
        )
    )


@turn_handler
@staff_only(Permission.SET_TIER)
async def on_settier(turn: Turn) -> None:
    policy = turn.store.policy
    usage = turn._(
        "Usage: /settier <phone | plate | card> <tier> <reason>\nTiers: {tiers}",
        tiers=", ".join(t.code for t in policy.tiers),
    )
    found = await _member_arg(turn, usage, 3)
    if found is None:
        return
    member, rest = found
    code = corrections.tier_code(policy, rest[0])
    if code is None:
        turn.reply(usage)
        return
    result = await corrections.set_tier(
        turn.session,
        policy,
        member,
        turn.user_id,
        code,
        " ".join(rest[1:]),
        str(turn.update.update_id),
    )
    change, member = result.change, result.member
    if change is None:
        turn.reply(turn._("That was already done."))
        return
    turn.reply(
        turn._(
            "{name} is now {tier}.",
            name=member.name,
            tier=policy.tier(change.tier_after).name(turn.t.locale),
        )
    )
    await announce(turn, member, [change])
    name, card, staff_id = member.name, member.card_code, turn.user_id
    await staff_notice(  # queued with the change: it exists exactly when the change does
        turn.session,
        turn.services,
        lambda t: t.gettext(
            "{name} ({card}) was set to {tier} by staff {staff}.",
            name=name,
            card=card,
            tier=policy.tier(change.tier_after).name(t.locale),
            staff=staff_id,
        ),
        store=turn.store,
    )


@turn_handler
@staff_only(Permission.CONFIRM_FEE)
async def on_renewfee(turn: Turn) -> None:
    found = await _member_arg(turn, turn._("Usage: /renewfee <phone | plate | card>"), 1)
    if found is None:
        return
    member, _ = found
    t, policy = turn.t, turn.store.policy
    until = corrections.fee_offer(policy, member, turn.store.today())
    turn.reply(
        turn._(
            "Confirm that {name} paid the renewal fee of {fee}. The membership will then "
            "be valid until {date}.",
            name=member.name,
            fee=t.money(policy.renewal_fee_fen),
            date=t.date(until),
        ),
        inline([[(turn._("Fee received: renew"), encode(FEE, "ok", member.id, new_code(6)))]]),
    )


@turn_handler
@staff_only(Permission.CONFIRM_FEE)
async def on_fee_confirmed(turn: Turn) -> None:
    data = turn.callback  # fee:ok:<member id>:<nonce>
    member_id = data.id(0) if data is not None else None
    nonce = data.arg(1) if data is not None else None
    result = None
    if member_id is not None and nonce and len(data.args) == 2:
        result = await corrections.confirm_fee(
            turn.session,
            turn.store.policy,
            turn.store.id,
            turn.user_id,
            member_id,
            nonce,
            turn.store.today(),
        )
    if result is None or result.member is None:
        turn.callback_notice = turn._("That button is no longer active.")
        return
    if result.change is None:
        turn.callback_notice = turn._("That was already done.")
        return
    turn.replace(
        turn._(
            "{name} is renewed until {date}.",
            name=result.member.name,
            date=turn.t.date(result.change.valid_until),
        )
    )
    await announce(turn, result.member, [result.change])


@turn_handler
@staff_only(Permission.CHECK_LEDGER)
async def on_ledgercheck(turn: Turn) -> None:
    report = await corrections.check_ledger(turn.session, turn.store.id)
    if not report.mismatches:
        turn.reply(
            turn._(
                "All {count} members' balances agree with their ledgers.",
                count=turn.t.number(report.members),
            )
        )
        return
    lines = [
        turn._(
            "{count} members' balances disagree with their ledgers:",
            count=len(report.mismatches),
        )
    ]
    lines += [f"#{m.member_id}: {m.cached} ≠ {m.ledger}" for m in report.mismatches[:30]]
    turn.reply("\n".join(lines))


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("reverse", on_reverse, filters=private),
        CommandHandler("adjust", on_adjust, filters=private),
        CommandHandler("settier", on_settier, filters=private),
        CommandHandler("renewfee", on_renewfee, filters=private),
        CallbackQueryHandler(on_fee_confirmed, pattern=pattern(FEE, "ok")),
        CommandHandler("ledgercheck", on_ledgercheck, filters=private),
    ]
