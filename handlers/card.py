"""The member card (/card) and the referral link (/invite)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from telegram.ext import BaseHandler, CommandHandler, filters

from bot.club.members.lookup import CardView, card_payload, card_view, count_referred, member_of
from bot.i18n import Translator
from bot.messaging.membership_texts import way_to_next_tier
from bot.render.card_image import CardFace, render_card
from handlers import photos
from handlers.common import Turn, turn_handler

if TYPE_CHECKING:
    from bot.club.members.caller import MemberFacts
    from db.models import Member


def card_caption(turn: Turn, view: CardView) -> str:
    t, m = turn.t, view.member
    lines = [
        turn._("{store} owners club · member card", store=turn.store.name),
        turn._("Name: {name}", name=m.name),
        turn._("Tier: {tier}", tier=view.tier.name(t.locale)),
        turn._("Valid until: {date}", date=t.date(m.valid_until))
        + (" " + turn._("(expired)") if view.expired else ""),
        turn._("Cumulative points: {points}", points=t.number(m.cumulative_points)),
        turn._("Redeemable points: {points}", points=t.number(m.redeemable_points)),
    ]
    way = way_to_next_tier(t, turn.store.policy, m.tier_code, m.cumulative_points)
    lines += [way] if way else []
    benefits = view.tier.benefit_texts(t.locale)
    if benefits:
        lines.append(turn._("Your benefits:"))
        lines.extend(f"• {b}" for b in benefits)
    lines.append(turn._("Card number: {code}", code=f"{m.card_code[:4]} {m.card_code[4:]}"))
    lines.append(turn._("Show the QR code at the service desk to be recognised."))
    return "\n".join(lines)


def card_face(t: Translator, store: str, view: CardView) -> CardFace:
    """The words on the card picture in `t`'s language."""
    m = view.member
    until = t.date(m.valid_until)
    if view.expired:
        until += " " + t.gettext("(expired)")
    return CardFace(
        store=t.gettext("{store} owners club", store=store),
        name=m.name,
        tier_label=t.gettext("Tier"),
        tier=view.tier.name(t.locale),
        valid_label=t.gettext("Valid until"),
        valid_until=until,
        card_label=t.gettext("Card number"),
    )


async def send_card(turn: Turn, member: MemberFacts) -> None:
    services = turn.services
    view = card_view(turn.store.policy, member, turn.store.today())
    payload = card_payload(services.bot_username, member.card_code)
    store = turn.store.name
    face = card_face(turn.t, store, view)
    # Drawn instead of any text the machine has no font for (Chinese without a CJK font).
    latin = card_face(services.translator("en", turn.store), store, view)
    latin = replace(latin, store=store if store.isascii() else "OWNERS CLUB")
    face = replace(face, latin=latin)
    key = photos.key_of("card", member.card_code, payload, view.tier.color, face)
    turn.reply_drawn(
        key,
        lambda: render_card(member.card_code, payload, view.tier.color, face),
        card_caption(turn, view),
    )


def not_joined(turn: Turn) -> None:
    turn.reply(turn._("You are not a club member yet. Send /start to join."))


async def current_member(turn: Turn) -> Member | None:
    """The sender's member, loaded to be changed (None, told so, if they have not joined)."""
    member = await member_of(turn.session, turn.store.id, turn.user_id)
    if member is None:
        not_joined(turn)
    return member


def member_shown(turn: Turn) -> MemberFacts | None:
    """The sender's member as read with the update, for a view that changes nothing (None,
    told so, if they have not joined)."""
    member = turn.caller.member
    if member is None:
        not_joined(turn)
    return member


@turn_handler(reads_only=True)
async def on_card(turn: Turn) -> None:
    member = member_shown(turn)
    if member is not None:
        await send_card(turn, member)


@turn_handler(reads_only=True)
async def on_invite(turn: Turn) -> None:
    member = member_shown(turn)
    if member is None:
        return
    link = f"https://t.me/{turn.services.bot_username}?start=ref_{member.referral_code}"
    count = await count_referred(turn.session, member.id)
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
