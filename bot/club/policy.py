"""The club policy: tiers, thresholds and numbers as validated data.

Loaded once at start from the packaged defaults, overlaid by the dealer's TOML file.
Any unknown key or bad value raises `PolicyError` naming the key.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.toml")
JOIN_CHANNELS = ("new_car", "bring_car", "spending", "driver_training", "fee")
POLICY_LOCALES = ("zh_Hans", "en")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,19}$")


class PolicyError(ValueError):
    """The policy file is invalid; the message names the key."""


@dataclass(frozen=True)
class Tier:
    code: str
    threshold: int
    color: str
    names: dict[str, str]
    benefits: tuple[dict[str, str], ...]

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names["en"]

    def benefit_texts(self, locale: str) -> list[str]:
        return [b.get(locale) or b["en"] for b in self.benefits]


@dataclass(frozen=True)
class ClubPolicy:
    valid_months: int
    starting_tier: str
    renewal_points_cost: int
    renewal_insurance_min_fen: int
    upgrade_points_cost: int
    upgrade_single_repair_min_fen: int
    upgrade_insurance_two_years_min_fen: int
    join_channels: tuple[str, ...]
    tiers: tuple[Tier, ...]

    def tier(self, code: str) -> Tier:
        for tier in self.tiers:
            if tier.code == code:
                return tier
        return self.tiers[0]


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _section(data: dict[str, Any], name: str, keys: set[str]) -> dict[str, Any]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise PolicyError(f"[{name}]: must be a table")
    unknown = set(section) - keys
    if unknown:
        raise PolicyError(f"[{name}].{sorted(unknown)[0]}: unknown key")
    return section


def _int(section: dict[str, Any], where: str, key: str, minimum: int = 0) -> int:
    value = section.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise PolicyError(f"{where}.{key}: must be a whole number ≥ {minimum}")
    return value


def _texts(value: Any, where: str) -> dict[str, str]:
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


def _tiers(raw: Any) -> tuple[Tier, ...]:
    if not isinstance(raw, list) or not raw:
        raise PolicyError("[[tiers]]: at least one tier is required")
    tiers: list[Tier] = []
    for i, item in enumerate(raw):
        where = f"tiers[{i}]"
        if not isinstance(item, dict):
            raise PolicyError(f"{where}: must be a table")
        unknown = set(item) - {"code", "threshold", "color", "name", "benefits"}
        if unknown:
            raise PolicyError(f"{where}.{sorted(unknown)[0]}: unknown key")
        code = item.get("code")
        if not isinstance(code, str) or not _CODE.match(code):
            raise PolicyError(f"{where}.code: lower-case letters, digits, underscore")
        color = item.get("color", "#777777")
        if not isinstance(color, str) or not _COLOR.match(color):
            raise PolicyError(f"{where}.color: must look like #c9a227")
        benefits = item.get("benefits", [])
        if not isinstance(benefits, list):
            raise PolicyError(f"{where}.benefits: must be a list")
        tiers.append(
            Tier(
                code=code,
                threshold=_int(item, where, "threshold"),
                color=color,
                names=_texts(item.get("name"), f"{where}.name"),
                benefits=tuple(_texts(b, f"{where}.benefits[{j}]") for j, b in enumerate(benefits)),
            )
        )
    codes = [t.code for t in tiers]
    if len(set(codes)) != len(codes):
        raise PolicyError("tiers.code: each tier needs its own code")
    if tiers[0].threshold != 0:
        raise PolicyError("tiers[0].threshold: the lowest tier must start at 0")
    for prev, cur in itertools.pairwise(tiers):
        if cur.threshold <= prev.threshold:
            raise PolicyError(f"tiers.{cur.code}.threshold: must be above {prev.code}'s")
    return tuple(tiers)


def parse_policy(data: dict[str, Any]) -> ClubPolicy:
    """Validate a policy mapping (defaults already merged in)."""
    unknown = set(data) - {"membership", "renewal", "upgrade", "join", "tiers"}
    if unknown:
        raise PolicyError(f"{sorted(unknown)[0]}: unknown section")
    membership = _section(data, "membership", {"valid_months", "starting_tier"})
    renewal = _section(data, "renewal", {"points_cost", "insurance_min_fen"})
    upgrade = _section(
        data, "upgrade", {"points_cost", "single_repair_min_fen", "insurance_two_years_min_fen"}
    )
    join = _section(data, "join", {"channels"})
    channels = join.get("channels")
    if (
        not isinstance(channels, list)
        or not channels
        or any(c not in JOIN_CHANNELS for c in channels)
    ):
        raise PolicyError(f"[join].channels: a non-empty list from {', '.join(JOIN_CHANNELS)}")
    tiers = _tiers(data.get("tiers"))
    starting = membership.get("starting_tier")
    if starting not in {t.code for t in tiers}:
        raise PolicyError(f"[membership].starting_tier: {starting!r} is not a tier code")
    return ClubPolicy(
        valid_months=_int(membership, "[membership]", "valid_months", 1),
        starting_tier=str(starting),
        renewal_points_cost=_int(renewal, "[renewal]", "points_cost"),
        renewal_insurance_min_fen=_int(renewal, "[renewal]", "insurance_min_fen"),
        upgrade_points_cost=_int(upgrade, "[upgrade]", "points_cost"),
        upgrade_single_repair_min_fen=_int(upgrade, "[upgrade]", "single_repair_min_fen"),
        upgrade_insurance_two_years_min_fen=_int(
            upgrade, "[upgrade]", "insurance_two_years_min_fen"
        ),
        join_channels=tuple(channels),
        tiers=tiers,
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
        data = _merge(data, override)
    return parse_policy(data)
