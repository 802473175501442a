"""Fixtures: a fresh database per test (SQLite always, PostgreSQL when TEST_DATABASE_URL
is set) and a factory for running bots on it.

The schema is migrated once per run into a template; each test gets a copy of it
(a file copy on SQLite; on PostgreSQL the one database emptied, schema kept), so a test starts
on an empty, fully migrated database in a millisecond instead of running Alembic.

The suite runs in parallel (pytest-xdist, see pyproject.toml): each worker process has its
own SQLite template (in its own temporary directory) and, on PostgreSQL, its own database,
`<TEST_DATABASE_URL's database>_gw0`, `_gw1`, … created on first use next to the given one."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.app import build_application, build_services
from bot.config import Settings
from db import models  # noqa: F401  (every table on Base.metadata)
from db.base import Base
from db.engine import make_engine
from db.migrate import VERSION_TABLE, upgrade_to_head
from tests.harness import Bot, FakeBotAPI
from tests.spawner import Spawner

ADMIN_ID = 900001
STORE_NAME = "星河汽车"

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


# Tests that spend seconds in subprocesses go first, so that under xdist the other worker
# fills in beside them instead of one worker finishing alone with the last slow test.
SLOW_MODULES = ("test_crash.py", "test_run_modes.py", "test_cli.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def slow_rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOW_MODULES.index(name) if name in SLOW_MODULES else len(SLOW_MODULES)

    items.sort(key=slow_rank)  # stable: the order within each group is kept


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()


async def _sqlite_template(path: Path) -> Path:
    """One SQLite file migrated to head, its WAL folded in, for tests to copy."""
    await _migrate(f"sqlite+aiosqlite:///{path}")
    with closing(sqlite3.connect(path)) as conn:  # all in the main file: a copy is whole
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def worker_database_url(url: str, worker: str | None) -> str:
    """The PostgreSQL database for one xdist worker (`gw0`, …): `<db>_gw0` beside `<db>`."""
    if not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


async def create_worker_database(url: str, worker: str | None) -> str:
    """Create this worker's database once, connecting to the given one to do it."""
    mine = worker_database_url(url, worker)
    if mine == url:
        return url
    name = make_url(mine).database
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = CAST(:name AS text)"),
                {"name": name},
            )
            if not found:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    return mine


class PostgresReset:
    """Empties the one PostgreSQL test database between tests, keeping its schema.

    The schema is migrated once; before each test every row goes and every sequence
    restarts at 1, over one connection kept for the run: about 12 ms, where dropping
    the schema and migrating took about 130 ms and cloning a template database with
    `CREATE DATABASE … TEMPLATE` about 250 ms."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine = make_engine(url, isolation_level="AUTOCOMMIT")
        self._conn: AsyncConnection | None = None
        self._statement = ""

    async def prepare(self) -> None:
        async with self.engine.begin() as conn:  # what an earlier run may have left
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await _migrate(self.url)
        self._conn = await self.engine.connect()
        found = set((await self._conn.execute(text(TABLES_SQL))).scalars())
        known = [t.name for t in reversed(Base.metadata.sorted_tables)]
        sequences = list((await self._conn.execute(text(SEQUENCES_SQL))).scalars())
        if found == set(known):  # children before parents: no foreign key is in the way
            wipe = [f'DELETE FROM "{name}"' for name in known]
        else:  # a table the models do not know: let PostgreSQL find the order
            wipe = ["TRUNCATE " + ", ".join(f'"{name}"' for name in sorted(found)) + " CASCADE"]
        restart = [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
        self._statement = "; ".join([*wipe, *restart])

    async def reset(self) -> str:
        assert self._conn is not None
        await self._conn.execute(text(OTHER_SESSIONS_SQL))  # a test that left one open
        raw = await self._conn.get_raw_connection()
        await raw.driver_connection.execute(self._statement)  # many statements, one trip
        return self.url

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
        await self.engine.dispose()


TABLES_SQL = (
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
    f"AND tablename <> '{VERSION_TABLE}'"
)
SEQUENCES_SQL = "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
OTHER_SESSIONS_SQL = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
    # Only the tests' own sessions: an autovacuum worker in the database belongs to the
    # superuser, and terminating it is refused (a test failed that way once).
    "AND backend_type = 'client backend' AND usename = current_user"
)


@pytest.fixture(scope="session")
def spawner() -> Iterator[Spawner]:
    """One warm process per worker that forks `python -m bot` for the subprocess tests."""
    spawner = Spawner()
    yield spawner
    spawner.close()


class Templates:
    def __init__(self, sqlite: Path, postgres: PostgresReset | None) -> None:
        self.sqlite, self.postgres = sqlite, postgres


@pytest.fixture(scope="session")
async def templates(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Templates]:
    """Migrated once per run: a SQLite file to copy and, when configured, PostgreSQL."""
    sqlite = await _sqlite_template(tmp_path_factory.mktemp("template") / "club.db")
    postgres = None
    if url := os.environ.get("TEST_DATABASE_URL"):
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        postgres = PostgresReset(await create_worker_database(url, worker))
        await postgres.prepare()
    yield Templates(sqlite, postgres)
    if postgres is not None:
        await postgres.close()


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, templates: Templates, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "club.db"
        shutil.copyfile(templates.sqlite, path)
        return f"sqlite+aiosqlite:///{path}"
    assert templates.postgres is not None
    return await templates.postgres.reset()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        bot_token="123456:TEST-TOKEN",
        # No quiet hours: tests run at any hour; tests of quiet hours set their own policy.
        policy_file=Path(__file__).with_name("policy_no_quiet_hours.toml"),
        database_url=database_url,
        store_name=STORE_NAME,
        admin_ids=frozenset({ADMIN_ID}),
        default_locale="zh_Hans",
    )


MakeBot = Callable[..., Awaitable[Bot]]


@pytest.fixture
async def make_bot(settings: Settings) -> AsyncIterator[MakeBot]:
    """Start a bot on the test database; call again to 'restart' on the same data."""
    running: list[Bot] = []

    async def start(**overrides: object) -> Bot:
        services = await build_services(replace(settings, **overrides))
        api = FakeBotAPI()
        app = build_application(services, request=api, rate_limit=False, push_sender=False)
        bot = Bot(app, api)
        await bot.start()
        running.append(bot)
        return bot

    yield start
    for bot in running:
        if bot.app.running or bot.app._initialized:
            await bot.stop()
    for bot in running:
        assert not bot.errors, f"unexpected errors in handlers: {bot.errors!r}"


@pytest.fixture
async def bot(make_bot: MakeBot) -> Bot:
    return await make_bot()
