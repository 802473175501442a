"""Scheduled work. Every sweep is safe to run on several instances at once: each effect
is keyed (member, kind, date) in the database, so a second run finds nothing to do."""

from __future__ import annotations

import logging
from datetime import time

from telegram import Bot
from telegram.ext import Application, ContextTypes

from bot import notices
from bot.club import membership, points
from bot.notify import tell_member
from bot.services import Services
from db.models import Member

log = logging.getLogger(__name__)

SWEEP_AT = time(9, 30)  # store time: after opening, before owners' lunch


async def daily_sweep(services: Services, bot: Bot) -> dict[str, int]:
    """Membership notices and step-downs, then points expiry; tell each owner once."""
    today = services.today()
    async with services.sessionmaker() as session:
        changes = await membership.expiry_sweep(session, services.policy, services.store_id, today)
        expired = await points.expire_due(session, services.store_id, today)
        members = {c.member_id: await session.get(Member, c.member_id) for c in changes}
        await session.commit()
    told = 0
    for change in changes:
        member = members[change.member_id]
        if member is not None and await tell_member(
            bot, services, member, lambda t, c=change: notices.for_owner(t, services.policy, c)
        ):
            told += 1
    summary = {"membership_changes": len(changes), "points_expired": expired, "told": told}
    log.info("daily sweep: %s", summary)
    return summary


async def _run(context: ContextTypes.DEFAULT_TYPE) -> None:
    await daily_sweep(context.application.bot_data["services"], context.bot)


def schedule(app: Application, services: Services) -> None:
    """Every day at SWEEP_AT store time, and once shortly after start (missed days)."""
    if app.job_queue is None:  # PTB installed without the job-queue extra
        log.warning("no job queue: daily sweeps will not run")
        return
    app.job_queue.run_daily(_run, SWEEP_AT.replace(tzinfo=services.settings.tz), name="sweep")
    app.job_queue.run_once(_run, 30, name="sweep-at-start")
