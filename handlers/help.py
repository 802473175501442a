"""/help and the command menus: exactly the commands a person's roles allow, in their
language; and the short answer to commands sent in a group."""

from __future__ import annotations

from telegram.ext import BaseHandler, CommandHandler, filters

from bot.club.staff import roles as staff
from bot.commands import chosen_locale, commands_for, register_user_commands
from handlers.common import Turn, turn_handler

# Answered in a group with a pointer to the private chat (/myid answers there itself).
GROUP_COMMANDS = [name for name in staff.COMMANDS if name != "myid"]


@turn_handler
async def on_help(turn: Turn) -> None:
    roles = await turn.roles()
    items = commands_for(roles, turn.services.policy.role_overrides)
    lines = [turn._("Here is what I can do:")]
    lines += [f"/{name} — {turn._(desc)}" for name, desc in items]
    turn.reply("\n".join(lines))


@turn_handler
async def on_group_command(turn: Turn) -> None:
    turn.reply(
        turn._(
            "I work in private chat, so that your details stay between us. Open it here: {link}",
            link=f"https://t.me/{turn.services.bot_username}",
        )
    )


async def refresh_menu(turn: Turn, user_id: int, chosen: str | None = None) -> None:
    """After the commit, give `user_id` the menu their roles now allow, in the language
    they chose (`chosen`, else the one saved)."""
    services, store = turn.services, turn.store
    roles = await staff.roles_of(turn.session, store.id, user_id, services.settings.admin_ids)
    chosen = chosen or await chosen_locale(turn.session, user_id)
    bot = turn.context.bot

    async def apply() -> None:
        await register_user_commands(
            bot,
            lambda locale: services.translator(locale, store),
            store.default_locale,
            user_id,
            roles,
            chosen=chosen,
            overrides=services.policy.role_overrides,
        )

    turn.after_commit.append(apply)


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("help", on_help, filters=filters.ChatType.PRIVATE),
        CommandHandler(GROUP_COMMANDS, on_group_command, filters=filters.ChatType.GROUPS),
    ]
