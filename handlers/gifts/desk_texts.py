"""How the desk reads to staff: a redemption opened by its code, what happened to it,
the list of what waits, and the owner's notice when a gift or voucher leaves the desk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.club.common.validation import mask_phone
from bot.club.gifts.desk import DeskRefusal, Waiting
from bot.club.gifts.rules import Kind, Status
from bot.i18n import N_, Translator
from handlers.gifts import texts

if TYPE_CHECKING:
    from db.models import Gift, Member, Redemption

REFUSALS: dict[str, str] = {
    DeskRefusal.UNKNOWN: N_("No redemption has that code. Check the code and try again."),
    DeskRefusal.OTHER_STORE: N_(
        "That code is a redemption of another store; it cannot be used here."
    ),
    DeskRefusal.NOT_GIFT: N_(
        "That is a voucher: it is used when a visit is recorded, not handed over."
    ),
    DeskRefusal.NOT_VOUCHER: N_("That is a gift, not a voucher: hand it over instead."),
    DeskRefusal.COLLECTED: N_("That was already done."),
    DeskRefusal.CANCELLED: N_("That redemption was cancelled; its points went back to the owner."),
    DeskRefusal.EXPIRED: N_("That redemption has expired and can no longer be used."),
    DeskRefusal.NO_VISIT: N_("No visit with that repair order number is recorded in this store."),
    DeskRefusal.OTHER_MEMBER: N_(
        "That repair order belongs to another owner's visit; the voucher stays unused."
    ),
    DeskRefusal.MIN_SPEND: N_(
        "The bill of that visit ({amount}) is below the voucher's minimum spend ({minimum})."
    ),
}
VOUCHER_HOW = N_(
    "A voucher is used when the visit is recorded: press the button offered after the "
    "visit, or send /fulfil {code} <repair order number>."
)
FOR_STAFF = N_("This QR code is for store staff. Your gifts and vouchers: /mygifts")
OWN_CODE = N_("Show this code at the desk when you come in.")


def outcome_line(t: Translator, redemption: Redemption, by: str) -> str | None:
    """When and by whom it left the desk, or how it ended."""
    if redemption.status == Status.COLLECTED and redemption.collected_at is not None:
        when = t.datetime(redemption.collected_at)
        if redemption.kind == Kind.VOUCHER:
            return t.gettext(
                "Used on {when} by {who}, repair order {order}.",
                when=when,
                who=by,
                order=redemption.used_order_no or "—",
            )
        return t.gettext("Handed over on {when} by {who}.", when=when, who=by)
    if redemption.status in (Status.CANCELLED, Status.EXPIRED):
        return t.gettext(REFUSALS[f"desk_{redemption.status}"])
    return None


def desk_view(t: Translator, redemption: Redemption, member: Member | None, by: str) -> str:
    """What, whose (phone masked), status, and what the desk can do with it."""
    lines = [t.gettext("Redemption at the desk")]
    if (line := outcome_line(t, redemption, by)) is not None:
        lines.append(line)
    lines += texts.redemption_lines(t, redemption)
    if member is not None:
        lines.append(
            t.gettext(
                "Owner: {name} · card {card} · {phone}",
                name=member.name,
                card=member.card_code,
                phone=mask_phone(member.phone) if member.phone else "—",
            )
        )
    if redemption.status == Status.WAITING and redemption.kind == Kind.VOUCHER:
        lines.append(t.gettext(VOUCHER_HOW, code=redemption.code))
    return "\n".join(lines)


def refusal_text(
    t: Translator, code: str, redemption: Redemption | None = None, **values: object
) -> str:
    if code == DeskRefusal.MIN_SPEND and redemption is not None:
        return t.gettext(
            REFUSALS[code],
            amount=values.get("amount", "—"),
            minimum=t.money(redemption.min_spend_fen or 0),
        )
    return t.gettext(REFUSALS.get(code, REFUSALS[DeskRefusal.UNKNOWN]))


def owner_notice(t: Translator, redemption: Redemption, store: str) -> str:
    """The owner's notice: their gift was handed over, or their voucher used."""
    if redemption.kind == Kind.VOUCHER:
        return t.gettext(
            "Your voucher {name} was used at {store} on repair order {order}. Thank you!",
            name=texts.name(t, redemption),
            store=store,
            order=redemption.used_order_no or "—",
        )
    return t.gettext(
        "You collected {name} at {store}. Enjoy it, and thank you for being a member!",
        name=texts.name(t, redemption),
        store=store,
    )


def age(t: Translator, days: int) -> str:
    if days <= 0:
        return t.gettext("today")
    return t.ngettext("{days} day ago", "{days} days ago", days, days=t.number(days))


def low_line(t: Translator, gift: Gift) -> str:
    """One item of the low-stock list (the count through Babel, so a placeholder of its own:
    Translator.ngettext fills `{n}` with the bare number)."""
    if not gift.stock:
        return t.gettext("· {name}: sold out", name=texts.name(t, gift))
    return t.ngettext(
        "· {name}: {left} left",
        "· {name}: {left} left",
        gift.stock,
        name=texts.name(t, gift),
        left=t.number(gift.stock),
    )


def waiting_text(
    t: Translator, rows: list[tuple[Waiting, int]], total: int, low: list[Gift]
) -> str:
    """/redemptions: what waits at the desk (oldest first) and what runs low."""
    if total:
        lines = [t.gettext("Waiting at the desk: {n}", n=t.number(total))]
    else:
        lines = [t.gettext("Nothing is waiting at the desk.")]
    for item, days in rows:
        r = item.redemption
        lines.append(
            t.gettext(
                "· {code} · {name} · {member} · {age}",
                code=r.code,
                name=texts.name(t, r),
                member=item.member.name,
                age=age(t, days),
            )
        )
    if total > len(rows):
        lines.append(t.gettext("… and {n} more (see the export).", n=t.number(total - len(rows))))
    if low:
        lines.append("")
        lines.append(t.gettext("Low on stock:"))
        lines += [low_line(t, g) for g in low]
    return "\n".join(lines)
