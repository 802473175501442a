"""Owners trade points for the next tier (/upgrade) or a renewal (/renew), after confirming."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.common.codes import new_code
from bot.club.points import membership
from bot.club.points.ledger import EntryKind
from bot.club.points.membership import TradeOutcome
from bot.club.points.tiers import next_tier
from db import queries
from db.models import Member
from handlers.announce import announce
from handlers.card import current_member
from handlers.common import Turn, inline, turn_handler


def _offer(turn: Turn, text: str, label: str, kind: str) -> None:
    buttons = [[(label, f"mem:{kind}:{new_code(6)}")], [(turn._("Not now"), "mem:no")]]
    turn.reply(text, inline(buttons))


@turn_handler
async def on_upgrade(turn: Turn) -> None:
    member = await current_member(turn)
    if member is None:
        return
    t, policy = turn.t, turn.services.policy
    upcoming = next_tier(policy, member.tier_code, member.cumulative_points)
    if upcoming is None:
        turn.reply(turn._("You are already at the top tier. Thank you for your loyalty!"))
        return
    cost, tier = policy.upgrade_points_cost, upcoming.tier.name(t.locale)
    if member.redeemable_points < cost:
        turn.reply(
            turn._(
                "Moving up to {tier} takes {cost} redeemable points; you have "
                "{points}. Or collect {needed} more cumulative points to move up "
                "on your own.",
                tier=tier,
                cost=t.number(cost),
                points=t.number(member.redeemable_points),
                needed=t.number(upcoming.points_needed),
            )
        )
        return
    _offer(
        turn,
        turn._(
            "Trade {cost} of your {points} redeemable points for {tier}?",
            cost=t.number(cost),
            points=t.number(member.redeemable_points),
            tier=tier,
        ),
        turn._("Trade {cost} points for {tier}", cost=t.number(cost), tier=tier),
        "up",
    )


async def offer_renewal(turn: Turn, member: Member) -> None:
    """Offer to renew with points (from /renew or a membership reminder's button)."""
    t, policy = turn.t, turn.services.policy
    cost = policy.renewal_points_cost
    until = membership.renewed_until(policy, member, turn.services.today())
    if member.redeemable_points < cost:
        turn.reply(
            turn._(
                "Renewing with points takes {cost} redeemable points; you have "
                "{points}. You can also renew at the service desk.",
                cost=t.number(cost),
                points=t.number(member.redeemable_points),
            )
        )
        return
    _offer(
        turn,
        turn._(
            "Renew your membership until {date} for {cost} redeemable points? You have {points}.",
            date=t.date(until, "long"),
            cost=t.number(cost),
            points=t.number(member.redeemable_points),
        ),
        turn._("Renew for {cost} points", cost=t.number(cost)),
        "renew",
    )


@turn_handler
async def on_renew(turn: Turn) -> None:
    member = await current_member(turn)
    if member is not None:
        await offer_renewal(turn, member)


@turn_handler
async def on_confirm(turn: Turn) -> None:
    parts = turn.callback_parts  # mem:up:<nonce> | mem:renew:<nonce> | mem:no
    if parts[1] == "no" or len(parts) != 3:
        turn.replace(turn._("All right, nothing was changed."))
        return
    member = await queries.member_by_user(turn.session, turn.services.store_id, turn.user_id)
    if member is None:
        turn.callback_notice = turn._("That button is no longer active.")
        return
    purpose = EntryKind.UPGRADE_TRADE if parts[1] == "up" else EntryKind.RENEWAL
    outcome, change = await membership.spend_for(
        turn.session,
        turn.services.policy,
        member.id,
        purpose,
        f"{parts[1]}:{parts[2]}",
        turn.services.today(),
    )
    if outcome is TradeOutcome.DONE and change is not None:
        turn.replace(
            turn._(
                "Done. {points} redeemable points left.",
                points=turn.t.number(member.redeemable_points),
            )
        )
        await announce(turn, member, [change])
    elif outcome is TradeOutcome.SHORT:
        turn.replace(turn._("You no longer have enough redeemable points for this."))
    elif outcome is TradeOutcome.TOP_TIER:
        turn.replace(turn._("You are already at the top tier. Thank you for your loyalty!"))
    else:
        turn.callback_notice = turn._("That was already done.")


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("upgrade", on_upgrade, filters=private),
        CommandHandler("renew", on_renew, filters=private),
        CallbackQueryHandler(on_confirm, pattern=r"^mem:(up|renew|no)"),
    ]
