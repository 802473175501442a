"""Staff corrections: reverse a visit, adjust points, set a tier, confirm a renewal fee,
and prove every balance agrees with its ledger. Each is a new row, never an edit."""

from __future__ import annotations

import re

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.common.codes import new_code
from bot.club.members.lookup import open_member_for_staff
from bot.club.points import ledger as points
from bot.club.points import membership
from bot.club.points.ledger import EntryKind, Posting
from bot.club.points.membership import EventKind
from bot.club.staff import audit
from bot.club.staff.roles import Permission
from bot.club.visits import record
from bot.club.visits.record import VisitRejected
from db import queries
from db.models import Member
from handlers.announce import announce
from handlers.common import Turn, inline, staff_only, turn_handler
from handlers.texts import error_text

SIGNED = re.compile(r"^[+-]?\d{1,7}$")


async def _member_arg(turn: Turn, usage: str, minimum: int) -> tuple[Member, list[str]] | None:
    """The member named by the first argument, and the rest; replies with usage if not."""
    args = turn.args
    if len(args) < minimum:
        turn.reply(usage)
        return None
    member = await open_member_for_staff(
        turn.session, turn.services.store_id, turn.user_id, args[0]
    )
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
        result = await record.reverse_visit(
            turn.session,
            turn.services.store_id,
            turn.user_id,
            turn.args[0],
            " ".join(turn.args[1:]),
        )
    except VisitRejected as exc:
        turn.reply(error_text(turn.t, exc.code))
        return
    turn.reply(
        turn._(
            "Order {order} reversed: {points} points taken back from {name}. "
            "Balances now: cumulative {c}, redeemable {r}.",
            order=result.visit.order_no,
            points=turn.t.number(result.points),
            name=result.member.name,
            c=turn.t.number(result.balances.cumulative),
            r=turn.t.number(result.balances.redeemable),
        )
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
    if not SIGNED.match(rest[0]) or int(rest[0]) == 0:
        turn.reply(usage)
        return
    amount, reason = int(rest[0]), " ".join(rest[1:])[:200]
    posting = Posting(
        member.store_id,
        member.id,
        EntryKind.ADJUSTMENT,
        f"adjust:{turn.update.update_id}",
        cumulative=amount,
        redeemable=amount,
        reason=reason,
        actor_user_id=turn.user_id,
    )
    balances = await points.post(turn.session, posting, guard=True)
    if balances is None:
        turn.reply(
            turn._(
                "{name} has only {points} redeemable points; nothing was changed.",
                name=member.name,
                points=turn.t.number(member.redeemable_points),
            )
        )
        return
    audit.record(
        turn.session,
        member.store_id,
        turn.user_id,
        "points.adjust",
        f"member:{member.id}",
        points=amount,
    )
    turn.reply(
        turn._(
            "Adjusted {name} by {points} points ({reason}). Balances now: "
            "cumulative {c}, redeemable {r}.",
            name=member.name,
            points=f"{amount:+,}",
            reason=reason,
            c=turn.t.number(balances.cumulative),
            r=turn.t.number(balances.redeemable),
        )
    )


@turn_handler
@staff_only(Permission.SET_TIER)
async def on_settier(turn: Turn) -> None:
    policy = turn.services.policy
    codes = ", ".join(t.code for t in policy.tiers)
    usage = turn._(
        "Usage: /settier <phone | plate | card> <tier> <reason>\nTiers: {tiers}", tiers=codes
    )
    found = await _member_arg(turn, usage, 3)
    if found is None:
        return
    member, rest = found
    if rest[0].lower() not in {t.code for t in policy.tiers}:
        turn.reply(usage)
        return
    member = await membership.locked(turn.session, member.id) or member
    change = await membership.set_tier(
        turn.session,
        policy,
        member,
        rest[0].lower(),
        " ".join(rest[1:])[:200],
        turn.user_id,
        f"manual:{turn.update.update_id}",
    )
    if change is None:
        turn.reply(turn._("That was already done."))
        return
    audit.record(
        turn.session,
        member.store_id,
        turn.user_id,
        "tier.set",
        f"member:{member.id}",
        tier=change.tier_after,
    )
    turn.reply(
        turn._(
            "{name} is now {tier}.",
            name=member.name,
            tier=policy.tier(change.tier_after).name(turn.t.locale),
        )
    )
    await announce(turn, member, [change])


@turn_handler
@staff_only(Permission.CONFIRM_FEE)
async def on_renewfee(turn: Turn) -> None:
    found = await _member_arg(turn, turn._("Usage: /renewfee <phone | plate | card>"), 1)
    if found is None:
        return
    member, _ = found
    t, policy = turn.t, turn.services.policy
    until = membership.renewed_until(policy, member, turn.services.today())
    turn.reply(
        turn._(
            "Confirm that {name} paid the renewal fee of {fee}. The membership will then "
            "be valid until {date}.",
            name=member.name,
            fee=t.money(policy.renewal_fee_fen),
            date=t.date(until, "long"),
        ),
        inline([[(turn._("Fee received: renew"), f"fee:ok:{member.id}:{new_code(6)}")]]),
    )


@turn_handler
@staff_only(Permission.CONFIRM_FEE)
async def on_fee_confirmed(turn: Turn) -> None:
    parts = turn.callback_parts  # fee:ok:<member id>:<nonce>
    member = None
    if len(parts) == 4 and parts[2].isdigit():
        member = await membership.locked(turn.session, int(parts[2]))
    if member is None or member.store_id != turn.services.store_id:
        turn.callback_notice = turn._("That button is no longer active.")
        return
    change = await membership.renew(
        turn.session,
        turn.services.policy,
        member,
        EventKind.RENEW_FEE,
        f"fee:{parts[3]}",
        turn.services.today(),
        actor=turn.user_id,
    )
    if change is None:
        turn.callback_notice = turn._("That was already done.")
        return
    audit.record(
        turn.session,
        member.store_id,
        turn.user_id,
        "membership.renew_fee",
        f"member:{member.id}",
        fee_fen=turn.services.policy.renewal_fee_fen,
    )
    turn.replace(
        turn._(
            "{name} is renewed until {date}.",
            name=member.name,
            date=turn.t.date(change.valid_until, "long"),
        )
    )
    await announce(turn, member, [change])


@turn_handler
@staff_only(Permission.CHECK_LEDGER)
async def on_ledgercheck(turn: Turn) -> None:
    mismatches = await points.check_ledger(turn.session, turn.services.store_id)
    members = await queries.count_members(turn.session, turn.services.store_id)
    if not mismatches:
        turn.reply(
            turn._(
                "All {count} members' balances agree with their ledgers.",
                count=turn.t.number(members),
            )
        )
        return
    lines = [
        turn._("{count} members' balances disagree with their ledgers:", count=len(mismatches))
    ]
    lines += [f"#{m.member_id}: {m.cached} ≠ {m.ledger}" for m in mismatches[:30]]
    turn.reply("\n".join(lines))


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("reverse", on_reverse, filters=private),
        CommandHandler("adjust", on_adjust, filters=private),
        CommandHandler("settier", on_settier, filters=private),
        CommandHandler("renewfee", on_renewfee, filters=private),
        CallbackQueryHandler(on_fee_confirmed, pattern=r"^fee:ok:"),
        CommandHandler("ledgercheck", on_ledgercheck, filters=private),
    ]
