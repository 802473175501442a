"""Apply Alembic migrations programmatically (on start and in tests).

Every start calls `upgrade_to_head`. When the database already carries the newest
revision, that costs one small read: the head is read from the migration scripts'
`revision` / `down_revision` lines without importing Alembic (about 0.15 s of imports
per process) or running its environment. Anything else goes through Alembic.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).resolve().parent
VERSIONS = HERE / "migrations" / "versions"
VERSION_TABLE = "alembic_version"  # Alembic's default; env.py does not rename it


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def _declared(path: Path) -> tuple[str, frozenset[str]] | None:
    """A script's revision and the revisions it follows, if both are plain literals."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:
                return None
    revision, down = found.get("revision"), found.get("down_revision")
    if not isinstance(revision, str) or "down_revision" not in found:
        return None
    follows = (down,) if isinstance(down, str) else () if down is None else down
    if not isinstance(follows, tuple | list) or not all(isinstance(d, str) for d in follows):
        return None
    return revision, frozenset(follows)


def declared_heads() -> frozenset[str] | None:
    """The heads as the scripts declare them; None if any script is not plain enough to
    read this way (then Alembic decides)."""
    revisions, followed = set(), set()
    for path in sorted(VERSIONS.glob("*.py")):
        if path.name == "__init__.py":
            continue
        if (declared := _declared(path)) is None:
            return None
        revisions.add(declared[0])
        followed |= declared[1]
    heads = frozenset(revisions - followed)
    return heads or None


@cache
def head_revisions() -> frozenset[str]:
    """The newest revision(s) of the migration scripts shipped with this code."""
    if (heads := declared_heads()) is not None:
        return heads
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def _applied(connection: Connection) -> frozenset[str]:
    if not connection.dialect.has_table(connection, VERSION_TABLE):
        return frozenset()
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return frozenset(row[0] for row in rows)


def _upgrade(connection: Connection) -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


async def applied_revisions(engine: AsyncEngine) -> frozenset[str]:
    async with engine.connect() as conn:
        return await conn.run_sync(_applied)


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; safe to call on every start.

    A database already at head (every restart, every test copied from a migrated
    template) is left alone after one read; a fresh one, one behind, or one at a
    revision this code does not know goes through Alembic as before.
    """
    if await applied_revisions(engine) == head_revisions():
        return
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)
