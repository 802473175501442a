"""Telling a member or the staff chat something the bot was not asked about.

Messages to members go through the outbox (a NOTICE push, queued in the caller's
transaction, so it exists exactly when the change it reports was committed); the
sender delivers it within a second or two. The staff chat is posted to directly.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import TelegramError

from bot.i18n import Translator
from bot.messaging import outbox
from bot.services import Services
from db.models import Member

log = logging.getLogger(__name__)

Render = Callable[[Translator], str]


def member_translator(services: Services, member: Member) -> Translator:
    return services.translator(member.locale or services.settings.default_locale)


async def notify_member(
    session: AsyncSession, services: Services, member: Member, render: Render, key: str = ""
) -> bool:
    """Queue `render(translator)` for the member; False if they cannot be reached."""
    if member.telegram_user_id is None or member.blocked_at is not None:
        return False
    text = render(member_translator(services, member))
    queued = await outbox.enqueue(
        session,
        store_id=member.store_id,
        member_id=member.id,
        chat_id=member.telegram_user_id,
        purpose=outbox.Purpose.NOTICE,
        dedupe_key=key or secrets.token_hex(8),
        params={"text": text},
        urgent=True,  # a reply to what the owner did: no quiet hours
    )
    return queued is not None


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
