"""The wiring of the budget and the sender in the Application, and a clean hand-over of
the engine from the set-up event loop to PTB's."""

from __future__ import annotations

from bot.app import build_application, build_services
from bot.messaging.budget import BudgetRateLimiter
from bot.messaging.sender import PushSender
from bot.messaging.texts import push_renderer
from tests.harness import FakeBotAPI


async def test_set_up_leaves_no_connection_for_another_event_loop(settings):
    # `python -m bot` sets up on one loop and runs PTB on another: a pooled asyncpg
    # connection from the first would fail to close on the second (a traceback per start).
    services = await build_services(settings)
    assert services.engine.pool.checkedin() == 0
    await services.engine.dispose()


async def test_replies_and_the_sender_draw_from_one_pacer(settings):
    services = await build_services(settings)
    app = build_application(services, request=FakeBotAPI(), push_sender=False)
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, BudgetRateLimiter)
    sender = PushSender.for_app(services, app, push_renderer(services))
    assert sender.pacer is limiter.pacer  # one budget, not 30/s each
    assert getattr(sender.bot, "rate_limiter", None) is None  # pushes are not paced twice
    await services.engine.dispose()
