"""Admin tools for staff roles: /grant, /revoke, /staff; and /myid for anyone."""

from __future__ import annotations

from telegram.ext import BaseHandler, CommandHandler, filters

from bot.club.common.numbers import parse_id
from bot.club.staff import roles as staff
from bot.club.staff.roles import Permission, Role
from handlers.common import Turn, staff_only, turn_handler
from handlers.help import refresh_menu
from handlers.texts import role_label


def _roles_text(turn: Turn) -> str:
    return ", ".join(f"{r.value} ({role_label(turn.t, r.value)})" for r in Role)


def _parse(turn: Turn) -> tuple[int, Role] | None:
    args = turn.args
    role = staff.parse_role(args[1]) if len(args) == 2 else None
    user_id = parse_id(args[0]) if args else None
    if len(args) != 2 or user_id is None or role is None:
        command = turn.text.split()[0] if turn.text else "/grant"
        turn.reply(
            turn._(
                "Usage: {command} <Telegram user id> <role>\nThe person finds their id "
                "with /myid. Roles: {roles}",
                command=command,
                roles=_roles_text(turn),
            )
        )
        return None
    return user_id, role


async def _change_role(turn: Turn, granting: bool) -> None:
    parsed = _parse(turn)
    if parsed is None:
        return
    user_id, role = parsed
    change = staff.grant if granting else staff.revoke
    label = role_label(turn.t, role)
    configured = user_id in turn.services.settings.admin_ids and role is Role.ADMIN
    if not await change(turn.session, turn.store.id, turn.user_id, user_id, role):
        if configured and not granting:
            turn.reply(
                turn._(
                    "User {user} is an admin through the bot's configuration (ADMIN_IDS) "
                    "and stays one; only a change of ADMIN_IDS can take that away.",
                    user=user_id,
                )
            )
        elif granting:
            turn.reply(turn._("User {user} already has the role {role}.", user=user_id, role=label))
        else:
            turn.reply(
                turn._("User {user} does not have the role {role}.", user=user_id, role=label)
            )
        return
    await turn.session.flush()
    if granting:
        turn.reply(turn._("User {user} is now {role}.", user=user_id, role=label))
    else:
        turn.reply(turn._("User {user} is no longer {role}.", user=user_id, role=label))
        if configured:
            turn.reply(
                turn._(
                    "Note: this user stays an admin through the bot's configuration (ADMIN_IDS)."
                )
            )
    await refresh_menu(turn, user_id)


@turn_handler
@staff_only(Permission.MANAGE_STAFF)
async def on_grant(turn: Turn) -> None:
    await _change_role(turn, granting=True)


@turn_handler
@staff_only(Permission.MANAGE_STAFF)
async def on_revoke(turn: Turn) -> None:
    await _change_role(turn, granting=False)


@turn_handler
@staff_only(Permission.LIST_STAFF)
async def on_staff(turn: Turn) -> None:
    listing = await staff.staff_list(turn.session, turn.store.id, turn.services.settings.admin_ids)
    lines = [turn._("Staff and their roles:")]
    for user_id, roles in sorted(listing.items()):
        labels = ", ".join(role_label(turn.t, r.value) for r in sorted(roles))
        lines.append(f"• {user_id}: {labels}")
    turn.reply("\n".join(lines))


@turn_handler
async def on_myid(turn: Turn) -> None:
    chat = turn.update.effective_chat
    if chat is not None and chat.type != "private":
        turn.reply(
            turn._(
                "This group's id is {id}. To have the bot post staff work items here, "
                "set STAFF_CHAT_ID={id}.",
                id=chat.id,
            )
        )
        return
    turn.reply(turn._("Your Telegram user id is {id}.", id=turn.user_id))


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("grant", on_grant, filters=private),
        CommandHandler("revoke", on_revoke, filters=private),
        CommandHandler("staff", on_staff, filters=private),
        CommandHandler("myid", on_myid),  # in a group: the group's id, for STAFF_CHAT_ID
    ]
