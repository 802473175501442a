"""(being written)"""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.common import Turn


def build_handlers() -> list[BaseHandler]:
    return []


async def open_event(turn: Turn, arg: str) -> None:
    """An event's card from its deep link (/start ev_<id>)."""
