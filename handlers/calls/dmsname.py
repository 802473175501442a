"""/dmsname [name]: the name the DMS uses for the staff member (its advisor column), so
the calls after their services are theirs. With a name it is kept (the open
unassigned calls under it become theirs); without, the current one is shown."""

from __future__ import annotations

from telegram.ext import BaseHandler, CommandHandler, filters

from bot.club.calls.rules import LONGEST_DMS_NAME
from bot.club.staff import dms_names
from bot.club.staff.dms_names import NameRefusal, NameRefused
from bot.club.staff.roles import Permission
from bot.i18n import N_
from handlers.common import Turn, staff_only, turn_handler
from handlers.texts import who

HOW = N_(
    "To set it, send /dmsname and your name exactly as the DMS writes it on repair "
    "orders, e.g. /dmsname Li Na."
)
REFUSALS = {
    NameRefusal.EMPTY: HOW,
    NameRefusal.TOO_LONG: N_("That name is too long; {n} characters at most."),
    NameRefusal.TAKEN: N_(
        "{who} uses that DMS name already. If it is really yours, ask them or a manager "
        "to sort it out."
    ),
}


@turn_handler
@staff_only(Permission.STAFF_TOOLS)
async def on_dmsname(turn: Turn) -> None:
    store, session = turn.store, turn.session
    parts = turn.text.split(maxsplit=1)
    if len(parts) < 2:
        current = await dms_names.name_of(session, store.id, turn.user_id)
        if current is None:
            head = turn._("You have not set the name the DMS uses for you.")
        else:
            head = turn._("The DMS knows you as “{name}”.", name=current)
        turn.reply(f"{head}\n{turn._(HOW)}")
        return
    try:
        done = await dms_names.set_name(session, store.id, turn.user_id, parts[1], store.now())
    except NameRefused as refused:
        holder = ""
        if refused.holder is not None:
            names = await dms_names.display_names(session, store.id, [refused.holder])
            holder = who(turn.t, refused.holder, names.get(refused.holder), turn.user_id)
        turn.reply(turn._(REFUSALS[refused.code], who=holder, n=turn.t.number(LONGEST_DMS_NAME)))
        return
    lines = [turn._("Saved: the DMS knows you as “{name}”.", name=done.name)]
    if done.claimed:
        lines.append(
            turn.t.ngettext(
                "{n} open service call under that name is yours now: see /calls.",
                "{n} open service calls under that name are yours now: see /calls.",
                done.claimed,
                n=turn.t.number(done.claimed),
            )
        )
    turn.reply("\n".join(lines))


def build_handlers() -> list[BaseHandler]:
    return [CommandHandler("dmsname", on_dmsname, filters=filters.ChatType.PRIVATE)]
