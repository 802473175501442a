"""The steps of the catalog's dialogs: one parser per answer a manager gives (names,
cost, stock, limit, tier, dates, voucher terms), and the Gift columns the answers set.

The add form asks them all; the edit form asks the chosen one; the restock form's
"set to N" is the stock step. Parsers take the form engine's `Reply` and `Context`
and raise `Rejected(code)` (or a `ValidationError`) for the same step to be asked again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.club.common.numbers import parse_whole
from bot.club.common.validation import parse_amount_fen, parse_date, to_halfwidth
from bot.club.forms.engine import Context, Kind, Rejected, Reply, Step
from bot.club.forms.steps import confirm_step, tier_step
from bot.club.gifts.rules import Kind as ItemKind

UNLIMITED = "unlimited"
MAX_NAME, MAX_DESCRIPTION = 60, 500
CHOICE = frozenset({Kind.CHOICE})
BOTH = frozenset({Kind.TEXT, Kind.CHOICE})
VOUCHER_STEPS = ("face", "min_spend", "valid_days")
TEXTS = {"name_zh": ("names", "zh_Hans"), "name_en": ("names", "en")}
TEXTS |= {"desc_zh": ("descriptions", "zh_Hans"), "desc_en": ("descriptions", "en")}


def _text(reply: Reply) -> str:
    return (reply.value or "").strip()


def _known(ctx: Context, key: str) -> Any:
    """An answer of this dialog, else the item's current value (an edit's `was`)."""
    return ctx.data[key] if key in ctx.data else ctx.data.get("was", {}).get(key)


def _words(key: str, longest: int) -> Any:
    async def parse(reply: Reply, ctx: Context) -> dict[str, Any]:
        text = " ".join(_text(reply).split())
        if not text or len(text) > longest:
            raise Rejected("name_length" if longest == MAX_NAME else "description_length")
        return {key: text}

    return parse


async def _photo(reply: Reply, ctx: Context) -> dict[str, Any]:
    return {"photo": reply.value}


def _whole(key: str, code: str, minimum: int) -> Any:
    async def parse(reply: Reply, ctx: Context) -> dict[str, Any]:
        # Full-width digits too ("５００"): what a Chinese keyboard often types.
        number = parse_whole(to_halfwidth(_text(reply)), minimum=minimum, maximum=10**9)
        if number is None:
            raise Rejected(code)
        return {key: number}

    return parse


async def _stock(reply: Reply, ctx: Context) -> dict[str, Any]:
    if reply.kind is Kind.CHOICE and reply.value == UNLIMITED:
        return {"stock": None}
    return await _whole("stock", "stock_invalid", 0)(reply, ctx)


async def _limit(reply: Reply, ctx: Context) -> dict[str, Any]:
    found = await _whole("limit", "limit_invalid", 0)(reply, ctx)
    return {"limit": found["limit"] or None}  # 0: no limit


async def _from(reply: Reply, ctx: Context) -> dict[str, Any]:
    day = parse_date(_text(reply), today=ctx.today, allow_future=True)
    until = _known(ctx, "until")
    if until and day > date.fromisoformat(until):
        raise Rejected("from_after_until")
    return {"from": day.isoformat()}


async def _until(reply: Reply, ctx: Context) -> dict[str, Any]:
    day = parse_date(_text(reply), today=ctx.today, allow_future=True)
    start = _known(ctx, "from")
    if start and day < date.fromisoformat(start):
        raise Rejected("until_before_from")
    if day < ctx.today:
        raise Rejected("until_past")
    return {"until": day.isoformat()}


def _money(key: str, minimum: int) -> Any:
    async def parse(reply: Reply, ctx: Context) -> dict[str, Any]:
        fen = parse_amount_fen(_text(reply))
        if fen < minimum:
            raise Rejected("face_invalid")
        return {key: fen}

    return parse


def _voucher(data: dict[str, Any]) -> bool:
    return data.get("kind") == ItemKind.VOUCHER


def _default(value: Any) -> Any:
    return lambda ctx: [str(value(ctx))] if value(ctx) else []


CONFIRM_STEP = confirm_step()
STEPS = (
    Step("name_zh", _words("name_zh", MAX_NAME)),
    Step("name_en", _words("name_en", MAX_NAME)),
    Step("desc_zh", _words("desc_zh", MAX_DESCRIPTION), skippable=True),
    Step("desc_en", _words("desc_en", MAX_DESCRIPTION), skippable=True),
    Step("photo", _photo, accepts=frozenset({Kind.PHOTO}), skippable=True),
    Step("cost", _whole("cost", "cost_invalid", 1)),
    Step("stock", _stock, accepts=BOTH, choices=lambda ctx: [UNLIMITED]),
    Step(
        "limit",
        _limit,
        accepts=BOTH,
        skippable=True,
        choices=_default(lambda ctx: ctx.policy.gifts.per_member_limit),
    ),
    Step(
        "limit_days",
        _whole("limit_days", "days_invalid", 1),
        accepts=BOTH,
        choices=_default(lambda ctx: ctx.policy.gifts.limit_days),
        applies=lambda data: bool(data.get("limit")),
    ),
    tier_step(),
    Step("from", _from, skippable=True),
    Step("until", _until, skippable=True),
    Step("face", _money("face", 1), applies=_voucher),
    Step("min_spend", _money("min_spend", 0), skippable=True, applies=_voucher),
    Step("valid_days", _whole("valid_days", "days_invalid", 1), applies=_voucher),
)
BY_NAME = {step.name: step for step in STEPS}


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


COLUMNS = {
    "photo": ("photo", lambda v: v),
    "cost": ("cost_points", int),
    "stock": ("stock", lambda v: v),
    "tier": ("min_tier", lambda v: v),
    "from": ("available_from", _day),
    "until": ("available_until", _day),
    "face": ("face_value_fen", int),
    "min_spend": ("min_spend_fen", lambda v: v or None),
    "valid_days": ("valid_days", int),
}


def columns(data: dict[str, Any], was: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Gift columns the answers in `data` set (an edit's: only its field's), texts
    merged into the item's current names and descriptions (`was`)."""
    was = was or {}
    out: dict[str, Any] = {}
    for step, value in data.items():
        if step in TEXTS:
            column, locale = TEXTS[step]
            texts = out.setdefault(column, dict(was.get(column) or {}))
            if value:
                texts[locale] = value
            else:
                texts.pop(locale, None)
        elif step in COLUMNS and step in BY_NAME:
            column, convert = COLUMNS[step]
            out[column] = convert(value) if value is not None else None
    if "limit" in data:
        out["per_member_limit"] = data["limit"] or None
        out["limit_days"] = data.get("limit_days") if data["limit"] else None
    return out
