"""What every handler shares: one unit of work per update, the locale, replies, permissions.

A handler is `async def f(turn: Turn) -> None`, wrapped by `@turn_handler`. Replies are
buffered and sent only after the database commit, so an owner never reads "done" for
something that was rolled back.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.club.members.caller import Caller, caller, unblock
from bot.club.staff import roles as staff
from bot.club.stores.context import StoreContext
from bot.i18n import Translator, resolve_locale
from bot.services import Services
from handlers import photos
from handlers.callbacks import Callback, decode

log = logging.getLogger(__name__)

Markup = Any  # InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass
class Outgoing:
    text: str
    markup: Markup | None = None
    photo: bytes | str | None = None  # PNG bytes, or a Telegram file_id
    document: tuple[str, bytes] | None = None  # (file name, content)
    edit: bool = False  # replace the message whose button was pressed
    edit_media: bool = False  # replace the pressed photo message's photo and caption
    # A drawn picture (handlers.photos): its key, and how to draw it again if Telegram
    # no longer takes the file id it gave for it.
    photo_key: str | None = None
    redraw: Callable[[], bytes] | None = None
    strip: int | None = None  # only remove the inline buttons of this earlier message
    sent: Callable[[Any], Awaitable[None]] | None = None  # told the sent Message
    venue: tuple[float, float, str, str] | None = None  # a map pin: lat, long, name, address


@dataclass
class Turn:
    """One update being handled: who, for which store, in which language, with which
    session."""

    update: Update
    context: ContextTypes.DEFAULT_TYPE
    session: AsyncSession
    services: Services
    store: StoreContext  # the store this update works for, resolved once
    t: Translator
    user_id: int
    chat_id: int
    caller: Caller  # the sender's member row (if joined) and language, read once
    outbox: list[Outgoing] = field(default_factory=list)
    callback_notice: str | None = None
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def _(self, message: str, **params: object) -> str:
        return self.t.gettext(message, **params)

    def label(self, texts: dict[str, str], key: str) -> str:
        """The translation of `texts[key]` (texts marked with N_ in a module's table)."""
        return self.t.gettext(texts[key])

    def reply(self, text: str, markup: Markup | None = None) -> None:
        self.outbox.append(Outgoing(text, markup))

    def replace(self, text: str, markup: Markup | None = None) -> None:
        """Show `text` in place of the message whose button was pressed (else send it)."""
        self.outbox.append(Outgoing(text, markup, edit=self.update.callback_query is not None))

    def reply_photo(self, photo: bytes | str, caption: str, markup: Markup | None = None) -> None:
        self.outbox.append(Outgoing(caption, markup, photo))

    def reply_drawn(
        self,
        key: str,
        draw: Callable[[], bytes],
        caption: str,
        markup: Markup | None = None,
        *,
        replace: bool = False,
    ) -> None:
        """Send a picture the bot draws (see handlers.photos): drawn and uploaded once,
        then sent by its file id; with `replace`, in place of the pressed photo. A picture
        not uploaded yet is drawn when the replies go, after the commit and on a worker
        thread: never while the update holds the database, nor the event loop."""
        photo = photos.known(self.context, key)
        self.outbox.append(
            Outgoing(caption, markup, photo, edit_media=replace, photo_key=key, redraw=draw)
        )

    def replace_photo(self, photo: bytes | str, caption: str, markup: Markup | None = None) -> None:
        """Show the photo in place of the pressed photo message's (else send it)."""
        self.outbox.append(Outgoing(caption, markup, photo, edit_media=True))

    def reply_document(self, name: str, content: bytes, caption: str) -> None:
        self.outbox.append(Outgoing(caption, document=(name, content)))

    def reply_venue(self, latitude: float, longitude: float, name: str, address: str) -> None:
        """A map pin with the place's name and address (Telegram opens it in the map)."""
        self.outbox.append(Outgoing(name, venue=(latitude, longitude, name, address)))

    def soon(self, work: Callable[[], Coroutine[Any, Any, object]], name: str) -> None:
        """Start `work()` in the background once this turn is committed and its replies
        are sent (`Services.run_soon`): long work, in sessions of its own, that must hold
        neither this turn's transaction nor the chat's next update. Not started if the
        turn is rolled back."""
        services = self.services

        async def start() -> None:
            services.run_soon(work(), name)

        self.after_commit.append(start)

    async def release(self) -> None:
        """Commit the turn's transaction now, before long work done in other sessions
        (an import): on SQLite a held transaction would keep them waiting."""
        await self.session.commit()

    @property
    def user_name(self) -> str | None:
        """The user's name as Telegram shows it (for staff actions shown to colleagues)."""
        user = self.update.effective_user
        return user.full_name if user else None

    @property
    def args(self) -> list[str]:
        return list(self.context.args or [])

    @property
    def text(self) -> str:
        message = self.update.effective_message
        return (message.text or "") if message else ""

    @property
    def callback(self) -> Callback | None:
        """The pressed button's data, decoded (None for other updates or malformed data)."""
        query = self.update.callback_query
        return decode(query.data) if query else None

    async def roles(self) -> set[staff.Role]:
        return await staff.roles_of(
            self.session, self.store.id, self.user_id, self.services.settings.admin_ids
        )

    async def may(self, permission: staff.Permission) -> bool:
        """Whether the user's roles grant `permission` (the policy's overrides applied)."""
        overrides = self.services.policy.role_overrides
        return staff.allowed(await self.roles(), permission, overrides)


def services_of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


async def _send(turn: Turn) -> None:
    for item in turn.outbox:
        if item.photo is None and item.redraw is not None:
            item.photo = await photos.drawn(item.redraw)
        try:
            message = await _send_one(turn, item)
        except BadRequest:
            if item.photo_key is None or item.redraw is None or not isinstance(item.photo, str):
                raise
            # Telegram no longer takes the file id it gave: draw the picture again.
            photos.forget(turn.context, item.photo_key)
            item.photo = await photos.drawn(item.redraw)
            message = await _send_one(turn, item)
        if item.photo_key is not None and message is not None and message is not True:
            photos.remember(turn.context, item.photo_key, message)
        if item.sent is not None and message is not None and message is not True:
            await item.sent(message)


async def _send_one(turn: Turn, item: Outgoing) -> Any:
    bot = turn.context.bot
    query = turn.update.callback_query
    message: Any = None
    if item.strip is not None:
        with contextlib.suppress(BadRequest):  # gone, or no buttons left to remove
            await bot.edit_message_reply_markup(turn.chat_id, item.strip, reply_markup=None)
    elif item.edit and query is not None and query.message is not None:
        if _pressed_photo(query):  # a photo's caption is no place for a new text
            message = await bot.send_message(turn.chat_id, item.text, reply_markup=item.markup)
        else:
            message = await _edited(query.edit_message_text(item.text, reply_markup=item.markup))
    elif item.edit_media and item.photo is not None and _pressed_photo(query):
        message = await _edit_media(query, item)
    elif item.venue is not None:
        latitude, longitude, name, address = item.venue
        message = await bot.send_venue(
            turn.chat_id, latitude, longitude, name, address, reply_markup=item.markup
        )
    elif item.photo is not None:
        message = await bot.send_photo(
            turn.chat_id, item.photo, caption=item.text, reply_markup=item.markup
        )
    elif item.document is not None:
        name, content = item.document
        message = await bot.send_document(
            turn.chat_id, content, filename=name, caption=item.text, reply_markup=item.markup
        )
    else:
        message = await bot.send_message(turn.chat_id, item.text, reply_markup=item.markup)
    return message


def _pressed_photo(query: Any) -> bool:
    """Whether the pressed button sits under a photo (whose picture can be replaced)."""
    message = query.message if query is not None else None
    return bool(message is not None and getattr(message, "photo", None))


async def _edit_media(query: Any, item: Outgoing) -> Any:
    media = InputMediaPhoto(item.photo, caption=item.text)
    return await _edited(query.edit_message_media(media, reply_markup=item.markup))


async def _edited(edit: Awaitable[Any]) -> Any:
    """An edit's new message; None when Telegram says nothing changed (the same view
    pressed again: a refresh, a double tap, the same page)."""
    try:
        return await edit
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
        return None


HandlerFn = Callable[[Turn], Awaitable[None]]
F = TypeVar("F", bound=Callable[..., Awaitable[None]])


def turn_handler(func: HandlerFn | None = None, *, reads_only: bool = False) -> Any:
    """Open a session, resolve the store and the locale, run `func`, commit once, then
    send the replies.

    `@turn_handler(reads_only=True)` is for a handler that only shows what is stored
    (/points, /card): on SQLite its transaction does not take the write lock, so it
    never waits for a sweep or an import writing in another process, and it must not
    write (the one write a read may need, marking a member who had blocked the bot as
    reachable again, is made after it in a session of its own)."""
    if func is None:
        return functools.partial(turn_handler, reads_only=reads_only)
    handler: HandlerFn = func

    @functools.wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        services = services_of(context)
        if reads_only:
            turn = await _read(handler, update, context, services)
        else:
            async with services.sessionmaker() as session:
                turn = await _in_session(handler, update, context, services, session, False)
        if turn.caller.blocked and reads_only:
            async with services.sessionmaker() as session:
                await unblock(session, turn.store.id, turn.user_id)
                await session.commit()
        query = update.callback_query
        if query is not None:
            await query.answer(turn.callback_notice)
        await _send(turn)
        for action in turn.after_commit:
            await action()

    return wrapper


async def _read(
    handler: HandlerFn, update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services
) -> Turn:
    """A view's turn. A connection found dead (the database restarted since it was
    pooled: views' connections are not pinged before use on PostgreSQL, see
    `db.engine.make_reader`) has been dropped from the pool: the view is read again, once,
    on a fresh one. Reading twice changes nothing, and nothing was sent yet."""
    try:
        async with services.read_session() as session:
            return await _in_session(handler, update, context, services, session, True)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        log.warning("a view's database connection was gone; reading again on a fresh one")
    async with services.read_session() as session:
        return await _in_session(handler, update, context, services, session, True)


async def _in_session(
    handler: HandlerFn,
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    services: Services,
    session: AsyncSession,
    reads_only: bool,
) -> Turn:
    """Resolve the store and the locale, run `handler`, commit: the turn, its replies
    still to send."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    store = await services.resolve_store(session, user.id)
    who = await caller(session, store.id, user.id)
    locale = resolve_locale(who.locale, user.language_code, store.default_locale)
    t = services.translator(locale, store)
    turn = Turn(update, context, session, services, store, t, user.id, chat.id, who)
    if who.blocked and not reads_only:
        await unblock(session, store.id, user.id)
    try:
        await handler(turn)
        await session.commit()
    except IntegrityError:
        # A double tap or a race lost to another update: nothing was written.
        await session.rollback()
        log.info("conflict in %s for an update; rolled back", handler.__name__)
        turn.after_commit.clear()  # nothing was committed to act upon
        turn.outbox = [
            Outgoing(
                turn._(
                    "That was already done, or it clashes with "
                    "something already stored. Nothing was changed."
                )
            )
        ]
    except Exception:
        await session.rollback()
        raise
    return turn


def staff_only(permission: staff.Permission) -> Callable[[F], F]:
    """Refuse politely, and run nothing, unless the user's roles grant `permission`.

    The one permission check of the Telegram side; the rule itself is `staff.allowed`.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        async def guarded(turn: Turn, *args: Any, **kwargs: Any) -> None:
            if not await turn.may(permission):
                turn.reply(turn._("Sorry, this command is for store staff with the right role."))
                return
            await func(turn, *args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def inline(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback_data)."""
    from telegram import InlineKeyboardButton

    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )
