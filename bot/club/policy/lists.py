"""Tiers and spend categories: the two lists of the club policy, parsed and checked."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.club.policy.checks import CODE, COLOR, PolicyError, rate, string_list, texts, whole


@dataclass(frozen=True)
class Tier:
    code: str
    threshold: int
    color: str
    names: dict[str, str]
    benefits: tuple[dict[str, str], ...]
    import_spend_fen: int

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names["en"]

    def benefit_texts(self, locale: str) -> list[str]:
        return [b.get(locale) or b["en"] for b in self.benefits]


@dataclass(frozen=True)
class SpendCategory:
    code: str
    rate: Decimal  # points per yuan
    names: dict[str, str]
    aliases: tuple[str, ...]

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names["en"]


def _item(raw: Any, where: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: must be a table")
    unknown = set(raw) - keys
    if unknown:
        raise PolicyError(f"{where}.{sorted(unknown)[0]}: unknown key")
    code = raw.get("code")
    if not isinstance(code, str) or not CODE.match(code):
        raise PolicyError(f"{where}.code: lower-case letters, digits, underscore")
    return raw


def parse_tiers(raw: Any) -> tuple[Tier, ...]:
    if not isinstance(raw, list) or not raw:
        raise PolicyError("[[tiers]]: at least one tier is required")
    tiers: list[Tier] = []
    keys = {"code", "threshold", "color", "name", "benefits", "import_spend_fen"}
    for i, item in enumerate(raw):
        where = f"tiers[{i}]"
        item = _item(item, where, keys)
        color = item.get("color", "#777777")
        if not isinstance(color, str) or not COLOR.match(color):
            raise PolicyError(f"{where}.color: must look like #c9a227")
        benefits = item.get("benefits", [])
        if not isinstance(benefits, list):
            raise PolicyError(f"{where}.benefits: must be a list")
        threshold = whole(item, where, "threshold")
        tiers.append(
            Tier(
                code=item["code"],
                threshold=threshold,
                color=color,
                names=texts(item.get("name"), f"{where}.name"),
                benefits=tuple(texts(b, f"{where}.benefits[{j}]") for j, b in enumerate(benefits)),
                import_spend_fen=whole(
                    {"v": item.get("import_spend_fen", threshold * 100)}, where, "v"
                ),
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


def parse_categories(raw: Any) -> tuple[SpendCategory, ...]:
    if not isinstance(raw, list) or not raw:
        raise PolicyError("[[categories]]: at least one spend category is required")
    out: list[SpendCategory] = []
    for i, item in enumerate(raw):
        where = f"categories[{i}]"
        item = _item(item, where, {"code", "rate", "name", "aliases"})
        out.append(
            SpendCategory(
                code=item["code"],
                rate=rate(item.get("rate"), f"{where}.rate"),
                names=texts(item.get("name"), f"{where}.name"),
                aliases=string_list(item.get("aliases", []), f"{where}.aliases"),
            )
        )
    if len({c.code for c in out}) != len(out):
        raise PolicyError("categories.code: each category needs its own code")
    return tuple(out)
