"""A booking or a club event as an iCalendar file (.ics) the owner adds to their phone's
calendar.

The start and end are instants; they are written on the store's wall clock with its
TZID and a VTIMEZONE, so a calendar on a phone in another zone shows the right moment.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import icalendar

PRODID = "-//Owners Club bot//Club//EN"


def calendar_file(
    uid: str,
    starts_at: datetime,
    ends_at: datetime,
    tz: ZoneInfo,
    summary: str,
    location: str = "",
    description: str = "",
    *,
    sequence: int = 0,
    stamp: datetime | None = None,
    geo: tuple[float, float] | None = None,
) -> bytes:
    """One event from `starts_at` to `ends_at` (aware instants) in the store's zone `tz`;
    the same `uid` with a higher `sequence` replaces an earlier file (a move)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", starts_at.astimezone(tz))
    event.add("dtend", ends_at.astimezone(tz))
    event.add("sequence", sequence)
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if geo is not None:  # (latitude, longitude): the phone's calendar shows the pin
        event.add("geo", geo)
    cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
