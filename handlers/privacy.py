"""/mydata: what the club keeps about me, as a file; /deleteme: leave and be forgotten."""

from __future__ import annotations

import json

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.members import privacy
from handlers.card import current_member
from handlers.common import Turn, inline, turn_handler


@turn_handler
async def on_mydata(turn: Turn) -> None:
    member = await current_member(turn)
    if member is None:
        return
    data = await privacy.export(turn.session, member)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    turn.reply_document(
        "my-club-data.json",
        content,
        turn._("Everything the club keeps about you. To have it deleted, send /deleteme."),
    )


@turn_handler
async def on_deleteme(turn: Turn) -> None:
    member = await current_member(turn)
    if member is None:
        return
    turn.reply(
        turn._(
            "This ends your membership and deletes your details, your cars and your "
            "points for good. It cannot be undone."
        ),
        inline(
            [
                [(turn._("Delete my membership and data"), f"privacy:erase:{member.id}")],
                [(turn._("Keep my membership"), "privacy:keep")],
            ]
        ),
    )


@turn_handler
async def on_choice(turn: Turn) -> None:
    parts = turn.callback_parts
    member = await current_member(turn) if parts[1] == "erase" else None
    if parts[1] == "keep":
        turn.reply(turn._("Good to have you with us. Nothing was changed."))
    elif member is not None and parts[2:] == [str(member.id)]:
        await privacy.erase(turn.session, member, turn.user_id)
        turn.reply(
            turn._(
                "Your membership and data have been deleted. Send /start if you "
                "ever want to join again."
            )
        )
    elif member is not None:
        turn.callback_notice = turn._("That button is no longer active.")


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("mydata", on_mydata, filters=private),
        CommandHandler("deleteme", on_deleteme, filters=private),
        CallbackQueryHandler(on_choice, pattern=r"^privacy:"),
    ]
