"""Typed text and /cancel go to whichever dialog the user has open (join or a visit form)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import ReplyKeyboardRemove
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.club.forms import dialogs
from handlers import broadcast, join, visits
from handlers.common import Turn, turn_handler

TEXT_FLOWS: dict[str, Callable[[Turn], Awaitable[None]]] = {
    "join": join.take_text,
    "visit": visits.take_text,
    "broadcast": broadcast.take_text,
}


@turn_handler
async def on_photo(turn: Turn) -> None:
    dialog = await dialogs.current(turn.session, turn.user_id)
    if dialog is not None and dialog.flow == "broadcast":
        await broadcast.take_photo(turn)
    else:
        turn.reply(turn._("I did not understand that. /help lists what I can do."))


@turn_handler
async def on_text(turn: Turn) -> None:
    dialog = await dialogs.current(turn.session, turn.user_id)
    take = TEXT_FLOWS.get(dialog.flow) if dialog is not None else None
    if take is None:
        turn.reply(turn._("I did not understand that. /help lists what I can do."))
        return
    await take(turn)


@turn_handler
async def on_cancel(turn: Turn) -> None:
    dialog = await dialogs.current(turn.session, turn.user_id)
    if dialog is None:
        turn.reply(turn._("There is nothing to cancel."), ReplyKeyboardRemove())
        return
    await dialogs.close(turn.session, turn.user_id)
    if dialog.flow == "join":
        text = turn._("Joining cancelled; nothing you typed was kept. Send /start to begin again.")
    elif dialog.flow == "broadcast":
        text = turn._("Cancelled; nothing was sent.")
    else:
        text = turn._("Cancelled; nothing was recorded.")
    turn.reply(text, ReplyKeyboardRemove())


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("cancel", on_cancel, filters=private),
        # Last of all: any other private text.
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text),
        MessageHandler(private & filters.PHOTO, on_photo),
    ]
