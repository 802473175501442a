"""Fixtures: a fresh database per test (SQLite always, PostgreSQL when TEST_DATABASE_URL
is set) and a factory for running bots on it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import build_application, build_services
from bot.config import Settings
from db.engine import make_engine
from tests.harness import Bot, FakeBotAPI

ADMIN_ID = 900001
STORE_NAME = "星河汽车"

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


async def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'club.db'}"
    url = os.environ["TEST_DATABASE_URL"]
    await _reset_postgres(url)
    return url


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
