"""(being written)"""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.common import Turn


def build_handlers() -> list[BaseHandler]:
    return []


async def open_pass(turn: Turn, arg: str) -> None:
    """A sign-up's check-in pass scanned (/start ci_<code>): staff check the owner in;
    its owner sees their own pass."""
