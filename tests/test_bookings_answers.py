"""Days and times as owners type them, and the .ics file's instant (plain functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot.club.bookings.answers import parse_clock, parse_day, read_value
from bot.club.common.ics import calendar_file

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-12-05", date(2026, 12, 5)),
        ("12-05", date(2026, 12, 5)),
        ("12/5", date(2026, 12, 5)),
        ("12月5日", date(2026, 12, 5)),
        ("１２/５", date(2026, 12, 5)),
        ("明天", date(2026, 12, 3)),
        ("Tomorrow", date(2026, 12, 3)),
        ("后天", date(2026, 12, 4)),
        ("1/3", date(2027, 1, 3)),  # a month and day already past this year: next year's
        ("2026-02-30", None),
        ("someday", None),
        ("5", None),
    ],
)
def test_typed_days(text, day):
    assert parse_day(text, TODAY) == day


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        ("10:00", time(10)),
        ("10：30", time(10, 30)),
        ("14点", time(14)),
        ("14点半", time(14, 30)),
        ("9点30分", time(9, 30)),
        ("2:30 pm", time(14, 30)),
        ("2pm", time(14)),
        ("1030", time(10, 30)),
        ("10", None),
        ("25:00", None),
        ("13pm", None),
        ("soon", None),
    ],
)
def test_typed_times(text, clock):
    assert parse_clock(text) == clock


def test_button_values_read_back():
    assert read_value("1030", TODAY) == (TODAY, time(10, 30))
    assert read_value("202612071400", TODAY) == (date(2026, 12, 7), time(14))
    assert read_value("99", TODAY) is None and read_value("２０３０", TODAY) is None


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/New_York"])
def test_the_ics_file_carries_the_instant_in_the_store_zone(zone):
    tz = ZoneInfo(zone)
    start = datetime(2027, 3, 28, 8, 0, tzinfo=UTC)  # Berlin's spring-forward day
    end = datetime(2027, 3, 28, 9, 0, tzinfo=UTC)
    content = calendar_file("booking-1@x", start, end, tz, "定期保养 · Store", "Road 1")
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart").astimezone(UTC) == start
    assert event.decoded("dtend").astimezone(UTC) == end
    assert f"DTSTART;TZID={zone}:" in content.decode()
    assert b"BEGIN:VTIMEZONE" in content
    assert str(event["summary"]) == "定期保养 · Store" and str(event["location"]) == "Road 1"
