"""The club policy: tiers, thresholds, rates and numbers as validated data.

Loaded once at start from the packaged defaults, overlaid by the dealer's TOML file.
Any unknown key or bad value raises `PolicyError` naming the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from bot.club.common.validation import normalise_category_key
from bot.club.policy.bookings import BookingPolicy, parse_bookings
from bot.club.policy.checks import (
    PolicyError,
    choice,
    flag,
    section,
    whole,
)
from bot.club.policy.events import EventPolicy, parse_events
from bot.club.policy.gifts import GiftPolicy, parse_gifts
from bot.club.policy.headers import parse_import_headers
from bot.club.policy.lists import SpendCategory, Tier, parse_categories, parse_tiers
from bot.club.policy.pushes import (
    PushPolicy,
    ReminderPolicy,
    parse_local_prefixes,
    parse_pushes,
    parse_reminders,
)
from bot.club.policy.surveys import CallPolicy, SurveyPolicy, parse_calls, parse_surveys

__all__ = ["ClubPolicy", "PolicyError", "SpendCategory", "Tier", "load_policy", "parse_policy"]

DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.toml")
JOIN_CHANNELS = ("new_car", "bring_car", "spending", "driver_training", "fee")
TIER_RULES = ("points", "spend")


@dataclass(frozen=True)
class ClubPolicy:
    valid_months: int
    starting_tier: str
    grace_days: int
    expiry_step_down: bool
    manual_tier_is_floor: bool
    renewal_fee_fen: int
    renewal_points_cost: int
    renewal_insurance_min_fen: int
    upgrade_points_cost: int
    upgrade_single_repair_min_fen: int
    upgrade_insurance_two_years_min_fen: int
    points_expiry_months: int  # 0: redeemable points never expire
    max_visit_fen: int
    join_channels: tuple[str, ...]
    tiers: tuple[Tier, ...]
    categories: tuple[SpendCategory, ...]
    import_tier_by: str
    import_spend_months: int
    import_points_months: int  # 0: every imported visit earns points
    import_headers: dict[str, tuple[str, ...]]  # a store's extra DMS header names per field
    pushes: PushPolicy
    reminders: ReminderPolicy
    local_plate_prefixes: tuple[str, ...]
    gifts: GiftPolicy
    bookings: BookingPolicy
    events: EventPolicy
    surveys: SurveyPolicy
    calls: CallPolicy

    @property
    def role_overrides(self) -> dict[str, tuple[str, ...]]:
        """Permissions whose roles the policy sets (by permission name), for `staff.allowed`."""
        return {
            "broadcast": self.pushes.broadcast_roles,
            "manage_catalog": self.gifts.manage_roles,
            "manage_slots": self.bookings.manage_roles,
            "manage_events": self.events.manage_roles,
            "handle_tickets": self.surveys.ticket_roles,
            "view_surveys": self.surveys.figures_roles,
            "call_team": self.calls.team_roles,
        }

    def tier(self, code: str) -> Tier:
        for tier in self.tiers:
            if tier.code == code:
                return tier
        return self.tiers[0]

    def tier_rank(self, code: str) -> int:
        return next((i for i, t in enumerate(self.tiers) if t.code == code), 0)

    def category(self, code: str) -> SpendCategory | None:
        return self._categories_by_code.get(code)

    @cached_property
    def _categories_by_code(self) -> dict[str, SpendCategory]:
        found: dict[str, SpendCategory] = {}
        for category in self.categories:
            found.setdefault(category.code, category)  # the first of a code, as before
        return found

    @cached_property
    def category_aliases(self) -> dict[str, str]:
        """Every way staff or a DMS may name a spend category (its code, its DMS aliases,
        its names), normalised with `normalise_category_key`, → the category's code."""
        return {
            normalise_category_key(name): category.code
            for category in self.categories
            for name in (category.code, *category.aliases, *category.names.values())
        }

    def category_code(self, text: str) -> str | None:
        """The category `text` names ("保养", "repair", "Maintenance"), if any."""
        return self.category_aliases.get(normalise_category_key(text))


def _merge_by_code(base: list[Any], override: list[Any]) -> list[Any]:
    """Categories in a dealer's file change the default with the same code, or add one."""
    merged = [dict(item) if isinstance(item, dict) else item for item in base]
    for item in override:
        code = item.get("code") if isinstance(item, dict) else None
        match = next((m for m in merged if isinstance(m, dict) and m.get("code") == code), None)
        if match is not None and code is not None:
            match.update(item)
        else:
            merged.append(item)
    return merged


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        elif key == "categories" and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = _merge_by_code(out[key], value)
        else:
            out[key] = value
    return out


