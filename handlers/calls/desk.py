"""/calls: the caller's follow-up calls open now (most urgent first, paged), each with
Done (a note, optional: handlers.calls.done), No answer and Not needed; the calls
nobody has yet, each with Take; for managers a Team button (/calls team).

Buttons: `cl:page:<page>`, `cl:take:<task>`, `cl:no:<task>:<tries shown>`,
`cl:nn:<task>`, `cl:team`; each refused plainly when a colleague or a double tap
was first, and for a task that is not the presser's.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.club.calls import listing, marks
from bot.club.calls.marks import CallRefused
from bot.club.calls.rules import TaskStatus
from bot.club.common.numbers import page_count
from bot.club.staff import dms_names
from bot.club.staff.roles import Permission
from handlers.callbacks import encode, pattern
from handlers.calls import team
from handlers.calls.texts import FEATURE, item_text, refusal_text, unassigned_line
from handlers.common import Markup, Turn, inline, staff_only, turn_handler
from handlers.paging import page_row
from handlers.texts import who

PAGE = 6  # calls per message: six of ~300 characters and their buttons
UNASSIGNED = 5  # unassigned calls shown under one's own
LAST_PAGE = 10_000


def _keyboard(
    turn: Turn,
    mine: list[listing.Item],
    nobodys: list[listing.Item],
    page: int,
    pages: int,
    manager: bool,
) -> Markup | None:
    rows: list[list[tuple[str, str]]] = []
    for item in mine:
        task = item.task
        rows.append(
            [
                (turn._("Done #{id}", id=task.id), encode(FEATURE, "done", task.id)),
                (turn._("No answer #{id}", id=task.id), encode(FEATURE, "no", task.id, task.tries)),
                (turn._("Not needed #{id}", id=task.id), encode(FEATURE, "nn", task.id)),
            ]
        )
    for item in nobodys:
        rows.append(
            [(turn._("Take #{id}", id=item.task.id), encode(FEATURE, "take", item.task.id))]
        )
    moves = page_row(
        page, pages, turn._("◀ Previous"), turn._("Next ▶"), lambda n: encode(FEATURE, "page", n)
    )
    if moves:
        rows.append(moves)
    if manager:
        rows.append([(turn._("The team's calls"), encode(FEATURE, "team"))])
    return inline(rows) if rows else None


async def calls_view(turn: Turn, page: int = 0) -> tuple[str, Markup | None]:
    """The caller's page of calls open now, the unassigned ones, and what waits."""
    store, session, me = turn.store, turn.session, turn.user_id
    now = store.now()
    mine, total = await listing.due_calls(session, store.id, me, now, page * PAGE, PAGE)
    pages = page_count(total, PAGE)
    if page >= pages:
        page = pages - 1
        mine, total = await listing.due_calls(session, store.id, me, now, page * PAGE, PAGE)
    nobodys, nobody_total = await listing.unassigned(session, store.id, now, UNASSIGNED)
    blocks: list[str] = []
    if mine:
        head = turn._("Your calls to make now, most urgent first:")
        if pages > 1:
            head = turn._(
                "Your calls to make now, most urgent first (page {page}/{pages}):",
                page=page + 1,
                pages=pages,
            )
        blocks.append(head)
        blocks += [item_text(turn.t, store.policy, item, now) for item in mine]
    else:
        blocks.append(turn._("No calls of yours are due now."))
    count, soonest = await listing.waiting(session, store.id, me, now)
    if count and soonest is not None:
        blocks.append(
            turn.t.ngettext(
                "{n} more waits for its next try (the first at {when}).",
                "{n} more wait for their next try (the first at {when}).",
                count,
                n=turn.t.number(count),
                when=turn.t.datetime(soonest),
            )
        )
    if nobodys:
        lines = [
            turn._(
                "Unassigned ({n}), anyone may take them:",
                n=turn.t.number(nobody_total),
            )
        ]
        lines += [unassigned_line(turn.t, store.policy, item, now) for item in nobodys]
        blocks.append("\n".join(lines))
    manager = await turn.may(Permission.CALL_TEAM)
    return "\n\n".join(blocks), _keyboard(turn, mine, nobodys, page, pages, manager)


