"""An event as an .ics file for the owner's phone calendar: one UID per event, its
version as the SEQUENCE, so a moved event's new file replaces the old one."""

from __future__ import annotations

from bot.club.common.ics import calendar_file
from bot.club.common.localized import text_in
from bot.club.events.rules import Kind
from bot.club.stores.context import StoreContext
from db.models import Event


def event_ics(store: StoreContext, event: Event, locale: str) -> tuple[str, bytes]:
    """The event's file name and bytes, its title and description in `locale`; the
    location is where owners go first: the meeting point for a road trip (the
    destination then heads the description), else the place, with its map pin."""
    trip = event.kind == Kind.TRIP and bool(event.meeting_point)
    where = (event.meeting_point if trip else event.place) or ""
    about = text_in(event.descriptions, locale)
    if trip and event.place:
        about = "\n\n".join(p for p in ("📍 " + event.place, about) if p)
    geo = None
    if event.latitude is not None and event.longitude is not None and not trip:
        geo = (event.latitude, event.longitude)
    content = calendar_file(
        f"event-{event.id}@{store.code}",
        event.starts_at,
        event.ends_at,
        store.tz,
        text_in(event.titles, locale),
        where,
        about,
        sequence=event.version - 1,
        geo=geo,
    )
    return f"event-{event.id}.ics", content
