"""The command menus Telegram shows, per language and per chat.

What a person sees is `bot.club.staff.roles.commands_for(their roles)`: the one
permission table decides both the menus and /help. Owners share the all-private-chats
menu in every language; a staff member, and anyone who chose a language with
/language, gets a menu scoped to their chat, in their chosen language, re-registered
whenever their roles or their language change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.services import Services

from bot.club.staff import roles as staff
from bot.i18n import N_, SUPPORTED_LOCALES, Translator
from db import queries

log = logging.getLogger(__name__)

DESCRIPTIONS: dict[str, str] = {
    "start": N_("Join the club or show your card"),
    "card": N_("Your member card, tier and points"),
    "points": N_("Your points and their history"),
    "upgrade": N_("Trade points for the next tier"),
    "renew": N_("Renew your membership with points"),
    "invite": N_("Invite a friend to the club"),
    "settings": N_("Choose which reminders and notices you get"),
    "language": N_("Change the language"),
    "mydata": N_("See what the club keeps about you"),
    "deleteme": N_("Leave the club and delete your data"),
    "gifts": N_("Gifts and vouchers for your points"),
    "mygifts": N_("Your gifts and vouchers"),
    "book": N_("Book a service"),
    "bookings": N_("Your bookings: reschedule or cancel"),
    "events": N_("Owner classes, road trips and club activities"),
    "feedback": N_("Send us a suggestion or a complaint"),
    "help": N_("What this bot can do"),
    "cancel": N_("Stop what you are doing"),
    "member": N_("Staff: open a member by phone, plate or card"),
    "visit": N_("Staff: record a visit and award points"),
    "joinlink": N_("Staff: one-time join link for an owner"),
    "renewfee": N_("Staff: confirm a paid renewal fee"),
    "import": N_("Staff: import a DMS export (CSV or XLSX)"),
    "broadcast": N_("Staff: send a weather alert or notice"),
    "broadcasts": N_("Staff: scheduled broadcasts and reports"),
    "followups": N_("Staff: owners to phone"),
    "redemptions": N_("Staff: gifts waiting to be handed over, low stock"),
    "fulfil": N_("Staff: open a redemption by its code"),
    "today": N_("Staff: today's bookings"),
    "day": N_("Staff: the bookings of a day"),
    "bookfor": N_("Staff: book for an owner who phoned"),
    "duebook": N_("Staff: owners due for maintenance with no booking"),
    "bookingstats": N_("Staff: appointment and show rates by month"),
    "block": N_("Staff: close a day or block slots"),
    "unblock": N_("Staff: reopen a day or slots"),
    "capacity": N_("Staff: places per slot for a day"),
    "newevent": N_("Staff: create an owner class, road trip or activity"),
    "eventdesk": N_("Staff: events, sign-ups, check-in and messages"),
    "questions": N_("Staff: owners' questions from event evaluations"),
    "tickets": N_("Staff: unhappy surveys and complaints to call back"),
    "calls": N_("Staff: your calls after deliveries and services"),
    "surveys": N_("Manager: satisfaction, NPS and tickets by month"),
    "catalog": N_("Manager: the gift and voucher catalog"),
    "myid": N_("Your Telegram id, for role grants"),
    "dmsname": N_("Staff: the name the DMS knows you by"),
    "reverse": N_("Manager: reverse a visit's points"),
    "adjust": N_("Manager: adjust a member's points"),
    "settier": N_("Manager: set a member's tier"),
    "ledgercheck": N_("Manager: check every balance against its ledger"),
    "templates": N_("Manager: wording of care reminders"),
    "staff": N_("Manager: list staff and roles"),
    "grant": N_("Admin: give a staff role"),
    "revoke": N_("Admin: take a staff role away"),
}
LEAD_ONLY = staff.LEADS
OWNER_COMMANDS: list[tuple[str, str]] = [
    (name, DESCRIPTIONS[name]) for name in staff.commands_for(set())
]
# What a manager or an admin may run beyond the desk's commands.
ADMIN_COMMANDS: list[tuple[str, str]] = [
    (name, DESCRIPTIONS[name])
    for name, permission in staff.COMMANDS.items()
    if permission is not None and staff.PERMISSIONS[permission] <= LEAD_ONLY
]
# Telegram keys command lists by two-letter ISO 639-1 codes.
TELEGRAM_LANGUAGE = {"zh_Hans": "zh", "en": "en"}


def commands_for(
    roles: set[staff.Role], overrides: Mapping[str, tuple[str, ...]] | None = None
) -> list[tuple[str, str]]:
    """(command, untranslated description) for everything these roles may run."""
    return [(name, DESCRIPTIONS[name]) for name in staff.commands_for(roles, overrides)]


def command_list(t: Translator, items: Iterable[tuple[str, str]]) -> list[BotCommand]:
    return [BotCommand(name, t.gettext(desc)) for name, desc in items]


async def _set_menus(
    bot: Bot,
    make: Callable[[str], Translator],
    default: str,
    scope: BotCommandScope,
    items: list[tuple[str, str]],
    chosen: str | None = None,
) -> None:
    """The menu for clients in a language we have no catalog for, then one per language;
    all in `chosen` when the person picked a language with /language."""
    await bot.set_my_commands(command_list(make(chosen or default), items), scope)
    for locale in SUPPORTED_LOCALES:
        await bot.set_my_commands(
            command_list(make(chosen or locale), items),
            scope,
            language_code=TELEGRAM_LANGUAGE[locale],
        )


async def register_owner_commands(
    bot: Bot, make: Callable[[str], Translator], default: str
) -> None:
    await _set_menus(bot, make, default, BotCommandScopeAllPrivateChats(), commands_for(set()))


async def register_user_commands(
    bot: Bot,
    make: Callable[[str], Translator],
    default: str,
    user_id: int,
    roles: set[staff.Role],
    *,
    chosen: str | None = None,
    overrides: Mapping[str, tuple[str, ...]] | None = None,
) -> None:
    """One person's chat menu: what their roles allow, in the language they chose.
    An owner who never chose a language falls back to the shared owners' menu."""
    scope = BotCommandScopeChat(user_id)
    try:
        if not roles and chosen is None:
            await clear_chat_commands(bot, user_id)
            return
        items = commands_for(roles, overrides)
        await _set_menus(bot, make, default, scope, items, chosen)
    except TelegramError as exc:  # e.g. the person never opened the bot
        log.warning("could not set the commands of a chat: %s", exc)


