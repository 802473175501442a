"""What the club tells owners about their gifts unasked: an item they waited for is back,
a redemption of theirs expired."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common.localized import text_in
from bot.club.gifts import watches
from bot.club.gifts.refunds import GivenBack
from bot.i18n import N_, Translator
from bot.messaging.notify import notify_member
from bot.services import Services
from db.models import Gift, Member

RESTOCKED = N_("Good news: {gift} is back in the catalog. Redeem it with /gifts while it lasts.")


def restock_text(t: Translator, services: Services, gift: Gift) -> str:
    """The store's own wording ([gifts].restock_notice) if it has one, else the default."""
    policy = services.store(gift.store_id).policy
    own = policy.gifts.restock_notice.get(t.locale)
    name = text_in(gift.names, t.locale)
    return own.replace("{gift}", name) if own else t.gettext(RESTOCKED, gift=name)


async def notify_restock(session: AsyncSession, services: Services, gift: Gift) -> int:
    """Tell everyone waiting for `gift` that it is back, once each, in the caller's
    transaction (so a rolled-back restock tells nobody). How many were told."""
    told = 0
    for watch_id, member in await watches.take_watchers(session, gift.id):
        key = f"restock:{gift.id}:{watch_id}"
        if await notify_member(
            session, services, member, lambda t: restock_text(t, services, gift), key
        ):
            told += 1
    return told


EXPIRED_BACK = N_(
    "Your {item} (code {code}) was not used by {date} and has expired; its {points} points "
    "are back."
)
EXPIRED_GONE = N_("Your {item} (code {code}) was not used by {date} and has expired.")


def expired_text(t: Translator, back: GivenBack) -> str:
    redemption = back.redemption
    values = {
        "item": text_in(redemption.names, t.locale),
        "code": redemption.code,
        "date": t.date(redemption.expires_on),
        "points": t.number(back.points),
    }
    return t.gettext(EXPIRED_BACK if back.points else EXPIRED_GONE, **values)


async def notify_expired(session: AsyncSession, services: Services, back: GivenBack) -> None:
    """Tell the owner their redemption expired (and whether its points came back); if its
    unit went back into stock, tell those waiting for the item."""
    member = await session.get(Member, back.redemption.member_id)
    if member is not None:
        key = f"gift-expired:{back.redemption.id}"
        await notify_member(session, services, member, lambda t: expired_text(t, back), key)
    if back.restocked:
        gift = await session.get(Gift, back.redemption.gift_id)
        if gift is not None:
            await notify_restock(session, services, gift)
