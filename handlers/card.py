"""The member card (/card) and the referral link (/invite)."""

from __future__ import annotations

from telegram.ext import BaseHandler, CommandHandler, filters

from bot.club.members.lookup import CardView, card_payload, card_view
from bot.messaging.membership_texts import way_to_next_tier
from bot.render.card_image import render_card
from db import queries
from db.models import Member
from handlers.common import Turn, turn_handler


def card_caption(turn: Turn, view: CardView) -> str:
    t, m = turn.t, view.member
    lines = [
        turn._("{store} owners club · member card", store=turn.services.settings.store_name),
        turn._("Name: {name}", name=m.name),
        turn._("Tier: {tier}", tier=view.tier.name(t.locale)),
        turn._("Valid until: {date}", date=t.date(m.valid_until, "long"))
        + (" " + turn._("(expired)") if view.expired else ""),
        turn._("Cumulative points: {points}", points=t.number(m.cumulative_points)),
        turn._("Redeemable points: {points}", points=t.number(m.redeemable_points)),
    ]
    way = way_to_next_tier(t, turn.services.policy, m.tier_code, m.cumulative_points)
    lines += [way] if way else []
    benefits = view.tier.benefit_texts(t.locale)
    if benefits:
        lines.append(turn._("Your benefits:"))
        lines.extend(f"• {b}" for b in benefits)
    lines.append(turn._("Card number: {code}", code=f"{m.card_code[:4]} {m.card_code[4:]}"))
    lines.append(turn._("Show the QR code at the service desk to be recognised."))
    return "\n".join(lines)


async def send_card(turn: Turn, member: Member) -> None:
    view = card_view(turn.services.policy, member, turn.services.today())
    payload = card_payload(turn.services.bot_username, member.card_code)
    image = render_card(member.card_code, payload, view.tier.color)
    turn.reply_photo(image, card_caption(turn, view))


async def current_member(turn: Turn) -> Member | None:
    member = await queries.member_by_user(turn.session, turn.services.store_id, turn.user_id)
    if member is None:
        turn.reply(turn._("You are not a club member yet. Send /start to join."))
    return member


@turn_handler
async def on_card(turn: Turn) -> None:
    member = await current_member(turn)
    if member is not None:
        await send_card(turn, member)


@turn_handler
async def on_invite(turn: Turn) -> None:
    member = await current_member(turn)
    if member is None:
        return
    link = f"https://t.me/{turn.services.bot_username}?start=ref_{member.referral_code}"
    count = await queries.count_referred(turn.session, member.id)
    turn.reply(
        turn._(
            "Invite a friend who drives: when they join through this link, the club knows "
            "you brought them.\n{link}",
            link=link,
        )
        + "\n"
        + turn.t.ngettext(
            "You have brought {n} member so far.", "You have brought {n} members so far.", count
        )
    )


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("card", on_card, filters=private),
        CommandHandler("invite", on_invite, filters=private),
    ]
