"""Staff tools for members: open a member (/member or a scanned card), onboarding links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import BaseHandler, CommandHandler, filters

from bot.club.common.numbers import parse_id
from bot.club.members import join
from bot.club.members.lookup import cars_of, open_member_for_staff, referrer_of
from bot.club.staff.roles import Permission
from handlers.callbacks import encode
from handlers.common import Turn, inline, staff_only, turn_handler
from handlers.texts import channel_label

if TYPE_CHECKING:
    from db.models import Member


async def member_text(turn: Turn, member: Member) -> str:
    t = turn.t
    tier = turn.store.policy.tier(member.tier_code)
    lines = [
        turn._("Member {name} · card {code}", name=member.name, code=member.card_code),
        turn._("Phone: {phone}", phone=member.phone),
        turn._(
            "Tier: {tier} · valid until {date}",
            tier=tier.name(t.locale),
            date=t.date(member.valid_until),
        ),
        turn._(
            "Points: {cumulative} cumulative, {redeemable} redeemable",
            cumulative=t.number(member.cumulative_points),
            redeemable=t.number(member.redeemable_points),
        ),
        turn._(
            "Joined {date} · {channel}",
            date=t.date(member.joined_at),
            channel=channel_label(t, member.join_channel),
        ),
    ]
    if member.birthday:
        lines.append(turn._("Birthday: {date}", date=t.date(member.birthday)))
    if member.referred_by_id:
        referrer = await referrer_of(turn.session, member)
        if referrer is not None:
            lines.append(
                turn._("Referred by {name} ({code})", name=referrer.name, code=referrer.card_code)
            )
    for car in await cars_of(turn.session, turn.store.id, member.id):
        lines.append(
            turn._(
                "Car {plate} · {model} · VIN {vin} · delivered {date}",
                plate=car.plate,
                model=car.model,
                vin=car.vin or "—",
                date=t.date(car.delivery_date),
            )
        )
    return "\n".join(lines)


def member_not_found(turn: Turn, query: str) -> None:
    """The answer when a staff look-up (phone, plate or card) finds nobody."""
    turn.reply(
        turn._(
            "No member found for “{query}”. Try a phone number, a plate or a card number.",
            query=query[:40],
        )
    )


@staff_only(Permission.VIEW_MEMBER)
async def show_member(turn: Turn, query: str) -> None:
    member = await open_member_for_staff(turn.session, turn.store.id, turn.user_id, query)
    if member is None:
        member_not_found(turn, query)
        return
    buttons = [[(turn._("Record a visit"), encode("visit", "new", member.id))]]
    turn.reply(await member_text(turn, member), inline(buttons))


@turn_handler
@staff_only(Permission.VIEW_MEMBER)
async def on_member(turn: Turn) -> None:
    if not turn.args:
        turn.reply(turn._("Usage: /member <phone | plate | card number>"))
        return
    await show_member(turn, " ".join(turn.args))


@turn_handler
@staff_only(Permission.CREATE_JOIN_LINK)
async def on_joinlink(turn: Turn) -> None:
    channels = turn.store.policy.join_channels
    args = turn.args
    if not args or args[0] not in channels:
        turn.reply(
            turn._(
                "Usage: /joinlink <channel> [advisor's Telegram id | me]\nChannels: {channels}",
                channels=", ".join(channels),
            )
        )
        return
    advisor: int | None = None
    if len(args) > 1:
        if args[1].lower() == "me":
            advisor = turn.user_id
        elif (advisor := parse_id(args[1])) is None:
            turn.reply(turn._("The advisor must be a Telegram user id (see /myid) or “me”."))
            return
    link = await join.create_join_link(
        turn.session, turn.store.id, turn.user_id, args[0], advisor, turn.store.now()
    )
    url = f"https://t.me/{turn.services.bot_username}?start=j_{link.code}"
    turn.reply(
        turn._(
            "One-time join link ({channel}), valid for {days} days. Send it to the "
            "owner or let them scan it:\n{url}",
            channel=channel_label(turn.t, args[0]),
            days=join.JOIN_LINK_DAYS,
            url=url,
        )
    )


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("member", on_member, filters=private),
        CommandHandler("joinlink", on_joinlink, filters=private),
    ]
