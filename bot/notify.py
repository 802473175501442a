"""Telling a member or the staff chat something the bot was not asked about.

The one place outgoing notices leave from (the push outbox will sit behind it): it picks
the member's language, and a member who blocked the bot never breaks the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import Bot
from telegram.error import Forbidden, TelegramError

from bot.i18n import Translator
from bot.services import Services
from db.models import Member

log = logging.getLogger(__name__)

Render = Callable[[Translator], str]


def member_translator(services: Services, member: Member) -> Translator:
    return services.translator(member.locale or services.settings.default_locale)


async def tell_member(bot: Bot, services: Services, member: Member, render: Render) -> bool:
    """Send `render(translator)` to the member's chat; False if they cannot be reached."""
    if member.telegram_user_id is None:
        return False
    try:
        await bot.send_message(member.telegram_user_id, render(member_translator(services, member)))
    except Forbidden:
        log.info("member %s has blocked the bot", member.id)
        return False
    except TelegramError as exc:
        log.warning("could not notify member %s: %s", member.id, exc)
        return False
    return True


async def tell_staff(bot: Bot, services: Services, render: Render) -> bool:
    """Post to the staff group (STAFF_CHAT_ID), in the store's language, if one is set."""
    chat_id = services.settings.staff_chat_id
    if chat_id is None:
        return False
    try:
        await bot.send_message(
            chat_id, render(services.translator(services.settings.default_locale))
        )
    except TelegramError as exc:
        log.warning("could not post to the staff chat: %s", exc)
        return False
    return True
