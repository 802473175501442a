"""The live delivery report staff see under a broadcast: sent, failed, blocked, queued,
unknown. The first report message is an outbox row (so a 429 delays it, never loses it);
`refresh_reports` then edits it until the broadcast is done."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.club.broadcasts import campaigns
from bot.i18n import Translator
from bot.messaging.claims import broadcast_counts, report_messages
from bot.messaging.notify import queue_report
from bot.messaging.texts import report_text, waiting
from bot.services import Services
from handlers.common import Turn

if TYPE_CHECKING:
    from bot.club.stores.context import StoreContext
    from db.models import Broadcast

log = logging.getLogger(__name__)


async def counts_text(session: AsyncSession, t: Translator, item: Broadcast) -> str:
    return report_text(t, item, await broadcast_counts(session, item.id))


async def start_report(turn: Turn, broadcast_id: int) -> None:
    """Queue the report message with the broadcast, in the same transaction (an outbox
    row: a 429 delays it, never loses it); `refresh_reports` keeps it current."""
    await queue_report(turn.session, turn.services, broadcast_id)


async def adopt_report_messages(session: AsyncSession, store_id: int) -> None:
    """Note the message id of report messages the outbox has delivered since."""
    for broadcast_id, message_id in (await report_messages(session, store_id)).items():
        await campaigns.set_report_message(session, broadcast_id, message_id)


async def refresh_reports(services: Services, bot: Bot) -> None:
    """Edit every running broadcast's report, in every store; a finished one is marked done."""
    async with services.sessionmaker() as session:
        for store in services.stores.values():
            await adopt_report_messages(session, store.id)
            for item in await campaigns.reporting(session, store.id):
                await _refresh(services, store, bot, session, item)
        await session.commit()


async def _refresh(
    services: Services, store: StoreContext, bot: Bot, session: AsyncSession, item: Broadcast
) -> None:
    t = services.translator(item.report_locale or store.default_locale, store)
    counts = await broadcast_counts(session, item.id)
    if not waiting(counts):
        await campaigns.mark_done(session, item.id)
        item.status = "done"
    text = report_text(t, item, counts)
    try:
        await bot.edit_message_text(text, item.report_chat_id, item.report_message_id)
    except TelegramError as exc:  # "message is not modified" and the like
        log.debug("report %s not edited: %s", item.id, exc)


async def refresh_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await refresh_reports(context.application.bot_data["services"], context.bot)
