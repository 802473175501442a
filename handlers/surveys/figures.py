"""(being written)"""

from __future__ import annotations

from telegram.ext import BaseHandler


def build_handlers() -> list[BaseHandler]:
    return []
