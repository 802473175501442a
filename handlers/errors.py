"""The last resort: log the failure (no personal data) and tell the user, in their language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.i18n import resolve_locale
from handlers.common import services_of

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("update failed: %s", type(context.error).__name__, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    services = services_of(context)
    user = update.effective_user
    locale = resolve_locale(
        None, user.language_code if user else None, services.settings.default_locale
    )
    t = services.translator(locale)
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            t.gettext(
                "Sorry, something went wrong on our side and nothing was changed. "
                "Please try again in a moment."
            ),
        )
    except TelegramError:
        log.warning("could not tell the user about the failure")
