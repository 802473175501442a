"""The real push sender alone in a process, for the crash test (`test_crash.py`):

    DATABASE_URL=… BOT_API_BASE_URL=http://127.0.0.1:PORT/bot BOT_TOKEN=… \
        CLUB_POLICY_FILE=… python tests/sender_process.py

It sends until it is killed, under a fixed instance id (`SENDER_ID`), as a deployed bot
restarted by its supervisor would (`PushSender.recover` then knows its own claims).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import telegram

from bot.app import build_services
from bot.config import load_settings
from bot.messaging.sender import PushSender
from bot.messaging.texts import push_renderer


async def main() -> None:
    settings = load_settings({**os.environ})
    instance = f"crash-test:{settings.sender_id or 1}"
    services = await build_services(settings)
    bot = telegram.Bot(settings.bot_token, base_url=settings.bot_api_base_url)
    await bot.initialize()
    sender = PushSender(services, bot, push_renderer(services), instance, backoff=(0.01,))
    await sender.run()


if __name__ == "__main__":
    asyncio.run(main())
