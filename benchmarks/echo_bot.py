"""A bare python-telegram-bot echo bot: the yardstick `bot_load.py` compares the club bot to.

    BOT_TOKEN=123:ECHO BOT_API_BASE_URL=http://127.0.0.1:8081/bot python benchmarks/echo_bot.py

Long polling, no rate limiter (PTB's default), no database: every text message is sent
back to its chat as one `sendMessage`. Updates are handled 64 at a time, as the club bot
handles them (`bot.updates.PerChatUpdateProcessor`), so the comparison measures what the
club bot does per update, not a difference in concurrency.
"""

from __future__ import annotations

import logging
import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await context.bot.send_message(message.chat_id, message.text)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    app = (
        ApplicationBuilder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ.get("BOT_API_BASE_URL", "https://api.telegram.org/bot"))
        .concurrent_updates(64)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
