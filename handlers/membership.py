"""Owners trade points for the next tier (/upgrade) or a renewal (/renew), after confirming."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.points import membership, offers
from bot.club.points.membership import TradeOutcome
from bot.club.points.offers import Kind, Verdict
from bot.club.points.tiers import next_tier
from handlers.announce import announce
from handlers.callbacks import encode, pattern
from handlers.card import current_member
from handlers.common import Turn, inline, turn_handler

if TYPE_CHECKING:
    from db.models import Member

MEMBERSHIP = "mem"


def _secret(turn: Turn) -> bytes:
    return offers.key_from_token(turn.services.settings.bot_token)


def _offer(turn: Turn, member: Member, text: str, label: str, kind: Kind) -> None:
    """Show the offer with its terms signed into the button (see `offers`)."""
    offer = offers.make(turn.store.policy, member, kind, turn.store.now())
    if offer is None:
        turn.reply(turn._("You are already at the top tier. Thank you for your loyalty!"))
        return
    data = encode(MEMBERSHIP, kind.value, *offer.args(_secret(turn), turn.user_id))
    buttons = [[(label, data)], [(turn._("Not now"), encode(MEMBERSHIP, "no"))]]
    turn.reply(text, inline(buttons))


@turn_handler
async def on_upgrade(turn: Turn) -> None:
    member = await current_member(turn)
    if member is None:
        return
    t, policy = turn.t, turn.store.policy
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
        member,
        turn._(
            "Trade {cost} of your {points} redeemable points for {tier}?",
            cost=t.number(cost),
            points=t.number(member.redeemable_points),
            tier=tier,
        ),
        turn._("Trade {cost} points for {tier}", cost=t.number(cost), tier=tier),
        Kind.UPGRADE,
    )


async def offer_renewal(turn: Turn, member: Member) -> None:
    """Offer to renew with points (from /renew or a membership reminder's button)."""
    t, policy = turn.t, turn.store.policy
    cost = policy.renewal_points_cost
    until = membership.renewed_until(policy, member, turn.store.today())
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
        member,
        turn._(
            "Renew your membership until {date} for {cost} redeemable points? You have {points}.",
            date=t.date(until),
            cost=t.number(cost),
            points=t.number(member.redeemable_points),
        ),
        turn._("Renew for {cost} points", cost=t.number(cost)),
        Kind.RENEW,
    )


@turn_handler
async def on_renew(turn: Turn) -> None:
    member = await current_member(turn)
    if member is not None:
        await offer_renewal(turn, member)


@turn_handler
async def on_confirm(turn: Turn) -> None:
    data = turn.callback  # mem:up|renew:<signed offer> | mem:no
    if data is None or data.action == "no":
        turn.replace(turn._("All right, nothing was changed."))
        return
    result = await offers.confirm(
        turn.session,
        turn.store.policy,
        _secret(turn),
        turn.store.id,
        turn.user_id,
        data.action,
        data.args,
        turn.store.now(),
        turn.store.today(),
    )
    member, change = result.member, result.change
    if result.verdict is Verdict.FORGED or member is None:
        turn.callback_notice = turn._("That button is no longer active.")
    elif result.verdict is not Verdict.OK:
        again = "/upgrade" if data.action == Kind.UPGRADE else "/renew"
        turn.replace(
            turn._(
                "This offer is no longer valid; nothing was changed. Send {command} "
                "for the current one.",
                command=again,
            )
        )
    elif result.outcome is TradeOutcome.DONE and change is not None:
        turn.replace(
            turn._(
                "Done. {points} redeemable points left.",
                points=turn.t.number(member.redeemable_points),
            )
        )
        await announce(turn, member, [change])
    elif result.outcome is TradeOutcome.SHORT:
        turn.replace(turn._("You no longer have enough redeemable points for this."))
    elif result.outcome is TradeOutcome.TOP_TIER:
        turn.replace(turn._("You are already at the top tier. Thank you for your loyalty!"))
    else:
        turn.callback_notice = turn._("That was already done.")


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("upgrade", on_upgrade, filters=private),
        CommandHandler("renew", on_renew, filters=private),
        CallbackQueryHandler(on_confirm, pattern=pattern(MEMBERSHIP, "up", "renew", "no")),
    ]
