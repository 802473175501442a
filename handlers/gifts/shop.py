"""Placeholder: replaced by the feature's handlers."""

from __future__ import annotations

from telegram.ext import BaseHandler, CommandHandler, filters

from handlers.common import Turn, turn_handler


@turn_handler
async def _later(turn: Turn) -> None:
    turn.reply(turn._("I did not understand that. /help lists what I can do."))


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("gifts", _later, filters=filters.ChatType.PRIVATE),
    ]
