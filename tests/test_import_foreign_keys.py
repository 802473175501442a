"""A visits import batch leaves SQLite's foreign-key checks out (it reads every parent
it names itself, under its write lock): what it stores still holds together, and the
checks are back for every transaction after it, one that failed half-way included."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from bot.club.imports import visit_writes
from db.models import Visit
from tests.flows import services
from tests.test_import_ahead import _club, _import, visits_file


async def _bad_visit_refused(bot) -> None:
    """A visit naming a member and car that do not exist is refused, as always."""
    svc = services(bot)
    with pytest.raises(IntegrityError):
        async with svc.sessionmaker() as session:
            await session.execute(
                insert(Visit).values(
                    store_id=svc.default_store.id,
                    member_id=987654,
                    car_id=987654,
                    order_no="NO-SUCH-PARENTS",
                    visit_date=date(2024, 3, 1),
                    category="maintenance",
                    amount_fen=100,
                    source="chat",
                )
            )
            await session.commit()


async def test_an_import_leaves_every_row_with_its_parents_and_the_checks_on(make_bot):
    bot = await make_bot()
    await _club(bot)
    await _bad_visit_refused(bot)
    report, _ = await _import(bot, visits_file(), "visits.csv", use_ahead=False, batch=300)
    assert report.created > 1000
    svc = services(bot)
    if svc.engine.dialect.name == "sqlite":
        async with svc.sessionmaker() as session:
            assert (await session.execute(text("PRAGMA foreign_key_check"))).all() == []
            assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    await _bad_visit_refused(bot)


async def test_a_batch_that_fails_half_way_puts_the_checks_back(make_bot, monkeypatch):
    bot = await make_bot()
    await _club(bot)

    async def broken(*args, **kwargs):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(visit_writes, "_advance_cars", broken)
    with pytest.raises(RuntimeError):
        await _import(bot, visits_file(), "visits.csv", use_ahead=False, batch=300)
    await _bad_visit_refused(bot)
    async with services(bot).sessionmaker() as session:
        assert (await session.execute(text("select count(*) from visits"))).scalar() == 0
