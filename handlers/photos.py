"""Pictures the bot draws (the member card, a gift's placeholder, a redemption's QR code),
drawn and uploaded once: Telegram answers an upload with a `file_id`, which is sent again
instead of the picture until what it shows changes.

The key names what the picture shows (its code, colours and words), so a changed card gets
a new key and is drawn afresh. The file ids live in memory per running bot (an instance
that starts draws each picture once more); a file id Telegram no longer takes is dropped
and the picture drawn again.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from telegram.ext import ContextTypes

MAX_KEPT = 50_000  # file ids are ~80 bytes: a few MB at most
BOT_DATA_KEY = "photo_file_ids"


def key_of(*parts: object) -> str:
    """A short key for what a picture shows."""
    return hashlib.blake2s(repr(parts).encode(), digest_size=12).hexdigest()


def _kept(context: ContextTypes.DEFAULT_TYPE) -> OrderedDict[str, str]:
    return context.application.bot_data.setdefault(BOT_DATA_KEY, OrderedDict())


def known(context: ContextTypes.DEFAULT_TYPE, key: str) -> str | None:
    """The file id of the picture `key`, if it was uploaded before."""
    kept = _kept(context)
    file_id = kept.get(key)
    if file_id is not None:
        kept.move_to_end(key)
    return file_id


def remember(context: ContextTypes.DEFAULT_TYPE, key: str, message: Any) -> None:
    """Keep the file id of the picture `message` carries (its largest size)."""
    sizes = getattr(message, "photo", None)
    if not sizes:
        return
    kept = _kept(context)
    kept[key] = sizes[-1].file_id
    kept.move_to_end(key)
    while len(kept) > MAX_KEPT:
        kept.popitem(last=False)


def forget(context: ContextTypes.DEFAULT_TYPE, key: str) -> None:
    _kept(context).pop(key, None)


# One drawing thread: a picture is drawn off the event loop, so other owners' updates go
# on meanwhile; one at a time, as the drawing library's fonts are shared.
_DRAWER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="draw")


async def drawn(draw: Callable[[], bytes]) -> bytes:
    """The picture `draw` makes, drawn on the drawing thread."""
    return await asyncio.get_running_loop().run_in_executor(_DRAWER, draw)
