"""An owner's own settings: /settings (which unasked messages they get) and /language."""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.members.lookup import save_locale
from bot.club.reminders import preferences
from bot.i18n import SUPPORTED_LOCALES
from bot.messaging.outbox import OPT_OUT_KINDS
from handlers.callbacks import encode, pattern
from handlers.card import current_member
from handlers.common import Turn, inline, turn_handler
from handlers.help import refresh_menu
from handlers.texts import push_kind_label

LANGUAGE_NAMES = {"zh_Hans": "简体中文", "en": "English"}
SETTINGS, LANGUAGE = "set", "lang"


async def _settings_view(turn: Turn, member_id: int) -> None:
    off = await preferences.turned_off(turn.session, member_id)
    rows = [
        [
            (
                ("🔕 " if kind in off else "🔔 ") + push_kind_label(turn.t, kind),
                encode(SETTINGS, "t", kind),
            )
        ]
        for kind in OPT_OUT_KINDS
    ]
    turn.replace(turn._("Messages I may send you. Tap one to turn it on or off:"), inline(rows))


@turn_handler
async def on_settings(turn: Turn) -> None:
    member = await current_member(turn)
    if member is not None:
        await _settings_view(turn, member.id)


@turn_handler
async def on_toggle(turn: Turn) -> None:
    data = turn.callback  # set:t:<kind>
    member = await current_member(turn)
    if member is None:
        return
    kind = data.arg(0) if data is not None and len(data.args) == 1 else None
    state = await preferences.toggle(turn.session, member.id, kind) if kind else None
    if state is None:
        turn.callback_notice = turn._("That button is no longer active.")
        return
    turn.callback_notice = turn._("Turned on.") if state else turn._("Turned off.")
    await _settings_view(turn, member.id)


@turn_handler
async def on_language(turn: Turn) -> None:
    turn.reply(
        turn._("Choose your language:"),
        inline(
            [[(LANGUAGE_NAMES[code], encode(LANGUAGE, "set", code)) for code in SUPPORTED_LOCALES]]
        ),
    )


@turn_handler
async def on_language_chosen(turn: Turn) -> None:
    data = turn.callback  # lang:set:<locale>
    code = data.arg(0) if data is not None and len(data.args) == 1 else None
    if code not in SUPPORTED_LOCALES:
        turn.callback_notice = turn._("That button is no longer active.")
        return
    await save_locale(turn.session, turn.store.id, turn.user_id, code)
    turn.t = turn.services.translator(code, turn.store)
    turn.replace(turn._("From now on I will speak English with you."))  # buttons gone
    await refresh_menu(turn, turn.user_id, chosen=code)  # the menu speaks it too


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("settings", on_settings, filters=private),
        CallbackQueryHandler(on_toggle, pattern=pattern(SETTINGS, "t")),
        CommandHandler("language", on_language, filters=private),
        CallbackQueryHandler(on_language_chosen, pattern=pattern(LANGUAGE, "set")),
    ]
