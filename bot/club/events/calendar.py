"""An event as an .ics file for the owner's phone calendar: one UID per event, its
version as the SEQUENCE, so a moved event's new file replaces the old one."""

from __future__ import annotations

from bot.club.common.ics import calendar_file
from bot.club.common.localized import text_in
from bot.club.stores.context import StoreContext
from db.models import Event


def event_ics(store: StoreContext, event: Event, locale: str) -> tuple[str, bytes]:
    """The event's file name and bytes, its title and description in `locale`; the
    location is the meeting point for a road trip, else the place."""
    where = ", ".join(p for p in (event.meeting_point, event.place) if p)
    content = calendar_file(
        f"event-{event.id}@{store.code}",
        event.starts_at,
        event.ends_at,
        store.tz,
        text_in(event.titles, locale),
        where,
        text_in(event.descriptions, locale),
        sequence=event.version - 1,
    )
    return f"event-{event.id}.ics", content
