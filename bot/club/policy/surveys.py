"""The surveys part of the club policy: when the survey after a visit goes and how long
it stays open, what counts as unhappy, how soon a ticket must be solved before it goes
to the manager, and when staff owe owners a call after a delivery or a service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.club.policy.checks import PolicyError, flag, section, whole
from bot.club.policy.pushes import role_list

NPS_TOP = 10


@dataclass(frozen=True)
class SurveyPolicy:
    enabled: bool  # false: no surveys are queued (tickets from /feedback still open)
    delay_minutes: int  # the survey goes this long after the visit is recorded…
    # …never in the pushes' quiet hours (then at their end)
    expire_days: int  # …and may be answered within this many days of being sent
    max_visit_age_days: int  # a visit older than this when recorded (history) gets none
    gap_days: int  # an owner surveyed within this many days gets no other (0: each visit)
    categories: tuple[str, ...]  # the spend categories that are services (surveyed, called)
    low_score: int  # satisfaction at or below this (1–5) opens a ticket and asks why
    low_nps: int  # likelihood to recommend at or below this (0–10) does too
    ticket_hours: int  # a ticket open this long goes to the manager…
    escalate_every_hours: int  # …and again after each such period
    ticket_roles: tuple[str, ...]  # supervisors: who sees, takes and closes tickets
    figures_roles: tuple[str, ...]  # who sees /surveys and its export


@dataclass(frozen=True)
class CallPolicy:
    delivery_days: tuple[int, ...]  # the salesperson calls this many days after delivery
    service_hours: int  # the advisor calls within this many hours of a service
    tries: int  # unanswered calls before "use another channel"
    retry_hours: tuple[int, ...]  # the wait after each unanswered call (different times)
    max_age_days: int  # deliveries and services older than this (history) get no call
    team_roles: tuple[str, ...]  # who sees everyone's calls and who is behind


SURVEY_KEYS = {
    "enabled",
    "delay_minutes",
    "expire_days",
    "max_visit_age_days",
    "gap_days",
    "categories",
    "low_score",
    "low_nps",
    "ticket_hours",
    "escalate_every_hours",
    "ticket_roles",
    "figures_roles",
}
CALL_KEYS = {"delivery_days", "service_hours", "tries", "retry_hours", "max_age_days", "team_roles"}


def _whole_list(table: dict[str, Any], where: str, key: str, minimum: int) -> tuple[int, ...]:
    value = table.get(key)
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in value)
    ):
        raise PolicyError(f"{where}.{key}: a list of whole numbers ≥ {minimum}")
    return tuple(value)


def parse_surveys(data: dict[str, Any], category_codes: set[str]) -> SurveyPolicy:
    table = section(data, "surveys", SURVEY_KEYS)
    where = "[surveys]"
    categories = table.get("categories")
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise PolicyError(f"{where}.categories: a list of spend category codes")
    unknown = [c for c in categories if c not in category_codes]
    if unknown:
        raise PolicyError(f"{where}.categories: {unknown[0]!r} is not a category code")
    low_score = whole(table, where, "low_score", 1)
    if low_score > 4:
        raise PolicyError(f"{where}.low_score: at most 4 (5 is the best answer)")
    low_nps = whole(table, where, "low_nps")
    if low_nps >= NPS_TOP:
        raise PolicyError(f"{where}.low_nps: at most 9")
    return SurveyPolicy(
        enabled=flag(table, where, "enabled"),
        delay_minutes=whole(table, where, "delay_minutes"),
        expire_days=whole(table, where, "expire_days", 1),
        max_visit_age_days=whole(table, where, "max_visit_age_days"),
        gap_days=whole(table, where, "gap_days"),
        categories=tuple(categories),
        low_score=low_score,
        low_nps=low_nps,
        ticket_hours=whole(table, where, "ticket_hours", 1),
        escalate_every_hours=whole(table, where, "escalate_every_hours", 1),
        ticket_roles=role_list(table, where, "ticket_roles"),
        figures_roles=role_list(table, where, "figures_roles"),
    )


def parse_calls(data: dict[str, Any]) -> CallPolicy:
    table = section(data, "calls", CALL_KEYS)
    where = "[calls]"
    tries = whole(table, where, "tries", 1)
    retry = _whole_list(table, where, "retry_hours", 1)
    if len(retry) < tries - 1:
        raise PolicyError(f"{where}.retry_hours: one wait after each unanswered call but the last")
    return CallPolicy(
        delivery_days=_whole_list(table, where, "delivery_days", 1),
        service_hours=whole(table, where, "service_hours", 1),
        tries=tries,
        retry_hours=retry,
        max_age_days=whole(table, where, "max_age_days"),
        team_roles=role_list(table, where, "team_roles"),
    )
