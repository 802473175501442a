"""Query helpers. They read and stage writes; they never commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    AuditEntry,
    Car,
    ChatUser,
    Dialog,
    JoinLink,
    Member,
    StaffRole,
    Store,
    Visit,
)


async def store_by_code(session: AsyncSession, code: str) -> Store | None:
    return await session.scalar(select(Store).where(Store.code == code))


async def member_by_user(session: AsyncSession, store_id: int, user_id: int) -> Member | None:
    return await session.scalar(
        select(Member).where(Member.store_id == store_id, Member.telegram_user_id == user_id)
    )


async def member_by_phone(session: AsyncSession, store_id: int, phone: str) -> Member | None:
    return await session.scalar(
        select(Member).where(Member.store_id == store_id, Member.phone == phone)
    )


async def member_by_card(session: AsyncSession, store_id: int, card_code: str) -> Member | None:
    return await session.scalar(
        select(Member).where(Member.store_id == store_id, Member.card_code == card_code)
    )


async def member_by_referral(session: AsyncSession, store_id: int, code: str) -> Member | None:
    return await session.scalar(
        select(Member).where(Member.store_id == store_id, Member.referral_code == code)
    )


async def member_by_id(session: AsyncSession, store_id: int, member_id: int) -> Member | None:
    return await session.scalar(
        select(Member).where(Member.store_id == store_id, Member.id == member_id)
    )


async def car_by_plate(session: AsyncSession, store_id: int, plate: str) -> Car | None:
    return await session.scalar(select(Car).where(Car.store_id == store_id, Car.plate == plate))


async def count_referred(session: AsyncSession, member_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Member).where(Member.referred_by_id == member_id)
        )
        or 0
    )


async def code_in_use(session: AsyncSession, column: str, code: str) -> bool:
    col = {"card": Member.card_code, "referral": Member.referral_code}[column]
    return await session.scalar(select(func.count()).where(col == code)) != 0


async def chat_user(session: AsyncSession, user_id: int) -> ChatUser | None:
    return await session.get(ChatUser, user_id)


async def dialog(session: AsyncSession, user_id: int) -> Dialog | None:
    return await session.get(Dialog, user_id)


async def roles_of(session: AsyncSession, store_id: int, user_id: int) -> set[str]:
    rows = await session.scalars(
        select(StaffRole.role).where(
            StaffRole.store_id == store_id, StaffRole.telegram_user_id == user_id
        )
    )
    return set(rows)


async def staff_role(
    session: AsyncSession, store_id: int, user_id: int, role: str
) -> StaffRole | None:
    return await session.scalar(
        select(StaffRole).where(
            StaffRole.store_id == store_id,
            StaffRole.telegram_user_id == user_id,
            StaffRole.role == role,
        )
    )


async def all_staff_roles(session: AsyncSession, store_id: int) -> Sequence[StaffRole]:
    rows = await session.scalars(
        select(StaffRole)
        .where(StaffRole.store_id == store_id)
        .order_by(StaffRole.telegram_user_id, StaffRole.role)
    )
    return rows.all()


async def join_link_by_code(session: AsyncSession, store_id: int, code: str) -> JoinLink | None:
    return await session.scalar(
        select(JoinLink).where(JoinLink.store_id == store_id, JoinLink.code == code)
    )


async def count_members(session: AsyncSession, store_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Member).where(Member.store_id == store_id)
        )
        or 0
    )


async def recent_audit(
    session: AsyncSession, store_id: int, action: str, limit: int
) -> Sequence[AuditEntry]:
    rows = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.store_id == store_id, AuditEntry.action == action)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return rows.all()


async def visit_by_order(session: AsyncSession, store_id: int, order_no: str) -> Visit | None:
    return await session.scalar(
        select(Visit).where(Visit.store_id == store_id, Visit.order_no == order_no)
    )
