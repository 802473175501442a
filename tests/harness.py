"""Drive the real PTB Application as a person would, with the Bot API faked at HTTP level.

`FakeBotAPI` is a `BaseRequest`: every Bot API call the bot makes lands here, is
recorded, and gets a Telegram-shaped answer. `Person` sends text, commands and
contacts, presses inline buttons by their label, and reads what the bot sent back.
"""

from __future__ import annotations

import itertools
import time
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.messaging.sender import PushSender, SendReport
from bot.messaging.texts import push_renderer
from tests.fake_api import BOT_ID, BOT_USERNAME, Call, FakeBotAPI, Fault, error_answer
from tests.fake_time import FakeTimer

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "Bot",
    "Call",
    "FakeBotAPI",
    "Fault",
    "Person",
    "error_answer",
    "joined",
    "texts",
]


FAST_RETRIES = (0.01, 0.01, 0.01)  # seconds between retries of a failed call


class Bot:
    """The application under test plus its fake API."""

    def __init__(self, app: Application, api: FakeBotAPI) -> None:
        self.app = app
        self.api = api
        self.errors: list[BaseException] = []
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)

    async def start(self) -> None:
        async def record(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
            if context.error is not None:
                self.errors.append(context.error)

        self.app.add_error_handler(record)
        await self.app.initialize()
        if self.app.post_init:
            await self.app.post_init(self.app)
        self.sender = self.push_sender()

    def push_sender(self, at: datetime | None = None) -> PushSender:
        """The outbox's sender as the running bot has it (clocked at `at` if given)."""
        services = self.app.bot_data["services"]
        timer = FakeTimer()  # the pacer's seconds (1 s per chat, 429 waits) pass virtually
        return PushSender(
            services,
            self.app.bot,
            push_renderer(services),
            backoff=FAST_RETRIES,
            timer=timer,
            clock=(lambda: at) if at is not None else timer.wall(services.now),
        )

    async def drain(self, at: datetime | None = None) -> SendReport:
        """Deliver everything due in the outbox now (or as if it were `at`), as the
        background sender would.

        Each drain gets a sender of its own on a fresh virtual clock: pushes to one chat
        within a drain are paced as in production (one a second) without real waiting,
        and the sender's wall clock starts again at real time, so the virtual seconds of
        earlier drains never put it ahead of the handlers' clock."""
        if not await self._outbox_has_work():
            return SendReport()  # most updates queue nothing: skip a sender's set-up
        sender = self.push_sender(at)
        if at is None:
            self.sender = sender  # `bot.sender.report` tells of the last drain, as before
        return await sender.drain(max_seconds=30)

    async def settle(self) -> None:
        """Let the work updates started after their commit (a broadcast sent now, queued
        in the background: `Services.run_soon`) finish, as it soon would live."""
        await self.app.bot_data["services"].settle()

    async def _outbox_has_work(self) -> bool:
        """Any push still to send, or left being sent (a sender takes those back)?"""
        from sqlalchemy import select

        from bot.messaging.outbox import Status
        from db.models import Push

        pending = (Status.QUEUED, Status.CLAIMED, Status.SENDING)
        services = self.app.bot_data["services"]
        async with services.read_session() as session:  # a look, as a sender's first is
            found = await session.scalar(select(Push.id).where(Push.status.in_(pending)).limit(1))
        return found is not None

    async def stop(self) -> None:
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        if self.app.post_shutdown:
            await self.app.post_shutdown(self.app)

    async def through_queue(self, payloads: list[dict[str, Any]], replies: int) -> list[Call]:
        """Deliver updates the way polling does (update queue and update processor), then
        wait until the bot has sent `replies` messages or 10 s have passed."""
        import asyncio

        before = len(self.api.calls)
        if not self.app.running:
            await self.app.start()
        for payload in payloads:
            payload = {"update_id": next(self._update_ids), **payload}
            await self.app.update_queue.put(Update.de_json(payload, self.app.bot))
        sent = {"sendMessage", "sendPhoto"}
        for _ in range(1000):
            if sum(c.method in sent for c in self.api.calls[before:]) >= replies:
                break
            await asyncio.sleep(0.01)
        return self.api.calls[before:]

    async def feed(self, payload: dict[str, Any]) -> list[Call]:
        before = len(self.api.calls)
        payload = {"update_id": next(self._update_ids), **payload}
        await self.app.process_update(Update.de_json(payload, self.app.bot))
        await self.settle()
        await self.drain()  # what the update queued (notices) arrives as it would live
        return self.api.calls[before:]

    def person(
        self, user_id: int, first_name: str = "Wei", language: str | None = "zh-hans"
    ) -> Person:
        return Person(self, user_id, first_name, language)


class Person:
    """A Telegram user in a private chat with the bot."""

    def __init__(self, bot: Bot, user_id: int, first_name: str, language: str | None) -> None:
        self.bot = bot
        self.id = user_id
        self.first_name = first_name
        self.language = language

    @property
    def _user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language:
            user["language_code"] = self.language
        return user

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self.bot._update_ids) + 500000,
            "date": int(time.time()),
            "chat": {"id": self.id, "type": "private", "first_name": self.first_name},
            "from": self._user,
            **content,
        }

    def text_update(self, text: str) -> dict[str, Any]:
        """The update Telegram sends when this person types `text`."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"message": self._message(**content)}

    async def send(self, text: str) -> list[Call]:
        """Type a message (a leading '/' makes it a command, as in Telegram)."""
        return await self.bot.feed(self.text_update(text))

    async def send_photo(self, file_id: str) -> list[Call]:
        """Send a photo (Telegram gives several sizes; the largest comes last)."""
        sizes = [
            {"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 60},
            {"file_id": file_id, "file_unique_id": "l", "width": 1280, "height": 853},
        ]
        return await self.bot.feed({"message": self._message(photo=sizes)})

    async def share_contact(self, phone: str, owner_id: int | None = None) -> list[Call]:
        """Share a contact; by default one's own (Telegram then sets user_id to the sender)."""
        contact = {"phone_number": phone, "first_name": self.first_name}
        contact["user_id"] = self.id if owner_id is None else owner_id
        return await self.bot.feed({"message": self._message(contact=contact)})

    async def send_document(
        self, filename: str, content: bytes, caption: str | None = None
    ) -> list[Call]:
        """Send a file, as when a staff member shares a DMS export with the bot."""
        file_id = f"doc{len(self.bot.api.files) + 1}"
        self.bot.api.files[file_id] = content
        document = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": filename,
            "file_size": len(content),
        }
        extra = {"caption": caption} if caption is not None else {}
        return await self.bot.feed({"message": self._message(document=document, **extra)})

    def received(self) -> list[Call]:
        """Everything the bot sent to this chat, oldest first."""
        methods = {
            "sendMessage",
            "sendPhoto",
            "editMessageText",
            "editMessageReplyMarkup",
            "editMessageMedia",
            "editMessageCaption",
        }
        return [c for c in self.bot.api.calls if c.method in methods and c.chat_id == self.id]

    @property
    def last(self) -> Call:
        return self.received()[-1]

    async def press(self, label: str) -> list[Call]:
        """Press the inline button labelled `label` on the newest message that shows it."""
        for call in reversed(self.received()):
            for button in call.buttons:
                if button["text"] == label:
                    return await self.bot.feed(self.press_update(button["callback_data"], call))
        raise AssertionError(f"no button {label!r}; last buttons: {self.last.button_labels}")

    async def press_data(self, data: str) -> list[Call]:
        """Press a button with raw callback data (e.g. one from an old message)."""
        return await self.bot.feed(self.press_update(data))

    def press_update(self, data: str, under: Call | None = None) -> dict[str, Any]:
        """The update Telegram sends when this person presses a button with `data` (on
        the message `under` sent or edited, if given: a photo's button comes with it)."""
        message: dict[str, Any] = {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": self.id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Club"},
        }
        if under is not None and under.shows_photo:
            message["message_id"] = under.message_id or 1
            size = {"file_id": "photo1", "file_unique_id": "u1", "width": 640, "height": 640}
            message.update(photo=[size], caption=under.text)
        else:
            message["text"] = "…"
        query = {
            "id": str(next(self.bot._callback_ids)),
            "from": self._user,
            "chat_instance": str(self.id),
            "data": data,
            "message": message,
        }
        return {"callback_query": query}


def texts(calls: list[Call]) -> list[str]:
    shown = {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "editMessageMedia",
        "editMessageCaption",
    }
    return [c.text for c in calls if c.method in shown]


def joined(calls: list[Call]) -> str:
    return "\n".join(texts(calls))
