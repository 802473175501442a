"""Owners' views read what they show without the write lock, and show what they did."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests import factories
from tests.flows import member_of, services
from tests.harness import joined


def _sqlite_path(bot) -> str:
    url = make_url(services(bot).settings.database_url)
    if not url.drivername.startswith("sqlite"):
        pytest.skip("the write lock is SQLite's")
    return str(url.database)


async def test_points_and_card_answer_while_another_process_holds_the_write_lock(bot):
    owner = await factories.owner(bot, 6101)
    member = await member_of(bot, 6101)
    await factories.give_points(bot, member, 1200)
    with closing(sqlite3.connect(_sqlite_path(bot), isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # an import in another process, mid-batch
        other.execute("UPDATE stores SET name = name")
        points = joined(await owner.send("/points"))
        card = await owner.send("/card")
        other.execute("ROLLBACK")
    assert "Redeemable points: 1,200" in points and "History, page 1 of 1" in points
    assert card[-1].method == "sendPhoto" and "Redeemable points: 1,200" in card[-1].text


async def test_a_change_after_a_view_is_still_written(bot):
    """A view's transaction cannot write; the next update's can, on the same connection."""
    owner = await factories.owner(bot, 6102)
    await owner.send("/points")
    await owner.send("/language")
    await owner.press("简体中文")
    assert (await member_of(bot, 6102)).locale == "zh_Hans"
    assert "可兑换积分" in joined(await owner.send("/points"))


async def test_points_history_pages_with_visits_and_the_next_expiry(bot):
    owner = await factories.owner(bot, 6103)
    member = await member_of(bot, 6103)
    for i in range(10):
        await factories.give_points(bot, member, 100 + i, expires_on=date(2030, 1, 1 + i))
    first = joined(await owner.send("/points"))
    assert "History, page 1 of 2:" in first and "+109" in first and "+101" not in first
    assert "100 redeemable points expire after Jan 1, 2030" in first
    second = joined(await owner.press("Older ▶"))
    assert "History, page 2 of 2:" in second and "+101" in second and "+100" in second
    stale = joined(await owner.press_data("pts:page:7"))  # a button from a longer history
    assert "History, page 8 of 2:" in stale and "+10" not in stale.split("page 8 of 2:")[1]


async def test_views_answer_after_the_database_dropped_their_connections(bot):
    """On PostgreSQL views' pooled connections are not pinged before use: one the server
    dropped (a restart, a failover) is found dead mid-view, and the view is read again."""
    if not services(bot).settings.database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's views' pool")
    owner = await factories.owner(bot, 6103)
    await factories.give_points(bot, await member_of(bot, 6103), 700)
    assert "Redeemable points: 700" in joined(await owner.send("/points"))  # pools a connection
    async with services(bot).read_session() as session:  # the pool's one connection
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
    async with services(bot).sessionmaker() as session:
        dropped = await session.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    assert dropped
    points = joined(await owner.send("/points"))
    card = await owner.send("/card")
    assert "Redeemable points: 700" in points and "History, page 1 of 1" in points
    assert card[-1].method == "sendPhoto" and "Redeemable points: 700" in card[-1].text
