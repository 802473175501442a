"""Drive the real PTB Application as a person would, with the Bot API faked at HTTP level.

`FakeBotAPI` is a `BaseRequest`: every Bot API call the bot makes lands here, is
recorded, and gets a Telegram-shaped answer. `Person` sends text, commands and
contacts, presses inline buttons by their label, and reads what the bot sent back.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes
from telegram.request import BaseRequest, RequestData

from bot.push_texts import push_renderer
from bot.sender import PushSender

BOT_ID = 7000000001
BOT_USERNAME = "club_test_bot"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, Any] = field(default_factory=dict)

    @property
    def chat_id(self) -> int | None:
        raw = self.params.get("chat_id")
        return int(raw) if raw is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def markup(self) -> dict[str, Any]:
        raw = self.params.get("reply_markup")
        if isinstance(raw, str):
            return json.loads(raw)
        return raw or {}

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [b for row in self.markup.get("inline_keyboard", []) for b in row]

    @property
    def button_labels(self) -> list[str]:
        return [b["text"] for b in self.buttons]

    @property
    def asks_for_contact(self) -> bool:
        rows = self.markup.get("keyboard", [])
        return any(isinstance(b, dict) and b.get("request_contact") for row in rows for b in row)

    @property
    def photo(self) -> bytes | None:
        item = self.files.get("photo")
        if item is None:
            return None
        return item[1] if isinstance(item, tuple) else item


# Error answers as Telegram gives them; PTB turns them into RetryAfter, Forbidden, BadRequest
# and NetworkError (502).
DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
Fault = Callable[[str, dict[str, Any]], "tuple[int, dict[str, Any]] | None"]


def error_answer(
    status: int, retry_after: int = 1, description: str | None = None
) -> tuple[int, dict[str, Any]]:
    """The (HTTP status, JSON body) Telegram answers with for an error."""
    text = description or DESCRIPTIONS.get(status, "Error").format(retry_after=retry_after)
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": text}
    if status == 429:
        body["parameters"] = {"retry_after": retry_after}
    return status, body


class FakeBotAPI(BaseRequest):
    """A stand-in for api.telegram.org that records calls and answers like Telegram.

    Faults: `fail(...)` answers matching calls with an error a number of times, or set
    `fault` to a callable `(method, params) -> None | (status, json_body)` (it may also
    raise, e.g. `telegram.error.TimedOut()`). Refused calls are not in `calls` (nothing
    reached the chat) but in `refused`, with their status.
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._ids = itertools.count(100)
        self.files: dict[str, bytes] = {}  # file_id -> content, for getFile and downloads
        self.fault: Fault | None = None
        self.refused: list[tuple[int, Call]] = []
        self._planned: list[list[Any]] = []  # [method, chat_id, answer, times left]

    def fail(
        self,
        method: str = "sendMessage",
        chat_id: int | None = None,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`, or any) with an error."""
        answer = error_answer(status, retry_after, description)
        self._planned.append([method, chat_id, answer, times])

    def _fault(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        for plan in self._planned:
            target = plan[1]
            chat_matches = target is None or str(target) == str(params.get("chat_id"))
            if plan[0] == method and plan[3] > 0 and chat_matches:
                plan[3] -= 1
                return plan[2]
        return self.fault(method, params) if self.fault is not None else None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float:
        return 5.0

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Club"},
            **extra,
        }

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Club",
                "username": BOT_USERNAME,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "sendMessage":
            return self._message(params, text=params.get("text", ""))
        if method == "sendPhoto":
            photo = [{"file_id": "photo1", "file_unique_id": "u1", "width": 860, "height": 540}]
            return self._message(params, photo=photo, caption=params.get("caption", ""))
        if method == "editMessageText" and "chat_id" in params:
            return self._message(params, text=params.get("text", ""))
        if method == "sendDocument":
            document = {"file_id": "doc1", "file_unique_id": "d1", "file_name": "file"}
            return self._message(params, document=document, caption=params.get("caption", ""))
        if method == "getFile":
            file_id = str(params["file_id"])
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": len(self.files[file_id]),
                "file_path": f"documents/{file_id}",
            }
        if method == "getUpdates":
            return []
        return True

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        if "/documents/" in url:  # a file download
            return 200, self.files[name]
        params = dict(request_data.parameters) if request_data else {}
        files: dict[str, Any] = {}
        if request_data is not None and request_data.contains_files:
            files = dict(request_data.multipart_data)
            for key, value in list(params.items()):
                if isinstance(value, str) and value.startswith("attach://"):
                    files[key] = files.get(value[len("attach://") :])
        fault = self._fault(name, params)
        if fault is not None:
            self.refused.append((fault[0], Call(name, params, files)))
            return fault[0], json.dumps(fault[1]).encode()
        self.calls.append(Call(name, params, files))
        return 200, json.dumps({"ok": True, "result": self._answer(name, params)}).encode()

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]


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
        services = self.app.bot_data["services"]
        self.sender = PushSender(
            services, self.app.bot, push_renderer(services), backoff=(0.01, 0.01, 0.01)
        )

    async def drain(self, at: datetime | None = None) -> None:
        """Deliver everything due in the outbox now (or as if it were `at`), as the
        background sender would."""
        sender = self.sender
        if at is not None:
            services = self.app.bot_data["services"]
            sender = PushSender(
                services,
                self.app.bot,
                push_renderer(services),
                clock=lambda: at,
                backoff=(0.01, 0.01, 0.01),
            )
        await sender.drain(max_seconds=30)

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

    async def send_document(self, filename: str, content: bytes) -> list[Call]:
        """Send a file, as when a staff member shares a DMS export with the bot."""
        file_id = f"doc{len(self.bot.api.files) + 1}"
        self.bot.api.files[file_id] = content
        document = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": filename,
            "file_size": len(content),
        }
        return await self.bot.feed({"message": self._message(document=document)})

    def received(self) -> list[Call]:
        """Everything the bot sent to this chat, oldest first."""
        methods = {"sendMessage", "sendPhoto", "editMessageText", "editMessageReplyMarkup"}
        return [c for c in self.bot.api.calls if c.method in methods and c.chat_id == self.id]

    @property
    def last(self) -> Call:
        return self.received()[-1]

    async def press(self, label: str) -> list[Call]:
        """Press the inline button labelled `label` on the newest message that shows it."""
        for call in reversed(self.received()):
            for button in call.buttons:
                if button["text"] == label:
                    return await self.press_data(button["callback_data"])
        raise AssertionError(f"no button {label!r}; last buttons: {self.last.button_labels}")

    async def press_data(self, data: str) -> list[Call]:
        """Press a button with raw callback data (e.g. one from an old message)."""
        return await self.bot.feed(self.press_update(data))

    def press_update(self, data: str) -> dict[str, Any]:
        """The update Telegram sends when this person presses a button with `data`."""
        message = {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": self.id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Club"},
            "text": "…",
        }
        query = {
            "id": str(next(self.bot._callback_ids)),
            "from": self._user,
            "chat_instance": str(self.id),
            "data": data,
            "message": message,
        }
        return {"callback_query": query}


def texts(calls: list[Call]) -> list[str]:
    shown = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText"}
    return [c.text for c in calls if c.method in shown]


def joined(calls: list[Call]) -> str:
    return "\n".join(texts(calls))
