"""Builds the services and the PTB Application; the only place that imports `handlers`."""

from __future__ import annotations

import gc
import logging

from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest

from bot import jobs
from bot.club.policy.model import ClubPolicy, load_policy
from bot.club.stores.registry import ensure_store, load_stores
from bot.commands import register_menus
from bot.config import Settings
from bot.messaging.budget import BudgetRateLimiter, slot_source
from bot.messaging.pacing import Pacer, Timer
from bot.messaging.sender import PushSender, stop_sender
from bot.messaging.texts import push_renderer
from bot.services import Services
from bot.updates import PerChatUpdateProcessor
from db.engine import make_engine, make_reader, make_sessionmaker
from db.migrate import upgrade_to_head

log = logging.getLogger(__name__)


async def build_services(settings: Settings, policy: ClubPolicy | None = None) -> Services:
    """Engine, migrations and the stores: everything the bot needs before updates.

    The configured store (STORE_CODE, STORE_NAME, STORE_TIMEZONE) is created or refreshed
    and is the default; every store row becomes a context with its own time zone."""
    engine = make_engine(settings.database_url)
    await upgrade_to_head(engine)
    sessionmaker = make_sessionmaker(engine)
    policy = policy or load_policy(settings.policy_file)
    async with sessionmaker() as session:
        store = await ensure_store(
            session, settings.store_code, settings.store_name, settings.store_timezone
        )
        await session.commit()
        stores = await load_stores(session, policy, settings.default_locale)
    # The caller may run the bot on another event loop (PTB's): connections opened on
    # this one must not be left in the pool (asyncpg cannot close them from another).
    await engine.dispose()
    return Services(
        settings=settings,
        policy=policy,
        engine=engine,
        sessionmaker=sessionmaker,
        stores=stores,
        default_store=stores[store.id],
        reader=make_reader(settings.database_url),
        scanner=make_reader(settings.database_url, on_loop=False),
    )


def register_handlers(app: Application) -> None:
    """Handlers in the order PTB tries them; the first match in a group wins."""
    from handlers import (
        bookings,
        broadcast,
        calls,
        card,
        corrections,
        errors,
        events,
        gifts,
        help,
        imports,
        join,
        membership,
        points,
        privacy,
        reminders,
        roles,
        router,
        settings,
        staff,
        start,
        surveys,
        visits,
    )

    for module in (
        start,  # /start and its deep links
        card,  # /card, /invite
        points,  # /points and its pages
        membership,  # /upgrade, /renew (owners trade points)
        gifts,  # /gifts, /mygifts, /catalog, /redemptions, /fulfil and their buttons
        bookings,  # /book, /bookings, /today, /day, /bookfor, /duebook, slots, figures
        events,  # /events, /newevent, /eventdesk, /questions, sign-up, check-in, evaluation
        surveys,  # the survey after a visit, /feedback, /tickets, /surveys
        calls,  # /calls, /dmsname
        settings,  # /settings, /language
        help,  # /help; commands sent in a group point to the private chat
        privacy,  # /mydata, /deleteme
        reminders,  # reminder buttons, /followups, /templates
        staff,  # /member, /joinlink
        visits,  # /visit and the visit form's buttons
        corrections,  # /reverse, /adjust, /settier, /renewfee, /ledgercheck
        imports,  # /import and DMS files sent as documents
        broadcast,  # /broadcast, /broadcasts and their buttons
        roles,  # /grant, /revoke, /staff, /myid
        join,  # join buttons and the shared contact
        router,  # /cancel, then any other private text to the open dialog
    ):
        app.add_handlers(module.build_handlers())
    app.add_error_handler(errors.on_error)


# Python's collector looks for cycles among young objects every 700 more allocated
# than freed. Updates and import batches make and drop tens of thousands of tuples,
# dicts and rows at a time, so it ran a thousand times per 100k imported visits (with
# ninety passes over the older ones): ~0.75 s of the event loop's thread, against
# ~0.1 s at 10,000. Cycles are rare here; their memory waits a little longer.
YOUNG_OBJECTS = 10_000


def settle_heap() -> None:
    """Keep what start-up built (modules, handlers, the policy: it lives as long as the
    process) out of the collector's full passes. Without, each full pass walked it
    again and stopped the event loop ~70 ms; a sweep over a million cars set off twenty
    such passes. Young objects are collected less often (YOUNG_OBJECTS). Call once,
    when the process is ready to work."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])


async def _post_init(app: Application) -> None:
    services: Services = app.bot_data["services"]
    services.bot_username = app.bot.username
    await register_menus(app.bot, services)  # by role, in each one's language
    if app.bot_data.get("run_push_sender"):  # the one sender of the outbox, in the background
        PushSender.for_app(services, app, push_renderer(services)).start(app)


async def _post_stop(app: Application) -> None:
    await stop_sender(app)


SETTLE_SECONDS = 10  # background work (a broadcast being queued) given at shutdown


async def _post_shutdown(app: Application) -> None:
    services: Services = app.bot_data["services"]
    await stop_sender(app)
    # A broadcast still being queued then is cut short: it stays due, and the scheduler's
    # next run (here or on another instance) completes it.
    await services.settle(SETTLE_SECONDS)
    await services.close()


def build_application(
    services: Services,
    *,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
    push_sender: bool = True,
    timer: Timer | None = None,
) -> Application:
    """The PTB Application; tests pass a fake `request`, no rate limiter (or a `timer`
    of their own), and drain the outbox themselves instead of running the background
    sender. Replies and pushes share one Telegram budget (`bot.messaging.budget`)."""
    settings = services.settings
    builder = (
        ApplicationBuilder()
        .token(settings.bot_token)
        .base_url(settings.bot_api_base_url)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .concurrent_updates(PerChatUpdateProcessor())
    )
    if settings.bot_api_file_url:
        builder = builder.base_file_url(settings.bot_api_file_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limit:
        rate = services.policy.pushes.rate
        pacer = Pacer(rate, timer)
        pacer.slots = slot_source(
            services.sessionmaker, settings.database_url, settings.bot_token, rate, pacer.timer
        )
        builder = builder.rate_limiter(BudgetRateLimiter(pacer))
    app = builder.build()
    app.bot_data["services"] = services
    app.bot_data["run_push_sender"] = push_sender
    register_handlers(app)
    from handlers.broadcast_report import refresh_job

    jobs.schedule(app, services, refresh_job)
    return app