async def show(turn: Turn, page: int = 0, head: str | None = None, *, new: bool = False) -> None:
    text, markup = await calls_view(turn, page)
    text = f"{head}\n\n{text}" if head else text
    if new:
        turn.reply(text, markup)
    else:
        turn.replace(text, markup)


async def colleague(turn: Turn, user_id: int | None) -> str:
    """The colleague a refusal names ("you", their name, or their id)."""
    if user_id is None:
        return "—"
    names = await dms_names.display_names(turn.session, turn.store.id, [user_id])
    return who(turn.t, user_id, names.get(user_id), turn.user_id)


async def refused(turn: Turn, refusal: CallRefused) -> str:
    """The refusal's text; shown on the button and, refreshed, above the list."""
    task = refusal.task
    user = None
    if task is not None:
        user = task.done_by if task.status != TaskStatus.OPEN else task.assignee_user_id
    mine = user is not None and user == turn.user_id
    text = refusal_text(turn.t, refusal.code, task, await colleague(turn, user), mine=mine)
    turn.callback_notice = text[:190]
    return text


@turn_handler
@staff_only(Permission.CALLS)
async def on_calls(turn: Turn) -> None:
    if turn.args and turn.args[0].casefold() == "team":
        await team.show_team(turn)
        return
    if turn.args:
        turn.reply(turn._("Usage: /calls for your calls, /calls team for the team's."))
        return
    await show(turn, new=True)


async def _act(turn: Turn, action: str, task_id: int) -> str | None:
    """Take, no answer or not needed; the line that heads the refreshed list (None when
    refused: the refusal is the press's notice alone, never said twice)."""
    store, now, cb = turn.store, turn.store.now(), turn.callback
    try:
        if action == "take":
            task = await marks.take(turn.session, store.id, task_id, turn.user_id, now)
            if task.opens_at > now:  # not due yet (a day-3 call, say): not listed until then
                return turn._(
                    "Call #{id} is yours now; it shows in /calls from {when}.",
                    id=task.id,
                    when=turn.t.datetime(task.opens_at),
                )
            return turn._("Call #{id} is yours now.", id=task.id)
        if action == "nn":
            task = await marks.not_needed(turn.session, store.id, task_id, turn.user_id, now)
            return turn._("Call #{id} marked not needed.", id=task.id)
        tries = cb.number(1) if cb is not None else None
        if tries is None:
            return turn._("That button is no longer active.")
        task = await marks.no_answer(turn.session, store, task_id, turn.user_id, tries, now)
    except CallRefused as refusal:
        await refused(turn, refusal)
        return None
    if task.status == TaskStatus.UNREACHED:
        return turn._(
            "Call #{id}: {n} tries failed; reach the owner another way (SMS, WeChat). "
            "The failure is recorded.",
            id=task.id,
            n=turn.t.number(task.tries),
        )
    assert task.next_try_at is not None
    return turn._(
        "Call #{id}: no answer noted. Try again at {when}.",
        id=task.id,
        when=turn.t.datetime(task.next_try_at),
    )


@turn_handler
@staff_only(Permission.CALLS)
async def on_button(turn: Turn) -> None:
    cb = turn.callback
    if cb is None:
        return
    if cb.action == "page":
        await show(turn, min(cb.number(0) or 0, LAST_PAGE))
        return
    if cb.action == "team":
        await team.show_team(turn)
        return
    task_id = cb.id(0)
    if task_id is None:
        turn.callback_notice = turn._("That button is no longer active.")
        return
    await show(turn, 0, await _act(turn, cb.action, task_id))


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("calls", on_calls, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(
            on_button, pattern=pattern(FEATURE, "page", "take", "no", "nn", "team")
        ),
    ]
