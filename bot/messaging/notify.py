"""Telling a member or the staff chat something the bot was not asked about.

Messages to members go through the outbox (a NOTICE push, queued in the caller's
transaction, so it exists exactly when the change it reports was committed); the
sender delivers it within a second or two. Posts to the staff chat are outbox rows too
(a STAFF push with no member), so a 429 or an outage delays them instead of losing them;
they go ahead of any broadcast still being sent.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.staff.roles import Role, staff_list
from bot.club.stores.context import StoreContext
from bot.i18n import Translator
from bot.messaging import outbox, texts
from bot.messaging.claims import broadcast_counts
from bot.services import Services
from db.models import Broadcast, Member

log = logging.getLogger(__name__)

Render = Callable[[Translator], str]
Button = tuple[str, str]  # (label, callback data)


def push_params(text: str, photo: str | None = None, buttons: Sequence[Button] = ()) -> dict:
    """What a NOTICE or STAFF push carries for `bot.messaging.texts` to render: its text,
    a photo's file_id (the text becomes its caption) and buttons."""
    params: dict[str, object] = {"text": text}
    if photo:
        params["photo"] = photo
    if buttons:
        params["buttons"] = [list(button) for button in buttons]
    return params


def member_translator(services: Services, member: Member) -> Translator:
    """The member's language (else their store's default) on their store's clock."""
    store = services.store(member.store_id)
    return services.translator(member.locale or store.default_locale, store)


async def notify_member(
    session: AsyncSession,
    services: Services,
    member: Member,
    render: Render,
    key: str = "",
    *,
    buttons: Callable[[Translator], Sequence[Button]] | None = None,
) -> bool:
    """Queue `render(translator)` for the member (with `buttons(translator)`, if given);
    False if they cannot be reached."""
    if member.telegram_user_id is None or member.blocked_at is not None:
        return False
    t = member_translator(services, member)
    text = render(t)
    queued = await outbox.enqueue(
        session,
        store_id=member.store_id,
        member_id=member.id,
        chat_id=member.telegram_user_id,
        purpose=outbox.Purpose.NOTICE,
        dedupe_key=key or secrets.token_hex(8),
        params=push_params(text, buttons=buttons(t) if buttons is not None else ()),
        urgent=True,  # a reply to what the owner did: no quiet hours
    )
    return queued is not None


async def notify_members(
    session: AsyncSession,
    services: Services,
    members: Iterable[Member],
    render: Callable[[Member], Render],
    key: str = "",
) -> int:
    """Queue `render(member)` for each member, in their own language, once per `key`;
    how many could be reached."""
    told = 0
    for member in members:
        told += await notify_member(session, services, member, render(member), key)
    return told


STAFF_FIRST = timedelta(minutes=1)  # staff posts are claimed before queued broadcasts


async def queue_staff_post(
    session: AsyncSession,
    services: Services,
    *,
    chat_id: int,
    text: str,
    purpose: str = outbox.Purpose.STAFF,
    key: str = "",
    broadcast_id: int | None = None,
    store_id: int | None = None,
    photo: str | None = None,
    buttons: Sequence[Button] = (),
) -> int | None:
    """Queue `text` (with a photo and buttons, if given) for a staff chat of `store_id`
    (default: the configured store) in `session`'s transaction; the push id, or None
    when this chat had a post of that purpose and key already."""
    return await outbox.enqueue(
        session,
        store_id=store_id or services.default_store.id,
        member_id=None,
        chat_id=chat_id,
        purpose=purpose,
        dedupe_key=key or secrets.token_hex(8),
        params=push_params(text, photo, buttons),
        urgent=True,  # staff work: no quiet hours
        broadcast_id=broadcast_id,
        not_before=services.now() - STAFF_FIRST,
    )


async def queue_report(session: AsyncSession, services: Services, broadcast_id: int) -> None:
    """Queue a broadcast's first delivery report for the staff member who sent it, in
    their language (the handler edits it as the counts move: `refresh_reports`)."""
    item = await session.get(Broadcast, broadcast_id)
    if item is None or item.report_chat_id is None:
        return
    store = services.store(item.store_id)
    t = services.translator(item.report_locale or store.default_locale, store)
    await queue_staff_post(
        session,
        services,
        store_id=store.id,
        chat_id=item.report_chat_id,
        text=texts.report_text(t, item, await broadcast_counts(session, item.id)),
        purpose=outbox.Purpose.REPORT,
        key=f"report:{item.id}",
        broadcast_id=item.id,
    )


async def staff_notice(
    session: AsyncSession,
    services: Services,
    render: Render,
    store: StoreContext | None = None,
) -> bool:
    """Queue a post to the staff group (STAFF_CHAT_ID), in the store's language and on
    its clock, in the caller's transaction (it exists exactly when the change it reports
    was committed); False if no staff chat is set."""
    chat_id = services.settings.staff_chat_id
    if chat_id is None:
        return False
    store = store or services.default_store
    text = render(services.translator(store.default_locale, store))
    await queue_staff_post(session, services, chat_id=chat_id, text=text, store_id=store.id)
    return True


async def managers(session: AsyncSession, services: Services, store: StoreContext) -> list[int]:
    """Whom a late item (a question, a ticket) goes to in private: the store's managers
    (none set up: the configured admins, so it reaches someone who can act)."""
    everyone = await staff_list(session, store.id, services.settings.admin_ids)
    found = sorted(uid for uid, roles in everyone.items() if Role.MANAGER in roles)
    return found or sorted(uid for uid, roles in everyone.items() if Role.ADMIN in roles)
