"""The name the DMS knows a staff member by (its repair orders' advisor column), set by
the staff member with /dmsname: calls after an imported service then reach the advisor
who did it, and the team's figures can name them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.calls import assign
from bot.club.calls.rules import LONGEST_DMS_NAME, clean_name, name_key
from bot.club.staff import audit
from db.models import Member, StaffName
from db.writes import insert_once


class NameRefusal(StrEnum):
    EMPTY = "dmsname_empty"
    TOO_LONG = "dmsname_too_long"
    TAKEN = "dmsname_taken"  # a colleague uses that name already


class NameRefused(Exception):
    def __init__(self, code: NameRefusal, holder: int | None = None) -> None:
        super().__init__(str(code))
        self.code, self.holder = code, holder


@dataclass(frozen=True)
class NameSet:
    name: str
    claimed: int  # open unassigned service calls under that name, now theirs


async def name_of(session: AsyncSession, store_id: int, user_id: int) -> str | None:
    return await session.scalar(
        select(StaffName.name).where(
            StaffName.store_id == store_id, StaffName.telegram_user_id == user_id
        )
    )


async def users_by_name(session: AsyncSession, store_id: int) -> dict[str, int]:
    """Every DMS name of the store (as `name_key` compares them) → its staff member; a
    name two people share (set before the check) goes to the first who set it."""
    rows = await session.execute(
        select(StaffName.name, StaffName.telegram_user_id)
        .where(StaffName.store_id == store_id)
        .order_by(StaffName.id.desc())
    )
    return {name_key(name): user_id for name, user_id in rows.all()}


async def _keep(
    session: AsyncSession, store_id: int, user_id: int, name: str, now: datetime
) -> bool:
    """Write the user's name; False when a colleague holds it (the unique name key
    decides, so two people setting one name at once cannot both get it)."""
    key = name_key(name)
    try:
        async with session.begin_nested():
            moved = await session.execute(
                update(StaffName)
                .where(StaffName.store_id == store_id, StaffName.telegram_user_id == user_id)
                .values(name=name, name_key=key, updated_at=now)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError:
        return False
    if moved.rowcount:
        return True
    values = {
        "store_id": store_id,
        "telegram_user_id": user_id,
        "name": name,
        "name_key": key,
        "updated_at": now,
    }
    if await insert_once(session, StaffName, values) is not None:
        return True
    # Either this user's own row appeared a moment ago (a double tap), or the name is taken.
    return await name_of(session, store_id, user_id) is not None and await _keep(
        session, store_id, user_id, name, now
    )


async def set_name(
    session: AsyncSession, store_id: int, user_id: int, text: str, now: datetime
) -> NameSet:
    """Keep `text` as the user's DMS name (refused: empty, too long, a colleague's). A
    service advisor is given the open unassigned service calls the DMS put under it;
    anyone else's name only names them (calls, with owners' phones, go to advisors)."""
    name = clean_name(text)
    if name is None:
        raise NameRefused(NameRefusal.EMPTY)
    if len(name) > LONGEST_DMS_NAME:
        raise NameRefused(NameRefusal.TOO_LONG)
    if not await _keep(session, store_id, user_id, name, now):  # the unique key decides
        holder = await session.scalar(
            select(StaffName.telegram_user_id).where(
                StaffName.store_id == store_id, StaffName.name_key == name_key(name)
            )
        )
        raise NameRefused(NameRefusal.TAKEN, holder)
    audit.record(session, store_id, user_id, "staff.dms_name", f"user:{user_id}")
    claimed = 0
    if user_id in await assign.service_advisors(session, store_id):
        claimed = await assign.claim_named(session, store_id, user_id, name)
    return NameSet(name, claimed)


async def display_names(
    session: AsyncSession, store_id: int, user_ids: Iterable[int]
) -> dict[int, str]:
    """What colleagues call each of `user_ids`: their member name, else their DMS name
    (missing: neither is known; the caller shows the Telegram id)."""
    ids = set(user_ids)
    if not ids:
        return {}
    found: dict[int, str] = {}
    rows = await session.execute(
        select(StaffName.telegram_user_id, StaffName.name).where(
            StaffName.store_id == store_id, StaffName.telegram_user_id.in_(ids)
        )
    )
    found.update(dict(rows.all()))
    members = await session.execute(
        select(Member.telegram_user_id, Member.name).where(
            Member.store_id == store_id, Member.telegram_user_id.in_(ids)
        )
    )
    found.update({uid: name for uid, name in members.all() if uid is not None})
    return found
