"""Migrations on start: a database at head is left alone cheaply, anything else is
brought to head by Alembic."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from db import migrate
from db.engine import make_engine


def test_the_heads_read_from_the_scripts_are_alembics():
    alembic_heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert migrate.declared_heads() == frozenset(alembic_heads)
    assert migrate.head_revisions() == frozenset(alembic_heads)


def test_a_script_that_is_not_plain_leaves_the_decision_to_alembic(tmp_path, monkeypatch):
    (tmp_path / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n')
    (tmp_path / "0002_b.py").write_text('revision: str = "0002"\ndown_revision = ("0001",)\n')
    monkeypatch.setattr(migrate, "VERSIONS", tmp_path)
    assert migrate.declared_heads() == {"0002"}
    (tmp_path / "0003_c.py").write_text('revision = "0003"\ndown_revision = previous()\n')
    assert migrate.declared_heads() is None


async def test_fresh_behind_and_at_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    url = f"sqlite+aiosqlite:///{tmp_path / 'club.db'}"
    engine = make_engine(url)
    heads = migrate.head_revisions()
    try:
        await migrate.upgrade_to_head(engine)  # fresh: every table made
        assert await migrate.applied_revisions(engine) == heads
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"members", "cars", "pushes", migrate.VERSION_TABLE} <= tables

        async with engine.begin() as conn:  # one revision behind, as after a code update
            await conn.run_sync(_downgrade_one)
        assert await migrate.applied_revisions(engine) not in (heads, frozenset())
        await migrate.upgrade_to_head(engine)
        assert await migrate.applied_revisions(engine) == heads

        def no_alembic(connection: object) -> None:
            raise AssertionError("Alembic ran on a database already at head")

        monkeypatch.setattr(migrate, "_upgrade", no_alembic)
        await migrate.upgrade_to_head(engine)  # at head: nothing to do
    finally:
        await engine.dispose()


def _downgrade_one(connection: object) -> None:
    cfg = migrate.alembic_config()
    cfg.attributes["connection"] = connection
    command.downgrade(cfg, "-1")


async def test_each_test_database_starts_at_head_and_empty(database_url: str):
    engine = make_engine(database_url)
    try:
        assert await migrate.applied_revisions(engine) == migrate.head_revisions()
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM members"))).scalar() == 0
            assert (await conn.execute(text("SELECT count(*) FROM stores"))).scalar() == 0
    finally:
        await engine.dispose()
