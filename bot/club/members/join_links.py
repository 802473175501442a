"""One-time join links: staff hand one to an owner; it presets the join channel and advisor.

The first owner who consents with a link holds it (`reserve_link`, one conditional
UPDATE), so two owners who open it at once cannot both join with its preset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.common import codes
from db import queries
from db.models import JoinLink

JOIN_LINK_DAYS = 7
LINK_HOLD = timedelta(hours=1)  # the first owner to consent holds a one-time link this long


@dataclass(frozen=True)
class LinkPreset:
    channel: str
    advisor_user_id: int | None
    link_id: int


def link_is_usable(link: JoinLink | None, now: datetime, user_id: int | None = None) -> bool:
    """Unused, unexpired, and not held by another owner who is joining with it."""
    if link is None or link.used_at is not None or link.expires_at <= now:
        return False
    held = link.reserved_by is not None and link.reserved_by != user_id
    return not (held and link.reserved_until is not None and link.reserved_until > now)


async def usable_link(
    session: AsyncSession, store_id: int, code: str, now: datetime, user_id: int | None = None
) -> LinkPreset | None:
    link = await queries.join_link_by_code(session, store_id, codes.clean_code(code))
    if link is None or not link_is_usable(link, now, user_id):
        return None
    return LinkPreset(link.channel, link.advisor_user_id, link.id)


def _free_for(user_id: int, now: datetime) -> Any:
    return or_(
        JoinLink.reserved_by.is_(None),
        JoinLink.reserved_by == user_id,
        JoinLink.reserved_until <= now,
    )


async def reserve_link(session: AsyncSession, link_id: int, user_id: int, now: datetime) -> bool:
    """Hold the link for this owner, unless another holds it: one conditional UPDATE, so
    two owners consenting at the same moment cannot both get it."""
    result = await session.execute(
        update(JoinLink)
        .where(
            JoinLink.id == link_id,
            JoinLink.used_at.is_(None),
            JoinLink.expires_at > now,
            _free_for(user_id, now),
        )
        .values(reserved_by=user_id, reserved_until=now + LINK_HOLD)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def use_link(session: AsyncSession, link_id: int, user_id: int, now: datetime) -> bool:
    """Mark the link used by this owner; False if another owner holds or used it."""
    result = await session.execute(
        update(JoinLink)
        .where(JoinLink.id == link_id, JoinLink.used_at.is_(None), _free_for(user_id, now))
        .values(used_at=now, reserved_by=user_id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def release_link(session: AsyncSession, user_id: int, data: dict[str, Any]) -> None:
    """A cancelled join lets the next owner use the link."""
    if data.get("link"):
        await session.execute(
            update(JoinLink)
            .where(
                JoinLink.id == data["link"],
                JoinLink.used_at.is_(None),
                JoinLink.reserved_by == user_id,
            )
            .values(reserved_by=None, reserved_until=None)
            .execution_options(synchronize_session=False)
        )


async def create_join_link(
    session: AsyncSession,
    store_id: int,
    staff_id: int,
    channel: str,
    advisor_user_id: int | None,
    now: datetime,
) -> JoinLink:
    """A one-time onboarding link that presets the join channel and the advisor."""
    from bot.club.staff import audit

    link = JoinLink(
        store_id=store_id,
        code=codes.new_code(10),
        channel=channel,
        advisor_user_id=advisor_user_id,
        created_by=staff_id,
        created_at=now,
        expires_at=now + timedelta(days=JOIN_LINK_DAYS),
    )
    session.add(link)
    await session.flush()
    audit.record(session, store_id, staff_id, "joinlink.create", f"link:{link.id}", channel=channel)
    return link
