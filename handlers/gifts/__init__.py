"""Gifts and vouchers in chat: the owners' shop and /mygifts, the staff catalog and desk."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.gifts import catalog, desk, mine, shop


def build_handlers() -> list[BaseHandler]:
    """The catalog's form buttons before the shop's, the desk's before /mygifts'."""
    return [
        *catalog.build_handlers(),
        *shop.build_handlers(),
        *desk.build_handlers(),
        *mine.build_handlers(),
    ]