async def clear_chat_commands(bot: Bot, user_id: int) -> None:
    scope = BotCommandScopeChat(user_id)
    try:
        await bot.delete_my_commands(scope)
        for code in TELEGRAM_LANGUAGE.values():
            await bot.delete_my_commands(scope, language_code=code)
    except TelegramError as exc:
        log.warning("could not clear the commands of a chat: %s", exc)


clear_staff_commands = clear_chat_commands


async def register_menus(bot: Bot, services: Services) -> None:
    """At start: the owners' menus, then each staff member's, in their chosen language."""
    settings = services.settings
    make, default = services.translator, settings.default_locale
    await register_owner_commands(bot, make, default)
    async with services.sessionmaker() as session:
        listing = await staff.staff_list(session, services.default_store.id, settings.admin_ids)
        chosen = {uid: await chosen_locale(session, uid) for uid in listing}
    for user_id, roles in listing.items():
        await register_user_commands(
            bot,
            make,
            default,
            user_id,
            roles,
            chosen=chosen[user_id],
            overrides=services.policy.role_overrides,
        )


async def chosen_locale(session: AsyncSession, user_id: int) -> str | None:
    """The language the person picked with /language (kept for members and others)."""
    chat_user = await queries.chat_user(session, user_id)
    locale = chat_user.locale if chat_user else None
    return locale if locale in SUPPORTED_LOCALES else None
