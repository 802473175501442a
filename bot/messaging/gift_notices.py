"""What the club tells owners about the catalog unasked: an item they waited for is back."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.gifts import watches
from bot.club.gifts.rules import text_in
from bot.i18n import N_, Translator
from bot.messaging.notify import notify_member
from bot.services import Services
from db.models import Gift

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