def parse_policy(data: dict[str, Any]) -> ClubPolicy:
    """Validate a policy mapping (defaults already merged in)."""
    known = {"membership", "renewal", "upgrade", "points", "join", "import", "tiers"}
    known |= {"categories", "pushes", "reminders", "region", "gifts", "bookings", "events"}
    known |= {"surveys", "calls"}
    unknown = set(data) - known
    if unknown:
        raise PolicyError(f"{sorted(unknown)[0]}: unknown section")
    membership = section(
        data,
        "membership",
        {
            "valid_months",
            "starting_tier",
            "grace_days",
            "expiry_step_down",
            "manual_tier_is_floor",
        },
    )
    renewal = section(data, "renewal", {"fee_fen", "points_cost", "insurance_min_fen"})
    upgrade = section(
        data, "upgrade", {"points_cost", "single_repair_min_fen", "insurance_two_years_min_fen"}
    )
    points = section(data, "points", {"expiry_months", "max_visit_fen"})
    imports = section(
        data, "import", {"starting_tier_by", "spend_months", "points_months", "headers"}
    )
    join = section(data, "join", {"channels"})
    channels = join.get("channels")
    if not isinstance(channels, list) or not channels or set(channels) - set(JOIN_CHANNELS):
        raise PolicyError(f"[join].channels: a non-empty list from {', '.join(JOIN_CHANNELS)}")
    tiers = parse_tiers(data.get("tiers"))
    categories = parse_categories(data.get("categories"))
    starting = membership.get("starting_tier")
    if starting not in {t.code for t in tiers}:
        raise PolicyError(f"[membership].starting_tier: {starting!r} is not a tier code")
    return ClubPolicy(
        valid_months=whole(membership, "[membership]", "valid_months", 1),
        starting_tier=str(starting),
        grace_days=whole(membership, "[membership]", "grace_days"),
        expiry_step_down=flag(membership, "[membership]", "expiry_step_down"),
        manual_tier_is_floor=flag(membership, "[membership]", "manual_tier_is_floor"),
        renewal_fee_fen=whole(renewal, "[renewal]", "fee_fen"),
        renewal_points_cost=whole(renewal, "[renewal]", "points_cost"),
        renewal_insurance_min_fen=whole(renewal, "[renewal]", "insurance_min_fen"),
        upgrade_points_cost=whole(upgrade, "[upgrade]", "points_cost"),
        upgrade_single_repair_min_fen=whole(upgrade, "[upgrade]", "single_repair_min_fen"),
        upgrade_insurance_two_years_min_fen=whole(
            upgrade, "[upgrade]", "insurance_two_years_min_fen"
        ),
        points_expiry_months=whole(points, "[points]", "expiry_months"),
        max_visit_fen=whole(points, "[points]", "max_visit_fen", 1),
        join_channels=tuple(channels),
        tiers=tiers,
        categories=categories,
        import_tier_by=choice(imports, "[import]", "starting_tier_by", TIER_RULES),
        import_spend_months=whole(imports, "[import]", "spend_months", 1),
        import_points_months=whole(imports, "[import]", "points_months"),
        import_headers=parse_import_headers(imports.get("headers")),
        pushes=parse_pushes(data),
        reminders=parse_reminders(data),
        local_plate_prefixes=parse_local_prefixes(data),
        gifts=parse_gifts(data),
        bookings=parse_bookings(data, {c.code for c in categories}),
        events=parse_events(data),
        surveys=parse_surveys(data, {c.code for c in categories}),
        calls=parse_calls(data),
    )


def load_policy(path: Path | None = None) -> ClubPolicy:
    """Load the defaults, overlay `path` if given, and validate."""
    with DEFAULT_POLICY_PATH.open("rb") as fh:
        data = tomllib.load(fh)
    if path is not None:
        try:
            with Path(path).open("rb") as fh:
                override = tomllib.load(fh)
        except FileNotFoundError:
            raise PolicyError(f"CLUB_POLICY_FILE: {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path}: not valid TOML ({exc})") from None
        # Tables merge key by key; categories merge by code; tiers are replaced whole.
        data = _merge(data, override)
    return parse_policy(data)
