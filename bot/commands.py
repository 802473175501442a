"""The command menus Telegram shows: per language, owners everywhere, staff per chat."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError

from bot.i18n import N_, SUPPORTED_LOCALES, Translator

log = logging.getLogger(__name__)

OWNER_COMMANDS: list[tuple[str, str]] = [
    ("start", N_("Join the club or show your card")),
    ("card", N_("Your member card, tier and points")),
    ("points", N_("Your points and their history")),
    ("upgrade", N_("Trade points for the next tier")),
    ("renew", N_("Renew your membership with points")),
    ("invite", N_("Invite a friend to the club")),
    ("settings", N_("Choose which reminders and notices you get")),
    ("language", N_("Change the language")),
    ("mydata", N_("See what the club keeps about you")),
    ("deleteme", N_("Leave the club and delete your data")),
    ("help", N_("What this bot can do")),
    ("cancel", N_("Stop what you are doing")),
]
STAFF_COMMANDS: list[tuple[str, str]] = [
    ("member", N_("Staff: open a member by phone, plate or card")),
    ("visit", N_("Staff: record a visit and award points")),
    ("joinlink", N_("Staff: one-time join link for an owner")),
    ("renewfee", N_("Staff: confirm a paid renewal fee")),
    ("import", N_("Staff: import a DMS export (CSV or XLSX)")),
    ("broadcast", N_("Staff: send a weather alert or notice")),
    ("broadcasts", N_("Staff: scheduled broadcasts and reports")),
    ("followups", N_("Staff: owners to phone")),
    ("myid", N_("Your Telegram id, for role grants")),
]
ADMIN_COMMANDS: list[tuple[str, str]] = [
    ("reverse", N_("Manager: reverse a visit's points")),
    ("adjust", N_("Manager: adjust a member's points")),
    ("settier", N_("Manager: set a member's tier")),
    ("ledgercheck", N_("Manager: check every balance against its ledger")),
    ("templates", N_("Manager: wording of care reminders")),
    ("staff", N_("Admin: list staff and roles")),
    ("grant", N_("Admin: give a staff role")),
    ("revoke", N_("Admin: take a staff role away")),
]
# Telegram keys command lists by two-letter ISO 639-1 codes.
TELEGRAM_LANGUAGE = {"zh_Hans": "zh", "en": "en"}


def command_list(t: Translator, *, staff: bool, admin: bool) -> list[BotCommand]:
    items = OWNER_COMMANDS + (STAFF_COMMANDS if staff else []) + (ADMIN_COMMANDS if admin else [])
    return [BotCommand(name, t.gettext(desc)) for name, desc in items]


async def _set_menus(
    bot: Bot,
    make: Callable[[str], Translator],
    default: str,
    scope: BotCommandScope,
    *,
    staff: bool,
    admin: bool,
) -> None:
    """One menu for clients in a language we have no catalog for, one per language."""
    await bot.set_my_commands(command_list(make(default), staff=staff, admin=admin), scope)
    for locale in SUPPORTED_LOCALES:
        await bot.set_my_commands(
            command_list(make(locale), staff=staff, admin=admin),
            scope,
            language_code=TELEGRAM_LANGUAGE[locale],
        )


async def register_owner_commands(
    bot: Bot, make: Callable[[str], Translator], default: str
) -> None:
    await _set_menus(bot, make, default, BotCommandScopeAllPrivateChats(), staff=False, admin=False)


async def register_staff_commands(
    bot: Bot, make: Callable[[str], Translator], default: str, user_id: int, *, admin: bool
) -> None:
    """Give one staff member's private chat the staff menu (in every language)."""
    try:
        await _set_menus(bot, make, default, BotCommandScopeChat(user_id), staff=True, admin=admin)
    except TelegramError as exc:  # e.g. the staff member never opened the bot
        log.warning("could not set staff commands for a chat: %s", exc)


async def clear_staff_commands(bot: Bot, user_id: int) -> None:
    scope = BotCommandScopeChat(user_id)
    try:
        await bot.delete_my_commands(scope)
        for code in TELEGRAM_LANGUAGE.values():
            await bot.delete_my_commands(scope, language_code=code)
    except TelegramError as exc:
        log.warning("could not clear staff commands for a chat: %s", exc)
