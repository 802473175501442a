"""The live delivery report staff see under a broadcast: sent, failed, blocked, queued."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.club.broadcasts import campaigns
from bot.i18n import Translator
from bot.messaging.claims import broadcast_counts
from bot.services import Services
from db.models import Broadcast
from handlers.common import Turn

log = logging.getLogger(__name__)


def waiting(counts: dict[str, int]) -> int:
    return counts.get("queued", 0) + counts.get("sending", 0)


async def counts_text(session: AsyncSession, t: Translator, item: Broadcast) -> str:
    return report_text(t, item, await broadcast_counts(session, item.id))


def report_text(t: Translator, item: Broadcast, counts: dict[str, int]) -> str:
    """Sent, failed, blocked, capped, still queued, cancelled — of how many."""
    left = waiting(counts)
    head = (
        t.gettext("Broadcast #{id}: sending…", id=item.id)
        if left and item.status == "queued"
        else t.gettext("Broadcast #{id}: finished.", id=item.id)
    )
    return (
        head
        + "\n"
        + t.gettext(
            "Sent {sent} · failed {failed} · blocked {blocked} · capped {capped} · still queued "
            "{queued} · cancelled {cancelled} (of {total})",
            sent=counts.get("sent", 0),
            failed=counts.get("failed", 0),
            blocked=counts.get("blocked", 0),
            capped=counts.get("capped", 0),
            queued=left,
            cancelled=counts.get("cancelled", 0),
            total=item.recipients,
        )
    )


def start_report(turn: Turn, broadcast_id: int) -> None:
    """After the commit, post the report message; `refresh_reports` keeps it current."""
    bot, services, chat_id, t = turn.context.bot, turn.services, turn.chat_id, turn.t

    async def post() -> None:
        async with services.sessionmaker() as session:
            item = await session.get(Broadcast, broadcast_id)
            if item is None:
                return
            message = await bot.send_message(chat_id, await counts_text(session, t, item))
            await campaigns.set_report_message(session, broadcast_id, message.message_id)
            await session.commit()

    turn.after_commit.append(post)


async def refresh_reports(services: Services, bot: Bot) -> None:
    """Edit every running broadcast's report; a finished one is marked done."""
    async with services.sessionmaker() as session:
        running = await campaigns.reporting(session, services.store_id)
        for item in running:
            t = services.translator(item.report_locale or services.settings.default_locale)
            counts = await broadcast_counts(session, item.id)
            if not waiting(counts):
                await campaigns.mark_done(session, item.id)
                item.status = "done"
            text = report_text(t, item, counts)
            try:
                await bot.edit_message_text(text, item.report_chat_id, item.report_message_id)
            except TelegramError as exc:  # "message is not modified" and the like
                log.debug("report %s not edited: %s", item.id, exc)
        await session.commit()


async def refresh_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await refresh_reports(context.application.bot_data["services"], context.bot)
