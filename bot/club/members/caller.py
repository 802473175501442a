"""Who sent an update: their member row (if they joined) and their language, in one read.

Every update needs the sender's language; most owners' commands then need their member
row (balances, tier, card). Both come back from one statement, as plain values rather
than an ORM object: a command that only shows them (/points, /card) reads nothing else
about the member, and handlers that change a member still load it through the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import BigInteger, Integer, Row, Select, and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ChatUser, Member

_members, _chat_users = Member.__table__, ChatUser.__table__


class MemberFacts(Protocol):
    """What a read-only view of a member uses: an ORM `Member` or the caller's row."""

    id: int
    name: str
    tier_code: str
    valid_until: date
    cumulative_points: int
    redeemable_points: int
    card_code: str
    referral_code: str


@dataclass(frozen=True)
class Caller:
    member: Row[Any] | None  # the members row of the sender in this store; None if not joined
    chat_locale: str | None  # the language they chose before joining, if any

    @property
    def locale(self) -> str | None:
        """The member's language choice, else the one saved before joining."""
        chosen = self.member.locale if self.member is not None else None
        return chosen or self.chat_locale

    @property
    def blocked(self) -> bool:
        """Marked as having blocked the bot (pushes skip them): writing to it undoes that."""
        return self.member is not None and self.member.blocked_at is not None


def _caller_query() -> Select[Any]:
    """One row whether or not they joined: the user id left-joined to both tables.

    Built once, with parameters: every update runs it."""
    me = select(bindparam("user", type_=BigInteger).label("uid")).subquery()
    mine = and_(
        _members.c.store_id == bindparam("store", type_=Integer),
        _members.c.telegram_user_id == me.c.uid,
    )
    chat = me.outerjoin(_chat_users, _chat_users.c.telegram_user_id == me.c.uid)
    return select(_chat_users.c.locale.label("chat_locale"), *_members.c).select_from(
        chat.outerjoin(_members, mine)
    )


_CALLER = _caller_query()


async def caller(session: AsyncSession, store_id: int, user_id: int) -> Caller:
    """The sender's member row and chat language, in one statement (joined or not)."""
    row = (await session.execute(_CALLER, {"user": user_id, "store": store_id})).one()
    return Caller(member=row if row.id is not None else None, chat_locale=row.chat_locale)


async def unblock(session: AsyncSession, store_id: int, user_id: int) -> None:
    """A member who writes to the bot has unblocked it: pushes reach them again."""
    await session.execute(
        update(Member)
        .where(Member.store_id == store_id, Member.telegram_user_id == user_id)
        .values(blocked_at=None)
        .execution_options(synchronize_session=False)
    )
