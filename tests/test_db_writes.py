"""The batch insert helpers report exactly the rows that were new (SQLite's rows go one
by one through the driver and are read back by id; PostgreSQL's through RETURNING)."""

from __future__ import annotations

from db.models import MembershipEvent
from db.writes import insert_rows_counted, insert_rows_once
from tests.factories import add_member
from tests.flows import services

EVENTS = MembershipEvent.__table__


def event(member_id: int, key: str) -> dict[str, object]:
    return {"store_id": 1, "member_id": member_id, "kind": "import", "dedupe_key": key}


async def test_only_new_rows_come_back_with_their_ids(bot):
    svc = services(bot)
    first = await add_member(bot, None, phone="13800000001", plate=None)
    second = await add_member(bot, None, phone="13800000002", plate=None)
    async with svc.sessionmaker() as session:
        old = await insert_rows_once(
            session, EVENTS, [event(first.id, "a"), event(second.id, "a")], ("dedupe_key", "id")
        )
        await session.commit()
    assert sorted(key for key, _ in old) == ["a", "a"]
    rows = [event(first.id, "a"), event(first.id, "b"), event(second.id, "a")]
    rows += [event(second.id, "c"), event(first.id, "b")]  # the same new row twice
    async with svc.sessionmaker() as session:
        new = await insert_rows_once(session, EVENTS, rows, ("member_id", "dedupe_key", "id"))
        await session.commit()
    assert sorted((m, k) for m, k, _ in new) == [(first.id, "b"), (second.id, "c")]
    assert {i for _, _, i in new}.isdisjoint({i for _, i in old})
    async with svc.sessionmaker() as session:
        stored = {
            (e.member_id, e.dedupe_key): e.id
            for e in (await session.execute(EVENTS.select())).all()
        }
        counted = await insert_rows_counted(
            session, EVENTS, [event(first.id, "b"), event(first.id, "d")]
        )
        await session.commit()
    assert {(m, k): i for m, k, i in new} == {
        key: stored[key] for key in [(first.id, "b"), (second.id, "c")]
    }
    assert counted == 1
