"""/start: welcome, deep links (referral, staff join link, scanned member card,
redemption QR or check-in pass, an event's card), resume."""

from __future__ import annotations

from telegram.ext import BaseHandler, CommandHandler, filters

from bot.club.members import join
from bot.club.members.lookup import CARD_DEEP_LINK_PREFIX
from bot.club.staff import roles as staff
from handlers.card import send_card
from handlers.common import Turn, turn_handler
from handlers.events import browse as events
from handlers.events import checkin as event_checkin
from handlers.events.texts import DEEP_LINK_PREFIX as EVENT_DEEP_LINK_PREFIX
from handlers.events.texts import PASS_PREFIX
from handlers.gifts.desk import open_code
from handlers.gifts.texts import DEEP_LINK_PREFIX as GIFT_DEEP_LINK_PREFIX
from handlers.join import consent_keyboard, consent_text, resume
from handlers.staff import show_member


@turn_handler
async def on_start(turn: Turn) -> None:
    arg = turn.args[0] if turn.args else ""
    if arg.startswith(CARD_DEEP_LINK_PREFIX):
        # A staff member scanned an owner's card with the phone camera.
        if staff.allowed(await turn.roles(), staff.Permission.VIEW_MEMBER):
            await show_member(turn, arg)
        else:
            turn.reply(turn._("This QR code is for store staff. Your own card: /card"))
        return
    if arg.startswith(GIFT_DEEP_LINK_PREFIX):
        # A redemption's QR: staff open it at the desk; its owner sees their own.
        await open_code(turn, arg[len(GIFT_DEEP_LINK_PREFIX) :])
        return
    if arg.startswith(PASS_PREFIX):
        # A sign-up's check-in pass: staff check the owner in; its owner sees their own.
        await event_checkin.open_pass(turn, arg[len(PASS_PREFIX) :])
        return
    if arg.startswith(EVENT_DEEP_LINK_PREFIX):
        await events.open_event(turn, arg[len(EVENT_DEEP_LINK_PREFIX) :])
        return
    if await turn.roles():
        # Staff open this chat so that ticket cards and calls can reach them here.
        turn.reply(
            turn._(
                "You are on the {store} staff: /help lists your commands, and I can now "
                "send you tickets and calls in this chat.",
                store=turn.store.name,
            )
        )
    member = await join.member_of_chat(turn.session, turn.store.id, turn.user_id)
    if member is not None:
        turn.reply(turn._("Welcome back, {name}! /help lists what you can do.", name=member.name))
        await send_card(turn, member)
        return
    if await resume(turn):
        return
    kind, code = "", ""
    if arg.startswith("ref_") and len(arg) > 4:
        kind, code = "r", arg[4:20]
    elif arg.startswith("j_") and len(arg) > 2:
        preset = await join.usable_link(
            turn.session, turn.store.id, arg[2:], turn.store.now(), turn.user_id
        )
        if preset is None:
            turn.reply(
                turn._("This join link has expired or was already used; you can still join below.")
            )
        else:
            kind, code = "j", arg[2:26]
    turn.reply(
        turn._(
            "Welcome to the {store} owners club! Members get care reminders, "
            "points, gifts, owner classes and road trips.",
            store=turn.store.name,
        )
    )
    turn.reply(consent_text(turn), consent_keyboard(turn.t, kind, code))


def build_handlers() -> list[BaseHandler]:
    return [CommandHandler("start", on_start, filters=filters.ChatType.PRIVATE)]
