"""/calls team (and the Team button) for managers: per person, who is behind first,
how many calls are open now, behind, unreached and done this month; the unassigned
ones and the DMS names they wait for. Anyone else is told it is for managers."""

from __future__ import annotations

from bot.club.calls import team
from bot.club.calls.rules import month_start
from bot.club.staff import dms_names
from bot.club.staff.roles import Permission
from handlers.calls.texts import team_text
from handlers.common import Turn


async def show_team(turn: Turn) -> None:
    if not await turn.may(Permission.CALL_TEAM):
        text = turn._("Only managers see the team's calls; /calls shows yours.")
        turn.callback_notice = text if turn.update.callback_query else None
        turn.reply(text)
        return
    store, now = turn.store, turn.store.now()
    found = await team.team(turn.session, store, now)
    names = await dms_names.display_names(
        turn.session, store.id, [user_id for user_id, _ in found.people]
    )
    turn.reply(team_text(turn.t, found, names, month_start(store.tz, now)))
