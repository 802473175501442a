"""The live delivery report staff see under a broadcast: sent, failed, blocked, queued,
unknown. The first report message is an outbox row (so a 429 delays it, never loses it);
`refresh_reports` then edits it until the broadcast is done."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.club.broadcasts import campaigns
from bot.i18n import Translator
from bot.messaging.claims import broadcast_counts, report_messages
from bot.messaging.notify import queue_staff_post
from bot.messaging.outbox import Purpose
from bot.services import Services
from db.models import Broadcast
from handlers.common import Turn

log = logging.getLogger(__name__)


def waiting(counts: dict[str, int]) -> int:
    return counts.get("queued", 0) + counts.get("claimed", 0) + counts.get("sending", 0)


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
        + _unknown_line(t, counts.get("unknown", 0))
    )


def _unknown_line(t: Translator, unknown: int) -> str:
    if not unknown:
        return ""
    return "\n" + t.gettext(
        "Unknown {unknown}: being sent when the bot stopped, maybe delivered; not sent again. "
        "/followups lists them.",
        unknown=unknown,
    )


async def start_report(turn: Turn, broadcast_id: int) -> None:
    """Queue the report message in this unit of work; `refresh_reports` keeps it current."""
    item = await turn.session.get(Broadcast, broadcast_id)
    if item is None:
        return
    await queue_staff_post(
        turn.session,
        turn.services,
        chat_id=turn.chat_id,
        text=await counts_text(turn.session, turn.t, item),
        purpose=Purpose.REPORT,
        key=f"report:{broadcast_id}",
        broadcast_id=broadcast_id,
    )


async def adopt_report_messages(session: AsyncSession, store_id: int) -> None:
    """Note the message id of report messages the outbox has delivered since."""
    for broadcast_id, message_id in (await report_messages(session, store_id)).items():
        await campaigns.set_report_message(session, broadcast_id, message_id)


async def refresh_reports(services: Services, bot: Bot) -> None:
    """Edit every running broadcast's report; a finished one is marked done."""
    async with services.sessionmaker() as session:
        await adopt_report_messages(session, services.store_id)
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
