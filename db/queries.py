"""Query helpers. They read and stage writes; they never commit."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ARRAY,
    Date,
    Integer,
    Select,
    String,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    AuditEntry,
    Booking,
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


# --------------------------------------------------------------------------- #
# DMS imports: look-ups of a whole batch's keys in one statement. The keys go in as one
# parameter (a JSON array on SQLite, an array on PostgreSQL), so each statement is
# compiled once however many keys a batch has.
# --------------------------------------------------------------------------- #

_batch_statements: dict[tuple[str, str], Select[Any]] = {}


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def _one_of(dialect: str, column: Any, name: str) -> Any:
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    keys = select(literal_column("value")).select_from(
        func.json_each(bindparam(name, type_=String))
    )
    return column.in_(keys.scalar_subquery())


def _keys(dialect: str, keys: Collection[Any]) -> Any:
    return list(keys) if dialect == "postgresql" else json.dumps(list(keys))


def _cars_statement(dialect: str, key: str) -> Select[Any]:
    column = Car.__table__.c[key]
    c = Car.__table__.c
    return select(
        column,
        c.id,
        c.member_id,
        c.delivery_date,
        c.last_service_date,
        c.last_mileage,
        c.last_mileage_date,
    ).where(c.store_id == bindparam("store", type_=Integer), _one_of(dialect, column, "keys"))


async def import_cars(
    session: AsyncSession, store_id: int, key: str, keys: Collection[str]
) -> dict[str, tuple[Any, ...]]:
    """The store's cars whose `key` column ("plate" or "vin") is in `keys`: key → (car
    id, member id, delivery date, last service date, last mileage, its date)."""
    if not keys:
        return {}
    dialect = _dialect(session)
    statement = _batch_statements.get((dialect, key))
    if statement is None:
        statement = _batch_statements[(dialect, key)] = _cars_statement(dialect, key)
    rows = await session.execute(statement, {"store": store_id, "keys": _keys(dialect, keys)})
    return {row[0]: tuple(row[1:]) for row in rows}


def _members_statement(dialect: str, below: bool) -> Select[Any]:
    m, v = Member.__table__.c, Visit.__table__.c
    spend = (
        select(func.coalesce(func.sum(v.amount_fen), 0))
        .where(v.member_id == m.id, v.visit_date >= bindparam("since", type_=Date))
        .scalar_subquery()
    )
    statement = select(m.id, m.tier_code, m.cumulative_points, m.valid_until, spend).where(
        _one_of(dialect, m.id, "keys")
    )
    if below:
        statement = statement.where(m.tier_code != bindparam("top", type_=String))
    return statement


async def import_members_spend(
    session: AsyncSession,
    member_ids: Collection[int],
    since: date,
    *,
    not_tier: str | None = None,
) -> list[tuple[int, str, int, date, int]]:
    """(id, tier, cumulative points, valid until, spend on visits since `since`) of the
    members (except those at tier `not_tier`: the top one, which no history raises), in
    one statement."""
    if not member_ids:
        return []
    dialect = _dialect(session)
    key = (dialect, "members" if not_tier is None else "members-below")
    statement = _batch_statements.get(key)
    if statement is None:
        statement = _batch_statements[key] = _members_statement(dialect, not_tier is not None)
    values: dict[str, Any] = {"since": since, "keys": _keys(dialect, member_ids)}
    if not_tier is not None:
        values["top"] = not_tier
    rows = await session.execute(statement, values)
    return [(i, tier, int(c), until, int(spend or 0)) for i, tier, c, until, spend in rows]


def _bookings_statement(dialect: str, statuses: tuple[str, ...]) -> Select[Any]:
    b = Booking.__table__.c
    return (
        select(b.id, b.car_id, b.day)
        .where(
            b.store_id == bindparam("store", type_=Integer),
            b.day.between(bindparam("first", type_=Date), bindparam("last", type_=Date)),
            _one_of(dialect, b.car_id, "keys"),
            b.status.in_(statuses),
            b.visit_id.is_(None),
        )
        .order_by(b.starts_at, b.id)
    )


async def import_open_bookings(
    session: AsyncSession,
    store_id: int,
    car_ids: Collection[int],
    first: date,
    last: date,
    statuses: tuple[str, ...],
) -> list[tuple[int, int, date]]:
    """(id, car id, day) of the store's bookings of `car_ids` from `first` to `last` in
    one of `statuses` and not linked to a visit, earliest first, in one statement."""
    if not car_ids:
        return []
    dialect = _dialect(session)
    key = (dialect, "bookings:" + ",".join(statuses))
    statement = _batch_statements.get(key)
    if statement is None:
        statement = _batch_statements[key] = _bookings_statement(dialect, statuses)
    rows = await session.execute(
        statement,
        {"store": store_id, "first": first, "last": last, "keys": _keys(dialect, car_ids)},
    )
    return [(i, car, day) for i, car, day in rows]
