"""Scheduled work. Every job is safe to run on several instances at once: each effect is
keyed in the database (member, kind, date), so a second run finds nothing to do."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application, ContextTypes

from bot.club.bookings import figures as booking_figures
from bot.club.broadcasts import campaigns as broadcasts
from bot.club.calls import sweep as call_sweep
from bot.club.events import signup as event_signups
from bot.club.gifts import expiry as gift_expiry
from bot.club.gifts.refunds import GivenBack
from bot.club.points import ledger as points
from bot.club.points import membership
from bot.club.reminders import sweep as reminders
from bot.club.stores.context import StoreContext
from bot.club.surveys import sweep as survey_sweep
from bot.messaging import event_notices, gift_notices, membership_texts, ticket_escalation
from bot.messaging.notify import notify_member, queue_report
from bot.services import Services
from db.models import Member

log = logging.getLogger(__name__)


async def sweep_store(services: Services, store: StoreContext) -> dict[str, int]:
    """One store's day: care reminders into the outbox, lapsed memberships step down,
    points expire, gifts and vouchers past their last day expire, this month's and last
    month's booking figures are kept. "Today" is the store's, from its own time zone."""
    today, policy = store.today(), store.policy
    report = await reminders.sweep(
        services.sessionmaker, policy, store.id, today, store.tz, reads=services.scans
    )
    async with services.sessionmaker() as session:
        changes = await membership.expiry_sweep(session, policy, store.id, today)
        for change in changes:
            member = await session.get(Member, change.member_id)
            if member is not None:
                await notify_member(
                    session,
                    services,
                    member,
                    lambda t, c=change: membership_texts.for_owner(t, policy, c),
                    f"expired:{change.valid_until.isoformat()}",
                )
        expired = await points.expire_due(session, store.id, today)
        await session.commit()
    async with services.sessionmaker() as session:
        await booking_figures.keep_recent(session, store, services.now())
        await session.commit()

    async def tell(session: AsyncSession, back: GivenBack) -> None:
        await gift_notices.notify_expired(session, services, back)

    gifts = await gift_expiry.expire_due(
        services.sessionmaker, policy, store.id, today, services.now(), tell
    )
    summary = {
        "reminders": report.queued,
        "stepped_down": len(changes),
        "points_expired": expired,
        "gifts_expired": gifts,
    }
    log.info("daily sweep of store %s: %s", store.code, summary)
    return summary


async def daily_sweep(services: Services) -> dict[str, int]:
    """Every store's sweep (see `sweep_store`), the figures added up."""
    total: Counter[str] = Counter()
    for store in services.stores.values():
        total.update(await sweep_store(services, store))
    keys = ("reminders", "stepped_down", "points_expired", "gifts_expired")
    return {key: total[key] for key in keys}


async def release_broadcast(
    services: Services, store: StoreContext, broadcast_id: int, now: datetime | None = None
) -> int | None:
    """Queue one due broadcast for its audience by ranges of members, a short transaction
    each, with its delivery report for the staff member who sent it queued in the last
    one (`campaigns.release_in_batches`): how many it reached, or None if it was released
    (by another run racing this one) or cancelled elsewhere. Cut short by a crash, it is
    due still, and the next `release_broadcasts` completes it; the report is queued once."""
    now = now or services.now()

    async def report(session: AsyncSession) -> None:
        await queue_report(session, services, broadcast_id)

    return await broadcasts.release_in_batches(
        services.sessionmaker, store.policy, broadcast_id, store.today(now), now, then=report
    )


async def release_broadcasts(services: Services, now: datetime | None = None) -> int:
    """Queue scheduled broadcasts whose time has come, in every store (`release_broadcast`);
    how many were released here. Each is queued by ranges of members, so that owners'
    writes never wait seconds behind it; one cut short by a crash (or sent now from the
    staff form, whose release after the commit never ran) is due still, and this
    completes it."""
    now = now or services.now()
    released = 0
    for store in services.stores.values():
        async with services.sessionmaker() as session:
            due = await broadcasts.due(session, store.id, now)
            await session.commit()
        for broadcast_id in due:
            count = await release_broadcast(services, store, broadcast_id, now)
            released += count is not None
    return released


