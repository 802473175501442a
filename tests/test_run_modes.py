"""The real run command, `python -m bot`, against the local Bot API stand-in.

Each test starts `scripts/fake_bot_api.py` in this process and the bot as a subprocess
(SQLite in a temporary directory), then plays a user through the stand-in's control
endpoints: long polling with a restart on the same database, webhook mode (with a wrong
secret rejected), and a missing BOT_TOKEN.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.spawner import Spawner

REPO = Path(__file__).resolve().parents[1]
TOKEN = "123:TEST"
BOT_KEYS = (
    "BOT_TOKEN",
    "DATABASE_URL",
    "BOT_API_BASE_URL",
    "BOT_API_FILE_URL",
    "ADMIN_IDS",
    "STORE_CODE",
    "STORE_NAME",
    "STORE_TIMEZONE",
    "DEFAULT_LOCALE",
    "CLUB_POLICY_FILE",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "LOG_LEVEL",
)
PROXY_KEYS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


def _load_fake_api() -> Any:
    spec = importlib.util.spec_from_file_location("fake_bot_api", REPO / "scripts/fake_bot_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fake_bot_api = _load_fake_api()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stand:
    """The stand-in plus an HTTP client for its control endpoints."""

    def __init__(self, api: Any, port: int) -> None:
        self.api = api
        self.url = f"http://127.0.0.1:{port}"
        self.http = httpx.AsyncClient(base_url=self.url, trust_env=False, timeout=10)

    async def send(self, user_id: int, text: str) -> dict[str, Any]:
        body = {"user_id": user_id, "text": text, "language_code": "en"}
        response = await self.http.post("/_user/send", json=body)
        response.raise_for_status()
        return response.json()

    async def sent(self, chat_id: int) -> list[dict[str, Any]]:
        return (await self.http.get("/_sent", params={"chat_id": chat_id})).json()

    async def calls(self, method: str) -> list[dict[str, Any]]:
        return [c for c in (await self.http.get("/_calls")).json() if c["method"] == method]


@pytest.fixture
async def stand() -> AsyncIterator[Stand]:
    api = fake_bot_api.FakeBotAPI()
    port = await api.start(port=0)
    stand = Stand(api, port)
    try:
        yield stand
    finally:
        await stand.http.aclose()
        await api.stop()


class BotProcess:
    """`python -m bot` in `workdir`, its output in a file there (shown when a check fails)."""

    def __init__(self, spawner: Spawner, workdir: Path, env: dict[str, str], name: str) -> None:
        self.out = workdir / f"{name}.log"  # stdout and stderr, as `2>&1`
        # Its own process, forked from a warm one that has the imports done (tests/spawner.py).
        self.proc = spawner.spawn([], env=env, cwd=workdir, stdout=self.out)

    def log(self) -> str:
        return self.out.read_text(errors="replace")[-4000:]

    def check_alive(self) -> None:
        code = self.proc.poll()
        assert code is None, f"the bot exited early with code {code}:\n{self.log()}"

    async def interrupt(self, within: float = 10.0) -> int | None:
        """Send SIGINT (Ctrl+C) and wait, without blocking the loop, for the exit code."""
        self.proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + within
        while self.proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return self.proc.poll()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def bot_env(tmp_path: Path, stand: Stand | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in BOT_KEYS + PROXY_KEYS}
    env.update(
        BOT_TOKEN=TOKEN,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'club.db'}",
        DEFAULT_LOCALE="en",
        WEBHOOK_URL="",  # empty counts as unset, and beats a stray .env
        NO_PROXY="127.0.0.1,localhost",
        PYTHONPATH=str(REPO),
    )
    if stand is not None:
        env["BOT_API_BASE_URL"] = f"{stand.url}/bot"
    env.update(extra)
    return env


async def wait_for_replies(
    stand: Stand, bot: BotProcess, chat_id: int, count: int, within: float = 15.0
) -> list[dict[str, Any]]:
    """Poll /_sent until the bot has sent `count` messages to `chat_id`."""
    deadline = time.monotonic() + within
    while True:
        sent = await stand.sent(chat_id)
        if len(sent) >= count:
            return sent
        bot.check_alive()
        assert time.monotonic() < deadline, f"only {sent!r} after {within}s:\n{bot.log()}"
        await asyncio.sleep(0.02)


def assert_welcome(replies: list[dict[str, Any]]) -> None:
    assert any("Welcome to the" in (r["text"] or "") for r in replies), replies
    keyboards = [(r["reply_markup"] or {}).get("inline_keyboard") for r in replies]
    buttons = [b for rows in keyboards if rows for row in rows for b in row]
    assert buttons and all(b.get("callback_data") for b in buttons), replies


async def test_polling_answers_and_restarts_on_the_same_database(stand, spawner, tmp_path):
    env = bot_env(tmp_path, stand)
    first = BotProcess(spawner, tmp_path, env, "first")
    try:
        assert (await stand.send(4242, "/start"))["delivered"] == "queued"
        assert_welcome(await wait_for_replies(stand, first, 4242, 2))
        assert await stand.calls("getMe") and await stand.calls("setMyCommands")
        assert "timeout" in (await stand.calls("getUpdates"))[-1]["params"]
        code = await first.interrupt()
        assert code == 0, f"exit code {code} after SIGINT:\n{first.log()}"
    finally:
        first.kill()
    assert (tmp_path / "club.db").is_file()

    second = BotProcess(spawner, tmp_path, env, "second")  # same database: migrations are a no-op
    try:
        await stand.send(4242, "/start")
        replies = await wait_for_replies(stand, second, 4242, 4)
        assert_welcome(replies[2:])
        code = await second.interrupt()
        assert code == 0, f"exit code {code} after SIGINT:\n{second.log()}"
    finally:
        second.kill()


async def test_webhook_mode(stand, spawner, tmp_path):
    port = free_port()
    hook = f"http://127.0.0.1:{port}/hook"
    env = bot_env(
        tmp_path,
        stand,
        WEBHOOK_URL=hook,
        WEBHOOK_SECRET="s3cret",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    bot = BotProcess(spawner, tmp_path, env, "webhook")
    try:
        deadline = time.monotonic() + 15
        while not await stand.calls("setWebhook"):
            bot.check_alive()
            assert time.monotonic() < deadline, f"no setWebhook:\n{bot.log()}"
            await asyncio.sleep(0.02)
        params = (await stand.calls("setWebhook"))[-1]["params"]
        assert params["url"] == hook and params["secret_token"] == "s3cret"

        delivery = await stand.send(5151, "/start")  # POSTed to the webhook by the stand-in
        assert delivery["delivered"] == "webhook" and delivery["status"] == 200, delivery
        assert_welcome(await wait_for_replies(stand, bot, 5151, 2))

        update = stand.api.message_update(stand.api.user(6161, "en"), "/start")
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            response = await client.post(
                hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            )
        assert response.status_code == 403
        # The same person then asks for real: a chat's updates are handled in order, so
        # once this is answered, the forged /start would have been answered before it.
        assert (await stand.send(6161, "/myid"))["status"] == 200
        deadline = time.monotonic() + 15
        while not any("user id" in (r["text"] or "") for r in await stand.sent(6161)):
            bot.check_alive()
            assert time.monotonic() < deadline, f"no answer to /myid:\n{bot.log()}"
            await asyncio.sleep(0.05)
        assert len(await stand.sent(6161)) == 1, await stand.sent(6161)
        bot.check_alive()
        code = await bot.interrupt()
        assert code == 0, f"exit code {code} after SIGINT:\n{bot.log()}"
    finally:
        bot.kill()


def test_missing_token_is_a_configuration_error(tmp_path):
    env = bot_env(tmp_path, None, BOT_TOKEN="")  # empty beats a stray .env
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result
    assert "BOT_TOKEN" in result.stderr
