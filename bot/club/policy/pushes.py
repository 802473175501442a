"""The push and reminder parts of the club policy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.club.policy.checks import (
    PolicyError,
    flag,
    required_clock,
    section,
    string_list,
    texts,
    whole,
)

ROLES = ("customer_service", "service_advisor", "sales", "manager", "admin")
_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


@dataclass(frozen=True)
class PushPolicy:
    rate_per_second: int
    paid_broadcast: bool
    paid_rate_per_second: int
    quiet_start: time
    quiet_end: time
    weekly_cap: int
    retry_minutes: tuple[int, ...]
    broadcast_roles: tuple[str, ...]

    @property
    def rate(self) -> int:
        return self.paid_rate_per_second if self.paid_broadcast else self.rate_per_second


@dataclass(frozen=True)
class Holiday:
    month_day: str  # "MM-DD"
    names: dict[str, str]


@dataclass(frozen=True)
class ReminderPolicy:
    send_at: time
    first_maintenance_months: int
    regular_interval_months: int
    regular_interval_km: int
    regular_days_ahead: int
    warranty_months: int
    warranty_days_ahead: int
    inspection_first_years: int
    inspection_every_years: int
    inspection_days_ahead: int
    insurance_days_ahead: int
    membership_days_ahead: int
    holidays: tuple[Holiday, ...]


def role_list(
    table: dict[str, Any], where: str, key: str, *, empty: bool = False
) -> tuple[str, ...]:
    """A list of staff roles (who may do something); with `empty`, none at all is allowed."""
    roles = string_list(table.get(key, []), f"{where}.{key}")
    if (not roles and not empty) or set(roles) - set(ROLES):
        raise PolicyError(f"{where}.{key}: roles from {', '.join(ROLES)}")
    return roles


def parse_pushes(data: dict[str, Any]) -> PushPolicy:
    keys = {
        "rate_per_second",
        "paid_broadcast",
        "paid_rate_per_second",
        "quiet_start",
        "quiet_end",
        "weekly_cap",
        "retry_minutes",
        "broadcast_roles",
    }
    table = section(data, "pushes", keys)
    retries = table.get("retry_minutes")
    if not isinstance(retries, list) or not all(isinstance(m, int) and m > 0 for m in retries):
        raise PolicyError("[pushes].retry_minutes: a list of minutes, e.g. [5, 240, 1440]")
    roles = role_list(table, "[pushes]", "broadcast_roles", empty=True)
    return PushPolicy(
        rate_per_second=whole(table, "[pushes]", "rate_per_second", 1),
        paid_broadcast=flag(table, "[pushes]", "paid_broadcast"),
        paid_rate_per_second=whole(table, "[pushes]", "paid_rate_per_second", 1),
        quiet_start=required_clock(table, "[pushes]", "quiet_start"),
        quiet_end=required_clock(table, "[pushes]", "quiet_end"),
        weekly_cap=whole(table, "[pushes]", "weekly_cap", 1),
        retry_minutes=tuple(retries),
        broadcast_roles=roles,
    )


def parse_reminders(data: dict[str, Any]) -> ReminderPolicy:
    numbers = (
        "first_maintenance_months",
        "regular_interval_months",
        "regular_interval_km",
        "regular_days_ahead",
        "warranty_months",
        "warranty_days_ahead",
        "inspection_first_years",
        "inspection_every_years",
        "inspection_days_ahead",
        "insurance_days_ahead",
        "membership_days_ahead",
    )
    table = section(data, "reminders", {"send_at", "holidays", *numbers})
    holidays = table.get("holidays", [])
    if not isinstance(holidays, list):
        raise PolicyError("[reminders].holidays: a list of { date, name }")
    parsed = []
    for i, item in enumerate(holidays):
        where = f"[reminders].holidays[{i}]"
        if not isinstance(item, dict) or set(item) - {"date", "name"}:
            raise PolicyError(f'{where}: needs date = "MM-DD" and name = {{ zh_Hans, en }}')
        if not isinstance(item.get("date"), str) or not _MONTH_DAY.match(item["date"]):
            raise PolicyError(f'{where}.date: like "10-01"')
        parsed.append(Holiday(item["date"], texts(item.get("name"), f"{where}.name")))
    values = {key: whole(table, "[reminders]", key, 1) for key in numbers}
    return ReminderPolicy(
        send_at=required_clock(table, "[reminders]", "send_at"), holidays=tuple(parsed), **values
    )


def parse_local_prefixes(data: dict[str, Any]) -> tuple[str, ...]:
    table = section(data, "region", {"local_plate_prefixes"})
    return string_list(table.get("local_plate_prefixes", []), "[region].local_plate_prefixes")
