"""Small validators for the policy file; each error names the offending key."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any

POLICY_LOCALES = ("zh_Hans", "en")
CODE = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class PolicyError(ValueError):
    """The policy file is invalid; the message names the key."""


def section(data: dict[str, Any], name: str, keys: set[str]) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise PolicyError(f"[{name}]: must be a table")
    unknown = set(value) - keys
    if unknown:
        raise PolicyError(f"[{name}].{sorted(unknown)[0]}: unknown key")
    return value


def whole(table: dict[str, Any], where: str, key: str, minimum: int = 0) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise PolicyError(f"{where}.{key}: must be a whole number ≥ {minimum}")
    return value


def flag(table: dict[str, Any], where: str, key: str) -> bool:
    value = table.get(key)
    if not isinstance(value, bool):
        raise PolicyError(f"{where}.{key}: must be true or false")
    return value


def choice(table: dict[str, Any], where: str, key: str, options: tuple[str, ...]) -> str:
    value = table.get(key)
    if value not in options:
        raise PolicyError(f"{where}.{key}: one of {', '.join(options)}")
    return str(value)


def rate(value: Any, where: str) -> Decimal:
    """Points per yuan: a number such as 1, 0.5 or "1.5", between 0 and 100."""
    if isinstance(value, bool):
        raise PolicyError(f"{where}: must be a number of points per yuan")
    try:
        parsed = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PolicyError(f"{where}: must be a number of points per yuan") from None
    if not parsed.is_finite() or parsed < 0 or parsed > 100:
        raise PolicyError(f"{where}: must be between 0 and 100")
    return parsed


def texts(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise PolicyError(f"{where}: must be a table of texts per language")
    for locale in POLICY_LOCALES:
        text = value.get(locale)
        if not isinstance(text, str) or not text.strip():
            raise PolicyError(f"{where}.{locale}: missing text")
    unknown = set(value) - set(POLICY_LOCALES)
    if unknown:
        raise PolicyError(f"{where}.{sorted(unknown)[0]}: unknown language")
    return {k: str(v) for k, v in value.items()}


def string_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PolicyError(f"{where}: must be a list of texts")
    return tuple(value)


def clock(table: dict[str, Any], where: str, key: str) -> time | None:
    """A time of day like "19:00"; None for "" (or the key left out)."""
    if table.get(key, "") == "":
        return None
    return required_clock(table, where, key, hint=', or "" for none')


def required_clock(table: dict[str, Any], where: str, key: str, *, hint: str = "") -> time:
    """A time of day like "08:30" that must be set."""
    value = table.get(key)
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise PolicyError(f'{where}.{key}: a time like "08:30"{hint}')
    return time(int(match.group(1)), int(match.group(2)))
