"""The last resort: log the failure (no personal data) and tell the user, in their language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.commands import chosen_locale
from bot.i18n import resolve_locale
from bot.services import Services
from handlers.common import services_of

log = logging.getLogger(__name__)


async def _chosen(services: Services, user_id: int) -> str | None:
    """The language the person chose with /language; None if even that cannot be read."""
    try:
        async with services.sessionmaker() as session:
            return await chosen_locale(session, user_id)
    except Exception:  # the database may be what failed
        return None


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("update failed: %s", type(context.error).__name__, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    services = services_of(context)
    user = update.effective_user
    locale = resolve_locale(
        await _chosen(services, user.id) if user else None,
        user.language_code if user else None,
        services.default_store.default_locale,
    )
    # No turn here (the database may be what failed): the default store's clock is
    # good enough for an apology.
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
