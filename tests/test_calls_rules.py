"""The call tasks' rules as plain functions: a delivery call's store day, the service
call's 48 hours, the next try a different time of day (out of quiet hours) and none
after the last, who is behind, the store month, DMS names compared, and whose a
service call is."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.club.calls.assign import service_assignee
from bot.club.calls.rules import (
    delivery_day,
    delivery_key,
    delivery_kind,
    delivery_window,
    is_behind,
    is_open_now,
    month_start,
    name_key,
    next_try,
    service_key,
    service_window,
)
from bot.club.common.clock import whole_hours
from bot.club.policy.model import load_policy

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALLS = load_policy(None).calls
NO_QUIET = (time(0), time(0))
NIGHT = (time(21), time(8))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in December 2026, Shanghai time, as UTC."""
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def test_a_delivery_call_is_the_whole_store_day_n_days_after():
    opens, due = delivery_window(SHANGHAI, date(2026, 12, 1), 1)
    assert (opens, due) == (at(2, 0), at(2, 23, 59))
    opens, due = delivery_window(SHANGHAI, date(2026, 12, 1), 3)
    assert opens.astimezone(SHANGHAI).date() == date(2026, 12, 4)
    assert delivery_kind(3) == "delivery_3" and delivery_day("delivery_3") == 3
    assert delivery_day("service") is None
    assert delivery_key(1, 12) == "d1:car:12" and service_key(34) == "service:visit:34"


def test_the_service_call_is_due_within_the_policy_hours():
    recorded = at(2, 10)
    assert service_window(CALLS, recorded) == (recorded, recorded + timedelta(hours=48))


def test_the_next_try_is_later_at_another_time_of_day_then_none():
    now = at(2, 10)
    assert CALLS.tries == 3 and CALLS.retry_hours == (3, 20)
    assert next_try(CALLS, 1, now, SHANGHAI, NO_QUIET) == at(2, 13)
    assert next_try(CALLS, 2, now, SHANGHAI, NO_QUIET) == at(3, 6)
    assert next_try(CALLS, 3, now, SHANGHAI, NO_QUIET) is None  # another channel now
    # Never in quiet hours: 20 hours after 10:00 is 06:00, moved to 08:00.
    assert next_try(CALLS, 2, now, SHANGHAI, NIGHT) == at(3, 8)
    # A policy with more tries than waits uses its last wait again.
    more = replace(CALLS, tries=5)
    assert next_try(more, 4, now, SHANGHAI, NO_QUIET) == at(3, 6)


def test_open_now_and_behind():
    now = at(2, 12)
    assert is_open_now("open", at(2, 0), None, now)
    assert not is_open_now("open", at(3, 0), None, now)  # opens tomorrow
    assert not is_open_now("open", at(2, 0), at(2, 13), now)  # waits for its next try
    assert is_open_now("open", at(2, 0), at(2, 11), now)
    assert not is_open_now("done", at(2, 0), None, now)
    assert is_behind("open", at(2, 11), now) and not is_behind("open", at(2, 13), now)
    assert not is_behind("unreached", at(1, 11), now)
    assert whole_hours(timedelta(minutes=5)) == 1 and whole_hours(timedelta(hours=5.5)) == 5


def test_the_month_is_the_stores():
    # 1 December 00:30 in Shanghai is still November in UTC.
    assert month_start(SHANGHAI, at(1, 0, 30)) == at(1, 0)
    assert month_start(SHANGHAI, at(31, 23)) == at(1, 0)


def test_dms_names_compare_trimmed_and_without_case():
    assert name_key("  li   NA ") == name_key("Li Na") == "li na"
    assert name_key("李娜") == "李娜" and name_key(None) == ""


def test_whose_service_call_it_is():
    names, advisors = {"li na": 1, "wu": 4}, {1, 2}
    assert service_assignee(" LI NA", 2, names, advisors) == (1, "LI NA")
    assert service_assignee("Wu", 3, names, advisors) == (None, "Wu")  # a name, no advisor
    assert service_assignee("Chen", 2, names, advisors) == (2, "Chen")  # the recorder
    assert service_assignee("Chen", 3, names, advisors) == (None, "Chen")  # not an advisor
    assert service_assignee(None, None, names, advisors) == (None, None)
    assert service_assignee("  ", 2, names, advisors) == (2, None)
