"""A stand-in for the Telegram Bot API at the HTTP-request layer (PTB's `BaseRequest`):
every call the bot makes is recorded and answered as Telegram would; `fault` injects
errors (429, 403, 400, 5xx)."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_ID = 7000000001
BOT_USERNAME = "club_test_bot"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, Any] = field(default_factory=dict)
    result: Any = None  # what the fake API answered (the Message, for a send)

    @property
    def media(self) -> dict[str, Any]:
        """editMessageMedia's new media (type, media, caption)."""
        raw = self.params.get("media")
        if isinstance(raw, str):
            return json.loads(raw)
        return raw or {}

    @property
    def message_id(self) -> int | None:
        """The message this call sent or edited."""
        if "message_id" in self.params:
            return int(self.params["message_id"])
        return self.result.get("message_id") if isinstance(self.result, dict) else None

    @property
    def shows_photo(self) -> bool:
        return self.method == "sendPhoto" or (
            self.method in ("editMessageMedia", "editMessageCaption")
        )

    @property
    def chat_id(self) -> int | None:
        raw = self.params.get("chat_id")
        return int(raw) if raw is not None else None

    @property
    def text(self) -> str:
        text = self.params.get("text") or self.params.get("caption")
        return str(text or self.media.get("caption") or "")

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
        if item is None and self.method == "editMessageMedia":
            item = self.files.get(str(self.media.get("media", "")).removeprefix("attach://"))
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
        if method in ("editMessageMedia", "editMessageCaption") and "chat_id" in params:
            photo = [{"file_id": "photo2", "file_unique_id": "u2", "width": 640, "height": 640}]
            caption = params.get("caption") or Call(method, params).media.get("caption", "")
            answer = self._message(params, photo=photo, caption=caption)
            answer["message_id"] = int(params["message_id"])
            return answer
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
        if method == "sendVenue":
            place = {"latitude": float(params["latitude"]), "longitude": float(params["longitude"])}
            venue = {"location": place, "title": params["title"], "address": params["address"]}
            return self._message(params, venue=venue, location=place)
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
        call = Call(name, params, files)
        self.calls.append(call)
        call.result = self._answer(name, params)
        return 200, json.dumps({"ok": True, "result": call.result}).encode()

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]
