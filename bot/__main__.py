"""`python -m bot`: run the club bot (long polling, or a webhook when WEBHOOK_URL is set)."""

from __future__ import annotations

import asyncio
import logging
import sys

from telegram import Update

from bot.app import build_application, build_services, settle_heap
from bot.club.policy.model import PolicyError
from bot.config import ConfigError, load_settings


def use_uvloop() -> None:
    """Run on uvloop's event loop where it is installed (not on Windows): the same asyncio,
    with its sockets, timers and callbacks in C. Every Bot API call and database round
    trip costs the bot less CPU: PostgreSQL `/points` went from 3.1 to 2.7 ms per update
    (benchmarks/bot_load.py). Without it, asyncio's own loop does the same work."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main() -> None:
    use_uvloop()
    if len(sys.argv) > 1:  # a tool: import, check-ledger, migrate (see bot/cli.py)
        from bot.cli import run_tool

        try:
            settings = load_settings(require_token=False)
        except (ConfigError, PolicyError) as exc:
            print(f"configuration error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        settle_heap()
        raise SystemExit(run_tool(sys.argv[1:], settings))
    try:
        settings = load_settings()
        services = asyncio.run(build_services(settings))
    except (ConfigError, PolicyError) as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its URLs contain the token
    # The engine was created on the set-up loop; PTB runs its own, so start afresh.
    asyncio.run(services.close())
    app = build_application(services)
    settle_heap()
    if settings.use_webhook:
        from urllib.parse import urlparse

        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlparse(settings.webhook_url).path.lstrip("/"),
            secret_token=settings.webhook_secret,
            webhook_url=settings.webhook_url,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
