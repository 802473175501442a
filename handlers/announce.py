"""Tell the owner (and the staff chat) what changed in their membership."""

from __future__ import annotations

from bot.club.points.membership import Change
from bot.messaging import membership_texts
from bot.messaging.notify import notify_member, tell_staff
from db.models import Member
from handlers.common import Turn


async def announce(turn: Turn, member: Member, changes: list[Change]) -> None:
    """Queue the owner's messages in this unit of work; post to staff after the commit."""
    bot, services, policy = turn.context.bot, turn.services, turn.services.policy
    for change in changes:
        await notify_member(
            turn.session,
            services,
            member,
            lambda t, c=change: membership_texts.for_owner(t, policy, c),
        )
        if membership_texts.worth_telling_staff(change):

            async def send(change: Change = change) -> None:
                await tell_staff(
                    bot, services, lambda t: membership_texts.for_staff(t, policy, member, change)
                )

            turn.after_commit.append(send)
