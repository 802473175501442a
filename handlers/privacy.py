"""/mydata: what the club keeps about me, as a file; /deleteme: leave and be forgotten."""

from __future__ import annotations

import json

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.members import privacy
from handlers.callbacks import encode, pattern
from handlers.card import current_member
from handlers.common import Turn, inline, turn_handler

PRIVACY = "privacy"


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
                [(turn._("Delete my membership and data"), encode(PRIVACY, "erase", member.id))],
                [(turn._("Keep my membership"), encode(PRIVACY, "keep"))],
            ]
        ),
    )


@turn_handler
async def on_choice(turn: Turn) -> None:
    data = turn.callback  # privacy:keep | privacy:erase:<member id>
    action = data.action if data is not None else ""
    member = await current_member(turn) if action == "erase" else None
    if action == "keep":
        turn.replace(turn._("Good to have you with us. Nothing was changed."))
    elif member is not None and data is not None and data.args == (str(member.id),):
        await privacy.erase(turn.session, turn.store, member, turn.user_id)
        turn.replace(
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
        CallbackQueryHandler(on_choice, pattern=pattern(PRIVACY, "erase", "keep")),
    ]