async def events_tick(services: Services, now: datetime | None = None) -> dict[str, int]:
    """Every store's event work that cannot wait for the daily sweep: places held past
    their time pass on to the next in line, and questions unanswered past the policy's
    hours are flagged to the manager. Safe on several instances (see each use-case)."""
    now = now or services.now()
    lapsed = flagged = 0
    for store in services.stores.values():
        async with services.sessionmaker() as session:
            lapsed += len(await event_signups.lapse_offers(session, store, now))
            await session.commit()
        async with services.sessionmaker() as session:
            flagged += await event_notices.flag_overdue_questions(session, services, store, now)
            await session.commit()
    return {"offers_lapsed": lapsed, "questions_flagged": flagged}


SurveyStep = Callable[[AsyncSession, StoreContext, datetime], Awaitable[int]]


async def _step(
    services: Services, store: StoreContext, name: str, step: SurveyStep, now: datetime
) -> int:
    """One store's step of the surveys' minute in its own transaction; a failure is
    logged and rolled back, and the other steps and stores still run (a bad row must
    not stop every escalation)."""
    try:
        async with services.sessionmaker() as session:
            done = await step(session, store, now)
            await session.commit()
        return done
    except Exception:
        log.exception("surveys minute: %s failed for store %s", name, store.code)
        return 0


async def surveys_tick(services: Services, now: datetime | None = None) -> dict[str, int]:
    """Every store's survey and follow-up work, each step in its own transaction: surveys
    for the service visits recorded lately, call tasks after recent deliveries and
    services, and tickets past their deadline to the manager. Safe on several instances:
    each write is keyed or conditional (see each use-case)."""
    now = now or services.now()

    async def escalate(session: AsyncSession, store: StoreContext, at: datetime) -> int:
        return await ticket_escalation.escalate(session, services, store, at)

    steps: tuple[tuple[str, SurveyStep], ...] = (
        ("surveys", survey_sweep.queue_surveys),
        ("call_tasks", call_sweep.make_tasks),
        ("escalated", escalate),
    )
    total = dict.fromkeys((name for name, _ in steps), 0)
    for store in services.stores.values():
        for name, step in steps:
            total[name] += await _step(services, store, name, step, now)
    return total


def _services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


async def _daily(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One store's sweep (the job's data is its id), or every store's."""
    services = _services(context)
    store_id = context.job.data if context.job is not None else None
    if isinstance(store_id, int) and store_id in services.stores:
        await sweep_store(services, services.stores[store_id])
    else:
        await daily_sweep(services)


async def _broadcasts(context: ContextTypes.DEFAULT_TYPE) -> None:
    await release_broadcasts(_services(context))


async def _events(context: ContextTypes.DEFAULT_TYPE) -> None:
    await events_tick(_services(context))


async def _surveys(context: ContextTypes.DEFAULT_TYPE) -> None:
    await surveys_tick(_services(context))


Job = Callable[[ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def schedule(app: Application, services: Services, report_job: Job) -> None:
    """Each store's daily sweep at the policy's reminder time on the store's own clock
    (and every store's once after start), scheduled broadcasts every 30 s, the broadcast
    reports (`report_job`) every 5 s, event offers and questions (`events_tick`) and
    surveys, call tasks and ticket escalations (`surveys_tick`) every minute."""
    if app.job_queue is None:  # PTB installed without the job-queue extra
        log.warning("no job queue: scheduled work will not run")
        return
    for store in services.stores.values():
        at = store.policy.reminders.send_at.replace(tzinfo=store.tz)
        app.job_queue.run_daily(_daily, at, data=store.id, name=f"daily-sweep:{store.code}")
    app.job_queue.run_once(_daily, 30, name="daily-sweep-at-start")
    app.job_queue.run_repeating(_broadcasts, 30, first=5, name="broadcasts")
    app.job_queue.run_repeating(report_job, 5, first=5, name="broadcast-reports")
    app.job_queue.run_repeating(_events, 60, first=20, name="events")
    app.job_queue.run_repeating(_surveys, 60, first=25, name="surveys")
