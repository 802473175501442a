"""A local stand-in for the Telegram Bot API, for trying the bot without Telegram and for tests.

    python scripts/fake_bot_api.py --port 8081      # prints every message the bot sends
    BOT_TOKEN=123:LOCAL BOT_API_BASE_URL=http://127.0.0.1:8081/bot python -m bot
    curl -d '{"user_id": 42, "text": "/start", "language_code": "en"}' localhost:8081/_user/send
    curl -d '{"user_id": 42, "data": "join:ok"}' localhost:8081/_user/press  # press a button
    curl 'localhost:8081/_sent?chat_id=42'; curl localhost:8081/_calls      # what happened

`/bot<any token>/<method>` (GET or POST; JSON, form or multipart): getMe, sendMessage,
sendPhoto, editMessage* and getUpdates (long polling, at most MAX_POLL s) answer like
Telegram; any other method answers `true`. While a webhook is set (setWebhook's url and
secret_token; deleteWebhook forgets them), user updates are POSTed to it instead of being
queued for getUpdates. In Python: `api = FakeBotAPI(); port = await api.start(port=0)`.

For load (benchmarks/bot_load.py): `FakeBotAPI(record_calls=False, on_sent=f)` keeps no
call log and calls `f(chat_id, method, moment)` (the loop's clock) for every message the
bot puts in a chat, as it arrives; `queue(updates)` offers many user updates at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

BOT_USER = {"id": 7000000002, "is_bot": True, "first_name": "Club", "username": "club_local_bot"}
MAX_POLL = 1.0  # cap on getUpdates' `timeout`, so that the bot shuts down quickly
SENT_PREFIXES = ("send", "edit")  # methods that put something in a chat


def _markup(raw: Any) -> Any:
    """reply_markup arrives as a JSON string in form bodies and as an object in JSON ones."""
    return json.loads(raw) if isinstance(raw, str) and raw else raw


class FakeBotAPI:
    """The stand-in's state: recorded calls, queued updates and the webhook, if one is set."""

    def __init__(
        self,
        *,
        verbose: bool = False,
        record_calls: bool = True,
        on_sent: Callable[[int, str, float], None] | None = None,
    ) -> None:
        self.verbose = verbose  # print what the bot sends (the command-line mode)
        self.record_calls = record_calls  # False: keep no log (long load runs)
        self.on_sent = on_sent  # told (chat_id, method, loop time) of each message sent
        self.calls: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []  # waiting for getUpdates
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._arrived = asyncio.Event()  # replaced after each set: wakes current long polls
        self._server: HTTPServer | None = None

    # --- lifecycle ----------------------------------------------------------------------
    async def start(self, port: int = 0, host: str = "127.0.0.1") -> int:
        """Listen on host:port (0 picks a free port); return the bound port."""
        app = Application(
            [
                (r"/bot[^/]+/(\w+)", BotMethod, {"api": self}),
                (r"/_user/(send|press)", UserAction, {"api": self}),
                (r"/_(sent|calls)", Inspect, {"api": self}),
            ],
            log_function=lambda handler: None,  # no access log
        )
        sockets = bind_sockets(port, host)
        self._server = HTTPServer(app)
        self._server.add_sockets(sockets)
        return sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None

    # --- Bot API ------------------------------------------------------------------------
    def _message(self, chat_id: Any, sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        message = {"message_id": next(self._message_ids), "date": int(time.time())}
        chat = {"id": int(chat_id or 0), "type": "private"}
        return {**message, "chat": chat, "from": sender, **content}

    async def call(self, method: str, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Record one Bot API call and return its `result`."""
        if self.record_calls:
            self.calls.append({"method": method, "params": params, "files": files})
        if method == "getUpdates":
            return await self._get_updates(params)
        if self.on_sent is not None and method.startswith(SENT_PREFIXES):
            with contextlib.suppress(TypeError, ValueError):  # "@channel": not a private chat
                chat = int(params.get("chat_id"))
                self.on_sent(chat, method, asyncio.get_running_loop().time())
        if method.startswith(SENT_PREFIXES) and self.verbose:  # show it to the developer
            text = params.get("text") or params.get("caption") or ""
            rows = (_markup(params.get("reply_markup")) or {}).get("inline_keyboard", [])
            buttons = " ".join(f"[{b.get('text')}]" for row in rows for b in row)
            print(f"bot → {params.get('chat_id')}: {text} {buttons}".rstrip(), flush=True)
        if method == "getMe":
            return BOT_USER
        chat_id = params.get("chat_id")
        if method == "sendMessage" or (method.startswith("editMessage") and chat_id):
            return self._message(chat_id, BOT_USER, text=params.get("text", ""))
        if method == "sendPhoto":
            photo = [
                {"file_id": f"photo{w}", "file_unique_id": f"u{w}", "width": w, "height": w // 2}
                for w in (90, 320, 800)
            ]
            return self._message(chat_id, BOT_USER, photo=photo, caption=params.get("caption"))
        if method == "sendDocument":
            name = next((f.get("filename") for f in files.values() if isinstance(f, dict)), None)
            document = {
                "file_id": f"doc{len(self.calls)}",
                "file_unique_id": "d",
                "file_name": name,
            }
            return self._message(
                chat_id, BOT_USER, document=document, caption=params.get("caption")
            )
        if method in ("sendVenue", "sendLocation"):
            where = {
                "latitude": float(params.get("latitude", 0)),
                "longitude": float(params.get("longitude", 0)),
            }
            if method == "sendLocation":
                return self._message(chat_id, BOT_USER, location=where)
            venue = {
                "location": where,
                "title": params.get("title", ""),
                "address": params.get("address", ""),
            }
            return self._message(chat_id, BOT_USER, venue=venue, location=where)
        if method == "setWebhook":
            self.webhook_url = params.get("url") or None
            self.webhook_secret = params.get("secret_token") or None
        elif method == "deleteWebhook":
            self.webhook_url = self.webhook_secret = None
        return True

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), MAX_POLL)
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            # As in Telegram, asking for `offset` confirms (forgets) every earlier update.
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            remaining = deadline - asyncio.get_running_loop().time()
            if self.updates or remaining <= 0:
                return self.updates[:limit]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    # --- the user's side ----------------------------------------------------------------
    def user(self, user_id: int, language_code: str | None = None) -> dict[str, Any]:
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        return {**user, "language_code": language_code} if language_code else user

    def message_update(self, user: dict[str, Any], text: str) -> dict[str, Any]:
        """A private-chat text message; a leading '/' makes it a command, as in Telegram."""
        message = self._message(user["id"], user, text=text)
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._update_ids), "message": message}

    def press_update(self, user: dict[str, Any], data: str) -> dict[str, Any]:
        """The user presses an inline button carrying callback `data`."""
        message = self._message(user["id"], BOT_USER, text="…")
        query = {"id": str(next(self._message_ids)), "from": user, "data": data}
        query.update(chat_instance=str(user["id"]), message=message)
        return {"update_id": next(self._update_ids), "callback_query": query}

    def queue(self, updates: Iterable[dict[str, Any]]) -> None:
        """Offer `updates` to getUpdates at once (long polling only), waking the polls once."""
        self.updates.extend(updates)
        self._arrived.set()
        self._arrived = asyncio.Event()

    async def deliver(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue `update` for getUpdates, or POST it to the webhook when one is set."""
        if self.webhook_url is None:
            self.updates.append(update)
            self._arrived.set()
            self._arrived = asyncio.Event()
            return {"update_id": update["update_id"], "delivered": "queued"}
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        result = {"update_id": update["update_id"], "delivered": "webhook", "status": 599}
        request = HTTPRequest(self.webhook_url, "POST", headers, json.dumps(update))
        for _ in range(20):  # like Telegram, retry while the webhook is not listening (yet)
            with contextlib.suppress(OSError):  # connection refused
                response = await AsyncHTTPClient().fetch(request, raise_error=False)
                if response.code != 599:
                    return {**result, "status": response.code}
            await asyncio.sleep(0.25)
        return result

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """What the bot put in chat `chat_id`, oldest first."""
        sent = []
        for call in self.calls:
            p = call["params"]
            if call["method"].startswith(SENT_PREFIXES) and str(p.get("chat_id")) == str(chat_id):
                text, markup = p.get("text") or p.get("caption"), _markup(p.get("reply_markup"))
                sent.append({"method": call["method"], "text": text, "reply_markup": markup})
        return sent


class _Handler(RequestHandler):
    def initialize(self, api: FakeBotAPI) -> None:
        self.api = api

    def json_body(self) -> dict[str, Any]:
        return json.loads(self.request.body or b"{}")

    def reply(self, data: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, ensure_ascii=False))


class BotMethod(_Handler):
    """`/bot<token>/<method>`: parameters from the query string and a JSON/form body."""

    async def get(self, method: str) -> None:
        await self.post(method)

    async def post(self, method: str) -> None:
        params: dict[str, Any] = {}
        args = {**self.request.query_arguments, **self.request.body_arguments}
        for key, values in args.items():  # tornado parsed form-urlencoded and multipart
            params[key] = values[-1].decode()
        if self.request.headers.get("Content-Type", "").startswith("application/json"):
            params.update(self.json_body())
        files = {
            name: {"filename": f[0].filename, "size": len(f[0].body)}
            for name, f in self.request.files.items()
        }
        self.reply({"ok": True, "result": await self.api.call(method, params, files)})


class UserAction(_Handler):
    """`POST /_user/send` {user_id, text, language_code?}; `/_user/press` {user_id, data}."""

    async def post(self, action: str) -> None:
        body = self.json_body()
        user = self.api.user(int(body["user_id"]), body.get("language_code"))
        if action == "send":
            update = self.api.message_update(user, str(body["text"]))
        else:
            update = self.api.press_update(user, str(body["data"]))
        self.reply({"ok": True, **await self.api.deliver(update)})


class Inspect(_Handler):
    """`GET /_sent?chat_id=N`: what the bot sent to that chat; `GET /_calls`: every call."""

    def get(self, what: str) -> None:
        if what == "calls":
            self.reply(self.api.calls)
        else:
            self.reply(self.api.sent(int(self.get_query_argument("chat_id"))))


async def _serve(host: str, port: int) -> None:
    api = FakeBotAPI(verbose=True)
    port = await api.start(port, host)
    print(f"fake Bot API on http://{host}:{port}; run the bot with", flush=True)
    print(f"  BOT_API_BASE_URL=http://{host}:{port}/bot BOT_TOKEN=123:LOCAL python -m bot")
    await asyncio.Event().wait()  # until Ctrl+C


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C
        asyncio.run(_serve(args.host, args.port))


if __name__ == "__main__":
    main()
