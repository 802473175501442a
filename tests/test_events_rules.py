"""When an event's pushes go, who may sign up and when check-in runs (plain functions)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.club.common.clock import out_of_quiet
from bot.club.events.rules import (
    Refusal,
    checkin_open,
    cost_of,
    evaluation_at,
    offer_until,
    reminder_at,
    sign_up_refusal,
)
from bot.club.policy.model import load_policy
from db.models import Event

POLICY = load_policy()
SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
QUIET = (time(21), time(8))


def event(start: datetime, **fields: object) -> Event:
    values: dict[str, object] = {
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "signup_until": start - timedelta(hours=12),
        "status": "published",
        "capacity": 10,
        "seats_taken": 0,
        "companions_max": 2,
        "points_cost": 0,
        "min_tier": None,
        **fields,
    }
    return Event(**values)


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz).astimezone(UTC)


def test_the_reminder_goes_the_evening_before_on_the_store_clock():
    start = local(SHANGHAI, 2026, 12, 19, 9, 30)
    eve = reminder_at(POLICY.events, SHANGHAI, event(start), start - timedelta(days=3))
    assert eve == local(SHANGHAI, 2026, 12, 18, 19, 0)
    # Signed up after that evening: no reminder rather than one at the wrong time.
    assert reminder_at(POLICY.events, SHANGHAI, event(start), eve + timedelta(minutes=1)) is None
    # Berlin, across the autumn clock change: still 19:00 on the wall clock.
    start = local(BERLIN, 2027, 11, 1, 10, 0)
    eve = reminder_at(POLICY.events, BERLIN, event(start), start - timedelta(days=5))
    assert eve.astimezone(BERLIN).hour == 19 and eve.astimezone(BERLIN).day == 31
    off = replace(POLICY.events, reminder_at=None)
    assert reminder_at(off, SHANGHAI, event(start), start - timedelta(days=5)) is None


def test_the_evaluation_never_goes_in_quiet_hours():
    evening = event(local(SHANGHAI, 2026, 12, 19, 18, 0))  # ends 20:00; +2 h is 22:00
    assert evaluation_at(POLICY.events, SHANGHAI, QUIET, evening) == local(
        SHANGHAI, 2026, 12, 20, 8, 0
    )
    afternoon = event(local(SHANGHAI, 2026, 12, 19, 14, 0))
    assert evaluation_at(POLICY.events, SHANGHAI, QUIET, afternoon) == local(
        SHANGHAI, 2026, 12, 19, 18, 0
    )
    after_midnight = local(SHANGHAI, 2026, 12, 20, 1, 0)
    assert out_of_quiet(after_midnight, SHANGHAI, QUIET) == local(SHANGHAI, 2026, 12, 20, 8, 0)


def test_sign_up_is_refused_for_drafts_after_the_deadline_tier_and_companions():
    start = local(SHANGHAI, 2026, 12, 19, 14, 0)
    before = start - timedelta(days=1)
    tiers = [t.code for t in POLICY.tiers]
    assert sign_up_refusal(POLICY, event(start), tiers[0], 2, before) is None
    assert sign_up_refusal(POLICY, event(start, status="draft"), tiers[0], 0, before) == (
        Refusal.NOT_OPEN
    )
    late = start - timedelta(hours=1)
    assert sign_up_refusal(POLICY, event(start), tiers[0], 0, late) == Refusal.CLOSED
    assert sign_up_refusal(POLICY, event(start), tiers[0], 0, start) == Refusal.STARTED
    gold = event(start, min_tier=tiers[-1])
    assert sign_up_refusal(POLICY, gold, tiers[0], 0, before) == Refusal.TIER
    assert sign_up_refusal(POLICY, gold, tiers[-1], 0, before) is None
    assert sign_up_refusal(POLICY, event(start), tiers[0], 3, before) == Refusal.COMPANIONS
    assert cost_of(event(start, points_cost=100), 2) == 300  # every seat pays


def test_offers_are_held_for_the_policy_hours_but_never_past_the_start():
    start = local(SHANGHAI, 2026, 12, 19, 14, 0)
    now = start - timedelta(days=2)
    assert offer_until(POLICY.events, event(start), now) == now + timedelta(hours=12)
    assert offer_until(POLICY.events, event(start), start - timedelta(hours=3)) == start
    assert offer_until(POLICY.events, event(start), start) is None


def test_check_in_runs_from_hours_before_the_start_to_a_day_after_the_end():
    start = local(SHANGHAI, 2026, 12, 19, 14, 0)
    e = event(start)
    assert not checkin_open(POLICY.events, e, start - timedelta(hours=4))
    assert checkin_open(POLICY.events, e, start - timedelta(hours=3))
    assert checkin_open(POLICY.events, e, e.ends_at + timedelta(hours=23))
    assert not checkin_open(POLICY.events, e, e.ends_at + timedelta(hours=25))
