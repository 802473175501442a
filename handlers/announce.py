"""Tell the owner (and the staff chat) what changed in their membership."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.messaging import membership_texts
from bot.messaging.notify import notify_member, staff_notice

if TYPE_CHECKING:
    from bot.club.points.membership import Change
    from db.models import Member
    from handlers.common import Turn


async def announce(turn: Turn, member: Member, changes: list[Change]) -> None:
    """Queue the owner's messages, and the staff chat's, in this unit of work."""
    services, policy = turn.services, turn.store.policy
    for change in changes:
        await notify_member(
            turn.session,
            services,
            member,
            lambda t, c=change: membership_texts.for_owner(t, policy, c),
        )
        if membership_texts.worth_telling_staff(change):
            await staff_notice(
                turn.session,
                services,
                lambda t, c=change: membership_texts.for_staff(t, policy, member, c),
                store=turn.store,
            )
