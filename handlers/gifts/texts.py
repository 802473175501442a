"""How gifts, vouchers and redemptions read in chat, for owners and staff alike.

Pure functions of a translator and plain rows: the owner's shop, /mygifts, the desk and
the catalog all describe an item or a redemption through here, so they say it the same
way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.club.common.localized import text_in
from bot.club.gifts.rules import Kind, Refusal, Status
from bot.club.policy.model import ClubPolicy
from bot.i18n import N_, Translator

if TYPE_CHECKING:
    from db.models import Gift, Redemption

FEATURE = "gift"  # callback prefix of the shop, /mygifts and the desk buttons
REDEEM_FEATURE = "redeem"  # the redeem form's buttons (handlers.forms)
CATALOG_FEATURE = "cat"  # the staff catalog's buttons
DEEP_LINK_PREFIX = "g_"  # /start g_<code>: a redemption's QR, scanned at the desk

REFUSALS: dict[str, str] = {
    Refusal.UNKNOWN: N_("That item is not in the catalog."),
    Refusal.RETIRED: N_("That item has been withdrawn from the catalog."),
    Refusal.PAUSED: N_("That item is not on offer at the moment."),
    Refusal.NOT_YET: N_("That item is not on offer yet."),
    Refusal.ENDED: N_("That item is no longer on offer."),
    Refusal.TIER: N_("That item is for a higher tier."),
    Refusal.SOLD_OUT: N_("Sorry, that item has just run out."),
    Refusal.PRICE_CHANGED: N_("The price has just changed; please look at the new price."),
    Refusal.SHORT: N_("You do not have enough redeemable points for that item."),
    Refusal.LIMIT: N_("You have already redeemed this item as often as allowed for now."),
    Refusal.NOT_MEMBER: N_("You are not a club member yet. Send /start to join."),
}

STATUS: dict[tuple[str, str], str] = {
    (Kind.GIFT, Status.WAITING): N_("waiting to be collected"),
    (Kind.GIFT, Status.COLLECTED): N_("collected"),
    (Kind.VOUCHER, Status.WAITING): N_("ready to use"),
    (Kind.VOUCHER, Status.COLLECTED): N_("used"),
    (Kind.GIFT, Status.CANCELLED): N_("cancelled"),
    (Kind.VOUCHER, Status.CANCELLED): N_("cancelled"),
    (Kind.GIFT, Status.EXPIRED): N_("expired"),
    (Kind.VOUCHER, Status.EXPIRED): N_("expired"),
}


def refusal_text(t: Translator, code: str) -> str:
    return t.gettext(REFUSALS.get(code, REFUSALS[Refusal.UNKNOWN]))


def status_label(t: Translator, redemption: Redemption) -> str:
    return t.gettext(STATUS.get((redemption.kind, redemption.status), N_("unknown")))


def name(t: Translator, item: Gift | Redemption) -> str:
    return text_in(item.names, t.locale)


def voucher_terms(t: Translator, face_fen: int | None, min_spend_fen: int | None) -> str:
    """ "¥100 off" and, if any, "on a spend of ¥500 or more"."""
    text = t.gettext("Worth {value}", value=t.money(face_fen or 0))
    if min_spend_fen:
        text += " · " + t.gettext("on a bill of {amount} or more", amount=t.money(min_spend_fen))
    return text


def stock_text(t: Translator, gift: Gift) -> str:
    if gift.stock is None:
        return t.gettext("Plenty left")
    if gift.stock == 0:
        return t.gettext("Out of stock")
    return t.ngettext("{n} left", "{n} left", gift.stock)  # ngettext fills {n} itself


def item_lines(t: Translator, policy: ClubPolicy, gift: Gift) -> list[str]:
    """Name, description, cost, what is left, voucher terms and who may take it."""
    lines = [name(t, gift)]
    description = text_in(gift.descriptions, t.locale)
    if description:
        lines.append(description)
    lines.append(t.gettext("{points} points", points=t.number(gift.cost_points)))
    if gift.kind == Kind.VOUCHER:
        lines.append(voucher_terms(t, gift.face_value_fen, gift.min_spend_fen))
        if gift.valid_days:
            lines.append(
                t.ngettext(
                    "Valid for {n} day after redeeming",
                    "Valid for {n} days after redeeming",
                    gift.valid_days,
                )
            )
    lines.append(stock_text(t, gift))
    if gift.min_tier:
        lines.append(
            t.gettext(
                "For {tier} members and above", tier=policy.tier(gift.min_tier).name(t.locale)
            )
        )
    return lines


def redemption_lines(t: Translator, redemption: Redemption, where: str | None = None) -> list[str]:
    """What, its code, its status (with when, and `where`: the store it was collected
    at, if given), and a voucher's terms and last day."""
    lines = [
        t.gettext(
            "{name} · {points} points",
            name=name(t, redemption),
            points=t.number(redemption.cost_points),
        ),
        t.gettext("Code: {code}", code=redemption.code),
        t.gettext("Status: {status}", status=status_label(t, redemption)),
    ]
    if redemption.kind == Kind.VOUCHER:
        lines.append(voucher_terms(t, redemption.face_value_fen, redemption.min_spend_fen))
    if redemption.status == Status.WAITING and redemption.expires_on is not None:
        key = (
            N_("Use it by {date}")
            if redemption.kind == Kind.VOUCHER
            else N_("Collect it by {date}")
        )
        lines.append(t.gettext(key, date=t.date(redemption.expires_on)))
    if redemption.status == Status.COLLECTED and redemption.collected_at is not None:
        when = t.datetime(redemption.collected_at)
        lines.append(
            t.gettext("On {when} at {store}", when=when, store=where)
            if where
            else t.gettext("On {when}", when=when)
        )
        if redemption.used_order_no:
            lines.append(t.gettext("Repair order: {order}", order=redemption.used_order_no))
    return lines
