"""An import batch's statements run on the loop's thread (`inline_writes`): the same
transaction, the same rollback, and the connection is an ordinary one afterwards."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, String, bindparam, select, text, update

from db.models import Store
from db.sqlite_driver import inline_writes
from db.writes import execute_many
from tests.flows import services


async def store_name(svc) -> str:
    async with svc.sessionmaker() as session:
        return str(await session.scalar(select(Store.name).where(Store.id == 1)))


_rename = (
    update(Store.__table__)
    .where(Store.__table__.c.id == bindparam("store", type_=Integer))
    .values(name=bindparam("n", type_=String))
)


async def test_inline_writes_commit_roll_back_and_leave_the_connection_as_it_was(bot):
    svc = services(bot)
    before = await store_name(svc)
    async with svc.sessionmaker() as session:
        async with inline_writes(session):
            await session.execute(text("UPDATE stores SET name = :n WHERE id = 1"), {"n": "A"})
            with pytest.raises(Exception, match="no_such_table"):
                await session.execute(text("SELECT * FROM no_such_table"))
        await session.rollback()  # a failed batch: nothing of it stays
    assert await store_name(svc) == before

    async with svc.sessionmaker() as session:
        async with inline_writes(session):
            await session.execute(text("UPDATE stores SET name = :n WHERE id = 1"), {"n": "B"})
        await session.commit()
    assert await store_name(svc) == "B"

    async with svc.sessionmaker() as session:  # afterwards: the driver's thread, as always
        raw = (await (await session.connection()).get_raw_connection()).dbapi_connection
        assert getattr(raw, "inline", False) is False
        await execute_many(session, _rename, [{"store": 1, "n": "C"}])
        await session.commit()
    assert await store_name(svc) == "C"
