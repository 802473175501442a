"""The gifts part of the club policy: who runs the catalog, and the redemption rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.club.policy.checks import PolicyError, flag, section, texts, whole
from bot.club.policy.pushes import role_list


@dataclass(frozen=True)
class GiftPolicy:
    manage_roles: tuple[str, ...]  # who may add, edit, pause, retire and restock gifts
    expiry_reminder_days: int  # remind owners this many days before points expire; 0 = off
    expired_vouchers_refund: bool  # an unused voucher that expires gives its points back
    collect_days: int  # a gift not collected within this many days expires (points back)
    per_member_limit: int  # default for a new gift: redemptions per member per period; 0 = any
    limit_days: int  # default for a new gift: the period of that limit, in days
    low_stock: int  # /redemptions lists items with this many or fewer left
    restock_notice: dict[str, str]  # the notice to owners waiting for an item; {} = default


KEYS = {
    "manage_roles",
    "expiry_reminder_days",
    "expired_vouchers_refund",
    "collect_days",
    "per_member_limit",
    "limit_days",
    "low_stock",
    "restock_notice",
}


def parse_gifts(data: dict[str, Any]) -> GiftPolicy:
    table = section(data, "gifts", KEYS)
    where = "[gifts]"
    roles = role_list(table, where, "manage_roles")
    notice = table.get("restock_notice") or {}
    restock = texts(notice, f"{where}.restock_notice") if notice else {}
    for text in restock.values():
        if "{gift}" not in text:
            raise PolicyError(f"{where}.restock_notice: must name the item as {{gift}}")
    return GiftPolicy(
        manage_roles=roles,
        expiry_reminder_days=whole(table, where, "expiry_reminder_days"),
        expired_vouchers_refund=flag(table, where, "expired_vouchers_refund"),
        collect_days=whole(table, where, "collect_days", 1),
        per_member_limit=whole(table, where, "per_member_limit"),
        limit_days=whole(table, where, "limit_days", 1),
        low_stock=whole(table, where, "low_stock"),
        restock_notice=restock,
    )
