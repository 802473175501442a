"""After the commit: tell the owner (and the staff chat) what changed in their membership."""

from __future__ import annotations

from bot import notices
from bot.club.membership import Change
from bot.notify import tell_member, tell_staff
from db.models import Member
from handlers.common import Turn


def announce(turn: Turn, member: Member, changes: list[Change], *, owner_too: bool = True) -> None:
    """Queue the messages for `changes`; they go out only once the transaction committed."""
    bot, services, policy = turn.context.bot, turn.services, turn.services.policy
    for change in changes:

        async def send(change: Change = change) -> None:
            if owner_too:
                await tell_member(
                    bot, services, member, lambda t: notices.for_owner(t, policy, change)
                )
            if notices.worth_telling_staff(change):
                await tell_staff(
                    bot, services, lambda t: notices.for_staff(t, policy, member, change)
                )

        turn.after_commit.append(send)
