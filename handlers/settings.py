"""/language and /help."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.members.lookup import save_locale
from bot.club.staff import roles as staff
from bot.commands import ADMIN_COMMANDS, OWNER_COMMANDS, STAFF_COMMANDS
from bot.i18n import SUPPORTED_LOCALES
from handlers.common import Turn, inline, turn_handler

LANGUAGE_NAMES = {"zh_Hans": "简体中文", "en": "English"}


@turn_handler
async def on_language(turn: Turn) -> None:
    turn.reply(
        turn._("Choose your language:"),
        inline([[(LANGUAGE_NAMES[code], f"lang:set:{code}") for code in SUPPORTED_LOCALES]]),
    )


@turn_handler
async def on_language_chosen(turn: Turn) -> None:
    parts = turn.callback_parts
    code = parts[2] if len(parts) == 3 else ""
    if code not in SUPPORTED_LOCALES:
        turn.callback_notice = turn._("That button is no longer active.")
        return
    await save_locale(turn.session, turn.services.store_id, turn.user_id, code)
    turn.t = turn.services.translator(code)
    turn.reply(turn._("From now on I will speak English with you."))


@turn_handler
async def on_help(turn: Turn) -> None:
    roles = await turn.roles()
    items = list(OWNER_COMMANDS)
    if roles:
        items += STAFF_COMMANDS
    if staff.allowed(roles, staff.Permission.MANAGE_STAFF):
        items += ADMIN_COMMANDS
    lines = [turn._("Here is what I can do:")]
    lines += [f"/{name} — {turn._(desc)}" for name, desc in items]
    turn.reply("\n".join(lines))


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("language", on_language, filters=private),
        CallbackQueryHandler(on_language_chosen, pattern=r"^lang:"),
        CommandHandler("help", on_help, filters=private),
    ]
