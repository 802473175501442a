"""The live delivery report staff see under a broadcast: sent, failed, blocked, queued,
unknown. The first report message is an outbox row (so a 429 delays it, never loses it),
queued with the broadcast's release (`bot.messaging.notify.queue_report`);
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
from bot.messaging.texts import report_text, waiting
from bot.services import Services

if TYPE_CHECKING:
    from bot.club.stores.context import StoreContext
    from db.models import Broadcast

log = logging.getLogger(__name__)


async def counts_text(session: AsyncSession, t: Translator, item: Broadcast) -> str:
    return report_text(t, item, await broadcast_counts(session, item.id))


async def adopt_report_messages(services: Services, store_id: int) -> None:
    """Note the message id of report messages the outbox has delivered since (looked for
    among the broadcasts' rows without the write lock, noted with it)."""
    async with services.scans() as session:
        delivered = await report_messages(session, store_id)
    if delivered:
        async with services.sessionmaker() as session:
            for broadcast_id, message_id in delivered.items():
                await campaigns.set_report_message(session, broadcast_id, message_id)
            await session.commit()


async def refresh_reports(services: Services, bot: Bot) -> None:
    """Edit every running broadcast's report, in every store; a finished one is marked done.

    Its counts (a million-member broadcast's rows) are read on a connection that never
    takes the write lock, and the edit goes out with no transaction open: the sender's
    marks and owners' writes never wait behind a report."""
    for store in services.stores.values():
        await adopt_report_messages(services, store.id)
        async with services.scans() as session:
            running = await campaigns.reporting(session, store.id)
        for item in running:
            await _refresh(services, store, bot, item)


async def _refresh(services: Services, store: StoreContext, bot: Bot, item: Broadcast) -> None:
    t = services.translator(item.report_locale or store.default_locale, store)
    async with services.scans() as session:
        counts = await broadcast_counts(session, item.id)
    if not waiting(counts):
        async with services.sessionmaker() as session:
            await campaigns.mark_done(session, item.id)
            await session.commit()
        item.status = "done"
    text = report_text(t, item, counts)
    try:
        await bot.edit_message_text(text, item.report_chat_id, item.report_message_id)
    except TelegramError as exc:  # "message is not modified" and the like
        log.debug("report %s not edited: %s", item.id, exc)


async def refresh_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await refresh_reports(context.application.bot_data["services"], context.bot)
