"""Apply Alembic migrations programmatically (on start and in tests)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

HERE = Path(__file__).resolve().parent
VERSION_TABLE = "alembic_version"  # Alembic's default; env.py does not rename it


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


@cache
def head_revisions() -> frozenset[str]:
    """The newest revision(s) of the migration scripts shipped with this code."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def _applied(connection: Connection) -> frozenset[str]:
    if not connection.dialect.has_table(connection, VERSION_TABLE):
        return frozenset()
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return frozenset(row[0] for row in rows)


def _upgrade(connection: Connection) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


async def is_at_head(engine: AsyncEngine) -> bool:
    """True when the database already carries exactly the newest revision(s)."""
    async with engine.connect() as conn:
        applied = await conn.run_sync(_applied)
    return applied == head_revisions()


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; safe to call on every start.

    A database already at head (every restart, every test copied from a migrated
    template) costs one small read instead of Alembic's environment and script loading;
    anything else (fresh, behind, or unknown to this code) goes through Alembic.
    """
    if await is_at_head(engine):
        return
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)
