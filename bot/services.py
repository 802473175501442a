"""What every handler and job needs, built once in `main()` (or by a test) and passed down."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.club.policy.model import ClubPolicy
from bot.config import Settings
from bot.i18n import Translator, translator
from db.base import utcnow


@dataclass
class Services:
    settings: Settings
    policy: ClubPolicy
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    store_id: int = 0
    bot_username: str = ""

    def today(self) -> date:
        return utcnow().astimezone(self.settings.tz).date()

    def now(self) -> datetime:
        return utcnow()

    def translator(self, locale: str) -> Translator:
        return translator(locale, self.settings.tz)
