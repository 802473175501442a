"""Whatever a user sends outside a command goes to the form they have open, if any.

The open dialog names its form; `handlers.forms` finds that form's renderer in its
registry (each feature module registers its own), so this module knows no form by name.
"""

from __future__ import annotations

from telegram import ReplyKeyboardRemove
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

import handlers.broadcast
import handlers.gifts
import handlers.join
import handlers.visits  # noqa: F401  (the feature modules register their forms on import)
from bot.club.forms.engine import Kind, Reply
from handlers import forms
from handlers.common import Turn, turn_handler


def _not_understood(turn: Turn) -> None:
    turn.reply(turn._("I did not understand that. /help lists what I can do."))


@turn_handler
async def on_text(turn: Turn) -> None:
    if not await forms.take(turn, Reply(Kind.TEXT, turn.text)):
        _not_understood(turn)


@turn_handler
async def on_photo(turn: Turn) -> None:
    message = turn.update.effective_message
    photo = message.photo[-1].file_id if message and message.photo else None
    if not await forms.take(turn, Reply(Kind.PHOTO, photo)):
        _not_understood(turn)


@turn_handler
async def on_contact(turn: Turn) -> None:
    message = turn.update.effective_message
    contact = message.contact if message else None
    reply = Reply(
        Kind.CONTACT,
        contact.phone_number if contact else None,
        contact.user_id if contact else None,
    )
    if contact is None or not await forms.take(turn, reply):
        turn.reply(turn._("Send /start to join the club."))


@turn_handler
async def on_location(turn: Turn) -> None:
    """A shared location: an answer of kind OTHER carrying "latitude,longitude", so any
    form may have a map step (its step accepts OTHER and parses the value); a step that
    does not take it answers with its own reminder."""
    message = turn.update.effective_message
    where = message.location if message is not None else None
    value = f"{where.latitude},{where.longitude}" if where is not None else None
    if not await forms.take(turn, Reply(Kind.OTHER, value)):
        _not_understood(turn)


@turn_handler
async def on_other(turn: Turn) -> None:
    """A sticker, voice message...: never an answer, but a reminder of the step."""
    if not await forms.take(turn, Reply(Kind.OTHER)):
        _not_understood(turn)


@turn_handler
async def on_cancel(turn: Turn) -> None:
    ui = await forms.cancel(turn)
    if ui is None:
        turn.reply(turn._("There is nothing to cancel."), ReplyKeyboardRemove())
        return
    turn.reply(turn._(ui.cancelled), ReplyKeyboardRemove())


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("cancel", on_cancel, filters=private),
        # Last of all: any other private message.
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text),
        MessageHandler(private & filters.PHOTO, on_photo),
        MessageHandler(private & filters.CONTACT, on_contact),
        MessageHandler(private & filters.LOCATION, on_location),
        MessageHandler(
            private & ~filters.COMMAND & ~filters.StatusUpdate.ALL & ~filters.TEXT, on_other
        ),
    ]
