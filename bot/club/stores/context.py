"""The store an update or a job works for: id, name, time zone and policy, resolved once.

A deployment serves one store by default and can serve a dealer group: every store row
becomes a `StoreContext` at start, and nothing downstream reads the store from
module-wide settings. "Today" and quiet hours are the store's, from its row's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.club.policy.model import ClubPolicy
from db.base import utcnow


class StoreConfigError(ValueError):
    """A store row cannot be served as it stands (e.g. an unknown time zone)."""


def store_zone(code: str, timezone: str) -> ZoneInfo:
    """The zone named on a store row, or an error that names the store."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise StoreConfigError(f"store {code!r}: unknown time zone {timezone!r}") from None


@dataclass(frozen=True)
class StoreContext:
    id: int
    code: str
    name: str
    tz: ZoneInfo
    policy: ClubPolicy
    default_locale: str

    def now(self) -> datetime:
        """The current instant (UTC, aware); the same for every store."""
        return utcnow()

    def local(self, moment: datetime | None = None) -> datetime:
        """`moment` (default: now) on the store's wall clock."""
        return (moment or utcnow()).astimezone(self.tz)

    def today(self, moment: datetime | None = None) -> date:
        """The store's calendar day at `moment` (default: now)."""
        return self.local(moment).date()
